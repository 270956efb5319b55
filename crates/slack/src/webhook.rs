//! Posting payloads to a Slack incoming webhook (retries as Slack asks: see `http.rs`).

use std::fmt;

use rnd_http::Uri;

use crate::http::{DeliveryError, JsonPoster, RetryPolicy};

/// An incoming-webhook URL. It is a credential (anyone holding it can post to the channel), so
/// it is never printed: `Debug` and errors say only that it is there.
#[derive(Clone)]
pub struct WebhookUrl(Uri);

impl WebhookUrl {
    /// `None` when the text is not an http(s) URL. The error deliberately does not echo the text.
    pub fn parse(text: &str) -> Option<Self> {
        let uri: Uri = text.trim().parse().ok()?;
        let web = matches!(uri.scheme_str(), Some("https" | "http"));
        (web && uri.host().is_some()).then_some(WebhookUrl(uri))
    }
}

impl fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookUrl(<redacted>)")
    }
}

/// Posts JSON payloads to one webhook.
pub struct Webhook {
    url: WebhookUrl,
    http: JsonPoster,
}

impl Webhook {
    pub fn new(url: WebhookUrl, policy: RetryPolicy) -> Result<Self, DeliveryError> {
        Ok(Webhook {
            url,
            http: JsonPoster::new(policy)?,
        })
    }

    /// Deliver one payload, retrying as Slack asks.
    pub async fn post(&self, payload: &serde_json::Value) -> Result<(), DeliveryError> {
        self.http.post(&self.url.0, None, payload).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_never_shown() {
        let url = WebhookUrl::parse("https://hooks.example.com/services/T000/B000/XXXX").unwrap();
        assert_eq!(format!("{url:?}"), "WebhookUrl(<redacted>)");
        assert!(WebhookUrl::parse("not a url").is_none());
        assert!(WebhookUrl::parse("ftp://example.com/x").is_none());
        assert!(WebhookUrl::parse("/relative/path").is_none());
    }
}

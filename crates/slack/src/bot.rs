//! Posting through Slack's Web API with a bot token: `chat.postMessage` (optionally in a thread)
//! and `chat.update`, so a run's start message can become its result and its progress can go to
//! the message's thread. The token is a credential: never printed, never in an error.

use std::fmt;

use rnd_http::Uri;
use serde_json::{json, Value};

use crate::http::{DeliveryError, JsonPoster, RetryPolicy};

/// Where Slack's Web API is, unless `RND_SLACK_API_URL` says otherwise (a relay, or a local
/// stand-in in tests).
pub const DEFAULT_API_URL: &str = "https://slack.com/api/";

/// The environment variable that moves the Web API's address.
pub const API_URL_ENV: &str = "RND_SLACK_API_URL";

/// A bot token (`xoxb-…`). `Debug` never shows it.
#[derive(Clone)]
pub struct BotToken(String);

impl BotToken {
    /// `None` for an empty or blank text.
    pub fn new(text: &str) -> Option<Self> {
        let text = text.trim();
        (!text.is_empty()).then(|| BotToken(text.to_string()))
    }
}

impl fmt::Debug for BotToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BotToken(<redacted>)")
    }
}

/// A message Slack took: what `chat.update` and thread replies need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRef {
    /// The channel's ID as Slack answered it (`chat.update` takes IDs, not names).
    pub channel: String,
    pub ts: String,
}

/// Posts to one channel as a bot.
pub struct Bot {
    token: BotToken,
    channel: String,
    post_message: Uri,
    update: Uri,
    http: JsonPoster,
}

impl Bot {
    /// `api` is the Web API's base URL (see [`DEFAULT_API_URL`]).
    pub fn new(
        token: BotToken,
        channel: String,
        api: &str,
        policy: RetryPolicy,
    ) -> Result<Self, DeliveryError> {
        let method = |name: &str| -> Result<Uri, DeliveryError> {
            format!("{}/{name}", api.trim_end_matches('/'))
                .parse()
                .map_err(|_| DeliveryError(format!("{API_URL_ENV} is not a URL")))
        };
        Ok(Bot {
            token,
            channel,
            post_message: method("chat.postMessage")?,
            update: method("chat.update")?,
            http: JsonPoster::new(policy)?,
        })
    }

    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// Post `payload` (`text` and `blocks`) to the channel, or into `thread` when given;
    /// `broadcast` also shows a thread reply in the channel.
    pub async fn post(
        &self,
        payload: &Value,
        thread: Option<&MessageRef>,
        broadcast: bool,
    ) -> Result<MessageRef, DeliveryError> {
        let mut body = payload.clone();
        let channel = thread.map_or(self.channel.as_str(), |t| t.channel.as_str());
        body["channel"] = json!(channel);
        body["unfurl_links"] = json!(false);
        if let Some(thread) = thread {
            body["thread_ts"] = json!(thread.ts);
            if broadcast {
                body["reply_broadcast"] = json!(true);
            }
        }
        let answer = self.call(&self.post_message, &body).await?;
        match (answer["channel"].as_str(), answer["ts"].as_str()) {
            (Some(channel), Some(ts)) => Ok(MessageRef {
                channel: channel.to_string(),
                ts: ts.to_string(),
            }),
            _ => Err(DeliveryError(
                "chat.postMessage answered without the message's channel and ts".into(),
            )),
        }
    }

    /// Replace the message `at` with `payload`.
    pub async fn update(&self, at: &MessageRef, payload: &Value) -> Result<(), DeliveryError> {
        let mut body = payload.clone();
        body["channel"] = json!(at.channel);
        body["ts"] = json!(at.ts);
        self.call(&self.update, &body).await.map(|_| ())
    }

    /// One Web API call: HTTP errors are retried by the poster; `"ok": false` is Slack refusing.
    async fn call(&self, method: &Uri, body: &Value) -> Result<Value, DeliveryError> {
        let text = self.http.post(method, Some(&self.token.0), body).await?;
        let answer: Value = serde_json::from_str(&text)
            .map_err(|_| DeliveryError("Slack's Web API answered something other than JSON".into()))?;
        if answer["ok"].as_bool() == Some(true) {
            Ok(answer)
        } else {
            let error = answer["error"].as_str().unwrap_or("no reason given");
            Err(DeliveryError(format!(
                "Slack refused the message: {error}{}",
                hint(error)
            )))
        }
    }
}

/// What to do about the Web API errors a new setup meets most.
fn hint(error: &str) -> &'static str {
    match error {
        "not_in_channel" => " (invite the bot to the channel)",
        "channel_not_found" => " (check notifications.slack.channel in platform.json)",
        "invalid_auth" | "not_authed" | "token_revoked" | "account_inactive" => " (check the bot token)",
        "missing_scope" => " (the bot needs the chat:write scope)",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_never_shown() {
        let token = BotToken::new("xoxb-123-secret").unwrap();
        assert_eq!(format!("{token:?}"), "BotToken(<redacted>)");
        assert!(BotToken::new("  ").is_none());
    }

    #[test]
    fn method_urls_are_joined_to_the_base_with_or_without_a_slash() {
        for base in ["http://127.0.0.1:1/api", "http://127.0.0.1:1/api/"] {
            let bot = Bot::new(
                BotToken::new("t").unwrap(),
                "#c".into(),
                base,
                RetryPolicy::default(),
            )
            .unwrap();
            assert_eq!(
                bot.post_message.to_string(),
                "http://127.0.0.1:1/api/chat.postMessage"
            );
            assert_eq!(bot.update.to_string(), "http://127.0.0.1:1/api/chat.update");
        }
    }
}

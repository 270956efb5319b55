//! POSTing JSON to Slack with Slack's retry rules, shared by the incoming webhook and the Web API:
//! a 429 is retried after its `Retry-After`, a 5xx or a transport error with backoff, each a
//! bounded number of times. A delivery that still fails is an error value for the caller to warn
//! about, never a panic, and never contains the URL or the token.

use std::fmt;
use std::time::Duration;

use rnd_http::{Bytes, Full, HttpClient, HttpError, Request, StatusCode, Uri};

/// How hard to try. Slack asks clients to honour `Retry-After`; a bound keeps a long outage from
/// holding up the end of a deployment.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per message, the first included.
    pub attempts: u32,
    /// First wait after a 5xx or transport error; doubles each time.
    pub backoff: Duration,
    /// Longest `Retry-After` honoured; a longer one gives the message up.
    pub max_retry_after: Duration,
    /// Per request.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            backoff: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
        }
    }
}

/// Why a message was not delivered. Never contains the URL or a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryError(pub String);

impl fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An HTTPS (or, for local receivers, HTTP) client that posts JSON with retries.
pub(crate) struct JsonPoster {
    policy: RetryPolicy,
    client: HttpClient,
}

/// What one attempt came to.
enum Attempt {
    Done(String),
    RetryAfter(Duration),
    Retry(String),
    GiveUp(String),
}

impl JsonPoster {
    pub(crate) fn new(policy: RetryPolicy) -> Result<Self, DeliveryError> {
        // Plain http is allowed for local receivers (tests, a relay on the same host).
        let client = HttpClient::new(policy.timeout).map_err(|e| DeliveryError(e.to_string()))?;
        Ok(JsonPoster { policy, client })
    }

    /// POST `payload` to `uri` (with `Authorization: Bearer <bearer>` when given), retrying as
    /// Slack asks; the body of the successful answer.
    pub(crate) async fn post(
        &self,
        uri: &Uri,
        bearer: Option<&str>,
        payload: &serde_json::Value,
    ) -> Result<String, DeliveryError> {
        let body = Bytes::from(payload.to_string());
        let mut backoff = self.policy.backoff;
        let mut last = String::new();
        for attempt in 1..=self.policy.attempts.max(1) {
            let wait = match self.attempt(uri, bearer, body.clone()).await {
                Attempt::Done(text) => return Ok(text),
                Attempt::GiveUp(why) => return Err(DeliveryError(why)),
                Attempt::RetryAfter(wait) if wait > self.policy.max_retry_after => {
                    return Err(DeliveryError(format!(
                        "Slack asked to wait {}s, longer than the {}s allowed",
                        wait.as_secs(),
                        self.policy.max_retry_after.as_secs()
                    )))
                }
                Attempt::RetryAfter(wait) => {
                    last = "rate limited (429)".into();
                    wait
                }
                Attempt::Retry(why) => {
                    last = why;
                    let wait = backoff;
                    backoff *= 2;
                    wait
                }
            };
            if attempt < self.policy.attempts {
                tokio::time::sleep(wait).await;
            }
        }
        Err(DeliveryError(format!(
            "{last}, after {} attempts",
            self.policy.attempts.max(1)
        )))
    }

    async fn attempt(&self, uri: &Uri, bearer: Option<&str>, body: Bytes) -> Attempt {
        let mut request =
            Request::post(uri.clone()).header("content-type", "application/json; charset=utf-8");
        if let Some(token) = bearer {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let request = request
            .body(Full::new(body))
            .expect("a POST with a parsed URI is a valid request");
        let response = match self.client.send(request).await {
            Err(HttpError::Timeout(_)) => return Attempt::Retry("no answer in time".into()),
            Err(e) => return Attempt::Retry(e.to_string()),
            Ok(response) => response,
        };
        let status = response.status;
        let retry_after = response
            .header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        // Slack answers errors with a short reason in the body (`invalid_blocks`, `no_service`),
        // and the Web API its results as JSON.
        let text = String::from_utf8_lossy(&response.body).into_owned();
        match status {
            s if s.is_success() => Attempt::Done(text),
            StatusCode::TOO_MANY_REQUESTS => {
                Attempt::RetryAfter(retry_after.unwrap_or(Duration::from_secs(1)))
            }
            s if s.is_server_error() => Attempt::Retry(format!("Slack answered {s}")),
            s => Attempt::GiveUp(format!(
                "Slack refused the message: {s} {}",
                text.chars().take(200).collect::<String>().trim()
            )),
        }
    }
}

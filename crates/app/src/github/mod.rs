//! rnd's one GitHub REST client: a pull request's comments (the action's plan comment) and a
//! repository's contents at a commit (the Lambda function reads the deployments repository
//! with it). hyper and rustls, the HTTP stack the AWS SDK already builds. The token goes only to
//! the API's own origin and is never printed. Requests go through rnd's one HTTP client
//! (`rnd-http`).

mod comments;
mod contents;
mod links;

use std::fmt;
use std::time::Duration;

use rnd_http::{Bytes, Full, HttpClient, HttpError, Method, Request, StatusCode, Uri};

pub use comments::{Comment, User};
pub use contents::{ContentsTree, EntryType};
pub use links::next_link;
use links::same_origin;

/// GitHub's answers are small; a slow API should not hold a deployment for long.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A GitHub token: shown as `<redacted>` by `Debug`, read only where a request is signed.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(secret: impl Into<String>) -> Token {
        Token(secret.into())
    }

    fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Why a GitHub call did not give an answer; `retryable` when a later attempt may succeed
/// (GitHub unreachable, slow, rate-limited or failing), not when it refused the request.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct GitHubError {
    pub message: String,
    /// `Some(404)` when the path does not exist (or the token cannot see it).
    pub status: Option<u16>,
    pub retryable: bool,
}

impl GitHubError {
    fn retryable(message: String) -> GitHubError {
        GitHubError {
            message,
            status: None,
            retryable: true,
        }
    }

    fn permanent(message: String) -> GitHubError {
        GitHubError {
            message,
            status: None,
            retryable: false,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status == Some(404)
    }
}

/// A client for one GitHub API (`GITHUB_API_URL`: github.com's or an Enterprise Server's).
#[derive(Clone)]
pub struct GitHub {
    base: String,
    token: Option<Token>,
    user_agent: &'static str,
    client: HttpClient,
}

/// One answer: its body and the `next` page, if any.
struct Answer {
    body: Bytes,
    next: Option<String>,
}

impl GitHub {
    /// `base` is the API's root URL; `user_agent` names the frontend (GitHub asks for one).
    pub fn new(base: &str, token: Option<Token>, user_agent: &'static str) -> Result<GitHub, GitHubError> {
        // GitHub Enterprise Server and tests may serve plain HTTP on a private address.
        let client = HttpClient::new(TIMEOUT).map_err(|e| GitHubError::permanent(e.to_string()))?;
        Ok(GitHub {
            base: base.trim_end_matches('/').to_string(),
            token,
            user_agent,
            client,
        })
    }

    /// The API URL of `path` (which starts with `/`).
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// One request. A non-2xx status is an error naming the call, the status and GitHub's
    /// message; rate limits and server errors are retryable.
    async fn send(
        &self,
        method: Method,
        url: &str,
        accept: &str,
        json_body: Option<String>,
    ) -> Result<Answer, GitHubError> {
        // The token only ever goes to the API's own origin, whatever a `Link` header says.
        if !same_origin(url, &self.base) {
            return Err(GitHubError::permanent(format!(
                "GitHub pointed to {url}, outside {}; not following it",
                self.base
            )));
        }
        let uri: Uri = url
            .parse()
            .map_err(|_| GitHubError::permanent(format!("{url} is not a URL")))?;
        let what = format!("{method} {}", uri.path());
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header("accept", accept)
            .header("x-github-api-version", "2022-11-28")
            .header("user-agent", self.user_agent);
        if let Some(token) = &self.token {
            request = request.header("authorization", format!("Bearer {}", token.secret()));
        }
        if json_body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let request = request
            .body(Full::new(Bytes::from(json_body.unwrap_or_default())))
            .map_err(|e| GitHubError::permanent(format!("{what}: building the request: {e}")))?;
        let response = self.client.send(request).await.map_err(|e| match e {
            // Unreachable, slow or cut off: another attempt later may get through.
            HttpError::Timeout(_) | HttpError::Transport(_) => GitHubError::retryable(format!("{what}: {e}")),
            HttpError::NoRootCertificates(_) => GitHubError::permanent(format!("{what}: {e}")),
        })?;
        let status = response.status;
        let next = response.header("link").and_then(next_link);
        let body = response.body;
        if status.is_success() {
            return Ok(Answer { body, next });
        }
        Err(refusal(&what, status, &body))
    }
}

/// A non-2xx answer as an error: rate limits (403/429 saying so) and server errors are worth
/// retrying, anything else is GitHub refusing the request.
fn refusal(what: &str, status: StatusCode, body: &[u8]) -> GitHubError {
    let message = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string))
        .unwrap_or_default();
    let rate_limited = matches!(status, StatusCode::TOO_MANY_REQUESTS | StatusCode::FORBIDDEN)
        && message.to_ascii_lowercase().contains("rate limit");
    GitHubError {
        message: format!("{what}: GitHub answered {status} {message}")
            .trim_end()
            .to_string(),
        status: Some(status.as_u16()),
        retryable: rate_limited || status.is_server_error(),
    }
}

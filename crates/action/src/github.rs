//! GitHub's REST API, the three calls the action makes: list a pull request's comments (every
//! page), create one, edit one. hyper and rustls, the HTTP stack the AWS SDK already builds.
//! The token goes only to `GITHUB_API_URL`'s origin and is never printed.

use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, Uri};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;

use crate::environment::Token;

/// GitHub's answers are small; a slow API should not hold a deployment's check for long.
const TIMEOUT: Duration = Duration::from_secs(30);
/// More than a pull request's comments would ever need; a bound against a `next` link loop.
const MAX_PAGES: usize = 100;

/// One issue comment, as much of it as the action reads.
#[derive(Debug, Clone, Deserialize)]
pub struct Comment {
    pub id: u64,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
    pub user: Option<User>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub login: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// A client for one repository's issue comments.
pub struct Api {
    base: String,
    repository: String,
    token: Token,
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl Api {
    /// `base` is `GITHUB_API_URL`, `repository` is `owner/name`.
    pub fn new(base: &str, repository: &str, token: Token) -> Result<Self> {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .context("no TLS root certificates")?
            // GitHub Enterprise Server and tests may serve plain HTTP on a private address.
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Api {
            base: base.trim_end_matches('/').to_string(),
            repository: repository.to_string(),
            token,
            client: Client::builder(TokioExecutor::new()).build(connector),
        })
    }

    /// Every comment of issue or pull request `number`, following `Link: rel="next"`.
    pub async fn comments(&self, number: u64) -> Result<Vec<Comment>> {
        let mut url = format!(
            "{}/repos/{}/issues/{number}/comments?per_page=100",
            self.base, self.repository
        );
        let mut all = Vec::new();
        for _ in 0..MAX_PAGES {
            let (body, next) = self.send(Method::GET, &url, None).await?;
            let page: Vec<Comment> = serde_json::from_slice(&body)
                .context("GitHub's list of comments is not what it documents")?;
            all.extend(page);
            match next {
                Some(next) => url = next,
                None => return Ok(all),
            }
        }
        bail!("pull request #{number} has more than {MAX_PAGES} pages of comments")
    }

    /// Add a comment to issue or pull request `number`.
    pub async fn create_comment(&self, number: u64, body: &str) -> Result<Comment> {
        let url = format!("{}/repos/{}/issues/{number}/comments", self.base, self.repository);
        let (answer, _) = self.send(Method::POST, &url, Some(body)).await?;
        serde_json::from_slice(&answer).context("GitHub's answer to a new comment is not what it documents")
    }

    /// Replace the body of comment `id`.
    pub async fn update_comment(&self, id: u64, body: &str) -> Result<Comment> {
        let url = format!("{}/repos/{}/issues/comments/{id}", self.base, self.repository);
        let (answer, _) = self.send(Method::PATCH, &url, Some(body)).await?;
        serde_json::from_slice(&answer)
            .context("GitHub's answer to an edited comment is not what it documents")
    }

    /// One request; the answer's body and its `next` page, if any. A non-2xx status is an
    /// error naming the call, the status and GitHub's message.
    async fn send(&self, method: Method, url: &str, body: Option<&str>) -> Result<(Bytes, Option<String>)> {
        // The token only ever goes to the API's own origin, whatever a `Link` header says.
        if !same_origin(url, &self.base) {
            bail!("GitHub pointed to {url}, outside {}; not following it", self.base);
        }
        let uri: Uri = url.parse().with_context(|| format!("{url} is not a URL"))?;
        let what = format!("{method} {}", uri.path());
        let payload = body.map(|b| serde_json::json!({ "body": b }).to_string());
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header("authorization", format!("Bearer {}", self.token.secret()))
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
            .header("user-agent", concat!("rnd-action/", env!("CARGO_PKG_VERSION")));
        if payload.is_some() {
            request = request.header("content-type", "application/json");
        }
        let request = request
            .body(Full::new(Bytes::from(payload.unwrap_or_default())))
            .context("building a request")?;
        let response = tokio::time::timeout(TIMEOUT, self.client.request(request))
            .await
            .map_err(|_| anyhow!("{what}: GitHub did not answer within {} s", TIMEOUT.as_secs()))?
            .map_err(|e| anyhow!("{what}: {}", transport_error(&e)))?;
        let status = response.status();
        let next = response
            .headers()
            .get("link")
            .and_then(|v| v.to_str().ok())
            .and_then(next_link);
        let bytes = tokio::time::timeout(TIMEOUT, response.into_body().collect())
            .await
            .map_err(|_| {
                anyhow!(
                    "{what}: GitHub's answer did not arrive within {} s",
                    TIMEOUT.as_secs()
                )
            })?
            .map_err(|e| anyhow!("{what}: reading GitHub's answer: {e}"))?
            .to_bytes();
        if !status.is_success() {
            let message = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_string))
                .unwrap_or_default();
            bail!("{what}: GitHub answered {status} {message}");
        }
        Ok((bytes, next))
    }
}

/// The `rel="next"` URL of a `Link` header, as GitHub paginates.
pub fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
        let url = url.trim();
        (is_next && url.starts_with('<') && url.ends_with('>')).then(|| url[1..url.len() - 1].to_string())
    })
}

/// Whether `url` is on the same scheme, host and port as `base`.
fn same_origin(url: &str, base: &str) -> bool {
    let origin = |u: &str| -> Option<String> {
        let uri: Uri = u.parse().ok()?;
        Some(format!("{}://{}", uri.scheme_str()?, uri.authority()?))
    };
    matches!((origin(url), origin(base)), (Some(a), Some(b)) if a == b)
}

/// The transport error and its causes (refused, DNS, TLS); they never hold the token.
fn transport_error(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_comes_from_the_link_header() {
        let header = r#"<https://api.github.com/repositories/1/issues/2/comments?page=2>; rel="next", <https://api.github.com/repositories/1/issues/2/comments?page=5>; rel="last""#;
        assert_eq!(
            next_link(header).as_deref(),
            Some("https://api.github.com/repositories/1/issues/2/comments?page=2")
        );
        assert_eq!(
            next_link(r#"<https://api.github.com/x?page=1>; rel="prev""#),
            None
        );
    }

    #[test]
    fn the_token_stays_on_the_api_origin() {
        assert!(same_origin(
            "https://api.github.com/repos/o/r?page=2",
            "https://api.github.com"
        ));
        assert!(!same_origin(
            "https://evil.example.com/repos",
            "https://api.github.com"
        ));
        assert!(!same_origin(
            "http://api.github.com/repos",
            "https://api.github.com"
        ));
    }
}

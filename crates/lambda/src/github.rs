//! Reading the deployments repository at one commit through GitHub's REST API (contents
//! endpoint): `platform.json` and every file of `manifests/`. No clone, no git on the function.

use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::{Request, StatusCode};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;

use crate::error::HandlerError;

/// The files a repository check needs, named as in the repository (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryFiles {
    /// `platform.json`'s path and text.
    pub platform: (String, String),
    /// `manifests/<name>.json` (and other files of that directory), path and text.
    pub manifests: Vec<(String, String)>,
}

pub struct GitHub {
    api: String,
    token: Option<String>,
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<Bytes>>,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    path: String,
    #[serde(rename = "type")]
    kind: String,
}

impl GitHub {
    pub fn new(api: &str, token: Option<String>) -> Result<GitHub, HandlerError> {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| HandlerError::Permanent(format!("no TLS root certificates: {e}")))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(GitHub {
            api: api.trim_end_matches('/').to_string(),
            token,
            client: Client::builder(TokioExecutor::new()).build(connector),
        })
    }

    /// `platform.json` and `manifests/*` of `directory` in `repository` at `commit`.
    pub async fn read_repository(
        &self,
        repository: &str,
        directory: &str,
        commit: &str,
    ) -> Result<RepositoryFiles, HandlerError> {
        let path = |name: &str| {
            if directory.is_empty() {
                name.to_string()
            } else {
                format!("{directory}/{name}")
            }
        };
        let platform_path = path("platform.json");
        let platform = self.file(repository, &platform_path, commit).await?;
        let listing = self
            .get(
                repository,
                &path("manifests"),
                commit,
                "application/vnd.github+json",
            )
            .await?;
        let entries: Vec<Entry> = serde_json::from_slice(&listing).map_err(|_| {
            HandlerError::Permanent(format!("{} is not a directory at {commit}", path("manifests")))
        })?;
        let mut manifests = Vec::new();
        for entry in entries
            .iter()
            .filter(|e| e.kind == "file" && e.name.ends_with(".json"))
        {
            manifests.push((
                entry.path.clone(),
                self.file(repository, &entry.path, commit).await?,
            ));
        }
        Ok(RepositoryFiles {
            platform: (platform_path, platform),
            manifests,
        })
    }

    async fn file(&self, repository: &str, path: &str, commit: &str) -> Result<String, HandlerError> {
        let bytes = self
            .get(repository, path, commit, "application/vnd.github.raw+json")
            .await?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| HandlerError::Permanent(format!("{path} at {commit} is not UTF-8 text")))
    }

    async fn get(
        &self,
        repository: &str,
        path: &str,
        commit: &str,
        accept: &str,
    ) -> Result<Bytes, HandlerError> {
        let uri = format!("{}/repos/{repository}/contents/{path}?ref={commit}", self.api);
        let mut request = Request::get(&uri)
            .header("accept", accept)
            .header("x-github-api-version", "2022-11-28")
            .header("user-agent", concat!("rnd-lambda/", env!("CARGO_PKG_VERSION")));
        if let Some(token) = &self.token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let request = request
            .body(Empty::new())
            .map_err(|_| HandlerError::Permanent(format!("{uri} is not a valid URL")))?;
        let response = tokio::time::timeout(Duration::from_secs(20), self.client.request(request))
            .await
            .map_err(|_| HandlerError::Retryable(format!("GitHub did not answer for {path} in 20 s")))?
            .map_err(|e| HandlerError::Retryable(format!("reaching GitHub for {path}: {e}")))?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| HandlerError::Retryable(format!("reading GitHub's answer for {path}: {e}")))?
            .to_bytes();
        match status {
            s if s.is_success() => Ok(body),
            StatusCode::NOT_FOUND => Err(HandlerError::Permanent(format!(
                "{repository} has no {path} at {commit} (or the token cannot read it)"
            ))),
            StatusCode::TOO_MANY_REQUESTS | StatusCode::FORBIDDEN if is_rate_limited(&body) => Err(
                HandlerError::Retryable(format!("GitHub's rate limit reading {path}")),
            ),
            s if s.is_server_error() => {
                Err(HandlerError::Retryable(format!("GitHub answered {s} for {path}")))
            }
            s => Err(HandlerError::Permanent(format!("GitHub answered {s} for {path}"))),
        }
    }
}

fn is_rate_limited(body: &[u8]) -> bool {
    String::from_utf8_lossy(body)
        .to_ascii_lowercase()
        .contains("rate limit")
}

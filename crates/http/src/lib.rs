//! rnd's one HTTP client, for the few calls that are not AWS's (Slack's webhook and Web API,
//! GitHub's REST API): hyper 1 and rustls with the platform's root certificates, the stack the
//! AWS SDK already builds, so no second TLS setup enters the binaries. One request, bounded in
//! time; retry rules belong to the callers, which know what their API asks for.

use std::time::Duration;

use http_body_util::BodyExt;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;

pub use http_body_util::Full;
pub use hyper::body::Bytes;
pub use hyper::header::HeaderMap;
pub use hyper::{Method, Request, StatusCode, Uri};

/// An answer, read to its end.
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Response {
    /// A header's value as text, if it is there and is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Why a request got no answer. The text names the failure (refused, DNS, TLS, time), never the
/// URL, which may carry a credential (a Slack webhook URL is one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("no TLS root certificates: {0}")]
    NoRootCertificates(String),
    #[error("no answer within {0} s")]
    Timeout(u64),
    #[error("{0}")]
    Transport(String),
}

/// A client for HTTPS and, for local stand-ins and relays, plain HTTP.
#[derive(Clone)]
pub struct HttpClient {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

impl HttpClient {
    /// `timeout` bounds each request: waiting for the answer, and again for its body.
    pub fn new(timeout: Duration) -> Result<HttpClient, HttpError> {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| HttpError::NoRootCertificates(e.to_string()))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(HttpClient {
            client: Client::builder(TokioExecutor::new()).build(connector),
            timeout,
        })
    }

    /// Send `request` and read the whole answer.
    pub async fn send(&self, request: Request<Full<Bytes>>) -> Result<Response, HttpError> {
        let seconds = self.timeout.as_secs();
        let response = tokio::time::timeout(self.timeout, self.client.request(request))
            .await
            .map_err(|_| HttpError::Timeout(seconds))?
            .map_err(|e| HttpError::Transport(causes(&e)))?;
        let (head, body) = response.into_parts();
        let body = tokio::time::timeout(self.timeout, body.collect())
            .await
            .map_err(|_| HttpError::Timeout(seconds))?
            .map_err(|e| HttpError::Transport(format!("reading the answer: {}", causes(&e))))?
            .to_bytes();
        Ok(Response {
            status: head.status,
            headers: head.headers,
            body,
        })
    }
}

/// An error and its causes, which is where hyper says what actually failed.
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

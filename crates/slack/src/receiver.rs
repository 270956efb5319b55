//! A local stand-in for Slack, for tests (feature `test-receiver`): an incoming webhook and the
//! Web API's `chat.postMessage` and `chat.update` (under `/api/`). It records every request and
//! answers as Slack does (`200 ok`, the Web API's JSON with `ts`, or `429` with `Retry-After`).
//! Plain HTTP/1.1 over a tokio socket, one request per connection: enough for a webhook, and no
//! server crate whose features would change how the rest of the workspace is built.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How to answer one request; after the script runs out, every request gets `Ok`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Ok,
    /// 429 with `Retry-After: <seconds>`.
    RateLimited(u64),
    /// 500.
    ServerError,
    /// Web API only: 200 with `{"ok": false, "error": <this>}`.
    SlackError(&'static str),
}

/// One request as received, with the status it was answered with.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    pub body: Value,
    pub status: u16,
    /// Web API: the message's `ts` this request created or updated.
    pub ts: Option<String>,
}

pub struct Receiver {
    address: SocketAddr,
    recorded: Arc<Mutex<Vec<Recorded>>>,
}

impl Receiver {
    /// Listen on a free local port. Must be called within a tokio runtime that keeps running.
    pub async fn start(script: Vec<Answer>) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a local port");
        let address = listener.local_addr().expect("local address");
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let log = recorded.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (log, script) = (log.clone(), script.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, &log, &script).await;
                });
            }
        });
        Receiver { address, recorded }
    }

    /// The webhook URL to hand to the code under test (shaped like Slack's).
    pub fn url(&self) -> String {
        format!("http://{}/services/T0TEST/B0TEST/not-a-real-secret", self.address)
    }

    /// The Web API's base URL (for `RND_SLACK_API_URL`).
    pub fn api_url(&self) -> String {
        format!("http://{}/api/", self.address)
    }

    /// Every request, in the order received.
    pub fn requests(&self) -> Vec<Recorded> {
        self.recorded.lock().expect("receiver log").clone()
    }

    /// The bodies of the requests Slack took, in order: the messages Slack would show.
    pub fn delivered(&self) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| r.status == 200 && r.body.get("error").is_none())
            .map(|r| r.body)
            .collect()
    }
}

/// A URL where nothing listens: a port bound and released at once.
pub async fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a local port");
    let address = listener.local_addr().expect("local address");
    drop(listener);
    format!("http://{address}/services/T0TEST/B0TEST/not-a-real-secret")
}

async fn serve(
    mut stream: TcpStream,
    log: &Mutex<Vec<Recorded>>,
    script: &Mutex<VecDeque<Answer>>,
) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
    let length: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let authorization = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.trim().to_string());
    let body: Value = serde_json::from_slice(&buffer[head_end..]).unwrap_or(Value::Null);
    let answer = script.lock().expect("script").pop_front().unwrap_or(Answer::Ok);
    let mut ts = None;
    let (status, response) = match answer {
        Answer::Ok if path.starts_with("/api/") => {
            let message_ts = match path.as_str() {
                "/api/chat.postMessage" => {
                    format!("1700000000.{:06}", NEXT_TS.fetch_add(1, Ordering::Relaxed))
                }
                _ => body["ts"].as_str().unwrap_or_default().to_string(),
            };
            ts = Some(message_ts.clone());
            let answer = serde_json::json!({ "ok": true, "channel": "C0TEST", "ts": message_ts });
            (200, json_response(&answer))
        }
        Answer::SlackError(error) => (
            200,
            json_response(&serde_json::json!({ "ok": false, "error": error })),
        ),
        Answer::Ok => (
            200,
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n".to_string()
                + "connection: close\r\n\r\nok",
        ),
        Answer::RateLimited(seconds) => (
            429,
            format!(
                "HTTP/1.1 429 Too Many Requests\r\nretry-after: {seconds}\r\ncontent-length: 12\r\n\
                 connection: close\r\n\r\nrate_limited"
            ),
        ),
        Answer::ServerError => (
            500,
            "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                .to_string(),
        ),
    };
    let body = match answer {
        // Recorded as refused, so `delivered` leaves it out.
        Answer::SlackError(error) => serde_json::json!({ "error": error, "request": body }),
        _ => body,
    };
    log.lock().expect("receiver log").push(Recorded {
        path,
        authorization,
        body,
        status,
        ts,
    });
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// Message timestamps, unique across receivers in one test process.
static NEXT_TS: AtomicU64 = AtomicU64::new(100);

fn json_response(body: &Value) -> String {
    let text = body.to_string();
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
        text.len()
    )
}

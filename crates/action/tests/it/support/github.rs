//! A local stand-in for GitHub's REST API, enough for issue comments: it keeps comments in
//! memory and answers as GitHub documents (list pages with `Link: rel="next"`, `201` with the
//! new comment, `200` on edit, `401` without the token, `404` for unknown comments). Plain
//! HTTP/1.1 over a tokio socket, one request per connection, like rnd-slack's webhook receiver:
//! no server crate whose features would change how the workspace's HTTP stack is built.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The token the stand-in accepts.
pub const TOKEN: &str = "ghs_test-token-never-printed";
/// Comments per page, below GitHub's 100 so that every test crosses a page boundary.
const PAGE: usize = 2;

/// One stored comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub id: u64,
    pub issue: u64,
    pub login: String,
    pub kind: String,
    pub body: String,
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State {
    comments: Vec<Stored>,
    requests: Vec<Request>,
    next_id: u64,
}

pub struct GithubStandIn {
    address: SocketAddr,
    repository: String,
    state: Arc<Mutex<State>>,
}

impl GithubStandIn {
    /// Serve `repository` (`owner/name`) on a free local port, within a running tokio runtime.
    pub async fn start(repository: &str) -> GithubStandIn {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a local port");
        let address = listener.local_addr().expect("local address");
        let state = Arc::new(Mutex::new(State {
            next_id: 1000,
            ..State::default()
        }));
        let (shared, repo) = (state.clone(), repository.to_string());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (state, repo) = (shared.clone(), repo.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, address, &repo, &state).await;
                });
            }
        });
        GithubStandIn {
            address,
            repository: repository.to_string(),
            state,
        }
    }

    /// `GITHUB_API_URL` for the code under test.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// A comment that was there before the action ran.
    pub fn seed(&self, issue: u64, login: &str, kind: &str, body: &str) -> u64 {
        let mut state = self.state.lock().unwrap();
        state.next_id += 1;
        let id = state.next_id;
        state.comments.push(Stored {
            id,
            issue,
            login: login.into(),
            kind: kind.into(),
            body: body.into(),
        });
        id
    }

    pub fn comments(&self, issue: u64) -> Vec<Stored> {
        let state = self.state.lock().unwrap();
        state
            .comments
            .iter()
            .filter(|c| c.issue == issue)
            .cloned()
            .collect()
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }
}

fn to_json(address: SocketAddr, repo: &str, c: &Stored) -> Value {
    json!({
        "id": c.id,
        "node_id": format!("IC_{}", c.id),
        "url": format!("http://{address}/repos/{repo}/issues/comments/{}", c.id),
        "html_url": format!("https://github.com/{repo}/pull/{}#issuecomment-{}", c.issue, c.id),
        "body": c.body,
        "user": { "login": c.login, "id": 41898282, "type": c.kind },
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:00Z",
        "author_association": "NONE",
    })
}

async fn serve(
    mut stream: TcpStream,
    address: SocketAddr,
    repo: &str,
    state: &Mutex<State>,
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
    let mut lines = head.lines();
    let mut first = lines.next().unwrap_or("").split_whitespace();
    let method = first.next().unwrap_or("").to_string();
    let target = first.next().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let request = Request {
        method: method.clone(),
        target: target.clone(),
        headers,
    };
    let length: usize = request
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body: Value = serde_json::from_slice(&buffer[head_end..]).unwrap_or(Value::Null);
    let authorised = request.header("authorization") == Some(&format!("Bearer {TOKEN}"));
    let (status, extra, answer) = {
        let mut state = state.lock().unwrap();
        state.requests.push(request);
        if authorised {
            answer(&mut state, address, repo, &method, &target, &body)
        } else {
            (401, String::new(), json!({ "message": "Bad credentials" }))
        }
    };
    let text = answer.to_string();
    let reason = match status {
        200 => "OK",
        201 => "Created",
        401 => "Unauthorized",
        422 => "Unprocessable Entity",
        _ => "Not Found",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json; charset=utf-8\r\n{extra}\
         content-length: {}\r\nconnection: close\r\n\r\n{text}",
        text.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// GitHub's behaviour for the three calls; `(status, extra header lines, body)`.
fn answer(
    state: &mut State,
    address: SocketAddr,
    repo: &str,
    method: &str,
    target: &str,
    body: &Value,
) -> (u16, String, Value) {
    let not_found = (404, String::new(), json!({ "message": "Not Found" }));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let Some(rest) = path.strip_prefix(&format!("/repos/{repo}/issues/")) else {
        return not_found;
    };
    let parts: Vec<&str> = rest.split('/').collect();
    match (method, parts.as_slice()) {
        ("GET", [issue, "comments"]) => {
            let Ok(issue) = issue.parse::<u64>() else {
                return not_found;
            };
            let page: usize = query
                .split('&')
                .find_map(|p| p.strip_prefix("page="))
                .and_then(|p| p.parse().ok())
                .unwrap_or(1);
            let all: Vec<&Stored> = state.comments.iter().filter(|c| c.issue == issue).collect();
            let start = (page - 1) * PAGE;
            let items: Vec<Value> = all
                .iter()
                .skip(start)
                .take(PAGE)
                .map(|c| to_json(address, repo, c))
                .collect();
            let link = if start + PAGE < all.len() {
                format!(
                    "link: <http://{address}/repos/{repo}/issues/{issue}/comments?per_page=100&page={}>; rel=\"next\"\r\n",
                    page + 1
                )
            } else {
                String::new()
            };
            (200, link, Value::Array(items))
        }
        ("POST", [issue, "comments"]) => {
            let (Ok(issue), Some(text)) = (issue.parse::<u64>(), body["body"].as_str()) else {
                return (422, String::new(), json!({ "message": "Validation Failed" }));
            };
            state.next_id += 1;
            let comment = Stored {
                id: state.next_id,
                issue,
                login: "github-actions[bot]".into(),
                kind: "Bot".into(),
                body: text.into(),
            };
            let answer = to_json(address, repo, &comment);
            state.comments.push(comment);
            (201, String::new(), answer)
        }
        ("PATCH", ["comments", id]) => {
            let Ok(id) = id.parse::<u64>() else {
                return not_found;
            };
            let Some(text) = body["body"].as_str() else {
                return (422, String::new(), json!({ "message": "Validation Failed" }));
            };
            match state.comments.iter_mut().find(|c| c.id == id) {
                Some(comment) => {
                    comment.body = text.into();
                    let comment = comment.clone();
                    (200, String::new(), to_json(address, repo, &comment))
                }
                None => not_found,
            }
        }
        _ => not_found,
    }
}

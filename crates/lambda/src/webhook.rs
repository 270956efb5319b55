//! GitHub's webhook, arriving over HTTP: check the signature (401 otherwise, and nothing else
//! happens), answer `ping`, ignore other events and other branches, and hand a push to the default
//! branch to an asynchronous invocation that deploys it (202), since GitHub gives up on a delivery
//! after 10 s and a deployment takes minutes.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::App;
use crate::error::HandlerError;
use crate::incoming::{DeployRequest, HttpRequest};
use crate::signature;

/// An HTTP answer (status and a short JSON body).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    fn new(status: u16, message: &str) -> Answer {
        Answer {
            status,
            body: json!({ "message": message }),
        }
    }

    /// The response shape Function URLs and API Gateway both take.
    pub fn into_response(self) -> Value {
        json!({
            "statusCode": self.status,
            "headers": { "content-type": "application/json" },
            "body": self.body.to_string(),
        })
    }
}

#[derive(Deserialize)]
struct Push {
    #[serde(rename = "ref")]
    git_ref: String,
    after: String,
    repository: PushRepository,
    #[serde(default)]
    head_commit: Option<HeadCommit>,
    #[serde(default)]
    deleted: bool,
}

#[derive(Deserialize)]
struct PushRepository {
    full_name: String,
    default_branch: String,
}

#[derive(Deserialize)]
struct HeadCommit {
    author: Option<CommitAuthor>,
}

#[derive(Deserialize)]
struct CommitAuthor {
    name: Option<String>,
}

/// What a push calls for, once its signature checked out.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    Answer(Answer),
    Deploy(DeployRequest),
}

/// Check and read one delivery. `secret` is the webhook's secret.
pub fn judge(request: &HttpRequest, secret: &[u8], expected_repository: Option<&str>) -> Verdict {
    if !signature::verify(secret, &request.body, request.header("x-hub-signature-256")) {
        return Verdict::Answer(Answer::new(
            401,
            "the signature does not match this webhook's secret",
        ));
    }
    match request.header("x-github-event") {
        Some("ping") => return Verdict::Answer(Answer::new(200, "pong")),
        Some("push") => {}
        Some(other) => {
            return Verdict::Answer(Answer::new(
                202,
                &format!("ignored: rnd deploys on push, not {other}"),
            ))
        }
        None => {
            return Verdict::Answer(Answer::new(
                400,
                "no X-GitHub-Event header: not a GitHub webhook delivery",
            ))
        }
    }
    let push: Push = match serde_json::from_slice(&request.body) {
        Ok(push) => push,
        Err(_) => return Verdict::Answer(Answer::new(400, "a push event that does not parse")),
    };
    if let Some(expected) = expected_repository {
        if !push.repository.full_name.eq_ignore_ascii_case(expected) {
            return Verdict::Answer(Answer::new(
                403,
                &format!(
                    "this function deploys {expected}, not {}",
                    push.repository.full_name
                ),
            ));
        }
    }
    let default = format!("refs/heads/{}", push.repository.default_branch);
    if push.git_ref != default || push.deleted {
        return Verdict::Answer(Answer::new(
            202,
            &format!(
                "ignored: only pushes to {} deploy",
                push.repository.default_branch
            ),
        ));
    }
    Verdict::Deploy(DeployRequest {
        repository: push.repository.full_name,
        commit: push.after,
        author: push.head_commit.and_then(|c| c.author).and_then(|a| a.name),
    })
}

/// Handle one HTTP delivery end to end.
pub async fn handle(app: &App, request: HttpRequest) -> Result<Answer, HandlerError> {
    let Some(parameter) = &app.config.webhook_secret_parameter else {
        // Without a secret nothing can be verified, so nothing is accepted.
        tracing::error!("RND_WEBHOOK_SECRET_PARAMETER is not set; refusing every webhook");
        return Ok(Answer::new(401, "this function has no webhook secret configured"));
    };
    let secret = app.parameter(parameter).await?;
    match judge(&request, secret.as_bytes(), app.config.repository.as_deref()) {
        Verdict::Answer(answer) => Ok(answer),
        Verdict::Deploy(deploy) => {
            crate::handoff::hand_off(app, &deploy).await?;
            Ok(Answer {
                status: 202,
                body: json!({ "message": "deploying", "commit": deploy.commit }),
            })
        }
    }
}

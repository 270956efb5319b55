//! rnd as an AWS Lambda function, serving three kinds of event with one binary: a GitHub push
//! webhook (through a Function URL or API Gateway) that deploys the default branch, ECS's
//! EventBridge events turned into Slack notices, and a scheduled drift check. A thin frontend:
//! validation, planning and execution are `rnd-core`'s and `rnd-aws`'s, messages `rnd-slack`'s.

pub mod app;
pub mod config;
pub mod deploy;
pub mod drift;
pub mod ecs_events;
pub mod error;
pub mod handoff;
pub mod incoming;
pub mod notify;
pub mod repository;
pub mod signature;
pub mod slack;
pub mod sleeper;
pub mod waker;
pub mod webhook;

use serde_json::{json, Value};

use crate::app::App;
use crate::error::HandlerError;
use crate::incoming::{classify, Incoming};

/// Handle one invocation. `Err` only for retryable failures, so Lambda retries what may succeed
/// later; permanent ones are logged and answered as results.
pub async fn handle(app: &App, event: Value) -> Result<Value, HandlerError> {
    let incoming = match classify(event) {
        Ok(incoming) => incoming,
        Err(why) => {
            return Ok(permanent(HandlerError::Permanent(format!(
                "not an event rnd handles: {why}"
            ))))
        }
    };
    let outcome = match incoming {
        Incoming::Http(request) => match webhook::handle(app, request).await {
            Ok(answer) => return Ok(answer.into_response()),
            // GitHub shows the status in its delivery log; a 5xx invites a redelivery.
            Err(e) => {
                let status = if e.is_retryable() { 503 } else { 500 };
                tracing::error!("webhook: {e}");
                return Ok(
                    json!({ "statusCode": status, "body": json!({ "message": e.to_string() }).to_string() }),
                );
            }
        },
        Incoming::Deploy(request) => deploy::deploy(app, &request).await,
        Incoming::Schedule => drift::check(app).await,
        Incoming::Ecs(event) => notify::handle(app, &event).await,
        Incoming::OtherEvent(kind) => Ok(json!({ "ignored": kind })),
        // The balancer shows the answer to the caller: a failure is a 503 with a reason.
        Incoming::Wake(request) => match sleeper::on_request(app, &request).await {
            Ok(answer) => return Ok(answer),
            Err(e) => {
                tracing::error!("waker: {e}");
                return Ok(crate::waker::starting(&request, "the service", 30));
            }
        },
        Incoming::IdleAlarm(alarm) => sleeper::on_alarm(app, &alarm).await,
    };
    match outcome {
        Ok(result) => Ok(result),
        Err(e) if e.is_retryable() => {
            tracing::warn!("{e}");
            Err(e)
        }
        Err(e) => Ok(permanent(e)),
    }
}

fn permanent(error: HandlerError) -> Value {
    tracing::error!("{error}");
    json!({ "error": error.to_string(), "retryable": false })
}

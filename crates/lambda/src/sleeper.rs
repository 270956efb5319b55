//! Scale to zero at run time (issue 16): an idle alarm's event puts its service to sleep; a
//! request reaching a wake target group wakes its service and gets the waker's answer. The
//! steps are `rnd_aws::sleep`'s; this says what happened in Slack, as ECS event notices do.

use std::time::{SystemTime, UNIX_EPOCH};

use rnd_aws::sleep::{
    put_to_sleep, release, service_of_alarm, service_of_wake_group, wake, Patience, ServiceRef, SleepOutcome,
    WakeOutcome,
};
use serde_json::{json, Value};

use crate::app::App;
use crate::error::HandlerError;
use crate::waker::{starting, WakeRequest};

/// An idle alarm's state change, as CloudWatch hands it to a Lambda alarm action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmEvent {
    pub alarm_arn: String,
    /// `ALARM`, `OK` or `INSUFFICIENT_DATA`.
    pub state: String,
}

impl AlarmEvent {
    /// From `{"source": "aws.cloudwatch", "alarmArn": …, "alarmData": {"state": {"value": …}}}`.
    pub fn from_event(event: &Value) -> Option<Self> {
        if event.get("source").and_then(Value::as_str) != Some("aws.cloudwatch") {
            return None;
        }
        Some(AlarmEvent {
            alarm_arn: event.get("alarmArn")?.as_str()?.to_string(),
            state: event.pointer("/alarmData/state/value")?.as_str()?.to_string(),
        })
    }
}

fn now() -> (u64, String) {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let text = aws_smithy_types::DateTime::from_secs(seconds as i64)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default();
    (seconds, text)
}

fn retryable(what: &str, e: rnd_aws::AwsError) -> HandlerError {
    HandlerError::Retryable(format!("{what}: {e}"))
}

/// Whether this function serves `service`'s platform: it acts on its own platform only, as
/// the ECS notices do.
fn ours(app: &App, service: &ServiceRef) -> bool {
    app.config.platform.as_deref() == Some(service.platform.as_str())
}

/// The idle alarm fired: put its service to sleep.
pub async fn on_alarm(app: &App, event: &AlarmEvent) -> Result<Value, HandlerError> {
    if event.state != "ALARM" {
        return Ok(json!({ "ignored": format!("alarm state {}", event.state) }));
    }
    let service = service_of_alarm(&app.clients, &event.alarm_arn)
        .await
        .map_err(|e| retryable("reading the alarm's tags", e))?;
    let Some(service) = service.filter(|s| ours(app, s)) else {
        return Ok(json!({ "ignored": "not an idle alarm of this function's platform" }));
    };
    let (_, now) = now();
    let outcome = put_to_sleep(&app.clients, &service, &now)
        .await
        .map_err(|e| retryable(&format!("putting {} to sleep", service.service), e))?;
    let SleepOutcome::Slept {
        from,
        occupied,
        hourly_saving,
    } = &outcome
    else {
        let outcome = if outcome == SleepOutcome::AlreadyAsleep {
            "already asleep"
        } else {
            "missing"
        };
        return Ok(json!({ "service": service.service, "outcome": outcome }));
    };
    tracing::info!(service = %service.service, from, "asleep");
    let mut lines = vec![format!(
            "No request reached {} for its idle_after: it was scaled from {from} task{} to none, saving {hourly_saving:.4} per hour until the next request, which starts it.",
            service.service,
            if *from == 1 { "" } else { "s" }
        )];
    let mut given = 0;
    if !occupied.instances.is_empty() {
        // GPU: the instances go back once their tasks have drained (the function may wait).
        given = release(&app.clients, &service, occupied, Patience::LAMBDA)
            .await
            .map_err(|e| retryable(&format!("giving back {}'s instances", service.service), e))?;
        let held = occupied.instances.len() as u32;
        lines.push(format!(
                "It gave back {given} of the {held} GPU instance{} it ran on; its group keeps stopped ones in a warm pool for the wake.{}",
                if held == 1 { "" } else { "s" },
                if given < held {
                    " The rest still run other tasks, or had not drained in time: the next plan takes back any left idle."
                } else {
                    ""
                }
            ));
    }
    notify(app, &service, format!("{}: asleep", service.service), lines).await;
    Ok(json!({ "service": service.service, "outcome": "slept", "from": from, "instances_given_back": given }))
}

/// A request reached a wake target group: wake its service, answer "starting".
pub async fn on_request(app: &App, request: &WakeRequest) -> Result<Value, HandlerError> {
    let service = service_of_wake_group(&app.clients, &request.target_group_arn)
        .await
        .map_err(|e| retryable("reading the wake group's tags", e))?;
    let Some(service) = service.filter(|s| ours(app, s)) else {
        return Ok(not_here());
    };
    let (now, _) = now();
    let outcome = wake(&app.clients, &service, now)
        .await
        .map_err(|e| retryable(&format!("waking {}", service.service), e))?;
    match outcome {
        WakeOutcome::Starting {
            started,
            to,
            expected_seconds,
            asleep_since,
        } => {
            if started {
                tracing::info!(service = %service.service, to, "waking");
                notify(
                    app,
                    &service,
                    format!("{}: waking", service.service),
                    vec![format!(
                        "A request reached {}{}: starting {to} task{}, ready in about {} s.",
                        service.service,
                        asleep_since
                            .map(|s| format!(" (asleep since {s})"))
                            .unwrap_or_default(),
                        if to == 1 { "" } else { "s" },
                        expected_seconds
                    )],
                )
                .await;
            }
            Ok(starting(request, &service.service, expected_seconds))
        }
        WakeOutcome::HandedBack { asleep_since, saved } => {
            tracing::info!(service = %service.service, "awake");
            notify(
                app,
                &service,
                format!("{}: awake", service.service),
                vec![format!(
                    "{} answers again{}: its route is its own.{}",
                    service.service,
                    asleep_since
                        .map(|s| format!(" (asleep since {s})"))
                        .unwrap_or_default(),
                    saved
                        .map(|s| format!(" The sleep saved {s:.2}."))
                        .unwrap_or_default()
                )],
            )
            .await;
            // This request still gets the waker's answer; the next reaches the service.
            Ok(starting(request, &service.service, 1))
        }
        WakeOutcome::Missing => Ok(not_here()),
    }
}

/// A wake group rnd does not know of (or of another platform): nothing to start.
fn not_here() -> Value {
    json!({
        "statusCode": 404,
        "statusDescription": "404 Not Found",
        "headers": { "content-type": "text/plain", "cache-control": "no-store" },
        "body": "no service of this platform sleeps here",
        "isBase64Encoded": false,
    })
}

/// A Slack notice, where ECS notices go; a failure to post is logged, never fatal.
async fn notify(app: &App, service: &ServiceRef, title: String, lines: Vec<String>) {
    let message = rnd_slack::notices::notice(&rnd_slack::notices::Notice {
        platform: service.platform.clone(),
        region: app.env("AWS_REGION").unwrap_or_default(),
        title,
        lines,
        more: Some(format!("More: `rnd status`; `rnd logs {}`", service.service)),
        ..Default::default()
    });
    if let Some(destination) = crate::slack::for_events(app).await {
        if let Err(e) = destination.post(&message).await {
            tracing::warn!("Slack: not delivered: {e}");
        }
    }
}

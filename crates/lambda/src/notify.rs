//! ECS events to Slack: a notice for each completed or failed deployment and each task that
//! stopped unexpectedly, of rnd's own services only (the platform's cluster, and the service
//! tagged `rnd:platform` for it: what rnd does not manage, it does not talk about).

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use rnd_core::plan::naming::Names;
use serde_json::{json, Value};

use crate::app::App;
use crate::ecs_events::{notice, Notice};
use crate::error::HandlerError;

/// Log lines a notice shows.
const LOG_LINES: usize = 15;

pub async fn handle(app: &App, event: &EventBridgeEvent<Value>) -> Result<Value, HandlerError> {
    let Some(notice) = notice(event) else {
        return Ok(json!({ "notified": false, "why": "nothing worth a message" }));
    };
    let Some(platform) = app.config.platform.as_deref() else {
        return Err(HandlerError::Permanent(
            "RND_PLATFORM is not set: the function cannot tell rnd's services from others".into(),
        ));
    };
    if notice.cluster() != Names::new(platform).cluster() || !managed(app, platform, &notice).await? {
        return Ok(json!({ "notified": false, "why": "not a service rnd manages" }));
    }
    let region = event.region.clone().unwrap_or_default();
    let message = rnd_slack::notices::notice(&describe(app, platform, &region, &notice).await);
    let delivered = match crate::slack::for_events(app).await {
        Some(destination) => match destination.post(&message).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!("Slack: not delivered: {e}");
                false
            }
        },
        None => false,
    };
    Ok(json!({ "notified": delivered, "service": notice.service() }))
}

/// Whether rnd tagged the service for `platform`.
async fn managed(app: &App, platform: &str, notice: &Notice) -> Result<bool, HandlerError> {
    rnd_aws::status::is_managed(&app.clients, notice.cluster(), notice.service(), platform)
        .await
        .map_err(|e| HandlerError::Retryable(format!("describing {}: {e}", notice.service())))
}

/// The notice's words, with the task's (or the service's newest) last log lines.
async fn describe(app: &App, platform: &str, region: &str, notice: &Notice) -> rnd_slack::notices::Notice {
    let names = Names::new(platform);
    let service = notice.service();
    let group = names.log_group(service);
    let more = Some(format!(
        "More: `rnd status`; `rnd logs {service} --previous` shows stopped tasks and why"
    ));
    let base = rnd_slack::notices::Notice {
        platform: platform.to_string(),
        region: region.to_string(),
        more,
        ..Default::default()
    };
    match notice {
        Notice::DeploymentCompleted { deployment, .. } => rnd_slack::notices::Notice {
            title: format!("{service}: deployment completed"),
            lines: vec![format!("Deployment {deployment} of {service} completed: every task runs.")],
            more: None,
            ..base
        },
        Notice::DeploymentFailed { deployment, reason, .. } => rnd_slack::notices::Notice {
            title: format!("{service}: deployment failed"),
            lines: vec![
                format!("Deployment {deployment} of {service} failed; ECS rolls back to the last working deployment."),
                format!("Reason: {reason}"),
            ],
            log_lines: tail(rnd_aws::task_logs::last_lines(&app.clients, &group, LOG_LINES).await),
            ..base
        },
        Notice::TaskStopped {
            task,
            reason,
            containers,
            ..
        } => {
            let mut lines = vec![format!("Task {task} of {service} stopped: {reason}")];
            lines.extend(containers.iter().cloned());
            let stream = names.log_stream(service, task);
            rnd_slack::notices::Notice {
                title: format!("{service}: a task stopped unexpectedly"),
                lines,
                log_lines: tail(rnd_aws::task_logs::stream_tail(&app.clients, &group, &stream, LOG_LINES).await),
                ..base
            }
        }
    }
}

/// Log lines when they could be read; a notice without them beats no notice.
fn tail(read: Result<Vec<String>, rnd_aws::AwsError>) -> Vec<String> {
    read.unwrap_or_else(|e| {
        tracing::warn!("no log lines for the notice: {e}");
        Vec::new()
    })
}

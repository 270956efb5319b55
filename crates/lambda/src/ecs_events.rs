//! What ECS's EventBridge events mean for the team: a deployment that completed or failed, and a
//! task that stopped unexpectedly (its essential container exited, it failed to start, or it
//! failed its load balancer health checks). Pure: the documented event in, a notice or nothing out.
//! Stops ECS meant (scale-in, a deployment replacing tasks, someone stopping a task) say nothing.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use serde_json::Value;

/// Something worth a Slack message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    DeploymentCompleted {
        cluster: String,
        service: String,
        deployment: String,
    },
    DeploymentFailed {
        cluster: String,
        service: String,
        deployment: String,
        reason: String,
    },
    TaskStopped {
        cluster: String,
        service: String,
        task: String,
        reason: String,
        /// `api exited 137 (OutOfMemoryError: Container killed due to memory usage)`.
        containers: Vec<String>,
    },
}

impl Notice {
    pub fn cluster(&self) -> &str {
        match self {
            Notice::DeploymentCompleted { cluster, .. }
            | Notice::DeploymentFailed { cluster, .. }
            | Notice::TaskStopped { cluster, .. } => cluster,
        }
    }

    pub fn service(&self) -> &str {
        match self {
            Notice::DeploymentCompleted { service, .. }
            | Notice::DeploymentFailed { service, .. }
            | Notice::TaskStopped { service, .. } => service,
        }
    }
}

pub const DEPLOYMENT_STATE_CHANGE: &str = "ECS Deployment State Change";
pub const TASK_STATE_CHANGE: &str = "ECS Task State Change";

/// The notice an ECS event calls for, if any.
pub fn notice(event: &EventBridgeEvent<Value>) -> Option<Notice> {
    match event.detail_type.as_str() {
        DEPLOYMENT_STATE_CHANGE => deployment(event),
        TASK_STATE_CHANGE => task(&event.detail),
        _ => None,
    }
}

fn deployment(event: &EventBridgeEvent<Value>) -> Option<Notice> {
    let detail = &event.detail;
    // `arn:aws:ecs:<region>:<account>:service/<cluster>/<service>`.
    let arn = event
        .resources
        .as_ref()?
        .iter()
        .find(|r| r.contains(":service/"))?;
    let mut parts = arn.rsplit('/');
    let service = parts.next()?.to_string();
    let cluster = parts.next().filter(|c| !c.contains(":service"))?.to_string();
    let deployment = text(detail, "deploymentId");
    match detail.get("eventName")?.as_str()? {
        "SERVICE_DEPLOYMENT_COMPLETED" => Some(Notice::DeploymentCompleted {
            cluster,
            service,
            deployment,
        }),
        "SERVICE_DEPLOYMENT_FAILED" => Some(Notice::DeploymentFailed {
            cluster,
            service,
            deployment,
            reason: text(detail, "reason"),
        }),
        _ => None,
    }
}

fn task(detail: &Value) -> Option<Notice> {
    if detail.get("lastStatus")?.as_str()? != "STOPPED" {
        return None;
    }
    let service = detail
        .get("group")?
        .as_str()?
        .strip_prefix("service:")?
        .to_string();
    let reason = text(detail, "stoppedReason");
    let unexpected = match detail.get("stopCode").and_then(Value::as_str) {
        Some("EssentialContainerExited" | "TaskFailedToStart") => true,
        // The scheduler also stops tasks that fail their health checks: that is a failure too.
        Some("ServiceSchedulerInitiated") => reason.to_ascii_lowercase().contains("health check"),
        _ => false,
    };
    if !unexpected {
        return None;
    }
    let cluster = detail
        .get("clusterArn")?
        .as_str()?
        .rsplit('/')
        .next()?
        .to_string();
    let task = detail.get("taskArn")?.as_str()?.rsplit('/').next()?.to_string();
    let containers = detail
        .get("containers")
        .and_then(Value::as_array)
        .map(|containers| {
            containers
                .iter()
                .filter_map(|c| {
                    let code = c.get("exitCode")?.as_i64()?;
                    let name = c.get("name").and_then(Value::as_str).unwrap_or("container");
                    let why = c
                        .get("reason")
                        .and_then(Value::as_str)
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default();
                    Some(format!("{name} exited {code}{why}"))
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Notice::TaskStopped {
        cluster,
        service,
        task,
        reason,
        containers,
    })
}

fn text(detail: &Value, field: &str) -> String {
    detail
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

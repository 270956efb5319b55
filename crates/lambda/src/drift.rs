//! The scheduled drift check: plan the default branch's manifests against AWS; when AWS no longer
//! matches git (someone changed it by hand), one Slack message says what differs. No drift, no
//! message. It reads only: nothing is changed and no lock is taken.

use rnd_core::plan::PlanOptions;
use serde_json::{json, Value};

use crate::app::App;
use crate::error::HandlerError;

pub async fn check(app: &App) -> Result<Value, HandlerError> {
    let repository_name = app.config.repository()?.to_string();
    let valid = crate::repository::load(app, &repository_name, &app.config.branch).await?;
    let repository = valid.repository;
    // Everything is read, not only what differs from the plan: drift is what AWS shows when a
    // person changed a setting by hand, hash or not.
    rnd_app::check_region(&app.clients, &repository)
        .map_err(|e| HandlerError::Permanent(format!("{e:#}")))?;
    let observed = rnd_aws::observe(&app.clients, &repository.platform.name).await?;
    let threads = rnd_app::fanout::Threads::per_core();
    let plan = rnd_core::plan::plan_with_fanout(&repository, &observed, PlanOptions::default(), &threads)
        .map_err(|e| HandlerError::Permanent(format!("planning {}: {e}", app.config.branch)))?;
    let differences = differences(&plan);
    if differences.is_empty() {
        return Ok(json!({ "drift": false }));
    }
    let message = rnd_slack::notices::drift(&plan.platform, &plan.region, &differences);
    let reported = match crate::slack::for_platform(app, &repository.platform).await {
        Some(destination) => match destination.post(&message).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!("Slack: the drift report was not delivered: {e}");
                false
            }
        },
        None => false,
    };
    Ok(json!({ "drift": true, "differences": differences, "reported": reported }))
}

/// `update ecs_service.api: desired_count`, one per operation the plan would carry out.
pub fn differences(plan: &rnd_core::plan::Plan) -> Vec<String> {
    plan.graph
        .operations()
        .map(|change| {
            let attributes: Vec<&str> = change.changes.iter().map(|c| c.attribute.as_str()).collect();
            let action = format!("{:?}", change.action).to_lowercase();
            if attributes.is_empty() {
                format!("{action} {}", change.address)
            } else {
                format!("{action} {}: {}", change.address, attributes.join(", "))
            }
        })
        .collect()
}

//! A push to the default branch, deployed: read the repository at the pushed commit, take the
//! platform's lock, observe, plan, apply with Slack reports, release. The same steps `rnd apply
//! --yes` takes; a lock held by another run is retryable (Lambda tries the event again later).

use std::sync::Arc;
use std::time::Duration;

use rnd_aws::{ApplyOptions, LockError, LockOptions};
use rnd_core::plan::{plan_with, PlanOptions};
use serde_json::{json, Value};

use crate::app::App;
use crate::error::HandlerError;
use crate::incoming::DeployRequest;

pub async fn deploy(app: &App, request: &DeployRequest) -> Result<Value, HandlerError> {
    let repository = crate::repository::load(app, &request.repository, &request.commit).await?;
    let platform = repository.platform.name.clone();
    let holder = format!(
        "rnd-lambda {} deploying {} of {} (rnd {})",
        app.env("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default(),
        short(&request.commit),
        request.repository,
        env!("CARGO_PKG_VERSION")
    );
    let options = LockOptions {
        wait: Duration::from_secs(60),
        ..LockOptions::default()
    };
    let lease = match rnd_aws::acquire_lock(&app.clients, &platform, &holder, &options, |_| {}).await {
        Ok(lease) => lease,
        Err(held @ LockError::Held { .. }) => return Err(HandlerError::Retryable(held.to_string())),
        Err(other) => return Err(HandlerError::Retryable(other.to_string())),
    };
    let outcome = locked(app, &repository, request, lease.lost()).await;
    if let Err(e) = lease.release().await {
        tracing::warn!("releasing the lock: {e}; it lapses by itself within a minute");
    }
    outcome
}

async fn locked(
    app: &App,
    repository: &rnd_core::repository::Repository,
    request: &DeployRequest,
    lost: rnd_aws::LockLost,
) -> Result<Value, HandlerError> {
    let observed = rnd_aws::observe(&app.clients, &repository.platform.name).await?;
    let plan = plan_with(repository, &observed, PlanOptions::default())
        .map_err(|e| HandlerError::Permanent(format!("planning {}: {e}", request.commit)))?;
    if !plan.has_changes() {
        return Ok(json!({ "commit": request.commit, "changes": 0, "succeeded": true }));
    }
    let context = rnd_slack::RunContext {
        commit: Some(request.commit.clone()),
        author: request.author.clone(),
        destroy: false,
    };
    let reporter = crate::slack::for_platform(app, &repository.platform)
        .await
        .map(|destination| {
            let summary = rnd_slack::RunSummary::from_plan(&plan, context);
            rnd_slack::start_with_logs(destination, summary, app.clients.clone())
        });
    let sink: rnd_aws::EventSink = match &reporter {
        Some((to_slack, _)) => to_slack.clone(),
        None => Arc::new(|_| {}),
    };
    let options = ApplyOptions {
        wait_for_stable: (app.config.wait_seconds > 0).then(|| Duration::from_secs(app.config.wait_seconds)),
        lock_lost: Some(lost),
        ..ApplyOptions::default()
    };
    let applied = rnd_aws::apply(&app.clients, &plan, &observed, options, sink).await;
    if let Some((_, handle)) = reporter {
        handle.finish().await;
    }
    let report = applied?;
    let failed: Vec<&String> = report
        .services
        .iter()
        .filter(|(_, o)| matches!(o, rnd_aws::ServiceOutcome::Failed { .. }))
        .map(|(s, _)| s)
        .collect();
    // A failed service is reported (Slack, the result) but not retried: the same commit would
    // fail the same way.
    Ok(json!({
        "commit": request.commit,
        "changes": plan.graph.len(),
        "succeeded": report.succeeded(),
        "failed_services": failed,
    }))
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

//! A push to the default branch, deployed: read the repository at the pushed commit, then the same
//! locked apply `rnd apply --yes` runs (`rnd_app::apply_locked`: lock, observe, check that
//! images and secrets exist, plan, apply with Slack reports, release). A lock held by another run
//! is retryable (Lambda tries the event again later); an invalid or unplannable commit is not.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use rnd_app::{apply_locked, ApplyFrontend, ApplyOutcome, ApplyRequest, Mode};
use rnd_aws::ApplyOptions;
use rnd_core::plan::Plan;
use serde_json::{json, Value};

use crate::app::App;
use crate::error::HandlerError;
use crate::incoming::DeployRequest;

/// The function's side of an apply: no one to ask (the merge was the approval), progress to logs.
struct Unattended;

impl ApplyFrontend for Unattended {
    fn planned(&mut self, plan: &Plan) {
        tracing::info!(operations = plan.graph.len(), "planned");
    }

    fn confirm(&mut self, _plan: &Plan) -> Result<bool> {
        Ok(true)
    }

    fn progress(&mut self) -> rnd_aws::EventSink {
        Arc::new(|event| tracing::debug!(?event, "progress"))
    }
}

pub async fn deploy(app: &App, request: &DeployRequest) -> Result<Value, HandlerError> {
    let valid = crate::repository::load(app, &request.repository, &request.commit).await?;
    let repository = &valid.repository;
    let env = app.env.clone();
    let apply = ApplyRequest {
        mode: Mode::Apply(rnd_core::plan::PlanOptions::default()),
        options: ApplyOptions {
            wait_for_stable: (app.config.wait_seconds > 0)
                .then(|| Duration::from_secs(app.config.wait_seconds)),
            ..ApplyOptions::default()
        },
        lock_wait: Duration::from_secs(60),
        holder: format!(
            "rnd-lambda {} deploying {} of {} (rnd {})",
            app.env("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default(),
            &request.commit[..request.commit.len().min(12)],
            request.repository,
            env!("CARGO_PKG_VERSION")
        ),
        context: rnd_slack::RunContext {
            commit: Some(request.commit.clone()),
            author: request.author.clone(),
            destroy: false,
        },
        slack_env: env,
        // A push that empties most of the platform waits for a person: `rnd apply
        // --allow-mass-removal`.
        allow_mass_removal: false,
        // The hashes say what changed; hand changes are the scheduled drift check's to find.
        refresh: rnd_app::Refresh::Changed,
    };
    let outcome = apply_locked(&app.clients, &valid, apply, &mut Unattended)
        .await
        .map_err(|e| HandlerError::Retryable(format!("{e:#}")))?;
    let commit = &request.commit;
    match outcome {
        ApplyOutcome::LockHeld => Err(HandlerError::Retryable(format!(
            "platform {} is being changed by another run",
            repository.platform.name
        ))),
        ApplyOutcome::Unplannable(e) => Err(HandlerError::Permanent(format!("planning {commit}: {e}"))),
        ApplyOutcome::MassRemoval(_, removal) => Err(HandlerError::Permanent(format!(
            "{commit}: {removal}; nothing was deployed. If this is intended, run `rnd apply \
             --allow-mass-removal`; if not, restore the manifests"
        ))),
        ApplyOutcome::MissingReferences(problems) => Err(HandlerError::Permanent(format!(
            "{commit} refers to what does not exist, so nothing was deployed:\n{}",
            problems
                .iter()
                .map(rnd_app::references::describe)
                .collect::<Vec<_>>()
                .join("\n")
        ))),
        ApplyOutcome::NoChanges(_) | ApplyOutcome::Declined(_) => {
            Ok(json!({ "commit": commit, "changes": 0, "succeeded": true }))
        }
        ApplyOutcome::Applied { plan, report } => {
            let failed: Vec<&String> = report
                .services
                .iter()
                .filter(|(_, o)| matches!(o, rnd_aws::ServiceOutcome::Failed { .. }))
                .map(|(s, _)| s)
                .collect();
            // A failed service is reported (Slack, the result) but not retried: the same commit
            // would fail the same way.
            Ok(json!({
                "commit": commit,
                "changes": plan.graph.len(),
                "succeeded": report.succeeded(),
                "failed_services": failed,
            }))
        }
    }
}

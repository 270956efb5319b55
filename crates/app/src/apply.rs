//! The locked apply every frontend runs: lock → observe → check references → plan → show and
//! confirm → apply with Slack reports → release. Frontends decide how to show what comes back:
//! the `rnd` CLI prints it, `rnd-action` writes annotations and a job summary, `rnd-lambda` logs.

use std::time::Duration;

use anyhow::Result;
use rnd_aws::{ApplyOptions, ApplyReport, Clients, EventSink};
use rnd_core::plan::observed::ObservedState;
use rnd_core::plan::removal::{mass_removal, MassRemoval};
use rnd_core::plan::{plan_destroy, Plan, PlanError, PlanOptions};

use crate::aws::observe;
use crate::slack::EnvReader;
use crate::validate::Valid;
use rnd_slack::RunContext;

/// What to make AWS look like.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Match the manifests, with the plan's options (moving running GPU tasks, adopting
    /// resources by name).
    Apply(PlanOptions),
    /// Remove every resource of the platform.
    Destroy,
}

/// Everything a locked apply needs besides the clients and the repository.
pub struct ApplyRequest {
    pub mode: Mode,
    pub options: ApplyOptions,
    /// How long to wait for another run's lock (zero: refuse at once).
    pub lock_wait: Duration,
    /// From [`crate::holder`]: who this run is, for whoever finds the lock taken.
    pub holder: String,
    /// From [`crate::run_context`]; Slack reports name this commit and author.
    pub context: RunContext,
    /// Where Slack's settings are read ([`crate::process_env`] but in the Lambda function).
    pub slack_env: EnvReader,
    /// Go ahead with a plan that removes most of the platform's services at once (refused
    /// otherwise: see `rnd_core::plan::removal`).
    pub allow_mass_removal: bool,
    /// How much of the platform to describe before planning (see [`crate::Refresh`]).
    pub refresh: crate::Refresh,
}

/// How a frontend takes part in an apply: it sees the plan, decides, and receives progress.
pub trait ApplyFrontend {
    /// The plan is made (changes or not); show it.
    fn planned(&mut self, plan: &Plan);
    /// Whether to go ahead; asked only when the plan has changes.
    fn confirm(&mut self, plan: &Plan) -> Result<bool>;
    /// Where progress events go; asked once, just before applying starts.
    fn progress(&mut self) -> EventSink;
}

/// What a locked apply came to.
#[derive(Debug)]
pub enum ApplyOutcome {
    /// Another run holds the platform's lock; who, and how to wait, went to standard error.
    LockHeld,
    /// The core refused to plan.
    Unplannable(PlanError),
    /// The plan removes most of the platform's services and the run did not allow it; the plan
    /// was shown, nothing changed.
    MassRemoval(Plan, MassRemoval),
    /// What the repository points at does not exist in AWS (the certificate, VPC or subnets of
    /// `platform.json`, image tags or secrets of the manifests; one problem each, at its line
    /// and column; `crate::references::describe` writes one). Checked before the lock: nothing
    /// was written.
    MissingReferences(Vec<rnd_core::diagnostic::Diagnostic>),
    /// AWS already matches.
    NoChanges(Plan),
    /// The frontend said no.
    Declined(Plan),
    /// Applied; `report.succeeded()` says whether everything went through.
    Applied { plan: Plan, report: ApplyReport },
}

/// Take the platform's lock, observe, plan, let the frontend show and confirm, apply with Slack
/// reports (when a webhook is configured), and give the lock back whatever happened.
pub async fn apply_locked(
    clients: &Clients,
    valid: &Valid,
    request: ApplyRequest,
    frontend: &mut dyn ApplyFrontend,
) -> Result<ApplyOutcome> {
    let platform = &valid.repository.platform.name;
    // What the repository points at is checked before anything, the lock included: a missing
    // certificate or image tag refuses the run with no write at all. Destroying needs none.
    if matches!(request.mode, Mode::Apply(_)) {
        crate::aws::check_region(clients, &valid.repository)?;
        let problems = crate::references::missing(clients, valid).await?;
        if !problems.is_empty() {
            return Ok(ApplyOutcome::MissingReferences(problems));
        }
    }
    // The lock comes next: what is observed must not change under this run's feet.
    let Some(lease) = crate::lock::take(clients, platform, &request.holder, request.lock_wait).await? else {
        return Ok(ApplyOutcome::LockHeld);
    };
    let options = ApplyOptions {
        lock_lost: Some(lease.lost()),
        ..request.options.clone()
    };
    let outcome = locked(clients, valid, request, options, frontend).await;
    crate::lock::release(lease).await;
    outcome
}

/// Observe, plan, show, confirm and apply, with the platform's lock held.
async fn locked(
    clients: &Clients,
    valid: &Valid,
    request: ApplyRequest,
    options: ApplyOptions,
    frontend: &mut dyn ApplyFrontend,
) -> Result<ApplyOutcome> {
    let repository = &valid.repository;
    // Destroying wants nothing, so there is nothing to expect: observe everything.
    let mut observed: ObservedState = match request.mode {
        Mode::Apply(_) => crate::aws::observe_for_planning(clients, repository, request.refresh).await?,
        Mode::Destroy => {
            crate::aws::check_region(clients, repository)?;
            observe(clients, &repository.platform.name).await?
        }
    };
    let planned = match &request.mode {
        Mode::Apply(options) => crate::aws::plan_owned(clients, repository, &mut observed, options).await?,
        Mode::Destroy => plan_destroy(repository, &observed),
    };
    let plan = match planned {
        Ok(plan) => plan,
        Err(e) => return Ok(ApplyOutcome::Unplannable(e)),
    };
    frontend.planned(&plan);
    if matches!(request.mode, Mode::Apply(_)) && !request.allow_mass_removal {
        if let Some(removal) = mass_removal(&plan, &observed) {
            return Ok(ApplyOutcome::MassRemoval(plan, removal));
        }
    }
    if !plan.has_changes() {
        return Ok(ApplyOutcome::NoChanges(plan));
    }
    if !frontend.confirm(&plan)? {
        return Ok(ApplyOutcome::Declined(plan));
    }
    let sink = frontend.progress();
    let slack = crate::slack::start(clients, repository, &plan, request.context, &request.slack_env).await;
    let sink: EventSink = match &slack {
        Some((to_slack, _)) => {
            let to_slack = to_slack.clone();
            std::sync::Arc::new(move |event: rnd_aws::Event| {
                to_slack(event.clone());
                sink(event);
            })
        }
        None => sink,
    };
    let applied = rnd_aws::apply(clients, &plan, &observed, options, sink).await;
    // Whatever happened, the messages already queued go out before the process ends.
    if let Some((_, handle)) = slack {
        handle.finish().await;
    }
    Ok(ApplyOutcome::Applied {
        plan,
        report: applied?,
    })
}

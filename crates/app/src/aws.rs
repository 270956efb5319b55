//! The AWS side of every frontend: an async runtime, SDK clients configured the standard way, a
//! snapshot of what exists, and a plan against it.

use anyhow::{Context, Result};
use rnd_aws::{ClientOptions, Clients};
use rnd_core::plan::diff::Action;
use rnd_core::plan::observed::ObservedState;
use rnd_core::plan::resource::DesiredResource;
use rnd_core::plan::{plan_with_fanout, Plan, PlanError, PlanOptions};
use rnd_core::repository::Repository;

/// A runtime for the flows that talk to AWS (the core itself never needs one).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Clients from the standard AWS configuration: environment, profiles, `AWS_ENDPOINT_URL`.
pub async fn clients() -> Clients {
    Clients::from_env(ClientOptions::default()).await
}

/// Everything tagged for `platform` in the configured account and region.
pub async fn observe(clients: &Clients, platform: &str) -> Result<ObservedState> {
    rnd_aws::observe(clients, platform)
        .await
        .with_context(|| format!("observing platform {platform} in AWS"))
}

/// Everything tagged for the repository's platform, read for planning it: resources whose
/// `rnd:hash` says they are as the manifests want are taken as planned instead of described one
/// by one (`rnd_aws::observe_with`), which keeps a large platform's observe to a few calls per
/// hundred resources. A repository the core cannot plan is observed in full (the plan then says
/// why it cannot).
pub async fn observe_for_planning(clients: &Clients, repository: &Repository) -> Result<ObservedState> {
    let platform = &repository.platform.name;
    let expected = rnd_core::plan::expected(repository, &ObservedState::default()).unwrap_or_default();
    rnd_aws::observe_with(clients, platform, &expected)
        .await
        .with_context(|| format!("observing platform {platform} in AWS"))
}

/// Observe the platform in AWS and plan against what is there. The outer error is AWS
/// failing; the inner one is the core refusing to plan (e.g. a service that fits nowhere, or
/// a resource in the way that is not the platform's).
pub async fn observe_and_plan(
    clients: &Clients,
    repository: &Repository,
    options: &PlanOptions,
) -> Result<Result<Plan, PlanError>> {
    let mut observed = observe_for_planning(clients, repository).await?;
    plan_owned(clients, repository, &mut observed, options).await
}

/// Plan against `observed`, then look up by name what the plan would create
/// (`rnd_aws::foreign`): when something not the platform's is already there, it goes into
/// `observed.foreign` and the plan is made again knowing it, so the core refuses it (or adopts
/// it, when `options.adopt` names it) before any change. A plan that creates nothing costs no
/// lookup; a first deploy about one call per kind.
pub async fn plan_owned(
    clients: &Clients,
    repository: &Repository,
    observed: &mut ObservedState,
    options: &PlanOptions,
) -> Result<Result<Plan, PlanError>> {
    let threads = crate::fanout::Threads::per_core();
    // Adoptions are checked once the foreign resources are known.
    let first_options = PlanOptions {
        adopt: Default::default(),
        ..options.clone()
    };
    let plan = match plan_with_fanout(repository, observed, first_options, &threads) {
        Ok(plan) => plan,
        Err(e) => return Ok(Err(e)),
    };
    let creations: Vec<&DesiredResource> = plan
        .graph
        .operations()
        .filter(|op| op.action == Action::Create)
        .filter_map(|op| op.desired.as_ref())
        .collect();
    let platform = &repository.platform.name;
    // Boxed: a dozen concurrent lookups make a large future, and the callers' futures (the
    // Lambda function's whole deploy) would otherwise carry it on a worker thread's stack.
    observed.foreign = Box::pin(rnd_aws::foreign(clients, platform, &creations))
        .await
        .with_context(|| {
            format!("looking up what already exists under the names platform {platform} would create")
        })?;
    if observed.foreign.is_empty() && options.adopt.is_empty() {
        return Ok(Ok(plan));
    }
    Ok(plan_with_fanout(repository, observed, options.clone(), &threads))
}

//! The AWS side of every frontend: an async runtime, SDK clients configured the standard way, a
//! snapshot of what exists, and a plan against it.

use anyhow::{Context, Result};
use rnd_aws::{ClientOptions, Clients};
use rnd_core::plan::observed::ObservedState;
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
/// failing; the inner one is the core refusing to plan (e.g. a service that fits nowhere).
pub async fn observe_and_plan(
    clients: &Clients,
    repository: &Repository,
    options: PlanOptions,
) -> Result<Result<Plan, PlanError>> {
    let observed = observe_for_planning(clients, repository).await?;
    Ok(plan_with_fanout(
        repository,
        &observed,
        options,
        &crate::fanout::Threads::per_core(),
    ))
}

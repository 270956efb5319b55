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

/// Clients from the standard AWS configuration (environment, profiles, `AWS_ENDPOINT_URL`), in
/// the platform's region: `platform.json` says where the platform lives, so a shell's
/// `AWS_REGION` pointing elsewhere never plans a second copy in another region.
pub async fn clients(region: &str) -> Clients {
    Clients::from_env_in(region, ClientOptions::default()).await
}

/// Refuse to plan or change a platform through clients configured for another region (the
/// Lambda function runs in its own region): everything would be planned anew there.
pub fn check_region(clients: &Clients, repository: &Repository) -> Result<()> {
    let wanted = &repository.platform.region;
    match clients.region() {
        Some(region) if region == *wanted => Ok(()),
        Some(region) => anyhow::bail!(
            "platform.json says platform {} is in {wanted}, but AWS is configured for {region}: \
             deploy the Lambda function in {wanted}, or set AWS_REGION={wanted}",
            repository.platform.name
        ),
        None => anyhow::bail!("no AWS region is configured: set AWS_REGION={wanted}"),
    }
}

/// Everything tagged for `platform` in the configured account and region.
pub async fn observe(clients: &Clients, platform: &str) -> Result<ObservedState> {
    rnd_aws::observe(clients, platform)
        .await
        .with_context(|| format!("observing platform {platform} in AWS"))
}

/// How much of the platform an observe for planning describes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Refresh {
    /// Resources whose `rnd:hash` says they are as the manifests want are taken as planned
    /// instead of described one by one (`rnd_aws::observe_with`): a few calls per hundred
    /// resources. A setting changed by hand without its tags (a service's desired count, a
    /// health check edited in the console) is not seen.
    #[default]
    Changed,
    /// Every resource is described, as the drift check does: slower, and sees hand changes.
    All,
}

/// Everything tagged for the repository's platform, read for planning it (see [`Refresh`]). A
/// repository the core cannot plan is observed in full (the plan then says why it cannot).
pub async fn observe_for_planning(
    clients: &Clients,
    repository: &Repository,
    refresh: Refresh,
) -> Result<ObservedState> {
    check_region(clients, repository)?;
    let platform = &repository.platform.name;
    let expected = match refresh {
        Refresh::Changed => {
            rnd_core::plan::expected(repository, &ObservedState::default()).unwrap_or_default()
        }
        Refresh::All => Default::default(),
    };
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
    refresh: Refresh,
) -> Result<Result<Plan, PlanError>> {
    let mut observed = observe_for_planning(clients, repository, refresh).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn repository(region: &str) -> Repository {
        let platform = format!(
            r#"{{ "name": "research", "region": "{region}",
                 "routing": {{ "mode": "host", "domain": "research.example.com" }},
                 "certificate_arn": "arn:aws:acm:{region}:123456789012:certificate/5f1a3c2e-8d4b-4e6f-9a0b-1c2d3e4f5a6b" }}"#
        );
        let file = rnd_core::repository::SourceFile {
            path: "platform.json".into(),
            bytes: platform.into_bytes(),
        };
        rnd_core::repository::validate_repository(&file, &[])
            .repository
            .unwrap()
    }

    fn clients_in(region: &str) -> Clients {
        let config = aws_config::SdkConfig::builder()
            .region(aws_config::Region::new(region.to_string()))
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        Clients::new(&config)
    }

    #[test]
    fn clients_for_another_region_are_refused_naming_both() {
        assert!(check_region(&clients_in("us-east-1"), &repository("us-east-1")).is_ok());
        let refused = check_region(&clients_in("eu-west-1"), &repository("us-east-1")).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "platform.json says platform research is in us-east-1, but AWS is configured for \
             eu-west-1: deploy the Lambda function in us-east-1, or set AWS_REGION=us-east-1"
        );
    }
}

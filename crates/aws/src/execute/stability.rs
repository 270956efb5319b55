//! Waiting for ECS services to reach a steady state after an apply.
//!
//! A service is stable when its one deployment has finished rolling out (`rolloutState`
//! `COMPLETED`, or — where ECS reports no rollout state — all desired tasks running), and has
//! failed when the deployment circuit breaker gave up (`FAILED`, rolled back). Services are
//! described ten at a time, the batch `DescribeServices` allows.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ecs::types::{DeploymentRolloutState, Service};

use super::context::Context;
use crate::AwsError;

/// How a service ended up.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Stability {
    Stable,
    Failed(String),
}

fn state(service: &Service) -> Option<Stability> {
    let deployments = service.deployments();
    let primary = deployments.iter().find(|d| d.status() == Some("PRIMARY"))?;
    match primary.rollout_state() {
        Some(DeploymentRolloutState::Failed) => Some(Stability::Failed(
            primary
                .rollout_state_reason()
                .unwrap_or("the deployment failed and was rolled back")
                .to_string(),
        )),
        Some(DeploymentRolloutState::Completed) if deployments.len() == 1 => Some(Stability::Stable),
        None if deployments.len() == 1 && service.running_count() == service.desired_count() => {
            Some(Stability::Stable)
        }
        _ => None,
    }
}

/// Poll `services` (ECS service name → cluster) until each is stable or failed, or `timeout`.
pub(super) async fn wait(
    ctx: &Context,
    services: BTreeMap<String, String>,
    timeout: Duration,
    interval: Duration,
) -> BTreeMap<String, Stability> {
    let mut done = BTreeMap::new();
    let deadline = tokio::time::Instant::now() + timeout;
    let mut pending = services;
    loop {
        let mut by_cluster: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (service, cluster) in &pending {
            by_cluster.entry(cluster).or_default().push(service);
        }
        let mut settled = Vec::new();
        for (cluster, names) in by_cluster {
            for batch in names.chunks(10) {
                match describe(ctx, cluster, batch).await {
                    Ok(services) => {
                        for s in services {
                            if let (Some(name), Some(state)) = (s.service_name(), state(&s)) {
                                settled.push((name.to_string(), state));
                            }
                        }
                    }
                    // A failed poll is retried at the next interval (the SDK already retried).
                    Err(err) => tracing::warn!(error = %err, "describing services for stability"),
                }
            }
        }
        for (name, state) in settled {
            pending.remove(&name);
            done.insert(name, state);
        }
        if pending.is_empty() {
            return done;
        }
        if tokio::time::Instant::now() + interval > deadline {
            for name in pending.into_keys() {
                done.insert(
                    name,
                    Stability::Failed(format!("not stable within {} s", timeout.as_secs())),
                );
            }
            return done;
        }
        tokio::time::sleep(interval).await;
    }
}

async fn describe(ctx: &Context, cluster: &str, names: &[&str]) -> Result<Vec<Service>, AwsError> {
    let out = ctx
        .clients
        .ecs
        .describe_services()
        .cluster(cluster)
        .set_services(Some(names.iter().map(|n| n.to_string()).collect()))
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeServices", cluster, e))?;
    Ok(out.services().to_vec())
}

//! Waiting for ECS services to reach a steady state after an apply.
//!
//! A service is stable when its one deployment has finished rolling out (`rolloutState`
//! `COMPLETED`, or — where ECS reports no rollout state — all desired tasks running), and has
//! failed when the deployment circuit breaker gave up (`FAILED`, rolled back) or as soon as the
//! deployment has as many failed tasks as the breaker's threshold: ECS is then about to give up
//! and roll back, and the team hears of it a breaker cycle earlier. Services are described ten at
//! a time, the batch `DescribeServices` allows, and each is reported the moment it settles.

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
        _ if primary.failed_tasks() >= breaker_threshold(primary.desired_count()) => {
            Some(Stability::Failed(format!(
                "{} tasks failed to start (the deployment circuit breaker gives up at {}, then ECS rolls back to the last working deployment)",
                primary.failed_tasks(),
                breaker_threshold(primary.desired_count())
            )))
        }
        Some(DeploymentRolloutState::Completed) if deployments.len() == 1 => Some(Stability::Stable),
        None if deployments.len() == 1 && service.running_count() == service.desired_count() => {
            Some(Stability::Stable)
        }
        _ => None,
    }
}

/// The number of failed tasks at which ECS's deployment circuit breaker marks a deployment
/// failed, with its default threshold configuration: half the desired count, rounded up, at least
/// 3 and at most 200 (API reference, `ServiceDeploymentCircuitBreaker.threshold`).
fn breaker_threshold(desired: i32) -> i32 {
    ((desired + 1) / 2).clamp(3, 200)
}

/// Poll `services` (ECS service name → cluster) until each is stable or failed, or `timeout`,
/// telling `settled` about each service as soon as its state is known.
pub(super) async fn wait(
    ctx: &Context,
    services: BTreeMap<String, String>,
    timeout: Duration,
    interval: Duration,
    mut on_settled: impl FnMut(&str, &Stability),
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
            on_settled(&name, &state);
            done.insert(name, state);
        }
        if pending.is_empty() {
            return done;
        }
        if tokio::time::Instant::now() + interval > deadline {
            for name in pending.into_keys() {
                let state = Stability::Failed(format!("not stable within {} s", timeout.as_secs()));
                on_settled(&name, &state);
                done.insert(name, state);
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
        // Tags asked for in every DescribeServices (see `observe::ecs::services`).
        .include(aws_sdk_ecs::types::ServiceField::Tags)
        .cluster(cluster)
        .set_services(Some(names.iter().map(|n| n.to_string()).collect()))
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeServices", cluster, e))?;
    Ok(out.services().to_vec())
}

#[cfg(test)]
mod tests {
    use aws_sdk_ecs::types::Deployment;

    use super::*;

    fn service(desired: i32, running: i32, failed: i32, rollout: DeploymentRolloutState) -> Service {
        Service::builder()
            .desired_count(desired)
            .running_count(running)
            .deployments(
                Deployment::builder()
                    .status("PRIMARY")
                    .desired_count(desired)
                    .running_count(running)
                    .failed_tasks(failed)
                    .rollout_state(rollout)
                    .build(),
            )
            .build()
    }

    #[test]
    fn the_breaker_threshold_is_half_the_desired_count_within_3_and_200() {
        assert_eq!(breaker_threshold(1), 3);
        assert_eq!(breaker_threshold(7), 4);
        assert_eq!(breaker_threshold(10), 5);
        assert_eq!(breaker_threshold(1000), 200);
    }

    #[test]
    fn failed_tasks_at_the_threshold_fail_the_service_before_ecs_gives_up() {
        use DeploymentRolloutState::InProgress;
        assert_eq!(state(&service(2, 0, 2, InProgress)), None);
        match state(&service(2, 0, 3, InProgress)) {
            Some(Stability::Failed(why)) => assert!(why.contains("3 tasks failed to start"), "{why}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            state(&service(2, 2, 0, DeploymentRolloutState::Completed)),
            Some(Stability::Stable)
        );
    }
}

//! How the platform's ECS services are doing right now: tasks running and pending, and where
//! their latest deployment stands. Read for `rnd status`, ten services per call.

use std::collections::BTreeMap;

use crate::{AwsError, Clients};

/// Services described per `DescribeServices` call (AWS's limit).
const BATCH: usize = 10;

/// One ECS service, live.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LiveService {
    pub desired: i32,
    pub running: i32,
    pub pending: i32,
    /// The newest deployment's rollout: `COMPLETED`, `IN_PROGRESS` or `FAILED`, when ECS says.
    pub rollout: Option<String>,
    /// Why the newest deployment is where it is, when ECS says (e.g. a circuit-breaker rollback).
    pub rollout_reason: Option<String>,
    /// Deployments ECS is running at once (more than one while a new version rolls out).
    pub deployments: usize,
    /// The service's most recent event message.
    pub last_event: Option<String>,
    /// When rnd's Lambda function put it to sleep (`idle_after`), while it sleeps or wakes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asleep_since: Option<String>,
    /// What its sleep saves per hour, in dollars, while it sleeps or wakes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saving_hourly: Option<String>,
    /// The task definition (ARN) of the service's primary deployment: the version it runs.
    #[serde(skip)]
    pub task_definition: Option<String>,
    /// When the newest deployment started: its tasks read their secrets then.
    #[serde(skip)]
    pub deployed_at: Option<std::time::SystemTime>,
}

/// The named services of `cluster`, by ECS service name; services ECS does not know are absent.
pub async fn live_services(
    clients: &Clients,
    cluster: &str,
    names: &[String],
) -> Result<BTreeMap<String, LiveService>, AwsError> {
    let mut live = BTreeMap::new();
    for batch in names.chunks(BATCH) {
        let out = clients
            .ecs
            .describe_services()
            // Tags asked for in every DescribeServices (see `observe::ecs::services`).
            .include(aws_sdk_ecs::types::ServiceField::Tags)
            .cluster(cluster)
            .set_services(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeServices", cluster, e))?;
        for s in out.services() {
            if s.status() != Some("ACTIVE") {
                continue;
            }
            // The newest deployment is the one that matters; ECS lists PRIMARY first.
            let newest = s
                .deployments()
                .iter()
                .max_by_key(|d| d.created_at().map(|t| (t.secs(), t.subsec_nanos())));
            live.insert(
                s.service_name().unwrap_or_default().to_string(),
                LiveService {
                    desired: s.desired_count(),
                    running: s.running_count(),
                    // ECS counts are never meant to be negative; a transient report is not shown.
                    pending: s.pending_count().max(0),
                    rollout: newest
                        .and_then(|d| d.rollout_state())
                        .map(|r| r.as_str().to_string()),
                    rollout_reason: newest.and_then(|d| d.rollout_state_reason()).map(str::to_string),
                    deployments: s.deployments().len(),
                    last_event: s.events().first().and_then(|e| e.message()).map(str::to_string),
                    asleep_since: tag_of(s, rnd_core::plan::observed::TAG_ASLEEP_SINCE),
                    saving_hourly: tag_of(s, crate::sleep::TAG_SAVING_HOURLY),
                    task_definition: s.task_definition().map(str::to_string),
                    deployed_at: newest
                        .and_then(|d| d.created_at())
                        .and_then(|t| std::time::SystemTime::try_from(*t).ok()),
                },
            );
        }
    }
    Ok(live)
}

fn tag_of(service: &aws_sdk_ecs::types::Service, key: &str) -> Option<String> {
    service
        .tags()
        .iter()
        .find(|t| t.key() == Some(key))
        .and_then(|t| t.value())
        .map(str::to_string)
}

/// Whether ECS service `service` of `cluster` carries `rnd:platform=<platform>`: only then do
/// rnd's notices speak of it (what rnd does not manage, it does not talk about).
pub async fn is_managed(
    clients: &Clients,
    cluster: &str,
    service: &str,
    platform: &str,
) -> Result<bool, AwsError> {
    let described = clients
        .ecs
        .describe_services()
        .cluster(cluster)
        .services(service)
        // Tags asked for in every DescribeServices (see `observe::ecs::services`).
        .include(aws_sdk_ecs::types::ServiceField::Tags)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeServices", service, e))?;
    Ok(described.services().iter().any(|s| {
        s.tags()
            .iter()
            .any(|t| t.key() == Some(rnd_core::plan::observed::TAG_PLATFORM) && t.value() == Some(platform))
    }))
}

/// The DNS name of each named load balancer (`DescribeLoadBalancers`, 20 names per call), for
/// the records a person points the platform's hosts at. Names ELB does not know are absent.
pub async fn load_balancer_dns(
    clients: &Clients,
    names: &[String],
) -> Result<BTreeMap<String, String>, AwsError> {
    let mut dns = BTreeMap::new();
    for batch in names.chunks(20) {
        let out = clients
            .elb
            .describe_load_balancers()
            .set_names(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeLoadBalancers", batch.join(","), e))?;
        for lb in out.load_balancers() {
            if let (Some(name), Some(dns_name)) = (lb.load_balancer_name(), lb.dns_name()) {
                dns.insert(name.to_string(), dns_name.to_string());
            }
        }
    }
    Ok(dns)
}

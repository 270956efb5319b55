//! GPU capacity for services that sleep: on a sleep, the instances the service's tasks ran on are
//! given back (terminated once idle; the group's warm pool refills with stopped ones); on a wake,
//! the group's desired capacity goes up by as many, so the pool's stopped instances start.
//!
//! The count rides on the service (`rnd:wake-instances`, e.g. `research-g5.xlarge=1`) from the
//! sleep to the wake. It is the number of instances the tasks were on, not the number freed: an
//! instance shared with another service stays, and a wake that adds one instance too many
//! leaves an idle instance that the next plan takes back (only idle ones, `execute::scale_in`),
//! while one too few would leave the woken tasks waiting for capacity nobody asks for.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use rnd_core::plan::observed::TAG_PLATFORM;

use super::ServiceRef;
use crate::{tags, AwsError, Clients};

/// On a sleeping GPU service: the instances to give back per group on a wake.
pub const TAG_WAKE_INSTANCES: &str = "rnd:wake-instances";

/// The instances a service's tasks run on: what a sleep gives back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Occupied {
    /// Container instance ARN → EC2 instance id.
    pub instances: BTreeMap<String, String>,
    /// Auto Scaling group → how many of those instances it holds (the platform's groups only).
    pub per_group: BTreeMap<String, u32>,
}

impl Occupied {
    /// The `rnd:wake-instances` value: `group=n` pairs separated by spaces.
    pub fn tag_value(&self) -> String {
        self.per_group
            .iter()
            .map(|(group, n)| format!("{group}={n}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Parse a `rnd:wake-instances` value back; malformed pairs are skipped.
pub fn parse_wake_instances(value: &str) -> BTreeMap<String, u32> {
    value
        .split_whitespace()
        .filter_map(|pair| {
            let (group, n) = pair.rsplit_once('=')?;
            Some((group.to_string(), n.parse().ok()?))
        })
        .collect()
}

/// Where `s`'s tasks run now, on the platform's groups.
pub(super) async fn occupied(clients: &Clients, s: &ServiceRef) -> Result<Occupied, AwsError> {
    let mut task_arns = Vec::new();
    let mut pages = clients
        .ecs
        .list_tasks()
        .cluster(&s.platform)
        .service_name(&s.service)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("ListTasks", &s.service, e))?;
        task_arns.extend(page.task_arns().iter().cloned());
    }
    if task_arns.is_empty() {
        return Ok(Occupied::default());
    }
    let mut container_instances = BTreeSet::new();
    // DescribeTasks takes at most 100 tasks at a time.
    for batch in task_arns.chunks(100) {
        let tasks = clients
            .ecs
            .describe_tasks()
            .cluster(&s.platform)
            .set_tasks(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeTasks", &s.service, e))?;
        let group = format!("service:{}", s.service);
        container_instances.extend(
            tasks
                .tasks()
                .iter()
                .filter(|t| t.group() == Some(group.as_str()))
                .filter_map(|t| t.container_instance_arn().map(str::to_string)),
        );
    }
    if container_instances.is_empty() {
        return Ok(Occupied::default());
    }
    let described =
        describe_container_instances(clients, s, &container_instances.into_iter().collect::<Vec<_>>())
            .await?;
    let instances: BTreeMap<String, String> = described
        .iter()
        .filter_map(|c| {
            Some((
                c.container_instance_arn()?.to_string(),
                c.ec2_instance_id()?.to_string(),
            ))
        })
        .collect();
    let ids: Vec<String> = instances.values().cloned().collect();
    // EC2 instance id → its group.
    let mut group_of: BTreeMap<String, String> = BTreeMap::new();
    // DescribeAutoScalingInstances takes at most 50 instances at a time.
    for batch in ids.chunks(50) {
        let membership = clients
            .autoscaling
            .describe_auto_scaling_instances()
            .set_instance_ids(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeAutoScalingInstances", &s.service, e))?;
        for member in membership.auto_scaling_instances() {
            if let (Some(id), Some(group)) = (member.instance_id(), member.auto_scaling_group_name()) {
                group_of.insert(id.to_string(), group.to_string());
            }
        }
    }
    // Only instances of the platform's own groups, by the groups' tags: nothing else is given
    // back or asked for, whatever else joined the cluster.
    let mut ours: BTreeSet<String> = BTreeSet::new();
    for group in group_of.values().collect::<BTreeSet<_>>() {
        if group_of_platform(clients, group, &s.platform).await?.is_some() {
            ours.insert(group.clone());
        }
    }
    let instances: BTreeMap<String, String> = instances
        .into_iter()
        .filter(|(_, id)| group_of.get(id).is_some_and(|g| ours.contains(g)))
        .collect();
    let mut per_group: BTreeMap<String, u32> = BTreeMap::new();
    for id in instances.values() {
        *per_group.entry(group_of[id].clone()).or_default() += 1;
    }
    Ok(Occupied { instances, per_group })
}

/// The container instances `arns` of the platform's cluster (DescribeContainerInstances takes at
/// most 100 at a time).
async fn describe_container_instances(
    clients: &Clients,
    s: &ServiceRef,
    arns: &[String],
) -> Result<Vec<aws_sdk_ecs::types::ContainerInstance>, AwsError> {
    let mut described = Vec::new();
    for batch in arns.chunks(100) {
        let out = clients
            .ecs
            .describe_container_instances()
            .cluster(&s.platform)
            .set_container_instances(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeContainerInstances", &s.service, e))?;
        described.extend(out.container_instances().iter().cloned());
    }
    Ok(described)
}

/// A group's desired and maximum capacity, when it is tagged for `platform`.
async fn group_of_platform(
    clients: &Clients,
    group: &str,
    platform: &str,
) -> Result<Option<(i32, i32)>, AwsError> {
    let out = clients
        .autoscaling
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(group)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeAutoScalingGroups", group, e))?;
    Ok(out.auto_scaling_groups().first().and_then(|g| {
        let tags = tags::from_autoscaling(g.tags());
        (tags.get(TAG_PLATFORM).map(String::as_str) == Some(platform))
            .then(|| (g.desired_capacity().unwrap_or(0), g.max_size().unwrap_or(0)))
    }))
}

/// How long to wait for a sleeping service's tasks to stop before giving its instances back.
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    pub checks: u32,
    pub between: Duration,
}

impl Patience {
    /// The Lambda function's: every 10 s for up to 10 minutes (a target group drains in 30 s,
    /// 120 s for WebSockets; the function may run 15 minutes).
    pub const LAMBDA: Patience = Patience {
        checks: 60,
        between: Duration::from_secs(10),
    };
}

/// Give back the instances in `occupied` once they run nothing: each is terminated and taken
/// out of its group's desired capacity, so the warm pool replaces it with a stopped one.
/// Instances still busy after `patience` stay (the next plan's scale-in takes them once idle).
/// Returns how many were given back.
pub async fn release(
    clients: &Clients,
    s: &ServiceRef,
    occupied: &Occupied,
    patience: Patience,
) -> Result<u32, AwsError> {
    let mut waiting: BTreeMap<String, String> = occupied.instances.clone();
    let mut released = 0;
    for check in 0..patience.checks.max(1) {
        if check > 0 {
            tokio::time::sleep(patience.between).await;
        }
        let arns: Vec<String> = waiting.keys().cloned().collect();
        for c in describe_container_instances(clients, s, &arns).await? {
            let idle = c.running_tasks_count() + c.pending_tasks_count() == 0;
            let Some(arn) = c.container_instance_arn() else {
                continue;
            };
            if !idle {
                continue;
            }
            if let Some(instance) = waiting.remove(arn) {
                let result = clients
                    .autoscaling
                    .terminate_instance_in_auto_scaling_group()
                    .instance_id(&instance)
                    .should_decrement_desired_capacity(true)
                    .send()
                    .await;
                match result {
                    Ok(_) => released += 1,
                    Err(e) => {
                        let err = AwsError::call("TerminateInstanceInAutoScalingGroup", &instance, e);
                        // Already leaving (a plan's scale-in got there first): nothing to do.
                        if !err.code_is(&["ValidationError", "ScalingActivityInProgress"]) {
                            return Err(err);
                        }
                    }
                }
            }
        }
        if waiting.is_empty() {
            break;
        }
    }
    Ok(released)
}

/// Raise each group in `wake_instances` by its count, up to the group's maximum (which the plan
/// keeps with room for its sleeping services). Returns the instances asked for.
pub(super) async fn bring_back(
    clients: &Clients,
    s: &ServiceRef,
    wake_instances: &BTreeMap<String, u32>,
) -> Result<u32, AwsError> {
    let mut asked = 0;
    for (group, n) in wake_instances {
        let Some((desired, max)) = group_of_platform(clients, group, &s.platform).await? else {
            continue;
        };
        let raised = (desired + *n as i32).min(max.max(desired));
        if raised == desired {
            continue;
        }
        clients
            .autoscaling
            .set_desired_capacity()
            .auto_scaling_group_name(group)
            .desired_capacity(raised)
            .honor_cooldown(false)
            .send()
            .await
            .map_err(|e| AwsError::call("SetDesiredCapacity", group, e))?;
        asked += (raised - desired) as u32;
    }
    Ok(asked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wake_instances_tag_reads_back() {
        let occupied = Occupied {
            instances: BTreeMap::new(),
            per_group: [("lab-g5.xlarge".to_string(), 2), ("lab-g6.xlarge".to_string(), 1)].into(),
        };
        let value = occupied.tag_value();
        assert_eq!(value, "lab-g5.xlarge=2 lab-g6.xlarge=1");
        assert_eq!(parse_wake_instances(&value), occupied.per_group);
        assert!(parse_wake_instances("garbage lab=x").is_empty());
    }
}

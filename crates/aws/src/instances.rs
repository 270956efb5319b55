//! The EC2 instances the platform's auto scaling groups run right now, and how many tasks each
//! runs: for `rnd status`, which shows everything that costs money, and flags an instance that
//! runs no task (a failed apply or a task that will not start can leave one up, billed by the
//! hour). Read from the groups themselves, so an instance that never joined the cluster shows
//! too.

use std::collections::BTreeMap;

use crate::{AwsError, Clients};

/// `DescribeAutoScalingGroups` takes up to 100 names; `DescribeContainerInstances` up to 100.
const BATCH: usize = 100;

/// One running (or starting) instance of one of the platform's groups.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LiveInstance {
    pub instance_id: String,
    pub instance_type: String,
    /// The auto scaling group it belongs to.
    pub group: String,
    /// The group's view of it: `InService`, `Pending`, `Terminating`, …
    pub lifecycle: String,
    /// Tasks running on it; `None` when it has not registered with the cluster (still booting,
    /// or its ECS agent cannot reach ECS).
    pub running_tasks: Option<u32>,
    /// Tasks placed on it and starting.
    pub pending_tasks: Option<u32>,
}

impl LiveInstance {
    /// In service, in the cluster, and running and starting nothing: paid for, doing no work.
    /// (One not yet in the cluster may still be booting; the table says so instead.)
    pub fn is_idle(&self) -> bool {
        self.lifecycle == "InService" && self.running_tasks == Some(0) && self.pending_tasks == Some(0)
    }
}

/// The instances of `groups` (the platform's own auto scaling groups), with their task counts
/// from the container instances of `cluster`.
pub async fn live_instances(
    clients: &Clients,
    cluster: &str,
    groups: &[String],
) -> Result<Vec<LiveInstance>, AwsError> {
    let mut instances = Vec::new();
    for batch in groups.chunks(BATCH) {
        let mut pages = clients
            .autoscaling
            .describe_auto_scaling_groups()
            .set_auto_scaling_group_names(Some(batch.to_vec()))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| AwsError::call("DescribeAutoScalingGroups", cluster, e))?;
            for g in page.auto_scaling_groups() {
                let group = g.auto_scaling_group_name().unwrap_or_default();
                for i in g.instances() {
                    let (Some(id), Some(instance_type)) = (i.instance_id(), i.instance_type()) else {
                        continue;
                    };
                    instances.push(LiveInstance {
                        instance_id: id.to_string(),
                        instance_type: instance_type.to_string(),
                        group: group.to_string(),
                        lifecycle: i
                            .lifecycle_state()
                            .map(|s| s.as_str())
                            .unwrap_or("Unknown")
                            .to_string(),
                        running_tasks: None,
                        pending_tasks: None,
                    });
                }
            }
        }
    }
    if instances.is_empty() {
        return Ok(instances);
    }
    let counts = task_counts(clients, cluster).await?;
    for instance in &mut instances {
        if let Some((running, pending)) = counts.get(&instance.instance_id) {
            instance.running_tasks = Some(*running);
            instance.pending_tasks = Some(*pending);
        }
    }
    instances.sort_by(|a, b| (&a.instance_type, &a.instance_id).cmp(&(&b.instance_type, &b.instance_id)));
    Ok(instances)
}

/// EC2 instance ID → (running, pending) tasks, for every container instance of `cluster`.
async fn task_counts(clients: &Clients, cluster: &str) -> Result<BTreeMap<String, (u32, u32)>, AwsError> {
    let count = |n: i32| n.max(0) as u32;
    Ok(container_instances(clients, cluster)
        .await?
        .iter()
        .filter_map(|ci| {
            let id = ci.ec2_instance_id()?;
            Some((
                id.to_string(),
                (count(ci.running_tasks_count()), count(ci.pending_tasks_count())),
            ))
        })
        .collect())
}

/// Every container instance of `cluster`, described (a hundred a call); none when the cluster
/// does not exist. Shared by status, observing GPU placement and scale-in.
pub(crate) async fn container_instances(
    clients: &Clients,
    cluster: &str,
) -> Result<Vec<aws_sdk_ecs::types::ContainerInstance>, AwsError> {
    let ecs = &clients.ecs;
    let mut arns = Vec::new();
    let mut pages = ecs
        .list_container_instances()
        .cluster(cluster)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => arns.extend(page.container_instance_arns().iter().cloned()),
            Err(e) => {
                let err = AwsError::call("ListContainerInstances", cluster, e);
                if err.code_is(&["ClusterNotFound"]) {
                    return Ok(Vec::new());
                }
                return Err(err);
            }
        }
    }
    let mut described = Vec::new();
    for batch in arns.chunks(BATCH) {
        let out = ecs
            .describe_container_instances()
            .cluster(cluster)
            .set_container_instances(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeContainerInstances", cluster, e))?;
        described.extend(out.container_instances().iter().cloned());
    }
    Ok(described)
}

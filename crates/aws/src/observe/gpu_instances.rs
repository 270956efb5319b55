//! The GPU container instances of a cluster and the service tasks running on each, so
//! placement can keep running GPU tasks where they are.
//!
//! Tasks are listed once per cluster and described 100 at a time, rather than listed per
//! instance. Fargate tasks have no container instance and are left out.

use std::collections::BTreeMap;

use aws_sdk_ecs::types::DesiredStatus;
use rnd_core::placement::{PreviousInstance, TaskRef};

use crate::{AwsError, Clients};

/// `DescribeContainerInstances` and `DescribeTasks` take up to 100 each.
const BATCH: usize = 100;

pub(super) async fn gpu_instances(
    clients: &Clients,
    cluster: &str,
) -> Result<Vec<PreviousInstance>, AwsError> {
    let ecs = &clients.ecs;
    let described = crate::instances::container_instances(clients, cluster).await?;
    if described.is_empty() {
        return Ok(Vec::new());
    }
    // Instance ARN → instance type, from the attribute the ECS agent registers.
    let types: BTreeMap<String, String> = described
        .iter()
        .filter_map(|ci| {
            let instance_type = ci
                .attributes()
                .iter()
                .find(|a| a.name() == "ecs.instance-type")
                .and_then(|a| a.value())?;
            Some((
                ci.container_instance_arn()?.to_string(),
                instance_type.to_string(),
            ))
        })
        .collect();
    let mut task_arns = Vec::new();
    let mut pages = ecs
        .list_tasks()
        .cluster(cluster)
        .desired_status(DesiredStatus::Running)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("ListTasks", cluster, e))?;
        task_arns.extend(page.task_arns().iter().cloned());
    }
    let mut on_instance: BTreeMap<String, Vec<String>> =
        types.keys().map(|k| (k.clone(), Vec::new())).collect();
    for batch in task_arns.chunks(BATCH) {
        let out = ecs
            .describe_tasks()
            .cluster(cluster)
            .set_tasks(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeTasks", cluster, e))?;
        for task in out.tasks() {
            // A service's tasks are in the group `service:<name>`.
            let service = task.group().and_then(|g| g.strip_prefix("service:"));
            if let (Some(instance), Some(service)) = (task.container_instance_arn(), service) {
                if let Some(tasks) = on_instance.get_mut(instance) {
                    tasks.push(service.to_string());
                }
            }
        }
    }
    // Replicas are interchangeable: number them per service in a stable order.
    let mut replica: BTreeMap<String, u32> = BTreeMap::new();
    let mut instances = Vec::new();
    for (arn, mut services) in on_instance {
        services.sort();
        let tasks = services
            .into_iter()
            .map(|service| {
                let n = replica.entry(service.clone()).or_default();
                *n += 1;
                TaskRef {
                    service,
                    replica: *n - 1,
                }
            })
            .collect();
        instances.push(PreviousInstance {
            instance_type: types[&arn].clone(),
            tasks,
        });
    }
    Ok(instances)
}

//! Task definitions: one observed resource per ACTIVE revision of rnd's families.

use std::collections::BTreeMap;

use aws_sdk_ecs::types::{ResourceType, TaskDefinitionField, TaskDefinitionStatus};
use rnd_core::plan::observed::{Expected, ObservedResource};
use rnd_core::plan::resource::ResourceKind;
use serde_json::Value;

use super::tagging::Tagged;
use super::{arn_tail, completed, is_ours, resource, set};
use crate::{tags, AwsError, Clients};

/// Docker label holding the manifest's `gpu_memory`, which ECS has no setting for.
pub(crate) const GPU_MEMORY_LABEL: &str = "rnd.gpu_memory";

pub(super) async fn task_definitions(
    clients: &Clients,
    platform: &str,
    expected: &Expected,
    tagged: &Tagged,
) -> Result<Vec<ObservedResource>, AwsError> {
    // `familyPrefix` of ListTaskDefinitions is a whole family name, not a prefix: list every
    // active revision (100 per page) and keep rnd's families by name, then by tag.
    let marker = format!("task-definition/{platform}-");
    let mut arns = Vec::new();
    let mut pages = clients
        .ecs
        .list_task_definitions()
        .status(TaskDefinitionStatus::Active)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("ListTaskDefinitions", platform, e))?;
        arns.extend(
            page.task_definition_arns()
                .iter()
                .filter(|a| a.contains(&marker))
                .cloned(),
        );
    }
    // ECS describes one revision per call. A revision never changes once registered, so one
    // tagged with the expected hash holds the expected settings, and is not described.
    let mut found = Vec::new();
    let mut unknown = Vec::new();
    for arn in arns {
        let Some((family, revision)) = arn_tail(&arn).split_once(':') else {
            unknown.push(arn);
            continue;
        };
        let known = tagged
            .get(&arn)
            .filter(|t| is_ours(t, platform))
            .and_then(|t| Some((t, expected.unchanged(ResourceKind::TaskDefinition, family, t)?)));
        match (known, revision.parse::<u32>()) {
            (Some((tags, settings)), Ok(revision)) => {
                let mut r = resource(
                    ResourceKind::TaskDefinition,
                    family,
                    Some(arn.clone()),
                    tags.clone(),
                );
                r.revision = Some(revision);
                found.push(completed(r, settings));
            }
            _ => unknown.push(arn),
        }
    }
    let described = super::bounded(unknown, 8, |arn| async move {
        clients
            .ecs
            .describe_task_definition()
            .task_definition(&arn)
            .include(TaskDefinitionField::Tags)
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeTaskDefinition", &arn, e))
    })
    .await?;
    for out in described {
        let tags = tags::from_ecs(out.tags());
        let Some(td) = out.task_definition() else { continue };
        if !is_ours(&tags, platform) {
            continue;
        }
        let (Some(family), Some(arn)) = (td.family(), td.task_definition_arn()) else {
            continue;
        };
        let mut r = resource(ResourceKind::TaskDefinition, family, Some(arn.to_string()), tags);
        r.revision = Some(td.revision() as u32);
        let a = &mut r.attributes;
        set(
            a,
            "compatibility",
            td.requires_compatibilities()
                .first()
                .map(|c| c.as_str().to_string()),
        );
        set(
            a,
            "network_mode",
            td.network_mode().map(|m| m.as_str().to_string()),
        );
        set(a, "task_cpu", td.cpu().and_then(|c| c.parse::<u32>().ok()));
        set(a, "task_memory", td.memory().and_then(|m| m.parse::<u32>().ok()));
        set(a, "execution_role", td.execution_role_arn().map(arn_tail));
        set(a, "task_role", td.task_role_arn().map(arn_tail));
        if let Some(c) = td.container_definitions().first() {
            set(a, "container_name", c.name());
            set(a, "image", c.image());
            set(a, "cpu", Some(c.cpu() as u32));
            set(a, "memory", c.memory().map(|m| m as u32));
            let gpu = c
                .resource_requirements()
                .iter()
                .find(|r| r.r#type() == &ResourceType::Gpu)
                .and_then(|r| r.value().parse::<u32>().ok())
                .unwrap_or(0);
            a.insert("gpu".into(), gpu.into());
            set(
                a,
                "gpu_memory",
                c.docker_labels()
                    .and_then(|l| l.get(GPU_MEMORY_LABEL))
                    .and_then(|v| v.parse::<u32>().ok()),
            );
            set(
                a,
                "port",
                c.port_mappings().first().and_then(|p| p.container_port()),
            );
            let environment: BTreeMap<String, Value> = c
                .environment()
                .iter()
                .filter_map(|kv| Some((kv.name()?.to_string(), Value::from(kv.value()?))))
                .collect();
            a.insert(
                "environment".into(),
                Value::Object(environment.into_iter().collect()),
            );
            let secrets: BTreeMap<String, Value> = c
                .secrets()
                .iter()
                .map(|s| {
                    (
                        s.name().to_string(),
                        Value::from(secret_reference(s.value_from())),
                    )
                })
                .collect();
            a.insert("secrets".into(), Value::Object(secrets.into_iter().collect()));
            if let Some(options) = c.log_configuration().and_then(|l| l.options()) {
                set(a, "log_group", options.get("awslogs-group").cloned());
                set(a, "log_region", options.get("awslogs-region").cloned());
            }
        }
        found.push(r);
    }
    Ok(found)
}

/// ECS's `valueFrom` as the spec writes it: `ssm:/<path>` or `secretsmanager:<name>`.
pub(crate) fn secret_reference(value_from: &str) -> String {
    if let Some((_, name)) = value_from.split_once(":secret:") {
        return format!("secretsmanager:{name}");
    }
    if let Some((_, name)) = value_from.split_once(":parameter") {
        return format!("ssm:{name}");
    }
    format!("ssm:{value_from}")
}

//! Auto-scaling groups; filtered by tag on the client, since every group comes with its tags.

use rnd_core::plan::desired::WARM_UP_HOOK;
use rnd_core::plan::observed::ObservedResource;
use rnd_core::plan::resource::ResourceKind;
use serde_json::{json, Value};

use super::{is_ours, resource, set, Lookup};
use crate::{AwsError, Clients};

pub(super) async fn groups(
    clients: &Clients,
    platform: &str,
    lookup: &Lookup,
) -> Result<Vec<ObservedResource>, AwsError> {
    let mut found = Vec::new();
    let mut pages = clients
        .autoscaling
        .describe_auto_scaling_groups()
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("DescribeAutoScalingGroups", platform, e))?;
        for g in page.auto_scaling_groups() {
            let tags = crate::tags::from_autoscaling(g.tags());
            if !is_ours(&tags, platform) {
                continue;
            }
            let mut r = resource(
                ResourceKind::AutoScalingGroup,
                g.auto_scaling_group_name().unwrap_or_default(),
                g.auto_scaling_group_arn().map(str::to_string),
                tags,
            );
            set(
                &mut r.attributes,
                "launch_template",
                g.launch_template().and_then(|t| t.launch_template_name()),
            );
            set(&mut r.attributes, "min_size", g.min_size());
            set(&mut r.attributes, "max_size", g.max_size());
            set(&mut r.attributes, "desired_capacity", g.desired_capacity());
            if let Some(pool) = g
                .warm_pool_configuration()
                .filter(|p| p.status().is_none_or(|s| s.as_str() != "PendingDelete"))
            {
                let name = g.auto_scaling_group_name().unwrap_or_default();
                r.attributes
                    .insert("warm_pool".into(), warm_pool(clients, name, pool).await?);
            }
            if let Some(zones) = g.vpc_zone_identifier().filter(|z| !z.is_empty()) {
                let subnets = zones.split(',').map(str::trim);
                r.attributes
                    .insert("subnets".into(), lookup.network.subnet_names(subnets).into());
            }
            found.push(r);
        }
    }
    Ok(found)
}

/// A group's warm pool as the desired state has it: the pool's settings and its warm-up hook
/// (`"none"` when the hook is gone, so the plan puts it back). Only groups with a pool cost the
/// extra call.
async fn warm_pool(
    clients: &Clients,
    group: &str,
    pool: &aws_sdk_autoscaling::types::WarmPoolConfiguration,
) -> Result<Value, AwsError> {
    let hooks = clients
        .autoscaling
        .describe_lifecycle_hooks()
        .auto_scaling_group_name(group)
        .lifecycle_hook_names(WARM_UP_HOOK)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeLifecycleHooks", group, e))?;
    let hook = hooks.lifecycle_hooks().iter().find(|h| {
        h.lifecycle_hook_name() == Some(WARM_UP_HOOK)
            && h.lifecycle_transition() == Some("autoscaling:EC2_INSTANCE_LAUNCHING")
    });
    Ok(json!({
        "min_size": pool.min_size().unwrap_or(0),
        "pool_state": pool.pool_state().map(|s| s.as_str()).unwrap_or("Stopped"),
        "warm_up_hook": hook.and_then(|h| h.lifecycle_hook_name()).unwrap_or("none"),
        "warm_up_timeout_seconds": hook.and_then(|h| h.heartbeat_timeout()).unwrap_or(0),
    }))
}

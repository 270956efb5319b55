//! Auto-scaling groups; filtered by tag on the client, since every group comes with its tags.

use rnd_core::plan::observed::ObservedResource;
use rnd_core::plan::resource::ResourceKind;

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
            let tags = g
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                .collect();
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

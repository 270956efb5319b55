//! Security groups and launch templates, found by tag filter (EC2 filters on the server).

use aws_sdk_ec2::types::{Filter, IpPermission};
use rnd_core::plan::observed::{ObservedResource, TAG_PLATFORM};
use rnd_core::plan::resource::ResourceKind;
use serde_json::{json, Value};

use super::{resource, set, Lookup};
use crate::{tags, AwsError, Clients};

fn platform_filter(platform: &str) -> Filter {
    Filter::builder()
        .name(format!("tag:{TAG_PLATFORM}"))
        .values(platform)
        .build()
}

/// Security groups, with ingress rules still naming other groups by id (see `with_ingress_names`).
pub(super) async fn security_groups(
    clients: &Clients,
    platform: &str,
) -> Result<Vec<ObservedResource>, AwsError> {
    let mut found = Vec::new();
    let mut pages = clients
        .ec2
        .describe_security_groups()
        .filters(platform_filter(platform))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("DescribeSecurityGroups", platform, e))?;
        for group in page.security_groups() {
            let (Some(name), Some(id)) = (group.group_name(), group.group_id()) else {
                continue;
            };
            let mut r = resource(
                ResourceKind::SecurityGroup,
                name,
                Some(id.to_string()),
                tags::from_ec2(group.tags()),
            );
            set(&mut r.attributes, "description", group.description());
            set(&mut r.attributes, "vpc", group.vpc_id());
            r.attributes.insert(
                "ingress".into(),
                Value::Array(ingress_rules(group.ip_permissions())),
            );
            found.push(r);
        }
    }
    Ok(found)
}

/// Ingress as `{protocol, from_port, to_port, source}`, one rule per source, sorted as the
/// specs sort them. Sources that are groups are ids here.
pub(crate) fn ingress_rules(permissions: &[IpPermission]) -> Vec<Value> {
    let mut rules = Vec::new();
    for p in permissions {
        let protocol = p.ip_protocol().unwrap_or("-1");
        let from = p.from_port().unwrap_or(0);
        let to = p.to_port().unwrap_or(0);
        let sources = p
            .ip_ranges()
            .iter()
            .filter_map(|r| r.cidr_ip())
            .chain(p.ipv6_ranges().iter().filter_map(|r| r.cidr_ipv6()))
            .chain(p.user_id_group_pairs().iter().filter_map(|g| g.group_id()));
        for source in sources {
            rules.push((protocol.to_string(), from, to, source.to_string()));
        }
    }
    rules.sort();
    rules
        .into_iter()
        .map(|(protocol, from, to, source)| {
            json!({ "protocol": protocol, "from_port": from, "to_port": to, "source": source })
        })
        .collect()
}

/// Replace group ids with rnd names in ingress sources and VPC ids with `default`, now that
/// every group is known.
pub(super) fn with_ingress_names(
    mut groups: Vec<ObservedResource>,
    lookup: &Lookup,
) -> Vec<ObservedResource> {
    for g in &mut groups {
        if let Some(Value::String(vpc)) = g.attributes.get("vpc") {
            let name = lookup.network.vpc_name(vpc);
            g.attributes.insert("vpc".into(), Value::String(name));
        }
        if let Some(Value::Array(rules)) = g.attributes.get_mut("ingress") {
            for rule in rules.iter_mut() {
                if let Some(Value::String(source)) = rule.get_mut("source") {
                    if source.starts_with("sg-") {
                        *source = lookup.group_name(source);
                    }
                }
            }
            // Names sort differently from ids.
            rules.sort_by_key(|r| {
                (
                    r["protocol"].as_str().unwrap_or_default().to_string(),
                    r["from_port"].as_u64(),
                    r["to_port"].as_u64(),
                    r["source"].as_str().unwrap_or_default().to_string(),
                )
            });
        }
    }
    groups
}

/// Launch templates and the settings of their default version.
pub(super) async fn launch_templates(
    clients: &Clients,
    platform: &str,
    lookup: &Lookup,
) -> Result<Vec<ObservedResource>, AwsError> {
    let mut templates = Vec::new();
    let mut pages = clients
        .ec2
        .describe_launch_templates()
        .filters(platform_filter(platform))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("DescribeLaunchTemplates", platform, e))?;
        for t in page.launch_templates() {
            if let (Some(name), Some(id)) = (t.launch_template_name(), t.launch_template_id()) {
                templates.push((name.to_string(), id.to_string(), tags::from_ec2(t.tags())));
            }
        }
    }
    super::bounded(templates, 8, |(name, id, tags)| async move {
        let versions = clients
            .ec2
            .describe_launch_template_versions()
            .launch_template_id(&id)
            .versions("$Default")
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeLaunchTemplateVersions", &name, e))?;
        let mut r = resource(ResourceKind::LaunchTemplate, name, Some(id), tags);
        if let Some(data) = versions
            .launch_template_versions()
            .first()
            .and_then(|v| v.launch_template_data())
        {
            set(
                &mut r.attributes,
                "instance_type",
                data.instance_type().map(|t| t.as_str().to_string()),
            );
            // Reported only when the template sets it (a template without one keeps the AMI's).
            set(
                &mut r.attributes,
                "root_volume_gib",
                data.block_device_mappings()
                    .iter()
                    .find(|m| m.device_name() == Some(rnd_core::plan::desired::GPU_ROOT_DEVICE))
                    .and_then(|m| m.ebs())
                    .and_then(|e| e.volume_size()),
            );
            set(
                &mut r.attributes,
                "instance_profile",
                data.iam_instance_profile().and_then(|p| {
                    p.name()
                        .map(str::to_string)
                        .or_else(|| p.arn().map(|a| super::arn_tail(a).to_string()))
                }),
            );
            set(
                &mut r.attributes,
                "security_group",
                data.security_group_ids().first().map(|id| lookup.group_name(id)),
            );
            set(
                &mut r.attributes,
                "user_data",
                data.user_data()
                    .and_then(|u| aws_smithy_types::base64::decode(u).ok())
                    .and_then(|b| String::from_utf8(b).ok()),
            );
        }
        Ok(r)
    })
    .await
}

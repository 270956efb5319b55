//! `foreign`: what already exists under the names a plan would create, and whose it seems to be.
//!
//! `observe` finds the platform's own resources by their tags and place; a resource under one
//! of rnd's names without them (a hand-made role, another tool's target group, another
//! platform's group) is invisible to it, and creating over it is where AWS would answer
//! "already exists". The core refuses such a plan (`rnd_core::plan::ownership`) once told what
//! exists, which is this module's job: every name the plan creates is looked up, and every hit
//! is foreign by definition (the platform's own would have been observed and planned as an
//! update). Lookups list by kind, not by name, so a first deploy of many services costs about a
//! call per kind, plus one tag read per resource found (IAM and CloudWatch Logs list without
//! tags). A hit tagged for the platform, in its place, is its own after all (observed a moment
//! before AWS listed it: IAM and the tagging API are eventually consistent) and is left out. Kinds that live inside the platform's own resources (listeners and rules on its load
//! balancers, the cluster's capacity provider attachment) cannot be someone else's: their
//! parents are checked.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::Filter;
use aws_sdk_ecs::types::{CapacityProviderField, ClusterField, ServiceField, TaskDefinitionField};
use rnd_core::plan::observed::{ForeignResource, TAG_PLATFORM};
use rnd_core::plan::resource::{DesiredResource, ResourceKind};
use rnd_core::plan::spec::Spec;

use crate::network::DefaultNetwork;
use crate::observe::iam_names::path;
use crate::{tags, AwsError, Clients};

type Tags = BTreeMap<String, String>;

/// The resources among `creations` that already exist in AWS, with their tags.
pub async fn foreign(
    clients: &Clients,
    platform: &str,
    creations: &[&DesiredResource],
) -> Result<Vec<ForeignResource>, AwsError> {
    let names = |kind: ResourceKind| -> BTreeSet<String> {
        creations
            .iter()
            .filter(|d| d.id.kind == kind)
            .map(|d| d.id.name.clone())
            .collect()
    };
    let groups: Vec<(String, String)> = creations
        .iter()
        .filter_map(|d| match &d.spec {
            Spec::SecurityGroup(s) => Some((d.id.name.clone(), s.vpc.clone())),
            _ => None,
        })
        .collect();
    let records: Vec<(String, String)> = creations
        .iter()
        .filter_map(|d| match &d.spec {
            Spec::DnsRecord(s) => Some((d.id.name.clone(), s.hosted_zone.clone())),
            _ => None,
        })
        .collect();
    let found = tokio::try_join!(
        roles(clients, platform, names(ResourceKind::IamRole)),
        instance_profiles(clients, platform, names(ResourceKind::InstanceProfile)),
        security_groups(clients, groups),
        target_groups(clients, names(ResourceKind::TargetGroup)),
        load_balancers(clients, names(ResourceKind::LoadBalancer)),
        log_groups(clients, platform, names(ResourceKind::LogGroup)),
        launch_templates(clients, names(ResourceKind::LaunchTemplate)),
        auto_scaling_groups(clients, names(ResourceKind::AutoScalingGroup)),
        capacity_providers(clients, names(ResourceKind::CapacityProvider)),
        clusters(clients, names(ResourceKind::EcsCluster)),
        services(clients, platform, names(ResourceKind::EcsService)),
        task_definition_families(clients, platform, names(ResourceKind::TaskDefinition)),
        dns_records(clients, records),
    )?;
    let (a, b, c, d, e, f, g, h, i, j, k, l, m) = found;
    // IAM hits are filtered by path in `roles`/`instance_profiles`; every other lookup is made
    // in the platform's place (VPC, prefix, cluster), so its tag alone says it is the platform's.
    let mut all: Vec<ForeignResource> = [c, d, e, f, g, h, i, j, k, l, m]
        .into_iter()
        .flatten()
        .filter(|r| !is_ours(&r.tags, platform))
        .chain(a)
        .chain(b)
        .collect();
    all.sort_by_key(ForeignResource::id);
    Ok(all)
}

/// Why an IAM role or profile outside the platform's path cannot be adopted.
fn outside_path(actual: Option<&str>, platform: &str) -> String {
    format!(
        "it is under the IAM path {}, not {}, and IAM paths never change; delete or rename it",
        actual.unwrap_or("/"),
        path(platform)
    )
}

fn is_ours(tags: &Tags, platform: &str) -> bool {
    tags.get(TAG_PLATFORM).is_some_and(|p| p == platform)
}

fn hit(kind: ResourceKind, name: &str, tags: Tags) -> ForeignResource {
    ForeignResource {
        kind,
        name: name.to_string(),
        tags,
        not_adoptable: None,
    }
}

/// Records at the names of the DNS records to create, in their zones: an alias or address
/// record (`A`, `AAAA`) is foreign with the tags of the TXT record beside it, if any; a CNAME
/// cannot share its name with rnd's record at all, so it cannot be adopted either.
async fn dns_records(
    clients: &Clients,
    wanted: Vec<(String, String)>,
) -> Result<Vec<ForeignResource>, AwsError> {
    let mut by_zone: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, zone) in wanted {
        by_zone.entry(zone).or_default().push(name);
    }
    let mut found = Vec::new();
    for (zone, names) in by_zone {
        // A missing zone is the reference check's to report (`rnd_core::platform_references`).
        let Some(records) = crate::route53::zone_records(clients, &zone).await? else {
            continue;
        };
        for name in names {
            let tags = crate::route53::owner_tags(&records, &name).unwrap_or_default();
            if records.contains_key(&(name.clone(), "CNAME".to_string())) {
                let mut cname = hit(ResourceKind::DnsRecord, &name, tags);
                cname.not_adoptable = Some(
                    "it is a CNAME record, which no other record can share a name with: delete it \
                     in Route 53 if rnd should keep the record"
                        .to_string(),
                );
                found.push(cname);
            } else if ["A", "AAAA"]
                .iter()
                .any(|kind| records.contains_key(&(name.clone(), kind.to_string())))
            {
                found.push(hit(ResourceKind::DnsRecord, &name, tags));
            }
        }
    }
    Ok(found)
}

/// IAM role names are account-wide whatever the path, so every role is listed (a page holds up
/// to a thousand); only the ones found are read again for their tags, which the list omits.
/// A role tagged for the platform under another path than its own is not its own: the tag
/// was copied.
async fn roles(
    clients: &Clients,
    platform: &str,
    wanted: BTreeSet<String>,
) -> Result<Vec<ForeignResource>, AwsError> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut existing = Vec::new();
    let mut pages = clients.iam.list_roles().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("ListRoles", "roles rnd would create", e))?;
        existing.extend(
            page.roles()
                .iter()
                .filter(|r| wanted.contains(r.role_name()))
                .map(|r| (r.role_name().to_string(), r.path() == path(platform))),
        );
    }
    let mut found = Vec::new();
    for (name, in_place) in existing {
        let role = clients
            .iam
            .get_role()
            .role_name(&name)
            .send()
            .await
            .map_err(|e| AwsError::call("GetRole", &name, e))?;
        let tags = role.role().map(|r| tags::from_iam(r.tags())).unwrap_or_default();
        if !(in_place && is_ours(&tags, platform)) {
            let mut found_role = hit(ResourceKind::IamRole, &name, tags);
            found_role.not_adoptable =
                (!in_place).then(|| outside_path(role.role().map(|r| r.path()), platform));
            found.push(found_role);
        }
    }
    Ok(found)
}

async fn instance_profiles(
    clients: &Clients,
    platform: &str,
    wanted: BTreeSet<String>,
) -> Result<Vec<ForeignResource>, AwsError> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut existing = Vec::new();
    let mut pages = clients.iam.list_instance_profiles().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| AwsError::call("ListInstanceProfiles", "profiles rnd would create", e))?;
        existing.extend(
            page.instance_profiles()
                .iter()
                .filter(|p| wanted.contains(p.instance_profile_name()))
                .map(|p| (p.instance_profile_name().to_string(), p.path() == path(platform))),
        );
    }
    let mut found = Vec::new();
    for (name, in_place) in existing {
        let profile = clients
            .iam
            .get_instance_profile()
            .instance_profile_name(&name)
            .send()
            .await
            .map_err(|e| AwsError::call("GetInstanceProfile", &name, e))?;
        let tags = profile
            .instance_profile()
            .map(|p| tags::from_iam(p.tags()))
            .unwrap_or_default();
        if !(in_place && is_ours(&tags, platform)) {
            let mut found_profile = hit(ResourceKind::InstanceProfile, &name, tags);
            found_profile.not_adoptable =
                (!in_place).then(|| outside_path(profile.instance_profile().map(|p| p.path()), platform));
            found.push(found_profile);
        }
    }
    Ok(found)
}

/// Security group names are unique per VPC: looked up in the VPC each group would be made in.
async fn security_groups(
    clients: &Clients,
    wanted: Vec<(String, String)>,
) -> Result<Vec<ForeignResource>, AwsError> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let network = DefaultNetwork::load(clients).await?;
    let mut by_vpc: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, vpc) in wanted {
        by_vpc.entry(network.vpc_id(&vpc)?).or_default().push(name);
    }
    let mut found = Vec::new();
    // A filter takes at most 200 values.
    let batches = by_vpc.into_iter().flat_map(|(vpc, names)| {
        names
            .chunks(200)
            .map(|c| (vpc.clone(), c.to_vec()))
            .collect::<Vec<_>>()
    });
    for (vpc, names) in batches {
        let mut pages = clients
            .ec2
            .describe_security_groups()
            .filters(Filter::builder().name("vpc-id").values(&vpc).build())
            .filters(
                Filter::builder()
                    .name("group-name")
                    .set_values(Some(names))
                    .build(),
            )
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| AwsError::call("DescribeSecurityGroups", &vpc, e))?;
            for g in page.security_groups() {
                if let Some(name) = g.group_name() {
                    found.push(hit(ResourceKind::SecurityGroup, name, tags::from_ec2(g.tags())));
                }
            }
        }
    }
    Ok(found)
}

/// Target groups and load balancers: listed (DescribeTargetGroups by name fails as a whole
/// when one name is missing), then their tags read twenty at a time.
async fn target_groups(
    clients: &Clients,
    wanted: BTreeSet<String>,
) -> Result<Vec<ForeignResource>, AwsError> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut existing = Vec::new();
    let mut pages = clients.elb.describe_target_groups().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| AwsError::call("DescribeTargetGroups", "target groups rnd would create", e))?;
        for g in page.target_groups() {
            if let (Some(name), Some(arn)) = (g.target_group_name(), g.target_group_arn()) {
                if wanted.contains(name) {
                    existing.push((name.to_string(), arn.to_string()));
                }
            }
        }
    }
    elb_tagged(clients, ResourceKind::TargetGroup, existing).await
}

async fn load_balancers(
    clients: &Clients,
    wanted: BTreeSet<String>,
) -> Result<Vec<ForeignResource>, AwsError> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut existing = Vec::new();
    let mut pages = clients.elb.describe_load_balancers().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| AwsError::call("DescribeLoadBalancers", "load balancers rnd would create", e))?;
        for lb in page.load_balancers() {
            if let (Some(name), Some(arn)) = (lb.load_balancer_name(), lb.load_balancer_arn()) {
                if wanted.contains(name) {
                    existing.push((name.to_string(), arn.to_string()));
                }
            }
        }
    }
    elb_tagged(clients, ResourceKind::LoadBalancer, existing).await
}

async fn elb_tagged(
    clients: &Clients,
    kind: ResourceKind,
    existing: Vec<(String, String)>,
) -> Result<Vec<ForeignResource>, AwsError> {
    let mut found = Vec::new();
    for batch in existing.chunks(20) {
        let arns: Vec<String> = batch.iter().map(|(_, arn)| arn.clone()).collect();
        let out = clients
            .elb
            .describe_tags()
            .set_resource_arns(Some(arns))
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeTags", kind.as_str(), e))?;
        let by_arn: BTreeMap<&str, Tags> = out
            .tag_descriptions()
            .iter()
            .filter_map(|d| Some((d.resource_arn()?, tags::from_elb(d.tags()))))
            .collect();
        for (name, arn) in batch {
            found.push(hit(
                kind,
                name,
                by_arn.get(arn.as_str()).cloned().unwrap_or_default(),
            ));
        }
    }
    Ok(found)
}

/// Log groups rnd creates are all under `/rnd/<platform>/`: one listing by that prefix.
async fn log_groups(
    clients: &Clients,
    platform: &str,
    wanted: BTreeSet<String>,
) -> Result<Vec<ForeignResource>, AwsError> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let prefix = format!("/rnd/{platform}/");
    let mut existing = Vec::new();
    let mut pages = clients
        .logs
        .describe_log_groups()
        .log_group_name_prefix(&prefix)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("DescribeLogGroups", &prefix, e))?;
        for g in page.log_groups() {
            if let Some(name) = g.log_group_name().filter(|n| wanted.contains(*n)) {
                let arn = g
                    .log_group_arn()
                    .or(g.arn())
                    .map(|a| a.trim_end_matches(":*").to_string());
                existing.push((name.to_string(), arn));
            }
        }
    }
    let mut found = Vec::new();
    for (name, arn) in existing {
        let tags = match arn {
            Some(arn) => clients
                .logs
                .list_tags_for_resource()
                .resource_arn(&arn)
                .send()
                .await
                .map_err(|e| AwsError::call("ListTagsForResource", &name, e))?
                .tags()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .collect(),
            None => Tags::new(),
        };
        found.push(hit(ResourceKind::LogGroup, &name, tags));
    }
    Ok(found)
}

async fn launch_templates(
    clients: &Clients,
    wanted: BTreeSet<String>,
) -> Result<Vec<ForeignResource>, AwsError> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    let mut pages = clients
        .ec2
        .describe_launch_templates()
        .filters(
            Filter::builder()
                .name("launch-template-name")
                .set_values(Some(wanted.into_iter().take(200).collect()))
                .build(),
        )
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page
            .map_err(|e| AwsError::call("DescribeLaunchTemplates", "launch templates rnd would create", e))?;
        for t in page.launch_templates() {
            if let Some(name) = t.launch_template_name() {
                found.push(hit(ResourceKind::LaunchTemplate, name, tags::from_ec2(t.tags())));
            }
        }
    }
    Ok(found)
}

async fn auto_scaling_groups(
    clients: &Clients,
    wanted: BTreeSet<String>,
) -> Result<Vec<ForeignResource>, AwsError> {
    let wanted: Vec<String> = wanted.into_iter().collect();
    let mut found = Vec::new();
    // DescribeAutoScalingGroups takes at most 50 names per call.
    for batch in wanted.chunks(50) {
        let mut pages = clients
            .autoscaling
            .describe_auto_scaling_groups()
            .set_auto_scaling_group_names(Some(batch.to_vec()))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| AwsError::call("DescribeAutoScalingGroups", batch.join(","), e))?;
            for g in page.auto_scaling_groups() {
                let group_tags = g
                    .tags()
                    .iter()
                    .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
                    .collect();
                if let Some(name) = g.auto_scaling_group_name() {
                    found.push(hit(ResourceKind::AutoScalingGroup, name, group_tags));
                }
            }
        }
    }
    Ok(found)
}

async fn capacity_providers(
    clients: &Clients,
    wanted: BTreeSet<String>,
) -> Result<Vec<ForeignResource>, AwsError> {
    let wanted: Vec<String> = wanted.into_iter().collect();
    let mut found = Vec::new();
    for batch in wanted.chunks(100) {
        let out = clients
            .ecs
            .describe_capacity_providers()
            .set_capacity_providers(Some(batch.to_vec()))
            .include(CapacityProviderField::Tags)
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeCapacityProviders", batch.join(","), e))?;
        for p in out.capacity_providers() {
            let inactive = p.status().is_some_and(|s| s.as_str() == "INACTIVE");
            if let (Some(name), false) = (p.name(), inactive) {
                found.push(hit(
                    ResourceKind::CapacityProvider,
                    name,
                    tags::from_ecs(p.tags()),
                ));
            }
        }
    }
    Ok(found)
}

async fn clusters(clients: &Clients, wanted: BTreeSet<String>) -> Result<Vec<ForeignResource>, AwsError> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let out = clients
        .ecs
        .describe_clusters()
        .set_clusters(Some(wanted.into_iter().collect()))
        .include(ClusterField::Tags)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeClusters", "clusters rnd would create", e))?;
    Ok(out
        .clusters()
        .iter()
        .filter(|c| c.status() == Some("ACTIVE"))
        .filter_map(|c| {
            Some(hit(
                ResourceKind::EcsCluster,
                c.cluster_name()?,
                tags::from_ecs(c.tags()),
            ))
        })
        .collect())
}

/// ECS services live in the platform's cluster; one that exists there untagged was made by
/// hand (or by another tool) in rnd's cluster.
async fn services(
    clients: &Clients,
    cluster: &str,
    wanted: BTreeSet<String>,
) -> Result<Vec<ForeignResource>, AwsError> {
    let wanted: Vec<String> = wanted.into_iter().collect();
    let mut found = Vec::new();
    for batch in wanted.chunks(10) {
        let out = clients
            .ecs
            .describe_services()
            .cluster(cluster)
            .set_services(Some(batch.to_vec()))
            .include(ServiceField::Tags)
            .send()
            .await;
        let out = match out {
            Ok(out) => out,
            Err(e) => {
                let err = AwsError::call("DescribeServices", cluster, e);
                // No cluster yet: no service can be in it.
                if err.code_is(&["ClusterNotFound"]) {
                    return Ok(Vec::new());
                }
                return Err(err);
            }
        };
        for s in out.services() {
            if s.status() == Some("INACTIVE") {
                continue;
            }
            if let Some(name) = s.service_name() {
                found.push(hit(ResourceKind::EcsService, name, tags::from_ecs(s.tags())));
            }
        }
    }
    Ok(found)
}

/// A task definition family someone else registers into: listed by the platform's prefix, and
/// the latest revision of each family found read for its tags.
async fn task_definition_families(
    clients: &Clients,
    platform: &str,
    wanted: BTreeSet<String>,
) -> Result<Vec<ForeignResource>, AwsError> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let prefix = format!("{platform}-");
    let mut existing = Vec::new();
    let mut pages = clients
        .ecs
        .list_task_definition_families()
        .family_prefix(&prefix)
        .status(aws_sdk_ecs::types::TaskDefinitionFamilyStatus::Active)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("ListTaskDefinitionFamilies", &prefix, e))?;
        existing.extend(page.families().iter().filter(|f| wanted.contains(*f)).cloned());
    }
    let mut found = Vec::new();
    for family in existing {
        let out = clients
            .ecs
            .describe_task_definition()
            .task_definition(&family)
            .include(TaskDefinitionField::Tags)
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeTaskDefinition", &family, e))?;
        // A family whose revisions are all deregistered (a destroyed platform's) holds nothing
        // that runs; AWS leaves it out of the listing above, the emulator does not.
        let inactive = out
            .task_definition()
            .and_then(|t| t.status())
            .is_some_and(|s| *s == aws_sdk_ecs::types::TaskDefinitionStatus::Inactive);
        if inactive {
            continue;
        }
        found.push(hit(
            ResourceKind::TaskDefinition,
            &family,
            tags::from_ecs(out.tags()),
        ));
    }
    Ok(found)
}

//! ECS: clusters (with their capacity providers), capacity providers, task definitions and
//! services.

use std::collections::BTreeMap;

use aws_sdk_ecs::types::{
    AssignPublicIp, CapacityProviderField, ClusterField, ManagedScalingStatus, ManagedTerminationProtection,
    ServiceField,
};
use rnd_core::placement::PreviousInstance;
use rnd_core::plan::observed::{Expected, ObservedResource, TAG_HASH};
use rnd_core::plan::resource::ResourceKind;
use serde_json::{Map, Value};

use super::tagging::Tagged;
use super::{is_ours, resource, set, Lookup};
use crate::tags::{self, CAPACITY_PROVIDERS_HASH};
use crate::{AwsError, Clients};

/// `DescribeServices` takes up to 10 names; `ListServices` returns up to 100 per page.
const SERVICE_BATCH: usize = 10;
const SERVICE_PAGE: i32 = 100;

/// The platform's ECS resources, and the GPU instances with the tasks on each.
pub(super) async fn observe(
    clients: &Clients,
    platform: &str,
    lookup: &Lookup,
    expected: &Expected,
    tagged: &Tagged,
) -> Result<(Vec<ObservedResource>, Vec<PreviousInstance>), AwsError> {
    let (clusters, definitions) = tokio::try_join!(
        clusters(clients, platform),
        super::task_definitions::task_definitions(clients, platform, expected, tagged)
    )?;
    // A service runs a revision; the snapshot names it by the hash rnd tagged that revision with.
    let hashes: BTreeMap<String, String> = definitions
        .iter()
        .filter_map(|d| Some((d.arn.clone()?, format!("{}@{}", d.name, d.tags.get(TAG_HASH)?))))
        .collect();
    let mut found = Vec::new();
    let mut instances = Vec::new();
    for (cluster, attached) in &clusters {
        let providers: Vec<String> = attached
            .attributes
            .get("providers")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|p| p.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        let (cps, services, gpus) = tokio::try_join!(
            capacity_providers(clients, platform, &providers),
            services(
                clients,
                platform,
                &cluster.name,
                &hashes,
                lookup,
                expected,
                tagged
            ),
            super::gpu_instances::gpu_instances(clients, &cluster.name)
        )?;
        found.extend(cps);
        found.extend(services);
        instances.extend(gpus);
    }
    for (cluster, attached) in clusters {
        found.push(cluster);
        found.push(attached);
    }
    found.extend(definitions);
    Ok((found, instances))
}

/// The platform's cluster (named as the platform: nothing else is in its place), and its
/// capacity providers as a resource of their own. Described by name, so observing needs no
/// permission on any other cluster of the account.
async fn clusters(
    clients: &Clients,
    platform: &str,
) -> Result<Vec<(ObservedResource, ObservedResource)>, AwsError> {
    let mut found = Vec::new();
    {
        let out = clients
            .ecs
            .describe_clusters()
            .clusters(platform)
            .include(ClusterField::Tags)
            .include(ClusterField::Settings)
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeClusters", platform, e))?;
        for c in out.clusters() {
            let tags = tags::from_ecs(c.tags());
            if !is_ours(&tags, platform) || c.status() != Some("ACTIVE") {
                continue;
            }
            let name = c.cluster_name().unwrap_or_default();
            let mut cluster = resource(
                ResourceKind::EcsCluster,
                name,
                c.cluster_arn().map(str::to_string),
                tags.clone(),
            );
            let insights = c
                .settings()
                .iter()
                .find(|s| s.name().map(|n| n.as_str()) == Some("containerInsights"))
                .and_then(|s| s.value())
                .map(|v| v == "enabled");
            set(&mut cluster.attributes, "container_insights", insights);
            // The attachment has no tags of its own: it carries the cluster's, with its own hash
            // kept in a cluster tag.
            let mut attached_tags = tags.clone();
            attached_tags.remove(TAG_HASH);
            if let Some(hash) = tags.get(CAPACITY_PROVIDERS_HASH) {
                attached_tags.insert(TAG_HASH.to_string(), hash.clone());
            }
            attached_tags.remove(CAPACITY_PROVIDERS_HASH);
            let mut attached = resource(
                ResourceKind::ClusterCapacityProviders,
                name,
                c.cluster_arn().map(str::to_string),
                attached_tags,
            );
            attached.attributes.insert("cluster".into(), name.into());
            attached.attributes.insert(
                "providers".into(),
                sorted_providers(c.capacity_providers()).into(),
            );
            found.push((cluster, attached));
        }
    }
    Ok(found)
}

/// Sorted, `FARGATE` first, as the spec orders them.
pub(crate) fn sorted_providers(providers: &[String]) -> Vec<String> {
    let mut sorted = providers.to_vec();
    sorted.sort_by_key(|p| (p != "FARGATE", p.clone()));
    sorted
}

async fn capacity_providers(
    clients: &Clients,
    platform: &str,
    names: &[String],
) -> Result<Vec<ObservedResource>, AwsError> {
    // Only providers attached to the cluster are found: listing all of them needs a call
    // without names. A provider left detached by a crashed run is adopted when re-created.
    let names: Vec<String> = names
        .iter()
        .filter(|n| !n.starts_with("FARGATE"))
        .cloned()
        .collect();
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let out = clients
        .ecs
        .describe_capacity_providers()
        .set_capacity_providers(Some(names))
        .include(CapacityProviderField::Tags)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeCapacityProviders", platform, e))?;
    let mut found = Vec::new();
    for cp in out.capacity_providers() {
        let tags = tags::from_ecs(cp.tags());
        if !is_ours(&tags, platform) || cp.status().map(|s| s.as_str()) != Some("ACTIVE") {
            continue;
        }
        let mut r = resource(
            ResourceKind::CapacityProvider,
            cp.name().unwrap_or_default(),
            cp.capacity_provider_arn().map(str::to_string),
            tags,
        );
        if let Some(p) = cp.auto_scaling_group_provider() {
            set(
                &mut r.attributes,
                "auto_scaling_group",
                p.auto_scaling_group_arn().rsplit("autoScalingGroupName/").next(),
            );
            set(
                &mut r.attributes,
                "managed_scaling",
                p.managed_scaling()
                    .and_then(|m| m.status())
                    .map(|s| *s == ManagedScalingStatus::Enabled),
            );
            set(
                &mut r.attributes,
                "managed_termination_protection",
                p.managed_termination_protection()
                    .map(|m| *m == ManagedTerminationProtection::Enabled),
            );
        }
        found.push(r);
    }
    Ok(found)
}

async fn services(
    clients: &Clients,
    platform: &str,
    cluster: &str,
    hashes: &BTreeMap<String, String>,
    lookup: &Lookup,
    expected: &Expected,
    tagged: &Tagged,
) -> Result<Vec<ObservedResource>, AwsError> {
    // The listing, not the Tagging API, says which services exist: a service deleted a moment
    // ago may linger there.
    let mut arns = Vec::new();
    let mut pages = clients
        .ecs
        .list_services()
        .cluster(cluster)
        .max_results(SERVICE_PAGE)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("ListServices", cluster, e))?;
        arns.extend(page.service_arns().iter().cloned());
    }
    let mut found = Vec::new();
    // A service tagged with the hash the plan expects is as rnd last set it, and is not
    // described. What the hash cannot say — a desired count changed by hand, a deployment ECS
    // rolled back after rnd stopped watching — is found by a full observe (`--refresh`, the
    // drift check); a failed deployment rnd sees while waiting sets the hash to
    // `deployment-failed` (`execute::ecs_service`), so the next plan describes that service and
    // deploys it again.
    let mut unknown = Vec::new();
    for arn in arns {
        let name = super::arn_tail(&arn);
        let known = tagged
            .get(&arn)
            .filter(|t| is_ours(t, platform))
            .and_then(|t| Some((t, expected.unchanged(ResourceKind::EcsService, name, t)?)));
        match known {
            Some((tags, settings)) => {
                let mut r = resource(ResourceKind::EcsService, name, Some(arn.clone()), tags.clone());
                r.attributes.insert("cluster".into(), cluster.into());
                found.push(super::completed(r, settings));
            }
            None => unknown.push(arn),
        }
    }
    for batch in unknown.chunks(SERVICE_BATCH) {
        // Every DescribeServices rnd makes asks for tags, here and elsewhere: AWS returns them
        // at no extra cost, and moto (the emulator) switches its tag output per request on state
        // shared by all requests, so one call without tags could strip them from this answer
        // and make the platform's services look like someone else's.
        let out = clients
            .ecs
            .describe_services()
            .cluster(cluster)
            .set_services(Some(batch.to_vec()))
            .include(ServiceField::Tags)
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeServices", cluster, e))?;
        for s in out.services() {
            let tags = tags::from_ecs(s.tags());
            if !is_ours(&tags, platform) || s.status() != Some("ACTIVE") {
                continue;
            }
            let mut r = resource(
                ResourceKind::EcsService,
                s.service_name().unwrap_or_default(),
                s.service_arn().map(str::to_string),
                tags,
            );
            let a = &mut r.attributes;
            a.insert("cluster".into(), cluster.into());
            set(
                a,
                "task_definition",
                s.task_definition().map(|arn| task_definition_name(arn, hashes)),
            );
            a.insert("desired_count".into(), (s.desired_count() as u32).into());
            // An empty strategy means AWS did not report one (emulators drop it): leave it out
            // rather than claim the service has none.
            let strategy: Map<String, Value> = s
                .capacity_provider_strategy()
                .iter()
                .map(|p| (p.capacity_provider().to_string(), Value::from(p.weight() as u32)))
                .collect();
            if !strategy.is_empty() {
                a.insert("capacity_providers".into(), Value::Object(strategy));
            }
            // One strategy, as rnd sets it: `type:field`; none reported, none claimed.
            if let Some(p) = s.placement_strategy().first() {
                let kind = p.r#type().map(|t| t.as_str()).unwrap_or_default();
                let placement = match p.field() {
                    Some(field) => format!("{kind}:{field}"),
                    None => kind.to_string(),
                };
                a.insert("placement_strategy".into(), placement.into());
            }
            if let Some(vpc) = s.network_configuration().and_then(|n| n.awsvpc_configuration()) {
                a.insert(
                    "subnets".into(),
                    lookup
                        .network
                        .subnet_names(vpc.subnets().iter().map(String::as_str))
                        .into(),
                );
                let mut groups: Vec<String> = vpc
                    .security_groups()
                    .iter()
                    .map(|g| lookup.group_name(g))
                    .collect();
                groups.sort();
                a.insert("security_groups".into(), groups.into());
                set(
                    a,
                    "assign_public_ip",
                    vpc.assign_public_ip().map(|p| *p == AssignPublicIp::Enabled),
                );
            }
            if let Some(lb) = s.load_balancers().first() {
                set(
                    a,
                    "target_group",
                    lb.target_group_arn().and_then(super::elb::target_group_name),
                );
                set(a, "container_port", lb.container_port());
            }
            if let Some(d) = s.deployment_configuration() {
                set(
                    a,
                    "circuit_breaker_rollback",
                    d.deployment_circuit_breaker().map(|c| c.enable() && c.rollback()),
                );
                set(a, "minimum_healthy_percent", d.minimum_healthy_percent());
                set(a, "maximum_percent", d.maximum_percent());
            }
            set(
                a,
                "health_check_grace_period_seconds",
                s.health_check_grace_period_seconds(),
            );
            found.push(r);
        }
    }
    Ok(found)
}

/// `family@hash` of the revision a service runs; `family@revision-N` when that revision carries
/// no rnd hash (so it differs from any desired hash, and the service is moved).
fn task_definition_name(arn: &str, hashes: &BTreeMap<String, String>) -> String {
    hashes.get(arn).cloned().unwrap_or_else(|| {
        let tail = super::arn_tail(arn);
        match tail.split_once(':') {
            Some((family, revision)) => format!("{family}@revision-{revision}"),
            None => tail.to_string(),
        }
    })
}

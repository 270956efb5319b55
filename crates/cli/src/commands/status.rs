//! `rnd status`: each service's tasks, deployment, URL, placement and cost, as running now.

use std::collections::BTreeMap;

use anyhow::Result;
use clap::{Args, ValueEnum};
use rnd_aws::instances::live_instances;
use rnd_aws::status::{live_services, load_balancer_dns, LiveService};
use rnd_core::catalog::{Catalog, Usd};
use rnd_core::plan::observed::ObservedState;
use rnd_core::plan::resource::ResourceKind;
use rnd_core::plan::{plan_with_fanout, PlanOptions};

use super::load::valid_repository;
use super::DirArg;
use crate::render::status::{
    render_text, DnsRecord, InstanceRow, PlatformStatus, ServiceRow, ServiceState, StaleSecret,
};
use rnd_app::aws;
use rnd_app::exit::Code;
use rnd_app::fanout::Threads;

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub dir: DirArg,
    /// Output format: text for people, json for machines.
    #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
    pub format: StatusFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusFormat {
    Text,
    Json,
}

pub fn run(args: &StatusArgs) -> Result<Code> {
    let Some(repository) = valid_repository(&args.dir.dir)? else {
        return Ok(Code::Failure);
    };
    let platform = repository.platform.name.clone();
    let runtime = aws::runtime()?;
    let status = runtime.block_on(async {
        let clients = aws::clients(&repository.platform.region).await;
        let observed = aws::observe(&clients, &platform).await?;
        // What a plan would do now tells whether AWS matches the manifests.
        let plan = plan_with_fanout(
            &repository,
            &observed,
            PlanOptions::default(),
            &Threads::per_core(),
        )
        .map_err(|e| anyhow::anyhow!("planning against what is deployed: {e}"))?;
        let deployed = deployed_services(&observed);
        let mut live = BTreeMap::new();
        for (cluster, names) in clusters_of(&observed) {
            live.extend(live_services(&clients, &cluster, &names).await?);
        }
        let lock = rnd_aws::lock::holder(&clients, &platform).await?;
        let instances = running_instances(&clients, &observed, &repository.platform.region).await?;
        let dns = dns_records(&clients, &repository.platform, &plan).await?;
        let stale_secrets = stale_secrets(&clients, &repository.platform, &live, &deployed).await?;
        let urls: BTreeMap<&str, &str> = plan.urls.iter().map(|(s, u)| (s.as_str(), u.as_str())).collect();
        let mut rows: Vec<ServiceRow> = plan
            .capacity
            .services
            .iter()
            .map(|s| {
                let ecs_name = deployed.get(s.name.as_str());
                let live = ecs_name.and_then(|n| live.get(*n));
                ServiceRow {
                    service: s.name.clone(),
                    version: live.and_then(|l| running_version(&observed, l)),
                    state: match live {
                        Some(l) => ServiceState::Deployed(l.clone()),
                        None => ServiceState::NotDeployed,
                    },
                    url: urls.get(s.name.as_str()).map(|u| u.to_string()),
                    reachable: plan.exposure.get(&s.name).cloned(),
                    placement: Some(s.placement.clone()),
                    monthly_cost: Some(s.monthly_cost),
                }
            })
            .collect();
        // Running, but its manifest is gone: the next apply removes it.
        for (service, ecs_name) in &deployed {
            if !rows.iter().any(|r| r.service == *service) {
                rows.push(ServiceRow {
                    service: service.to_string(),
                    version: live.get(*ecs_name).and_then(|l| running_version(&observed, l)),
                    state: match live.get(*ecs_name) {
                        Some(l) => ServiceState::Orphaned(l.clone()),
                        None => ServiceState::NotDeployed,
                    },
                    url: None,
                    reachable: None,
                    placement: None,
                    monthly_cost: None,
                });
            }
        }
        rows.sort_by(|a, b| a.service.cmp(&b.service));
        // What is billed now: Fargate tasks as deployed, every instance that is up, whether or
        // not it runs a task (a GPU service's share of an instance is in the instance), and the
        // load balancers at their floor.
        let on_fargate = fargate_services(&observed);
        let fargate_deployed: Usd = plan
            .cost
            .services
            .iter()
            .filter(|c| on_fargate.contains(c.service.as_str()))
            .map(|c| c.hourly_before)
            .sum();
        let instances_hourly: Usd = instances.iter().filter_map(|i| i.hourly_price).sum();
        Ok::<_, anyhow::Error>(PlatformStatus {
            platform: platform.clone(),
            services: rows,
            monthly_cost_running: (fargate_deployed
                + instances_hourly
                + plan.cost.load_balancers.hourly_before())
            .monthly(),
            instances,
            dns,
            dns_zone: repository.platform.routing.hosted_zone_id.clone(),
            stale_secrets,
            pending_operations: plan.graph.len(),
            monthly_cost_deployed: plan.cost.monthly_before,
            monthly_cost_manifests: plan.cost.monthly_after,
            lock_holder: lock.map(|h| h.to_string()),
        })
    })?;
    match args.format {
        StatusFormat::Text => print!("{}", render_text(&status)),
        StatusFormat::Json => println!("{}", serde_json::to_string_pretty(&status)?),
    }
    Ok(Code::Success)
}

/// The image tag (or short digest) of the task definition a service's primary deployment runs,
/// when it is the family's revision rnd observed.
fn running_version(observed: &ObservedState, live: &LiveService) -> Option<String> {
    let arn = live.task_definition.as_deref()?;
    let image = observed
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::TaskDefinition)
        .find(|r| r.arn.as_deref() == Some(arn))?
        .attributes
        .get("image")?
        .as_str()?;
    image_version(image)
}

/// `repo/app:v1.5.0` → `v1.5.0`; `app@sha256:0123…` → `sha256:0123456789ab`; a registry port
/// (`host:5000/app`) is not a tag.
fn image_version(image: &str) -> Option<String> {
    if let Some((_, digest)) = image.split_once('@') {
        return Some(digest.chars().take("sha256:".len() + 12).collect());
    }
    let (_, tag) = image.rsplit_once(':')?;
    (!tag.contains('/')).then(|| tag.to_string())
}

/// The DNS records that make the platform's URLs answer (`rnd_core::plan::dns`), each with the
/// DNS name of its load balancer, for the balancers that exist.
async fn dns_records(
    clients: &rnd_aws::Clients,
    platform: &rnd_core::platform::Platform,
    plan: &rnd_core::plan::Plan,
) -> Result<Vec<DnsRecord>> {
    let records = rnd_core::plan::dns::dns_records(&platform.name, &platform.routing, &plan.routes);
    let mut balancers: Vec<String> = records.iter().map(|r| r.load_balancer.clone()).collect();
    balancers.dedup();
    if balancers.is_empty() {
        return Ok(Vec::new());
    }
    let dns = load_balancer_dns(clients, &balancers).await?;
    Ok(records
        .into_iter()
        .filter_map(|r| {
            Some(DnsRecord {
                target: dns.get(&r.load_balancer)?.clone(),
                name: r.name,
            })
        })
        .collect())
}

/// The secrets stored for each deployed service that changed after its newest deployment started
/// (one listing of the platform's secrets: names and dates, never values).
async fn stale_secrets(
    clients: &rnd_aws::Clients,
    platform: &rnd_core::platform::Platform,
    live: &BTreeMap<String, LiveService>,
    deployed: &BTreeMap<&str, &str>,
) -> Result<Vec<StaleSecret>> {
    if deployed.is_empty() {
        return Ok(Vec::new());
    }
    let prefix = format!("{}/", platform.name);
    let stored = rnd_aws::secrets::list_under(clients, platform.secrets_store, &prefix).await?;
    let mut stale = Vec::new();
    for secret in stored {
        let Some((service, name)) = secret.path.strip_prefix(&prefix).and_then(|p| p.split_once('/')) else {
            continue;
        };
        let started = deployed
            .get(service)
            .and_then(|ecs_name| live.get(*ecs_name))
            .and_then(|l| l.deployed_at);
        if let (Some(started), Some(changed)) = (started, secret.last_changed) {
            if changed > started {
                stale.push(StaleSecret {
                    service: service.to_string(),
                    secret: name.to_string(),
                });
            }
        }
    }
    Ok(stale)
}

/// The services whose deployed task definition asks for no GPU: they run on Fargate.
fn fargate_services(observed: &ObservedState) -> std::collections::BTreeSet<&str> {
    observed
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::TaskDefinition)
        .filter(|r| r.attributes.get("gpu").and_then(|g| g.as_u64()).unwrap_or(0) == 0)
        .filter_map(|r| r.service())
        .collect()
}

/// Every instance of the platform's auto scaling groups, priced from the catalog.
async fn running_instances(
    clients: &rnd_aws::Clients,
    observed: &ObservedState,
    region: &str,
) -> Result<Vec<InstanceRow>> {
    let groups: Vec<String> = observed
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::AutoScalingGroup)
        .map(|r| r.name.clone())
        .collect();
    let Some(cluster) = observed
        .resources
        .iter()
        .find(|r| r.kind == ResourceKind::EcsCluster)
    else {
        return Ok(Vec::new());
    };
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let live = live_instances(clients, &cluster.name, &groups).await?;
    Ok(live
        .into_iter()
        .map(|live| InstanceRow {
            hourly_price: Catalog::builtin()
                .gpu_price(region, &live.instance_type)
                .map(|p| p.hourly),
            live,
        })
        .collect())
}

/// rnd service name to ECS service name, for every service deployed.
fn deployed_services(observed: &ObservedState) -> BTreeMap<&str, &str> {
    observed
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::EcsService)
        .filter_map(|r| Some((r.service()?, r.name.as_str())))
        .collect()
}

/// The ECS service names deployed in each cluster.
fn clusters_of(observed: &ObservedState) -> BTreeMap<String, Vec<String>> {
    let mut clusters: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in observed
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::EcsService)
    {
        if let Some(cluster) = r.attributes.get("cluster").and_then(|c| c.as_str()) {
            clusters
                .entry(cluster.to_string())
                .or_default()
                .push(r.name.clone());
        }
    }
    clusters
}

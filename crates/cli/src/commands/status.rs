//! `rnd status`: each service's tasks, deployment, URL, placement and cost, as running now.

use std::collections::BTreeMap;

use anyhow::Result;
use clap::{Args, ValueEnum};
use rnd_aws::status::live_services;
use rnd_core::plan::observed::ObservedState;
use rnd_core::plan::resource::ResourceKind;
use rnd_core::plan::{plan_with_fanout, PlanOptions};

use super::load::valid_repository;
use super::DirArg;
use crate::render::status::{render_text, PlatformStatus, ServiceRow, ServiceState};
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
        let urls: BTreeMap<&str, &str> = plan.urls.iter().map(|(s, u)| (s.as_str(), u.as_str())).collect();
        let mut rows: Vec<ServiceRow> = plan
            .capacity
            .services
            .iter()
            .map(|s| {
                let ecs_name = deployed.get(s.name.as_str());
                ServiceRow {
                    service: s.name.clone(),
                    state: match ecs_name.and_then(|n| live.get(*n)) {
                        Some(l) => ServiceState::Deployed(l.clone()),
                        None => ServiceState::NotDeployed,
                    },
                    url: urls.get(s.name.as_str()).map(|u| u.to_string()),
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
                    state: match live.get(*ecs_name) {
                        Some(l) => ServiceState::Orphaned(l.clone()),
                        None => ServiceState::NotDeployed,
                    },
                    url: None,
                    placement: None,
                    monthly_cost: None,
                });
            }
        }
        rows.sort_by(|a, b| a.service.cmp(&b.service));
        Ok::<_, anyhow::Error>(PlatformStatus {
            platform: platform.clone(),
            services: rows,
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

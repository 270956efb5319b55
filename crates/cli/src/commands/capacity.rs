//! `rnd capacity`: where every container runs and what it costs, for the manifests as they are.

use anyhow::Result;
use clap::{Args, ValueEnum};
use rnd_core::catalog::Catalog;
use rnd_core::placement::{
    explain_gpu_choices, plan_capacity, render_capacity_text, render_explanations, AllowList,
};
use rnd_core::plan::demand_of;
use rnd_core::plan::warm::{warm_pools, WarmPool};
use rnd_core::repository::Repository;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

use super::load::valid_repository;
use super::DirArg;
use rnd_app::exit::Code;

#[derive(Debug, Args)]
pub struct CapacityArgs {
    #[command(flatten)]
    pub dir: DirArg,
    /// Output format: text for people, json for machines.
    #[arg(long, value_enum, default_value_t = CapacityFormat::Text)]
    pub format: CapacityFormat,
    /// After the table, say why each GPU service runs on its instance type: the cheaper
    /// allowed types that cannot hold one of its tasks, and the next cheapest that could.
    #[arg(long)]
    pub explain: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CapacityFormat {
    Text,
    Json,
}

pub fn run(args: &CapacityArgs) -> Result<Code> {
    let Some(repository) = valid_repository(&args.dir.dir)? else {
        return Ok(Code::Failure);
    };
    let demands: Vec<_> = repository.manifests.iter().map(demand_of).collect();
    let platform = &repository.platform;
    let plan = match plan_capacity(
        &demands,
        &AllowList(platform.gpu_instance_types.clone()),
        &platform.region,
        None,
    ) {
        Ok(plan) => plan,
        Err(no_fits) => {
            for n in no_fits {
                eprintln!("error: {n}");
            }
            return Ok(Code::Failure);
        }
    };
    let pools = sleeping_pools(&repository, &plan);
    match args.format {
        CapacityFormat::Text => {
            print!("{}", render_capacity_text(&plan));
            if let Some(line) = pools_line(&pools) {
                println!("\n{line}");
            }
            if args.explain {
                let allowed = AllowList(platform.gpu_instance_types.clone());
                let why = explain_gpu_choices(&plan, &demands, &allowed, Catalog::builtin());
                print!("\n{}", render_explanations(&why));
            }
        }
        CapacityFormat::Json if pools.is_empty() => println!("{}", serde_json::to_string_pretty(&plan)?),
        CapacityFormat::Json => {
            // Beside the placement, in the placement's own key order.
            let mut json = serde_json::to_value(&plan)?;
            json["warm_pools"] = pools_json(&pools);
            println!("{}", serde_json::to_string_pretty(&json)?)
        }
    }
    Ok(Code::Success)
}

/// The warm pools GPU groups keep while every GPU service with `idle_after` sleeps: what a
/// platform that sleeps pays for stopped instances instead of running ones.
fn sleeping_pools(
    repository: &Repository,
    plan: &rnd_core::placement::CapacityPlan,
) -> BTreeMap<String, WarmPool> {
    let platform = &repository.platform;
    let allowed = AllowList(platform.gpu_instance_types.clone());
    let asleep: BTreeSet<&str> = repository
        .manifests
        .iter()
        .filter(|m| m.runs_on_gpu() && m.route.as_ref().is_some_and(|r| r.idle_after_minutes.is_some()))
        .map(|m| m.name.as_str())
        .collect();
    warm_pools(repository, plan, &BTreeMap::new(), &asleep, &allowed)
}

fn pools_line(pools: &BTreeMap<String, WarmPool>) -> Option<String> {
    if pools.is_empty() {
        return None;
    }
    let instances: u32 = pools.values().map(|p| p.instances).sum();
    let monthly = pools
        .values()
        .fold(rnd_core::catalog::Usd::ZERO, |sum, p| sum + p.monthly_cost());
    let types: Vec<String> = pools
        .iter()
        .map(|(t, p)| format!("{} × {t}", p.instances))
        .collect();
    Some(format!(
        "Warm pools for GPU services that sleep (idle_after): while they all sleep, {instances} stopped \
         instance(s) wait for a wake ({}), {monthly} per month in root volumes ({} GiB gp3 each); \
         the table above prices them running.",
        types.join(", "),
        pools.values().map(|p| p.volume_gib).max().unwrap_or_default()
    ))
}

fn pools_json(pools: &BTreeMap<String, WarmPool>) -> Value {
    Value::from(
        pools
            .iter()
            .map(|(instance_type, p)| {
                json!({
                    "instance_type": instance_type,
                    "stopped_instances": p.instances,
                    "monthly_cost": p.monthly_cost(),
                    "hourly_cost": p.hourly_cost(),
                })
            })
            .collect::<Vec<_>>(),
    )
}

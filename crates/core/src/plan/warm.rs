//! Warm pools for GPU services that sleep: which instance types keep stopped instances ready, how
//! many, what they cost, and which images they pull while warming up (issue 16).
//!
//! A sleeping GPU service needs its instances back before its tasks can start. A warm pool keeps
//! them stopped and initialised (drivers loaded, images on disk), so a wake starts an instance
//! instead of launching one. ECS forbids returning instances to the pool on scale in
//! (`ReuseOnScaleIn`), so an instance freed by a sleep is terminated and the pool refills with a
//! fresh one that warms up and stops.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::{Usd, HOURS_PER_MONTH};
use crate::placement::{plan_capacity, AllowList, CapacityPlan, Placement, ServiceDemand};
use crate::repository::Repository;

/// The root volume of an instance from the ECS GPU AMI when `platform.json` sets no
/// `gpu_root_volume_gib`: 30 GiB (the `block_device_size_gb` default of AWS's ECS AMI build
/// recipes, aws/amazon-ecs-ami).
pub const ROOT_VOLUME_GIB: u32 = 30;

/// gp3 storage per GiB-month in us-east-1, in nano-dollars ($0.08, AWS's EBS pricing page): all
/// a stopped instance costs.
pub const GP3_NANOS_PER_GIB_MONTH: u64 = 80_000_000;

/// The warm pool of one instance type's group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WarmPool {
    /// Stopped instances to keep: what the services asleep now would need to wake all at once.
    pub instances: u32,
    /// Images of the sleeping services placed on this type, pulled while an instance warms up.
    pub images: BTreeSet<String>,
    /// Each instance's root volume in GiB: what a stopped one costs.
    pub volume_gib: u32,
}

impl WarmPool {
    /// What the pool's stopped instances cost per month: their root volumes.
    pub fn monthly_cost(&self) -> Usd {
        Usd::from_nanos(u64::from(self.instances) * u64::from(self.volume_gib) * GP3_NANOS_PER_GIB_MONTH)
    }

    /// [`Self::monthly_cost`] per hour of a 730-hour month (rounded down to the nano-dollar).
    pub fn hourly_cost(&self) -> Usd {
        Usd::from_nanos(self.monthly_cost().nanos() / HOURS_PER_MONTH)
    }
}

/// Per instance type: the warm pool its group keeps. A type gets a pool when a GPU service that
/// may sleep (`idle_after`, on a platform that sleeps) runs on it or, asleep, would wake on it.
/// `capacity` is the placement with the services in `asleep` at zero replicas.
pub fn warm_pools(
    repository: &Repository,
    capacity: &CapacityPlan,
    idle_gpu_services: &BTreeMap<String, String>,
    asleep: &BTreeSet<&str>,
    allowed: &AllowList,
) -> BTreeMap<String, WarmPool> {
    let mut pools: BTreeMap<String, WarmPool> = BTreeMap::new();
    if repository.platform.scale_to_zero.is_none() {
        return pools;
    }
    let placed: BTreeMap<&str, &Placement> = capacity
        .services
        .iter()
        .map(|s| (s.name.as_str(), &s.placement))
        .collect();
    let sleepers = repository
        .manifests
        .iter()
        .filter(|m| m.runs_on_gpu() && m.route.as_ref().is_some_and(|r| r.idle_after_minutes.is_some()));
    for manifest in sleepers {
        let name = manifest.name.as_str();
        let mut types: BTreeSet<String> = match placed.get(name) {
            Some(Placement::Ec2 { instance_types, .. }) => instance_types.keys().cloned().collect(),
            _ => BTreeSet::new(),
        };
        types.extend(idle_gpu_services.get(name).cloned());
        if asleep.contains(name) {
            // Asleep: the pool holds what it needs to wake, packed on its own.
            let alone = ServiceDemand {
                replicas: manifest.replicas,
                ..super::planner::demand_of(manifest)
            };
            if let Ok(plan) = plan_capacity(&[alone], allowed, &repository.platform.region, None) {
                for count in plan.instance_counts.iter().filter(|c| c.count > 0) {
                    pools.entry(count.instance_type.clone()).or_default().instances += count.count;
                    types.insert(count.instance_type.clone());
                }
            }
        }
        for instance_type in types {
            pools
                .entry(instance_type)
                .or_default()
                .images
                .insert(manifest.image_reference());
        }
    }
    let volume_gib = volume_gib(repository);
    pools.values_mut().for_each(|p| p.volume_gib = volume_gib);
    pools
}

/// The root volume of the platform's GPU instances, in GiB.
pub fn volume_gib(repository: &Repository) -> u32 {
    repository.platform.gpu_root_volume_gib.unwrap_or(ROOT_VOLUME_GIB)
}

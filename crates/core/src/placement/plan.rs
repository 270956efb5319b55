//! `plan_capacity`: services in, a costed capacity plan out.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, DefaultHasher};

use crate::catalog::{Catalog, Usd};

use super::certify::certify;
use super::cost::split_price;
use super::demand::{AllowList, ServiceDemand};
use super::fargate::fargate_size;
use super::fit::{check_gpu_fit, class_of, NoFit, NoFitReason};
use super::model::{priced_allowed_types, Bin, TypeCap};
use super::pack::pack;
use super::previous::{seed_bins, PreviousPlacement, KEEP_PREVIOUS_WITHIN_PERCENT};
use super::report::{CapacityPlan, GapPercent, InstanceCount, InstancePlan, Placement, ServicePlan, TaskRef};

/// Plans where every task of `services` runs in `region`, with the built-in catalog.
///
/// Fargate services (`gpus == 0`) get the cheapest valid size; GPU services are packed onto
/// instances of the allowed types at the lowest hourly cost. `previous`, when given, is the
/// placement running now: it is kept where that costs at most 2 % more than a fresh packing
/// (see `previous.rs`). Errors list every service that cannot be placed, not just the first.
pub fn plan_capacity(
    services: &[ServiceDemand],
    allowed: &AllowList,
    region: &str,
    previous: Option<&PreviousPlacement>,
) -> Result<CapacityPlan, Vec<NoFit>> {
    plan_capacity_with(Catalog::builtin(), services, allowed, region, previous)
}

/// Like [`plan_capacity`], but every task of `previous` that still fits stays where it is, however
/// much a fresh packing would save: the planner's default, so adding or removing one service
/// never moves another service's GPU tasks. Repacking is a separate, explicit decision.
pub fn plan_capacity_stable(
    services: &[ServiceDemand],
    allowed: &AllowList,
    region: &str,
    previous: &PreviousPlacement,
) -> Result<CapacityPlan, Vec<NoFit>> {
    place(
        Catalog::builtin(),
        services,
        allowed,
        region,
        Some(previous),
        None,
    )
}

/// [`plan_capacity`] with an explicit catalog.
pub fn plan_capacity_with(
    catalog: &Catalog,
    services: &[ServiceDemand],
    allowed: &AllowList,
    region: &str,
    previous: Option<&PreviousPlacement>,
) -> Result<CapacityPlan, Vec<NoFit>> {
    place(
        catalog,
        services,
        allowed,
        region,
        previous,
        Some(KEEP_PREVIOUS_WITHIN_PERCENT),
    )
}

/// Each Fargate service's size and hourly price per task.
type FargateByName<'a> =
    HashMap<&'a str, (crate::catalog::FargateSize, Usd), BuildHasherDefault<DefaultHasher>>;

/// `keep_within`: a fresh packing replaces the kept one when it saves more than this percent;
/// `None` always keeps.
fn place(
    catalog: &Catalog,
    services: &[ServiceDemand],
    allowed: &AllowList,
    region: &str,
    previous: Option<&PreviousPlacement>,
    keep_within: Option<u64>,
) -> Result<CapacityPlan, Vec<NoFit>> {
    // Sorted by name so the plan does not depend on the order manifests were read in.
    let mut services: Vec<&ServiceDemand> = services.iter().collect();
    services.sort_by(|a, b| a.name.cmp(&b.name));

    let mut errors = Vec::new();
    // Looked up by name once per service, never iterated: a hash map keeps large fleets linear.
    let mut fargate: FargateByName = HashMap::default();
    // Fleets repeat a few (cpu, memory) pairs: size each pair once.
    let mut sizes: BTreeMap<(u32, u32), Option<crate::catalog::FargateSize>> = BTreeMap::new();
    for s in services.iter().filter(|s| s.gpus == 0) {
        let Some(price) = catalog.fargate_price(region) else {
            let reason = NoFitReason::NoFargatePrice {
                region: region.to_string(),
            };
            errors.push(NoFit {
                service: s.name.clone(),
                reason,
            });
            continue;
        };
        let size = *sizes
            .entry((s.cpu_units, s.memory_mib))
            .or_insert_with(|| fargate_size(s.cpu_units, s.memory_mib, price));
        match size {
            Some(size) => {
                fargate.insert(s.name.as_str(), (size, price.hourly(size)));
            }
            None => errors.push(NoFit {
                service: s.name.clone(),
                reason: NoFitReason::FargateTooLarge {
                    cpu_units: s.cpu_units,
                    memory_mib: s.memory_mib,
                },
            }),
        }
    }
    for s in services.iter().filter(|s| s.gpus > 0) {
        if let Err(e) = check_gpu_fit(s, allowed, region, catalog) {
            errors.push(e);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let types = priced_allowed_types(catalog, allowed, region);
    let gpu: Vec<&ServiceDemand> = services.iter().copied().filter(|s| s.gpus > 0).collect();
    let classes: Vec<_> = gpu.iter().map(|s| class_of(s)).collect();
    let counts: Vec<u32> = gpu.iter().map(|s| s.replicas).collect();
    let class_of_service: BTreeMap<&str, usize> = gpu
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();

    let certified = certify(
        &classes,
        &counts,
        &types,
        pack(&classes, &counts, &types, Vec::new()),
    );
    let (fresh, lower_bound) = (certified.bins, certified.lower_bound);
    let bins = match previous {
        None => fresh,
        Some(prev) => {
            let seed = seed_bins(prev, &class_of_service, &classes, &counts, &types);
            let kept = pack(&classes, &counts, &types, seed);
            let (kept_cost, fresh_cost) = (cost(&kept, &types), cost(&fresh, &types));
            match keep_within {
                Some(percent) if fresh_cost * 100 < kept_cost * (100 - percent) => fresh,
                _ => kept,
            }
        }
    };
    Ok(report(
        region,
        &services,
        &fargate,
        &gpu,
        &classes,
        &types,
        bins,
        lower_bound,
    ))
}

fn cost(bins: &[Bin], types: &[TypeCap]) -> u64 {
    bins.iter().map(|b| types[b.ty].price).sum()
}

/// Names the tasks, shares each instance's price among them and totals everything.
#[allow(clippy::too_many_arguments)] // one call site; a struct would only rename them
fn report(
    region: &str,
    services: &[&ServiceDemand],
    fargate: &FargateByName,
    gpu: &[&ServiceDemand],
    classes: &[super::model::Class],
    types: &[TypeCap],
    mut bins: Vec<Bin>,
    gpu_lower_bound: u64,
) -> CapacityPlan {
    bins.sort_by(|a, b| {
        types[a.ty]
            .name
            .cmp(&types[b.ty].name)
            .then_with(|| a.items.cmp(&b.items))
    });
    let mut next_replica = vec![0u32; gpu.len()];
    let mut gpu_cost = vec![0u64; gpu.len()];
    let mut per_type: Vec<BTreeMap<String, u32>> = vec![BTreeMap::new(); gpu.len()];
    let mut instances = Vec::with_capacity(bins.len());
    let mut counts = vec![0u32; types.len()];
    for bin in &bins {
        let ty = &types[bin.ty];
        counts[bin.ty] += 1;
        let shares = split_price(ty, classes, &bin.items);
        let mut tasks = Vec::with_capacity(bin.items.len());
        for (&i, share) in bin.items.iter().zip(shares) {
            tasks.push(TaskRef {
                service: gpu[i].name.clone(),
                replica: next_replica[i],
            });
            next_replica[i] += 1;
            gpu_cost[i] += share;
            *per_type[i].entry(ty.name.clone()).or_default() += 1;
        }
        let price = Usd::from_nanos(ty.price);
        instances.push(InstancePlan {
            instance_type: ty.name.clone(),
            tasks,
            hourly_cost: price,
            monthly_cost: price.monthly(),
        });
    }
    let gpu_index: BTreeMap<&str, usize> = gpu
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let services: Vec<ServicePlan> = services
        .iter()
        .map(|s| {
            let (placement, hourly) = match (fargate.get(s.name.as_str()), gpu_index.get(s.name.as_str())) {
                (Some((size, each)), _) => (
                    Placement::Fargate {
                        cpu: size.cpu_units,
                        memory: size.memory_mib,
                    },
                    *each * u64::from(s.replicas),
                ),
                (None, Some(&i)) => {
                    let types = std::mem::take(&mut per_type[i]);
                    let only = if types.len() == 1 {
                        types.keys().next().cloned()
                    } else {
                        None
                    };
                    (
                        Placement::Ec2 {
                            instance_type: only,
                            instance_types: types,
                        },
                        Usd::from_nanos(gpu_cost[i]),
                    )
                }
                (None, None) => unreachable!("every service is either Fargate or GPU"),
            };
            ServicePlan {
                name: s.name.clone(),
                replicas: s.replicas,
                placement,
                hourly_cost: hourly,
                monthly_cost: hourly.monthly(),
            }
        })
        .collect();
    let total: Usd = services.iter().map(|s| s.hourly_cost).sum();
    let mut instance_counts: Vec<InstanceCount> = types
        .iter()
        .zip(&counts)
        .map(|(t, &count)| InstanceCount {
            instance_type: t.name.clone(),
            count,
            hourly_price: Usd::from_nanos(t.price),
        })
        .collect();
    instance_counts.sort_by(|a, b| a.instance_type.cmp(&b.instance_type));
    let fargate_total: Usd = services
        .iter()
        .filter(|s| matches!(s.placement, Placement::Fargate { .. }))
        .map(|s| s.hourly_cost)
        .sum();
    let lower_bound = fargate_total + Usd::from_nanos(gpu_lower_bound);
    CapacityPlan {
        region: region.to_string(),
        services,
        instances,
        instance_counts,
        total_hourly_cost: total,
        total_monthly_cost: total.monthly(),
        lower_bound_hourly: lower_bound,
        gap_percent: GapPercent::between(total, lower_bound),
    }
}

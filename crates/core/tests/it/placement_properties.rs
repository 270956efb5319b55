//! Property tests for placement: inputs valid by construction, each property named for the
//! guarantee it checks.

use crate::support::{priced_amd64, REGION};
use std::collections::BTreeMap;

use proptest::prelude::*;
use rnd_core::catalog::{fargate_sizes, Arch, Catalog, FargateSize, GpuInstanceType, Usd};
use rnd_core::placement::{
    fargate_size, plan_capacity, AllowList, CapacityPlan, Placement, PreviousPlacement, ServiceDemand,
};

/// An allow-list: empty (everything), or a few families and exact types.
fn allow_list() -> impl Strategy<Value = AllowList> {
    let names: Vec<String> = priced_amd64().iter().map(|t| t.name.clone()).collect();
    let mut families: Vec<String> = priced_amd64().iter().map(|t| t.family().to_string()).collect();
    families.dedup();
    prop_oneof![
        Just(AllowList::all()),
        (
            prop::sample::subsequence(families, 1..4),
            prop::sample::subsequence(names, 0..3)
        )
            .prop_map(|(f, n)| AllowList(f.into_iter().chain(n).collect())),
    ]
}

/// One task's demand that fits `t` alone, as fractions of what `t` offers.
fn gpu_demand(t: &GpuInstanceType, f: [u32; 4]) -> (u32, u32, u32, Option<u32>) {
    let gpus = 1 + f[0] % t.gpus;
    let cpu = (t.task_cpu_units() * (f[1] % 100 + 1) / 100).max(128);
    let mem = (t.task_memory_mib() * (f[2] % 100 + 1) / 100).max(256);
    let gpu_mem = match f[3] % 3 {
        0 => None,
        _ => Some(t.gpu_memory_mib * (f[3] % 100 + 1) / 100),
    };
    (gpus, cpu, mem, gpu_mem)
}

/// Services valid by construction: each GPU service fits an allowed, priced type, and each
/// Fargate service fits the largest Fargate size.
fn fleet() -> impl Strategy<Value = (Vec<ServiceDemand>, AllowList)> {
    allow_list().prop_flat_map(|allowed| {
        let types: Vec<&GpuInstanceType> = priced_amd64().into_iter().filter(|t| allowed.allows(t)).collect();
        let service = (
            0..types.len(),
            any::<[u32; 4]>(),
            0u32..5,
            0u32..3,
            1u32..=16384,
            512u32..=122880,
        );
        prop::collection::vec(service, 0..8).prop_map(move |raw| {
            let services = raw
                .into_iter()
                .enumerate()
                .map(|(n, (t, f, replicas, kind, cpu, mem))| {
                    let name = format!("s{n}");
                    if kind == 0 {
                        ServiceDemand {
                            name,
                            replicas,
                            cpu_units: cpu,
                            memory_mib: mem,
                            gpus: 0,
                            gpu_memory_mib: None,
                        }
                    } else {
                        let (gpus, cpu_units, memory_mib, gpu_memory_mib) = gpu_demand(types[t], f);
                        ServiceDemand {
                            name,
                            replicas,
                            cpu_units,
                            memory_mib,
                            gpus,
                            gpu_memory_mib,
                        }
                    }
                })
                .collect();
            (services, allowed.clone())
        })
    })
}

fn plan(services: &[ServiceDemand], allowed: &AllowList) -> CapacityPlan {
    plan_capacity(services, allowed, REGION, None).expect("valid by construction")
}

proptest! {
    #[test]
    fn fargate_size_is_valid_covers_the_request_and_no_valid_size_is_cheaper(
        cpu in 1u32..=16384,
        mem in 1u32..=122880,
    ) {
        let price = Catalog::builtin().fargate_price(REGION).unwrap();
        let size = fargate_size(cpu, mem, price).expect("within the largest size");
        let all = fargate_sizes();
        prop_assert!(all.contains(&size));
        prop_assert!(size.cpu_units >= cpu && size.memory_mib >= mem);
        for other in all.iter().filter(|s| s.cpu_units >= cpu && s.memory_mib >= mem) {
            prop_assert!(price.hourly(size) <= price.hourly(*other), "{other:?} is cheaper than {size:?}");
        }
    }

    #[test]
    fn fargate_size_is_none_only_above_the_largest(cpu in 1u32..40000, mem in 1u32..300000) {
        let price = Catalog::builtin().fargate_price(REGION).unwrap();
        let fits = cpu <= 16384 && mem <= 122880;
        prop_assert_eq!(fargate_size(cpu, mem, price).is_some(), fits);
    }

    #[test]
    fn every_gpu_task_is_placed_exactly_once((services, allowed) in fleet()) {
        let plan = plan(&services, &allowed);
        let mut seen: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for instance in &plan.instances {
            for task in &instance.tasks {
                seen.entry(task.service.as_str()).or_default().push(task.replica);
            }
        }
        for s in &services {
            let mut replicas = seen.remove(s.name.as_str()).unwrap_or_default();
            replicas.sort_unstable();
            let expected: Vec<u32> = if s.gpus > 0 { (0..s.replicas).collect() } else { Vec::new() };
            prop_assert_eq!(replicas, expected, "service {}", s.name);
        }
        prop_assert!(seen.is_empty());
    }

    #[test]
    fn no_instance_exceeds_gpus_gpu_memory_cpu_memory_or_enis((services, allowed) in fleet()) {
        let plan = plan(&services, &allowed);
        let by_name: BTreeMap<&str, &ServiceDemand> = services.iter().map(|s| (s.name.as_str(), s)).collect();
        for instance in &plan.instances {
            let t = Catalog::builtin().gpu_type(&instance.instance_type).unwrap();
            let demands: Vec<&ServiceDemand> = instance.tasks.iter().map(|task| by_name[task.service.as_str()]).collect();
            prop_assert!(demands.iter().map(|d| d.gpus).sum::<u32>() <= t.gpus);
            prop_assert!(demands.iter().all(|d| d.gpu_memory_mib.unwrap_or(0) <= t.gpu_memory_mib));
            prop_assert!(demands.iter().map(|d| u64::from(d.cpu_units)).sum::<u64>() <= u64::from(t.task_cpu_units()));
            prop_assert!(demands.iter().map(|d| u64::from(d.memory_mib)).sum::<u64>() <= u64::from(t.task_memory_mib()));
            prop_assert!(demands.len() as u32 <= t.max_tasks());
        }
    }

    #[test]
    fn only_allowed_priced_types_are_used_and_counts_match((services, allowed) in fleet()) {
        let plan = plan(&services, &allowed);
        let catalog = Catalog::builtin();
        for instance in &plan.instances {
            let t = catalog.gpu_type(&instance.instance_type).unwrap();
            prop_assert!(allowed.allows(t), "{} not allowed", t.name);
            prop_assert_eq!(Some(instance.hourly_cost), catalog.gpu_price(REGION, &t.name).map(|p| p.hourly));
        }
        for count in &plan.instance_counts {
            let running = plan.instances.iter().filter(|i| i.instance_type == count.instance_type).count();
            prop_assert_eq!(count.count as usize, running);
        }
        let listed = plan.instance_counts.len();
        let allowed_priced = priced_amd64().iter().filter(|t| allowed.allows(t)).count()
            + catalog.gpu_types().iter().filter(|t| t.arch == Arch::Arm64 && allowed.allows(t)).count();
        prop_assert_eq!(listed, allowed_priced);
    }

    #[test]
    fn no_gpu_service_means_zero_instances((services, allowed) in fleet()) {
        let fargate_only: Vec<ServiceDemand> = services.into_iter().filter(|s| s.gpus == 0).collect();
        let plan = plan(&fargate_only, &allowed);
        prop_assert!(plan.instances.is_empty());
        prop_assert!(plan.instance_counts.iter().all(|c| c.count == 0));
    }

    #[test]
    fn same_input_gives_the_same_output_whatever_the_service_order((services, allowed) in fleet()) {
        let first = plan(&services, &allowed);
        prop_assert_eq!(&first, &plan(&services, &allowed));
        let mut reversed = services.clone();
        reversed.reverse();
        let again = plan(&reversed, &allowed);
        prop_assert_eq!(serde_json::to_string(&first).unwrap(), serde_json::to_string(&again).unwrap());
    }

    #[test]
    fn replanning_from_the_current_placement_changes_nothing((services, allowed) in fleet()) {
        let first = plan(&services, &allowed);
        let again = plan_capacity(&services, &allowed, REGION, Some(&PreviousPlacement::from(&first))).unwrap();
        prop_assert_eq!(first, again);
    }

    #[test]
    fn costs_add_up_exactly_and_never_fall_below_a_valid_lower_bound((services, allowed) in fleet()) {
        let plan = plan(&services, &allowed);
        let instances: Usd = plan.instances.iter().map(|i| i.hourly_cost).sum();
        let fargate_price = Catalog::builtin().fargate_price(REGION).unwrap();
        let mut fargate = Usd::ZERO;
        for s in &plan.services {
            if let Placement::Fargate { cpu, memory } = s.placement {
                let each = fargate_price.hourly(FargateSize { cpu_units: cpu, memory_mib: memory });
                prop_assert_eq!(s.hourly_cost, each * u64::from(s.replicas));
                fargate += s.hourly_cost;
            }
            prop_assert_eq!(s.monthly_cost, s.hourly_cost.monthly());
        }
        let services_total: Usd = plan.services.iter().map(|s| s.hourly_cost).sum();
        prop_assert_eq!(services_total, instances + fargate);
        prop_assert_eq!(plan.total_hourly_cost, services_total);
        prop_assert_eq!(plan.total_monthly_cost, services_total.monthly());
        // Lower bound: for each resource, every unit a task uses costs at least the cheapest
        // price per unit among the allowed types that could hold the task.
        let types: Vec<&GpuInstanceType> = priced_amd64().into_iter().filter(|t| allowed.allows(t)).collect();
        let price = |t: &GpuInstanceType| Catalog::builtin().gpu_price(REGION, &t.name).unwrap().hourly.as_f64();
        let resources: [fn(&GpuInstanceType) -> f64; 3] =
            [|t| f64::from(t.gpus), |t| f64::from(t.task_cpu_units()), |t| f64::from(t.task_memory_mib())];
        let needs: [fn(&ServiceDemand) -> f64; 3] =
            [|s| f64::from(s.gpus), |s| f64::from(s.cpu_units), |s| f64::from(s.memory_mib)];
        for r in 0..3 {
            let bound: f64 = services
                .iter()
                .filter(|s| s.gpus > 0)
                .map(|s| {
                    let per_unit = types
                        .iter()
                        .filter(|t| t.gpus >= s.gpus && t.gpu_memory_mib >= s.gpu_memory_mib.unwrap_or(0))
                        .map(|t| price(t) / resources[r](t))
                        .fold(f64::INFINITY, f64::min);
                    f64::from(s.replicas) * needs[r](s) * per_unit
                })
                .sum();
            prop_assert!(instances.as_f64() >= bound * (1.0 - 1e-9), "cost {} below bound {bound}", instances.as_f64());
        }
    }
}

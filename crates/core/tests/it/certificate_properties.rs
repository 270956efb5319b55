//! Property tests for the certificate every capacity plan carries: on random small fleets,
//! solved exactly by trying every way to group their tasks, the lower bound is never above
//! the cheapest packing and the plan never below it.

use crate::support::{priced_amd64, REGION};
use proptest::prelude::*;
use rnd_core::catalog::{Catalog, GpuInstanceType};
use rnd_core::placement::{plan_capacity, AllowList, ServiceDemand};

/// One task of `t`'s size class: GPUs, CPU units, memory MiB, GPU memory per GPU.
fn task_fitting(t: &GpuInstanceType, f: [u32; 4]) -> ServiceDemand {
    ServiceDemand {
        name: String::new(),
        replicas: 1,
        gpus: 1 + f[0] % t.gpus,
        cpu_units: (t.task_cpu_units() * (f[1] % 100 + 1) / 100).max(128),
        memory_mib: (t.task_memory_mib() * (f[2] % 100 + 1) / 100).max(256),
        gpu_memory_mib: (f[3] % 2 == 1).then(|| t.gpu_memory_mib * (f[3] % 100 + 1) / 100),
    }
}

/// Up to 3 GPU services of up to 2 replicas each (at most 6 tasks), each fitting some type.
fn small_fleet() -> impl Strategy<Value = Vec<ServiceDemand>> {
    let types = priced_amd64();
    let service = (0..types.len(), any::<[u32; 4]>(), 1u32..=2);
    prop::collection::vec(service, 1..=3).prop_map(move |raw| {
        raw.into_iter()
            .enumerate()
            .map(|(n, (t, f, replicas))| ServiceDemand {
                name: format!("s{n}"),
                replicas,
                ..task_fitting(types[t], f)
            })
            .collect()
    })
}

/// The cheapest hourly price (nano-dollars) of one instance holding all of `group`, if any.
fn cheapest_holding(group: &[&ServiceDemand]) -> Option<u64> {
    let catalog = Catalog::builtin();
    priced_amd64()
        .into_iter()
        .filter(|t| {
            let gpus: u32 = group.iter().map(|s| s.gpus).sum();
            let cpu: u64 = group.iter().map(|s| u64::from(s.cpu_units)).sum();
            let mem: u64 = group.iter().map(|s| u64::from(s.memory_mib)).sum();
            let gpu_mem = group.iter().filter_map(|s| s.gpu_memory_mib).max().unwrap_or(0);
            gpus <= t.gpus
                && cpu <= u64::from(t.task_cpu_units())
                && mem <= u64::from(t.task_memory_mib())
                && gpu_mem <= t.gpu_memory_mib
                && group.len() as u32 <= t.max_tasks()
        })
        .filter_map(|t| catalog.gpu_price(REGION, &t.name).map(|p| p.hourly.nanos()))
        .min()
}

/// The exact optimum: every partition of the tasks into instances, each group on the
/// cheapest type that holds it.
fn optimum(tasks: &[&ServiceDemand]) -> u64 {
    fn search<'a>(
        tasks: &[&'a ServiceDemand],
        k: usize,
        groups: &mut Vec<Vec<&'a ServiceDemand>>,
        best: &mut u64,
    ) {
        if k == tasks.len() {
            let total: Option<u64> = groups.iter().map(|g| cheapest_holding(g)).sum();
            if let Some(total) = total {
                *best = (*best).min(total);
            }
            return;
        }
        for g in 0..groups.len() {
            groups[g].push(tasks[k]);
            search(tasks, k + 1, groups, best);
            groups[g].pop();
        }
        groups.push(vec![tasks[k]]);
        search(tasks, k + 1, groups, best);
        groups.pop();
    }
    let mut best = u64::MAX;
    search(tasks, 0, &mut Vec::new(), &mut best);
    best
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn the_bound_is_never_above_the_cheapest_packing_and_the_plan_never_below_it(services in small_fleet()) {
        let plan = plan_capacity(&services, &AllowList::all(), REGION, None).expect("fits by construction");
        let tasks: Vec<&ServiceDemand> = services
            .iter()
            .flat_map(|s| std::iter::repeat_n(s, s.replicas as usize))
            .collect();
        let best = optimum(&tasks);
        prop_assert!(
            plan.lower_bound_hourly.nanos() <= best,
            "bound {} above the optimum {}", plan.lower_bound_hourly.nanos(), best
        );
        prop_assert!(plan.total_hourly_cost.nanos() >= best);
        prop_assert!(plan.lower_bound_hourly <= plan.total_hourly_cost);
        // The gap is what it says, rounded up to a hundredth of a percent.
        let gap = (plan.total_hourly_cost.nanos() - plan.lower_bound_hourly.nanos()) as f64
            / plan.lower_bound_hourly.nanos() as f64 * 100.0;
        prop_assert!(f64::from(plan.gap_percent.hundredths()) / 100.0 >= gap - 1e-6);
        prop_assert!(f64::from(plan.gap_percent.hundredths()) / 100.0 <= gap + 0.01);
    }

    #[test]
    fn the_certificate_is_the_same_for_the_same_input(services in small_fleet()) {
        let a = plan_capacity(&services, &AllowList::all(), REGION, None).expect("fits");
        let mut reversed = services.clone();
        reversed.reverse();
        let b = plan_capacity(&reversed, &AllowList::all(), REGION, None).expect("fits");
        prop_assert_eq!(a.lower_bound_hourly, b.lower_bound_hourly);
        prop_assert_eq!(a.gap_percent, b.gap_percent);
        prop_assert_eq!(a, b);
    }
}

//! Times rnd's packer, the baselines and the bound on one fleet: `one_fleet KIND TASKS SEED`.

use std::time::Instant;

use rnd_benches::baselines::{first_fit_decreasing, karpenter_like};
use rnd_benches::bound::lower_bound;
use rnd_benches::capacity::capacities;
use rnd_benches::fleets::{fleet, Kind};
use rnd_core::placement::{plan_capacity, render_capacity_text, AllowList};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let kind = match args.get(1).map(String::as_str) {
        Some("training") => Kind::Training,
        Some("mixed") => Kind::Mixed,
        Some("memory-heavy") => Kind::MemoryHeavy,
        Some("cpu-skewed") => Kind::CpuSkewed,
        _ => Kind::Inference,
    };
    let tasks = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100);
    let seed = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(0);
    let services = fleet(kind, tasks, seed);
    let caps = capacities(&AllowList::all());
    let t = Instant::now();
    let plan = plan_capacity(&services, &AllowList::all(), "us-east-1", None).unwrap();
    println!(
        "rnd {:.3} in {:.1?} bound {:.3}",
        plan.total_hourly_cost.as_f64(),
        t.elapsed(),
        plan.lower_bound_hourly.as_f64()
    );
    // ONLY_RND=N: plan N more times and stop (for timing with `time`, which counts CPU).
    if let Some(n) = std::env::var("ONLY_RND").ok().and_then(|n| n.parse::<u32>().ok()) {
        for _ in 0..n {
            plan_capacity(&services, &AllowList::all(), "us-east-1", None).unwrap();
        }
        return;
    }
    let t = Instant::now();
    println!(
        "ffd {:.3} karp {:.3} in {:.1?}",
        first_fit_decreasing(&services, &caps),
        karpenter_like(&services, &caps),
        t.elapsed()
    );
    if std::env::var("CHURN").is_ok() {
        churn_case(&services, kind, seed);
        return;
    }
    if std::env::var("ANALYZE").is_ok() {
        let by_name: std::collections::BTreeMap<&str, &rnd_core::placement::ServiceDemand> =
            services.iter().map(|s| (s.name.as_str(), s)).collect();
        let mut summary: std::collections::BTreeMap<String, (u32, f64, f64, f64)> = Default::default();
        for i in &plan.instances {
            let t = rnd_core::catalog::Catalog::builtin()
                .gpu_type(&i.instance_type)
                .unwrap();
            let d: Vec<_> = i.tasks.iter().map(|x| by_name[x.service.as_str()]).collect();
            let g = d.iter().map(|s| s.gpus).sum::<u32>() as f64 / t.gpus as f64;
            let c = d.iter().map(|s| s.cpu_units as f64).sum::<f64>() / t.task_cpu_units() as f64;
            let m = d.iter().map(|s| s.memory_mib as f64).sum::<f64>() / t.task_memory_mib() as f64;
            let e = summary.entry(i.instance_type.clone()).or_default();
            e.0 += 1;
            e.1 += g;
            e.2 += c;
            e.3 += m;
        }
        for (t, (n, g, c, m)) in summary {
            let n_f = n as f64;
            println!(
                "{t:<16} x{n:<4} gpu {:.2} cpu {:.2} mem {:.2}",
                g / n_f,
                c / n_f,
                m / n_f
            );
        }
    }
    if std::env::var("DUMP").is_ok() {
        dump(&services, &plan);
    }
    if std::env::var("SHOW").is_ok() {
        for s in &services {
            println!("{s:?}");
        }
        println!("{}", render_capacity_text(&plan));
    }
    let t = Instant::now();
    let (lb, rounds) = lower_bound(&services, &caps);
    println!("bound {lb:.3} ({rounds} rounds) in {:.1?}", t.elapsed());
    let t = Instant::now();
    let exact = rnd_benches::exact::exact_optimum(&services, &caps, 200_000);
    println!("exact {exact:?} in {:.1?}", t.elapsed());
}

/// Debug helper: the add-one-service churn case for this fleet.
#[allow(dead_code)]
fn churn_case(services: &[rnd_core::placement::ServiceDemand], kind: Kind, seed: u64) {
    use rnd_benches::churn::moved_tasks;
    use rnd_core::placement::PreviousPlacement;
    let mut after = services.to_vec();
    let mut rng = rnd_benches::rng::Rng::new(seed + 1000);
    after.push(rnd_benches::fleets::service(
        kind,
        &mut rng,
        "added".to_string(),
        6,
    ));
    let old = plan_capacity(services, &AllowList::all(), "us-east-1", None).unwrap();
    let fresh = plan_capacity(&after, &AllowList::all(), "us-east-1", None).unwrap();
    let sticky = plan_capacity(
        &after,
        &AllowList::all(),
        "us-east-1",
        Some(&PreviousPlacement::from(&old)),
    )
    .unwrap();
    println!(
        "old {:.3} fresh {:.3} moved {:?} sticky {:.3} moved {:?}",
        old.total_hourly_cost.as_f64(),
        fresh.total_hourly_cost.as_f64(),
        moved_tasks(&old, &fresh),
        sticky.total_hourly_cost.as_f64(),
        moved_tasks(&old, &sticky)
    );
}

/// Debug helper: every instance's type and load (GPUs, vCPU, GiB) against its capacity.
#[allow(dead_code)]
pub fn dump(services: &[rnd_core::placement::ServiceDemand], plan: &rnd_core::placement::CapacityPlan) {
    let by_name: std::collections::BTreeMap<&str, &rnd_core::placement::ServiceDemand> =
        services.iter().map(|s| (s.name.as_str(), s)).collect();
    let mut rows = Vec::new();
    for i in &plan.instances {
        let t = rnd_core::catalog::Catalog::builtin()
            .gpu_type(&i.instance_type)
            .unwrap();
        let d: Vec<_> = i.tasks.iter().map(|x| by_name[x.service.as_str()]).collect();
        let tasks: Vec<String> = d
            .iter()
            .map(|s| {
                format!(
                    "{}g{}c{}m{}",
                    s.gpus,
                    s.cpu_units / 1024,
                    s.memory_mib / 1024,
                    if s.gpu_memory_mib.is_some() { "*" } else { "" }
                )
            })
            .collect();
        rows.push(format!(
            "{:<14} g {}/{} c {:>3}/{:<3} m {:>4}/{:<4} {}",
            i.instance_type,
            d.iter().map(|s| s.gpus).sum::<u32>(),
            t.gpus,
            d.iter().map(|s| s.cpu_units).sum::<u32>() / 1024,
            t.task_cpu_units() / 1024,
            d.iter().map(|s| s.memory_mib).sum::<u32>() / 1024,
            t.task_memory_mib() / 1024,
            tasks.join(" ")
        ));
    }
    rows.sort();
    for r in rows {
        println!("{r}");
    }
}

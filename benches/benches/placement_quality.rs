//! Placement quality and speed: rnd's packer against first-fit decreasing, a Karpenter-like
//! greedy and a proven lower bound (the LP relaxation of the configuration model, or the
//! exact optimum where the fleet is small enough to compute it), on seeded fleets; then churn when a service is added
//! or removed. Run with `cargo bench -p rnd-benches` (release build). Prints tables.
//!
//! `RND_BENCH_SEEDS` sets how many fleets per cell (default 5); `RND_BENCH_ONLY=quality` or
//! `=churn` runs one half.

use std::time::{Duration, Instant};

use rnd_benches::baselines::{first_fit_decreasing, karpenter_like};
use rnd_benches::bound::lower_bound;
use rnd_benches::capacity::capacities;
use rnd_benches::churn::moved_tasks;
use rnd_benches::exact::exact_optimum;
use rnd_benches::fleets::{fleet, service, Kind};
use rnd_benches::rng::Rng;
use rnd_core::placement::{plan_capacity, plan_capacity_stable, AllowList, PreviousPlacement, ServiceDemand};

fn main() {
    let seeds: u64 = std::env::var("RND_BENCH_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let only = std::env::var("RND_BENCH_ONLY").unwrap_or_default();
    if only != "churn" {
        quality(seeds);
    }
    if only != "quality" {
        churn(seeds);
    }
}

/// One fleet's result: rnd, FFD, Karpenter-like, lower bound (all $/h) and rnd's run time.
type Row = (f64, f64, f64, f64, Duration);

fn rnd_cost(services: &[ServiceDemand]) -> (f64, Duration) {
    let mut times = Vec::new();
    let mut cost = 0.0;
    for _ in 0..3 {
        let start = Instant::now();
        let plan = plan_capacity(services, &AllowList::all(), "us-east-1", None).expect("fleets fit");
        times.push(start.elapsed());
        cost = plan.total_hourly_cost.as_f64();
    }
    times.sort();
    (cost, times[1])
}

fn quality(seeds: u64) {
    let caps = capacities(&AllowList::all());
    println!("Placement quality: mean over {seeds} seeded fleets per row; ratios are cost ÷ lower bound");
    println!(
        "{:<11} {:>5} | {:>10} {:>10} {:>10} {:>10} | {:>13} {:>13} {:>13} | {:>9} {:>9}",
        "fleet",
        "tasks",
        "rnd $/h",
        "FFD $/h",
        "Karp $/h",
        "bound $/h",
        "rnd avg/max",
        "FFD avg/max",
        "Karp avg/max",
        "rnd ms",
        "max ms"
    );
    let mut all = Vec::new();
    for kind in [Kind::Inference, Kind::Training, Kind::CpuSkewed] {
        for tasks in [20, 100, 400] {
            let mut rows = Vec::new();
            for seed in 0..seeds {
                let services = fleet(kind, tasks, seed);
                let start = Instant::now();
                let (rnd, time) = rnd_cost(&services);
                let ffd = first_fit_decreasing(&services, &caps);
                let karp = karpenter_like(&services, &caps);
                let packed = start.elapsed();
                let (lp, rounds) = lower_bound(&services, &caps);
                // Small fleets: the exact optimum is computable and is the best bound.
                let bound = lp.max(exact_optimum(&services, &caps, 200_000).unwrap_or(0.0));
                eprintln!(
                    "{} {tasks} seed {seed}: {} services, packers {:.1?}, bound {rounds} rounds {:.1?}",
                    kind.label(),
                    services.len(),
                    packed,
                    start.elapsed() - packed
                );
                rows.push((rnd, ffd, karp, bound, time));
            }
            let mean = |f: &dyn Fn(&Row) -> f64| rows.iter().map(f).sum::<f64>() / rows.len() as f64;
            let max = |f: &dyn Fn(&Row) -> f64| rows.iter().map(f).fold(0.0, f64::max);
            let ratio = |f: &dyn Fn(&Row) -> f64| {
                let r = |row: &Row| f(row) / row.3;
                format!("{:.4}/{:.4}", mean(&r), max(&r))
            };
            let ms = |row: &Row| row.4.as_secs_f64() * 1000.0;
            println!(
                "{:<11} {:>5} | {:>10.3} {:>10.3} {:>10.3} {:>10.3} | {:>13} {:>13} {:>13} | {:>9.2} {:>9.2}",
                kind.label(),
                tasks,
                mean(&|r| r.0),
                mean(&|r| r.1),
                mean(&|r| r.2),
                mean(&|r| r.3),
                ratio(&|r| r.0),
                ratio(&|r| r.1),
                ratio(&|r| r.2),
                mean(&ms),
                max(&ms),
            );
            all.extend(rows.iter().map(|r| r.0 / r.3));
        }
    }
    let avg = all.iter().sum::<f64>() / all.len() as f64;
    let worst = all.iter().copied().fold(0.0, f64::max);
    println!(
        "rnd ÷ bound over all {} fleets: mean {avg:.4}, max {worst:.4}",
        all.len()
    );
    println!();
}

/// Adds or removes one service and counts tasks of unchanged services that change type.
fn churn(seeds: u64) {
    println!("Churn at 100 tasks: tasks of unchanged services that move to another instance type");
    println!(
        "{:<11} {:<8} | {:>22} | {:>34} | {:>34}",
        "fleet",
        "change",
        "replan from scratch",
        "previous, kept within 2 %",
        "previous, always kept (rnd plan)"
    );
    for kind in [Kind::Inference, Kind::Training, Kind::CpuSkewed] {
        for change in ["add", "remove"] {
            let (mut fresh, mut sticky, mut stable, mut compared) = (0, 0, 0, 0);
            let (mut fresh_cost, mut sticky_cost, mut stable_cost) = (0.0, 0.0, 0.0);
            for seed in 0..seeds {
                let before = fleet(kind, 100, seed);
                let mut after = before.clone();
                let mut rng = Rng::new(seed + 1000);
                if change == "add" {
                    after.push(service(kind, &mut rng, "added".to_string(), 6));
                } else {
                    let victim = rng.range(0, after.len() as u32 - 1) as usize;
                    after.remove(victim);
                }
                let plan = |s: &[ServiceDemand], p: Option<&PreviousPlacement>| {
                    plan_capacity(s, &AllowList::all(), "us-east-1", p).expect("fleets fit")
                };
                let old = plan(&before, None);
                let new_fresh = plan(&after, None);
                let new_sticky = plan(&after, Some(&PreviousPlacement::from(&old)));
                let new_stable = plan_capacity_stable(
                    &after,
                    &AllowList::all(),
                    "us-east-1",
                    &PreviousPlacement::from(&old),
                )
                .expect("fleets fit");
                let (m1, n) = moved_tasks(&old, &new_fresh);
                let (m2, _) = moved_tasks(&old, &new_sticky);
                let (m3, _) = moved_tasks(&old, &new_stable);
                fresh += m1;
                sticky += m2;
                stable += m3;
                compared += n;
                fresh_cost += new_fresh.total_hourly_cost.as_f64();
                sticky_cost += new_sticky.total_hourly_cost.as_f64();
                stable_cost += new_stable.total_hourly_cost.as_f64();
            }
            let pct = |m: u32| 100.0 * f64::from(m) / f64::from(compared.max(1));
            println!(
                "{:<11} {:<8} | {:>4}/{:<4} ({:>5.1} %) | {:>4}/{:<4} ({:>5.1} %)  cost +{:>5.2} % | {:>4}/{:<4} ({:>5.1} %)  cost +{:>5.2} %",
                kind.label(),
                change,
                fresh,
                compared,
                pct(fresh),
                sticky,
                compared,
                pct(sticky),
                100.0 * (sticky_cost / fresh_cost - 1.0),
                stable,
                compared,
                pct(stable),
                100.0 * (stable_cost / fresh_cost - 1.0)
            );
        }
    }
}

//! Every benchmark fleet at once, per fleet: rnd's cost, the lower bound and their ratio, and
//! rnd's CPU time per plan. Bounds take minutes (400-task LPs), so they are cached in a file:
//! `sweep bounds FILE` writes it (`KIND TASKS SEED BOUND` lines); `sweep FILE [KIND]` reads it
//! and times rnd (for iterating on the packer; CPU and wall time are means over 5 plans).
//! Seeds 0–4, like the benchmark.

use std::time::Instant;

use rnd_benches::bound::lower_bound;
use rnd_benches::capacity::capacities;
use rnd_benches::exact::exact_optimum;
use rnd_benches::fleets::{fleet, Kind};
use rnd_core::placement::{plan_capacity, AllowList};

const KINDS: [Kind; 3] = [Kind::Inference, Kind::Training, Kind::CpuSkewed];

/// Plans per fleet when timing.
const REPEAT: u32 = 5;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("bounds") {
        let caps = capacities(&AllowList::all());
        for kind in KINDS {
            for tasks in [20, 100, 400] {
                for seed in 0..5 {
                    let services = fleet(kind, tasks, seed);
                    let (lp, _) = lower_bound(&services, &caps);
                    let bound = lp.max(exact_optimum(&services, &caps, 200_000).unwrap_or(0.0));
                    println!("{} {tasks} {seed} {bound:.6}", kind.label());
                }
            }
        }
        return;
    }
    let file = std::fs::read_to_string(&args[1]).expect("bounds file");
    let only = args.get(2);
    let (mut sum, mut n, mut worst) = (0.0, 0, 0.0f64);
    for line in file.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if only.is_some_and(|o| o != f[0]) {
            continue;
        }
        let kind = KINDS.into_iter().find(|k| k.label() == f[0]).expect("kind");
        let (tasks, seed, bound): (u32, u64, f64) = (
            f[1].parse().unwrap(),
            f[2].parse().unwrap(),
            f[3].parse().unwrap(),
        );
        let services = fleet(kind, tasks, seed);
        // /proc counts CPU time in 10 ms ticks: plan REPEAT times and divide.
        let start = cpu_now();
        let t = Instant::now();
        let plan = plan_capacity(&services, &AllowList::all(), "us-east-1", None).expect("fits");
        for _ in 1..REPEAT {
            plan_capacity(&services, &AllowList::all(), "us-east-1", None).expect("fits");
        }
        let (cpu, wall) = ((cpu_now() - start) / f64::from(REPEAT), t.elapsed() / REPEAT);
        let ratio = plan.total_hourly_cost.as_f64() / bound;
        println!(
            "{:<10} {tasks:>3} {seed}  rnd {:>9.3} bound {bound:>9.3}  {ratio:.4}  cpu {:>6.1} ms wall {:>6.1} ms",
            f[0],
            plan.total_hourly_cost.as_f64(),
            cpu * 1000.0,
            wall.as_secs_f64() * 1000.0
        );
        sum += ratio;
        n += 1;
        worst = worst.max(ratio);
    }
    println!("mean {:.4} max {worst:.4} over {n}", sum / f64::from(n.max(1)));
}

/// This process's CPU time in seconds (user + system), from /proc: the machine is shared, so
/// wall-clock time overstates the packer's.
fn cpu_now() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0
}

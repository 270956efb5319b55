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
        "rnd {:.3} in {:.1?}",
        plan.total_hourly_cost.as_f64(),
        t.elapsed()
    );
    let t = Instant::now();
    println!(
        "ffd {:.3} karp {:.3} in {:.1?}",
        first_fit_decreasing(&services, &caps),
        karpenter_like(&services, &caps),
        t.elapsed()
    );
    if std::env::var("SHOW").is_ok() {
        for s in &services {
            println!("{s:?}");
        }
        println!("{}", render_capacity_text(&plan));
    }
    let t = Instant::now();
    let (lb, rounds) = lower_bound(&services, &caps);
    println!("bound {lb:.3} ({rounds} rounds) in {:.1?}", t.elapsed());
}

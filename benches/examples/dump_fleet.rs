//! Writes one benchmark fleet as JSON, for checking rnd's certificate with an outside solver:
//! `cargo run --release -p rnd-benches --example dump_fleet -- KIND TASKS SEED > fleet.json`.
//!
//! The JSON holds the fleet's GPU task shapes (`gpus`, `gpu_mem` MiB per GPU, `cpu` units,
//! `mem` MiB, `demand` tasks) and every allowed type as the packer sees it (room left for
//! tasks, task slots, `price` in dollars per hour), which is all a configuration LP or MIP
//! needs, and rnd's own plan of the fleet (`rnd`: its `hourly` cost and the `lower_bound` it
//! certifies). Session 28 checked the LP bound and the packings against HiGHS this way, and
//! `benches/optimum/prove` proves the cheapest packing from this file.

use std::collections::BTreeMap;

use rnd_benches::capacity::capacities;
use rnd_benches::fleets::{fleet, Kind};
use rnd_core::placement::{plan_capacity, AllowList};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: dump_fleet inference|training|cpu-skewed|mixed|memory-heavy TASKS SEED";
    let kind = match args.get(1).map(String::as_str) {
        Some("inference") => Kind::Inference,
        Some("training") => Kind::Training,
        Some("cpu-skewed") => Kind::CpuSkewed,
        Some("mixed") => Kind::Mixed,
        Some("memory-heavy") => Kind::MemoryHeavy,
        _ => panic!("{usage}"),
    };
    let tasks: u32 = args.get(2).and_then(|a| a.parse().ok()).expect(usage);
    let seed: u64 = args.get(3).and_then(|a| a.parse().ok()).expect(usage);
    // Tasks aggregated by shape, as rnd's certificate does.
    let services = fleet(kind, tasks, seed);
    let mut shapes: BTreeMap<(u32, u32, u32, u32), u32> = BTreeMap::new();
    for s in services.iter().filter(|s| s.gpus > 0 && s.replicas > 0) {
        let key = (s.gpus, s.gpu_memory_mib.unwrap_or(0), s.cpu_units, s.memory_mib);
        *shapes.entry(key).or_default() += s.replicas;
    }
    let shapes: Vec<serde_json::Value> = shapes
        .iter()
        .map(|(&(gpus, gpu_mem, cpu, mem), &demand)| {
            serde_json::json!({"gpus": gpus, "gpu_mem": gpu_mem, "cpu": cpu, "mem": mem, "demand": demand})
        })
        .collect();
    let types: Vec<serde_json::Value> = capacities(&AllowList::all())
        .iter()
        .map(|c| {
            serde_json::json!({
                "name": c.name, "gpus": c.gpus, "gpu_mem": c.gpu_mem, "cpu": c.cpu,
                "mem": c.mem, "slots": c.slots, "price": c.price,
            })
        })
        .collect();
    let plan = plan_capacity(&services, &AllowList::all(), "us-east-1", None).expect("the fleet plans");
    let rnd = serde_json::json!({
        "hourly": plan.total_hourly_cost.as_f64(),
        "lower_bound": plan.lower_bound_hourly.as_f64(),
    });
    println!(
        "{}",
        serde_json::json!({"shapes": shapes, "types": types, "rnd": rnd})
    );
}

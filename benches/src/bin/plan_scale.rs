//! Planning at scale: N manifests against a snapshot where all are deployed and 1% changed.
//!
//! Measures the wall time of what `rnd plan` does (read and validate every manifest file, place,
//! diff, build the graph, render JSON; the observed snapshot in memory, as the executor hands it
//! over) and, separately, what parsing that snapshot from JSON adds (`--observed FILE`); and the
//! peak memory, for 1,000 and 10,000 manifests. Each size is measured in processes of its own,
//! alternated with the other size's over several rounds so background load affects both alike;
//! medians over the rounds are reported (each process keeps its best of a few runs).
//!
//! Run: `cargo run --release -p rnd-benches --bin plan_scale` (`RND_BENCH_ROUNDS=N` for more or
//! fewer rounds, `RND_BENCH_STAGES=1` for per-stage times on stderr, `RND_BENCH_KEEP=1` to keep
//! the generated repositories).
//!
//! Planning spreads the per-service work over the cores as `rnd` does, with the CLI's
//! `fanout::Threads` (`rnd_benches::fanout`, the same source file).
//!
//! Measured figures, before and after the work on the planner's scaling: `benches/PLAN_SCALE.md`.

use std::path::Path;

/// The allocator the `rnd` binary uses too: planning allocates many small strings and maps.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::Command;
use std::time::Instant;

use rnd_benches::fanout::Threads;
use rnd_core::plan::observed::ObservedState;
use rnd_core::plan::render::plan_json;
use rnd_core::plan::simulate::simulate_apply;
use rnd_core::plan::{plan_with_fanout, PlanOptions};
use rnd_core::repository::{validate_repository, SourceFile};

const SIZES: [usize; 2] = [1_000, 10_000];
/// Planning runs per measuring process; its best counts (the first run also pays for the
/// process's fresh memory).
const RUNS: usize = 3;
/// Measuring processes per size, alternated, so background load hits both sizes alike.
const ROUNDS: usize = 7;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--measure") {
        measure(
            Path::new(&args[i + 1]),
            args[i + 2].parse().expect("--measure DIR N"),
        );
        return;
    }
    let rounds = std::env::var("RND_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(ROUNDS);
    let dirs: Vec<_> = SIZES.iter().map(|&n| prepare(n)).collect();
    println!("round  manifests  plan (files)  parse snapshot  peak memory");
    let mut results: Vec<Vec<Measured>> = vec![Vec::new(); SIZES.len()];
    for round in 0..rounds {
        // Alternate which size goes first, so neither always runs right after the other.
        let mut order: Vec<usize> = (0..SIZES.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let out = Command::new(&args[0])
                .args(["--measure", dirs[i].to_str().unwrap(), &SIZES[i].to_string()])
                .output()
                .expect("run a size");
            eprint!("{}", String::from_utf8_lossy(&out.stderr));
            let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
            println!("{round:>5}  {line}");
            results[i].push(Measured::parse(&line));
        }
    }
    for dir in &dirs {
        if std::env::var_os("RND_BENCH_KEEP").is_some() {
            eprintln!("kept {}", dir.display());
        } else {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    println!("\nover {rounds} processes per size (best of {RUNS} runs in each):");
    println!("manifests  plan median (min-max)        parse median  plan+parse median  peak memory (max)");
    for (n, r) in SIZES.iter().zip(&results) {
        let plan: Vec<f64> = r.iter().map(|m| m.plan_ms).collect();
        let total: Vec<f64> = r.iter().map(|m| m.plan_ms + m.parse_ms).collect();
        println!(
            "{n:>9}  {:>7.1} ms ({:.1}-{:.1} ms)  {:>9.1} ms  {:>14.1} ms  {:>8.1} MiB",
            median(&plan),
            plan.iter().copied().fold(f64::INFINITY, f64::min),
            plan.iter().copied().fold(0.0, f64::max),
            median(&r.iter().map(|m| m.parse_ms).collect::<Vec<_>>()),
            median(&total),
            r.iter().map(|m| m.peak_mib).fold(0.0, f64::max),
        );
    }
    // Each round's two processes ran back to back, under about the same load.
    let ratios: Vec<f64> = results[1]
        .iter()
        .zip(&results[0])
        .map(|(big, small)| big.plan_ms / small.plan_ms)
        .collect();
    println!(
        "time ratio 10,000 / 1,000: {:.2} (medians), per round {} (target: at most 11)",
        median(&results[1].iter().map(|m| m.plan_ms).collect::<Vec<_>>())
            / median(&results[0].iter().map(|m| m.plan_ms).collect::<Vec<_>>()),
        ratios
            .iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(" "),
    );
}

/// One measuring process's report.
#[derive(Debug, Clone, Copy)]
struct Measured {
    plan_ms: f64,
    parse_ms: f64,
    peak_mib: f64,
}

impl Measured {
    /// Reads the line `measure` prints.
    fn parse(line: &str) -> Measured {
        let numbers: Vec<f64> = line
            .split_whitespace()
            .filter_map(|w| w.trim_start_matches('(').parse().ok())
            .collect();
        let at = |i: usize| numbers.get(i).copied().unwrap_or(f64::NAN);
        Measured {
            plan_ms: at(1),
            parse_ms: at(2),
            peak_mib: at(3),
        }
    }
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Writes the repository and the deployed snapshot (with 1% of the manifests then changed),
/// in this process, so the measured one starts clean.
fn prepare(n: usize) -> std::path::PathBuf {
    let dir = tempdir(n);
    write_repository(&dir, n, false);
    // The deployed state: a first plan applied in memory, then 1% of the manifests changed.
    let (platform, manifests) = read(&dir);
    let repository = validate_repository(&platform, &manifests)
        .repository
        .expect("valid");
    let deployed = simulate_apply(
        &plan_with_fanout(
            &repository,
            &ObservedState::default(),
            PlanOptions::default(),
            &Threads::per_core(),
        )
        .unwrap(),
        &ObservedState::default(),
    );
    std::fs::write(
        dir.join("observed.json"),
        serde_json::to_string(&deployed).unwrap(),
    )
    .unwrap();
    write_repository(&dir, n, true);
    dir
}

/// Plans `RUNS` times and prints the best wall times and this process's peak memory.
fn measure(dir: &Path, n: usize) {
    // In `rnd plan` the snapshot comes from the executor, already in memory; `--observed FILE`
    // reads and parses it from JSON, then drops the text. Both are timed: planning (files read,
    // snapshot in memory) and the extra cost of reading and parsing the snapshot.
    let mut best = f64::INFINITY;
    let mut best_parse = f64::INFINITY;
    let mut changes = 0;
    for _ in 0..RUNS {
        let parse_start = Instant::now();
        let snapshot = std::fs::read(dir.join("observed.json")).unwrap();
        let observed: ObservedState = serde_json::from_slice(&snapshot).unwrap();
        drop(snapshot);
        best_parse = best_parse.min(parse_start.elapsed().as_secs_f64() * 1000.0);
        let start = Instant::now();
        let (platform, manifests) = read(dir);
        let t_read = start.elapsed();
        let repository = validate_repository(&platform, &manifests)
            .repository
            .expect("valid");
        let t_valid = start.elapsed();
        let plan = plan_with_fanout(
            &repository,
            &observed,
            PlanOptions::default(),
            &Threads::per_core(),
        )
        .unwrap();
        let t_plan = start.elapsed();
        let json = plan_json(&plan).to_string();
        if std::env::var_os("RND_BENCH_STAGES").is_some() {
            eprintln!(
                "read {t_read:?} validate {t_valid:?} plan {t_plan:?} json {:?}",
                start.elapsed()
            );
        }
        best = best.min(start.elapsed().as_secs_f64() * 1000.0);
        changes = plan.graph.len();
        std::hint::black_box(json);
    }
    println!(
        "{n:>9}  {best:>10.1} ms  {best_parse:>12.1} ms  {:>8.1} MiB   ({changes} operations)",
        peak_mib()
    );
}

fn tempdir(n: usize) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rnd-plan-scale-{n}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("manifests")).unwrap();
    dir
}

/// A realistic large fleet: mostly small Fargate services (half of them routed), 2% GPU.
fn write_repository(dir: &Path, n: usize, changed: bool) {
    std::fs::write(
        dir.join("platform.json"),
        r#"{ "name": "lab", "region": "us-east-1",
             "routing": { "mode": "host", "domain": "lab.example.com" },
             "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
             "gpu_instance_types": ["g5", "g6", "g6e"] }"#,
    )
    .unwrap();
    for i in 0..n {
        let version = if changed && i % 100 == 7 { "v2" } else { "v1" };
        let body = if i % 50 == 0 {
            format!(
                r#"{{ "image": "repo/svc{i}", "version": "{version}", "cpu": 4, "memory": 12288, "gpu": 1 }}"#
            )
        } else if i % 2 == 0 {
            format!(
                r#"{{ "image": "repo/svc{i}", "version": "{version}", "port": 8080, "env": {{ "MODE": "serve" }} }}"#
            )
        } else {
            format!(
                r#"{{ "image": "repo/svc{i}", "version": "{version}", "cpu": 0.5, "memory": 1024, "replicas": 2 }}"#
            )
        };
        std::fs::write(dir.join(format!("manifests/svc{i:05}.json")), body).unwrap();
    }
}

fn read(dir: &Path) -> (SourceFile, Vec<SourceFile>) {
    let platform = SourceFile {
        path: "platform.json".into(),
        bytes: std::fs::read(dir.join("platform.json")).unwrap(),
    };
    let mut manifests: Vec<SourceFile> = std::fs::read_dir(dir.join("manifests"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            SourceFile {
                path: format!("manifests/{}", e.file_name().to_string_lossy()),
                bytes: std::fs::read(e.path()).unwrap(),
            }
        })
        .collect();
    manifests.sort_by(|a, b| a.path.cmp(&b.path));
    (platform, manifests)
}

/// Peak resident memory of this process (Linux `VmHWM`).
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

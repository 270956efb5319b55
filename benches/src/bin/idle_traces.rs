//! Scale to zero, replayed: a month of requests for four kinds of research endpoint, run through
//! the sleep cycle rnd's Lambda function will drive (`rnd_core::sleep`) and the idle alarm's
//! timing, against stated wake timings. Prints, per trace: wakes, hours awake, monthly cost
//! against always-on, and the wait of the request that wakes the service (p50 / p95), with a warm
//! pool and without one.
//!
//! `cargo run --release -p rnd-benches --bin idle_traces [IDLE_MINUTES]` (default 30).
//!
//! Timing assumptions (seconds), each drawn uniformly from its range per wake, seeded:
//! - warm-pool instance Stopped → InService: 30–60. AWS said warm-pool instances "can be launched
//!   to serve traffic in as low as 30 seconds" at the launch of warm pools (CPU types; no GPU
//!   figure is published).
//! - cold GPU instance launch to running and booted: 60–120. No AWS figure; third-party boot
//!   measurements give ~25 s for CPU types, GPU driver start adds to it.
//! - ECS agent registration: 10–20. No AWS figure.
//! - image pull without a warm disk: 17.7 GB in 333 s (~53 MB/s), AWS's measurement at the
//!   launch of SageMaker container caching; the model here is 8–18 GB at that rate. With a warm
//!   pool the images were pulled during warm-up (`ECS_IMAGE_PULL_BEHAVIOR=prefer-cached`): 0.
//! - model load into GPU memory: 30–90, the application's; an assumption.
//! - healthy at the load balancer: 10 (health check every 5 s, 2 healthy checks, as rnd would
//!   set for services with `idle_after`; AWS's defaults, 30 s × 5, would add 140 s).
//! - the idle alarm: ALB metrics arrive and the alarm is evaluated 60–180 s after the period
//!   ends; after the alarm, the service drains for 30 s before its instance is released.
//! - a warm-pool instance, once it went into service, is replaced in the pool by a new one that
//!   launches, pulls and stops (ECS groups cannot return instances to the pool): billed running
//!   for the cold launch and pull.
//!
//! Fargate, seconds per wake: task placement and
//! network interface 20–40, image pull 20–60 (1–3 GB with no cache on Fargate, at the rate
//! above), application start 5–20, healthy 10. No AWS figure for the first; assumptions.
//!
//! Prices: Fargate 1 vCPU and 2 GiB on Linux/x86 in us-east-1, $0.04048 per vCPU-hour and
//! $0.004445 per GB-hour (`shared/reference/fargate.md`); g5.xlarge on demand in us-east-1, $1.006 an hour (`shared/reference/gpu_instances.csv`,
//! from AWS's Pricing API); a stopped pool instance costs its root volume as rnd's launch template
//! leaves it, the ECS GPU AMI's 30 GiB of gp3 at $0.08 per GiB-month (EBS pricing, us-east-1),
//! priced by `rnd_core::plan::warm` as plans price it; the alarm $0.10 a month.

use rnd_benches::rng::Rng;
use rnd_core::sleep::{Decision, Event, IdleAlarm, SleepCycle};

const MONTH: u64 = 30 * 24 * 3_600;
const DAY: u64 = 24 * 3_600;
const HOURLY: f64 = 1.006;
const FARGATE_HOURLY: f64 = 0.04048 + 2.0 * 0.004445;
/// What plans charge a warm pool's stopped instance, per month.
fn pool_ebs_monthly() -> f64 {
    rnd_core::plan::warm::WarmPool {
        instances: 1,
        volume_gib: rnd_core::plan::warm::ROOT_VOLUME_GIB,
        ..Default::default()
    }
    .monthly_cost()
    .as_f64()
}
const ALARM_MONTHLY: f64 = 0.10;
const PULL_MB_PER_S: f64 = 53.0;
const DRAIN: u64 = 30;

/// A month of request times, sorted.
struct Trace {
    name: &'static str,
    requests: Vec<u64>,
}

fn at(day: u64, hour: u64, minute: u64) -> u64 {
    day * DAY + hour * 3_600 + minute * 60
}

/// Weekdays 09:00–18:00, a request every 1–6 minutes; nothing at night or at weekends.
fn office_hours(rng: &mut Rng) -> Trace {
    let mut requests = Vec::new();
    for day in (0..30).filter(|d| d % 7 < 5) {
        let mut t = at(day, 9, 0);
        while t < at(day, 18, 0) {
            requests.push(t);
            t += u64::from(rng.range(60, 360));
        }
    }
    Trace {
        name: "office hours",
        requests,
    }
}

/// A demo shown at 10:00 and 15:00 every day: 20 requests over a quarter of an hour.
fn demo_twice_a_day(rng: &mut Rng) -> Trace {
    let mut requests = Vec::new();
    for day in 0..30 {
        for hour in [10, 15] {
            for _ in 0..20 {
                requests.push(at(day, hour, 0) + u64::from(rng.range(0, 900)));
            }
        }
    }
    requests.sort_unstable();
    Trace {
        name: "demo twice a day",
        requests,
    }
}

/// A nightly evaluation at 02:00: 300 requests over 40 minutes.
fn nightly_batch(rng: &mut Rng) -> Trace {
    let mut requests = Vec::new();
    for day in 0..30 {
        let mut t = at(day, 2, 0);
        for _ in 0..300 {
            requests.push(t);
            t += u64::from(rng.range(4, 12));
        }
    }
    Trace {
        name: "nightly batch",
        requests,
    }
}

/// A service in steady use: a request every 1–3 minutes, day and night.
fn steady(rng: &mut Rng) -> Trace {
    let mut requests = Vec::new();
    let mut t = 0;
    while t < MONTH {
        requests.push(t);
        t += u64::from(rng.range(60, 180));
    }
    Trace {
        name: "steady",
        requests,
    }
}

/// How long one wake takes, in seconds, and how long the pool's replacement runs (billed).
fn wake_seconds(rng: &mut Rng, warm_pool: bool) -> (u64, u64) {
    let model_gb = f64::from(rng.range(8, 18));
    let pull = (model_gb * 1_000.0 / PULL_MB_PER_S) as u64;
    let agent = u64::from(rng.range(10, 20));
    let load = u64::from(rng.range(30, 90));
    let healthy = 10;
    let cold_launch = u64::from(rng.range(60, 120));
    if warm_pool {
        let start = u64::from(rng.range(30, 60));
        (start + agent + load + healthy, cold_launch + pull)
    } else {
        (cold_launch + agent + pull + load + healthy, 0)
    }
}

/// One month of a trace.
struct Outcome {
    wakes: usize,
    awake_seconds: u64,
    refill_seconds: u64,
    first_waits: Vec<u64>,
    starting_answers: usize,
}

/// The wait of a Fargate service's waking request: no instance, no cache.
fn fargate_wake_seconds(rng: &mut Rng) -> u64 {
    u64::from(rng.range(20, 40)) + u64::from(rng.range(20, 60)) + u64::from(rng.range(5, 20)) + 10
}

/// Where the woken service runs.
#[derive(Clone, Copy)]
enum Capacity {
    Gpu { warm_pool: bool },
    Fargate,
}

fn replay(trace: &Trace, idle_minutes: u32, capacity: Capacity, seed: u64) -> Outcome {
    let mut rng = Rng::new(seed);
    let alarm = IdleAlarm::for_idle_minutes(idle_minutes);
    let mut cycle = SleepCycle::awake(180);
    let mut out = Outcome {
        wakes: 0,
        awake_seconds: 0,
        refill_seconds: 0,
        first_waits: Vec::new(),
        starting_answers: 0,
    };
    // Deployed awake at the start of the month.
    let mut running_since = Some(0);
    let mut last_request: Option<u64> = None;
    let mut healthy_at: Option<u64> = None;
    let settle = |cycle: &mut SleepCycle,
                  now: u64,
                  last: Option<u64>,
                  healthy: &mut Option<u64>,
                  running: &mut Option<u64>,
                  out: &mut Outcome,
                  rng: &mut Rng| {
        if let Some(h) = *healthy {
            if h <= now {
                assert_eq!(cycle.on(Event::Healthy { at: h }), Decision::HandBack);
                *healthy = None;
            }
        }
        let fires = alarm.fires_after(last.unwrap_or(0), u64::from(rng.range(60, 180)));
        if fires <= now && cycle.on(Event::IdleAlarm { at: fires }) == Decision::Sleep {
            let since = running.take().expect("an awake service runs");
            out.awake_seconds += fires + DRAIN - since;
        }
    };
    for &t in &trace.requests {
        settle(
            &mut cycle,
            t,
            last_request,
            &mut healthy_at,
            &mut running_since,
            &mut out,
            &mut rng,
        );
        match cycle.on(Event::Request { at: t }) {
            Decision::Wake => {
                let (wait, refill) = match capacity {
                    Capacity::Gpu { warm_pool } => wake_seconds(&mut rng, warm_pool),
                    Capacity::Fargate => (fargate_wake_seconds(&mut rng), 0),
                };
                out.wakes += 1;
                out.first_waits.push(wait);
                out.refill_seconds += refill;
                out.starting_answers += 1;
                healthy_at = Some(t + wait);
                running_since = Some(t);
            }
            Decision::Starting { .. } => out.starting_answers += 1,
            Decision::Serve => {}
            other => panic!("a request decided {other:?}"),
        }
        last_request = Some(t);
    }
    settle(
        &mut cycle,
        MONTH,
        last_request,
        &mut healthy_at,
        &mut running_since,
        &mut out,
        &mut rng,
    );
    if let Some(since) = running_since {
        out.awake_seconds += MONTH - since;
    }
    out
}

fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    Some(sorted[rank])
}

fn minutes(seconds: Option<u64>) -> String {
    seconds.map_or("–".into(), |s| format!("{:.1}", s as f64 / 60.0))
}

fn main() {
    let idle_minutes: u32 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("idle minutes: a number"))
        .unwrap_or(30);
    let mut rng = Rng::new(16);
    let traces = [
        office_hours(&mut rng),
        demo_twice_a_day(&mut rng),
        nightly_batch(&mut rng),
        steady(&mut rng),
    ];
    let always_on = HOURLY * MONTH as f64 / 3_600.0;
    println!("idle_after {idle_minutes}m, g5.xlarge at ${HOURLY}/h: always on ${always_on:.2} a month");
    println!(
        "{:<18} {:>8} {:>6} {:>8} {:>10} {:>8} | {:>15} | {:>15} {:>10}",
        "trace",
        "requests",
        "wakes",
        "h awake",
        "$/month",
        "saved",
        "wait p50/p95 min",
        "no pool p50/p95",
        "$/month"
    );
    for (i, trace) in traces.iter().enumerate() {
        let seed = 100 + i as u64;
        let pooled = replay(trace, idle_minutes, Capacity::Gpu { warm_pool: true }, seed);
        let cold = replay(trace, idle_minutes, Capacity::Gpu { warm_pool: false }, seed);
        let cost = |o: &Outcome, pool: bool| {
            (o.awake_seconds + o.refill_seconds) as f64 / 3_600.0 * HOURLY
                + ALARM_MONTHLY
                + if pool { pool_ebs_monthly() } else { 0.0 }
        };
        let mut waits = pooled.first_waits.clone();
        waits.sort_unstable();
        let mut cold_waits = cold.first_waits.clone();
        cold_waits.sort_unstable();
        let pooled_cost = cost(&pooled, true);
        println!(
            "{:<18} {:>8} {:>6} {:>8.1} {:>10.2} {:>7.0}% | {:>7}/{:<7} | {:>7}/{:<7} {:>10.2}",
            trace.name,
            trace.requests.len(),
            pooled.wakes,
            pooled.awake_seconds as f64 / 3_600.0,
            pooled_cost,
            100.0 * (1.0 - pooled_cost / always_on),
            minutes(percentile(&waits, 50.0)),
            minutes(percentile(&waits, 95.0)),
            minutes(percentile(&cold_waits, 50.0)),
            minutes(percentile(&cold_waits, 95.0)),
            cost(&cold, false),
        );
    }
    let always_on = FARGATE_HOURLY * MONTH as f64 / 3_600.0;
    println!();
    println!(
        "idle_after {idle_minutes}m, Fargate 1 vCPU 2 GiB at ${FARGATE_HOURLY:.5}/h: always on ${always_on:.2} a month"
    );
    println!(
        "{:<18} {:>8} {:>6} {:>8} {:>10} {:>8} | {:>15}",
        "trace", "requests", "wakes", "h awake", "$/month", "saved", "wait p50/p95 min"
    );
    for (i, trace) in traces.iter().enumerate() {
        let outcome = replay(trace, idle_minutes, Capacity::Fargate, 100 + i as u64);
        let cost = outcome.awake_seconds as f64 / 3_600.0 * FARGATE_HOURLY + ALARM_MONTHLY;
        let mut waits = outcome.first_waits.clone();
        waits.sort_unstable();
        println!(
            "{:<18} {:>8} {:>6} {:>8.1} {:>10.2} {:>7.0}% | {:>7}/{:<7}",
            trace.name,
            trace.requests.len(),
            outcome.wakes,
            outcome.awake_seconds as f64 / 3_600.0,
            cost,
            100.0 * (1.0 - cost / always_on),
            minutes(percentile(&waits, 50.0)),
            minutes(percentile(&waits, 95.0)),
        );
    }
}

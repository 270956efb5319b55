//! API calls of one observe of an unchanged platform, per operation, at 40, 200 and 1,000
//! services: `observe` (every resource described) against `observe_with` and the plan's
//! expectation (only what differs from the plan described), counted by `rnd_aws::CallCounter`.
//!
//! Each size is a fresh platform applied to the emulator at a high concurrency (moto creates a
//! thousand services slowly; the operations are the ones any apply makes, only more at once),
//! observed both ways, checked to plan nothing either way, and destroyed, so account-wide
//! listings see only that platform. Sizes can be given as arguments (`observe_calls 40 200`).
//!
//! Needs the emulator: `scripts/emulator run cargo run -p rnd-benches --features emulator --bin
//! observe_calls` (or `AWS_ENDPOINT_URL` pointing at one). A debug build is fine: the counts do
//! not depend on speed.
//!
//! Measured on moto 5.2.5 (totals, observe / observe_with): 40 services (279 resources)
//! 104 / 20, 1,000 services (6,831 resources) 2,162 / 92. At 1,000 what remains is:
//! GetResources 39 (services, task definitions, target groups and log groups, 100 a page),
//! DescribeLogGroups 20 (the listing that says which groups exist, 50 a page), DescribeListeners
//! and DescribeRules 9 each (one per load balancer and HTTPS listener), DescribeTags 2 (balancers
//! and listeners, 20 a call; listener rules as planned are known by their settings), 13 calls
//! for the other kinds. No service, revision or target group is described. moto returns
//! ListServices and ListTaskDefinitions in one page; AWS gives 100 per page, about 20 more calls
//! at 1,000.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use aws_config::{BehaviorVersion, Region};
use rnd_aws::{apply, events, observe, observe_with, ApiOperation, ApplyOptions, Clients};
use rnd_core::plan::observed::ObservedState;
use rnd_core::plan::{expected, plan, plan_destroy};
use rnd_core::repository::{validate_repository, Repository, SourceFile};

/// Operations in flight while creating and destroying: many, so that a thousand services take
/// minutes rather than an hour of the emulator's time.
const SETUP_CONCURRENCY: usize = 32;

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("sizes are numbers of services"))
        .collect();
    let sizes = if sizes.is_empty() {
        vec![40, 200, 1000]
    } else {
        sizes
    };
    let endpoint = endpoint();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(&endpoint)
            .region(Region::new("us-east-1"))
            .test_credentials()
            .load()
            .await;
        let clients = Clients::new(&config);
        let certificate = aws_sdk_acm::Client::new(&config)
            .request_certificate()
            .domain_name("*.example.com")
            .send()
            .await
            .expect("a certificate in the emulator")
            .certificate_arn()
            .expect("certificate ARN")
            .to_string();
        let mut columns = Vec::new();
        for &n in &sizes {
            columns.push(measure(&clients, &certificate, n).await);
        }
        print_table(&columns);
    });
}

/// Calls of one observe, by operation, each way.
struct Column {
    services: usize,
    resources: usize,
    full: BTreeMap<ApiOperation, u64>,
    expected: BTreeMap<ApiOperation, u64>,
}

async fn measure(clients: &Clients, certificate: &str, services: usize) -> Column {
    let platform = format!("o{services}x{}", suffix());
    let repository = repository(&platform, certificate, services);
    let start = Instant::now();
    let observed = observe(clients, &platform).await.expect("observe");
    let created = plan(&repository, &observed).expect("plan");
    let options = ApplyOptions {
        concurrency: SETUP_CONCURRENCY,
        ..ApplyOptions::default()
    };
    let report = apply(clients, &created, &observed, options.clone(), events::discard())
        .await
        .expect("apply");
    assert!(report.succeeded(), "{:#?}", report.failures());
    eprintln!(
        "{services} services: {} operations applied in {:.0} s",
        created.graph.len(),
        start.elapsed().as_secs_f64()
    );

    clients.calls.take();
    let full_state = observe(clients, &platform).await.expect("observe");
    let full = clients.calls.take();
    // As a frontend would: the expectation from the repository alone, before reading anything.
    let hint = expected(&repository, &ObservedState::default()).expect("expected");
    clients.calls.take();
    let cheap_state = observe_with(clients, &platform, &hint)
        .await
        .expect("observe_with");
    let cheap = clients.calls.take();
    for (how, state) in [("observe", &full_state), ("observe_with", &cheap_state)] {
        let again = plan(&repository, state).expect("plan");
        assert_eq!(
            again.graph.len(),
            0,
            "{how}: an unchanged platform planned changes"
        );
    }

    let teardown = plan_destroy(&repository, &full_state).expect("plan destroy");
    let report = apply(clients, &teardown, &full_state, options, events::discard())
        .await
        .expect("destroy");
    assert!(report.succeeded(), "{:#?}", report.failures());
    Column {
        services,
        resources: full_state.resources.len(),
        full,
        expected: cheap,
    }
}

fn print_table(columns: &[Column]) {
    let operations: BTreeSet<&ApiOperation> = columns
        .iter()
        .flat_map(|c| c.full.keys().chain(c.expected.keys()))
        .collect();
    println!("API calls of one observe of an unchanged platform: observe / observe_with");
    print!("{:<58}", "");
    for c in columns {
        print!(" {:>22}", format!("{} svc ({} res)", c.services, c.resources));
    }
    println!();
    let cell = |m: &BTreeMap<ApiOperation, u64>, op: &ApiOperation| m.get(op).copied().unwrap_or(0);
    for op in operations {
        print!("{:<58}", op.to_string());
        for c in columns {
            print!(
                " {:>22}",
                format!("{} / {}", cell(&c.full, op), cell(&c.expected, op))
            );
        }
        println!();
    }
    print!("{:<58}", "total");
    for c in columns {
        let total = |m: &BTreeMap<ApiOperation, u64>| m.values().sum::<u64>();
        print!(" {:>22}", format!("{} / {}", total(&c.full), total(&c.expected)));
    }
    println!();
}

/// A suffix no earlier run on the same emulator used.
fn suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{:x}", nanos % 0xfffff)
}

/// Nine routed services in ten and one worker: a rule, a target group, a task definition, a
/// service and a log group each, the shape that makes observing expensive.
fn repository(platform: &str, certificate: &str, services: usize) -> Repository {
    let platform_json = format!(
        r#"{{ "name": "{platform}", "region": "us-east-1",
             "routing": {{ "mode": "host", "domain": "{platform}.example.com" }},
             "certificate_arn": "{certificate}" }}"#
    );
    let image = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
    let manifests: Vec<SourceFile> = (0..services)
        .map(|i| {
            let text = match i % 10 {
                0 => format!(r#"{{ "image": "{image}/job{i}", "version": "v1", "cpu": 0.5, "memory": 1024 }}"#),
                _ => format!(
                    r#"{{ "image": "{image}/web{i}", "version": "v1", "port": 8080, "health_check": "/health" }}"#
                ),
            };
            SourceFile {
                path: format!("manifests/s{i:04}.json"),
                bytes: text.into_bytes(),
            }
        })
        .collect();
    let platform_file = SourceFile {
        path: "platform.json".into(),
        bytes: platform_json.into_bytes(),
    };
    validate_repository(&platform_file, &manifests)
        .repository
        .expect("a valid benchmark repository")
}

/// `AWS_ENDPOINT_URL`, or the file `scripts/emulator start` writes; stops with instructions
/// when neither is there.
fn endpoint() -> String {
    if let Ok(url) = std::env::var("AWS_ENDPOINT_URL") {
        return url;
    }
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/emulator.env");
    let text = std::fs::read_to_string(&file).unwrap_or_else(|_| {
        panic!(
            "no AWS emulator: set AWS_ENDPOINT_URL or run `scripts/emulator start` (writes {})",
            file.display()
        )
    });
    text.lines()
        .find_map(|l| l.strip_prefix("AWS_ENDPOINT_URL="))
        .expect("AWS_ENDPOINT_URL in the emulator file")
        .to_string()
}

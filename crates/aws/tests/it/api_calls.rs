//! The AWS API calls rnd makes, counted by the clients' interceptor against the emulator: a
//! second apply changes nothing, and observing costs calls per resource kind, not per resource.
//! Needs `scripts/emulator start` (fails otherwise).

use std::collections::BTreeMap;

use crate::support::*;
use rnd_aws::{observe, ApiOperation, Clients};

fn services(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            let name = format!("svc{i:02}");
            let text = match i % 4 {
                0 => worker(&name, "v1"),
                3 if i == 3 => gpu(&name, "v1", 9000),
                _ => routed(&name, "v1", 8000 + i as u16),
            };
            (name, text)
        })
        .collect()
}

fn as_refs(manifests: &[(String, String)]) -> Vec<(&str, String)> {
    manifests.iter().map(|(n, t)| (n.as_str(), t.clone())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_apply_makes_no_mutating_call() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let platform = &unique("again");
    let cert = certificate(&config, &format!("{platform}.example.com")).await;
    let repo = repository(platform, &cert, &as_refs(&services(4)));
    let (first, _, _) = round(&clients, &repo).await;
    assert!(first.graph.len() > 20);
    assert!(
        !clients.calls.mutating().is_empty(),
        "the counter saw the first apply"
    );

    clients.calls.take();
    let (second, report, _) = round(&clients, &repo).await;
    assert_eq!(second.graph.len(), 0);
    assert!(report.operations.is_empty());
    let calls = clients.calls.snapshot();
    assert!(!calls.is_empty(), "the second round observed AWS");
    assert_eq!(
        clients.calls.mutating(),
        BTreeMap::new(),
        "a second apply changed something; all its calls: {calls:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observing_costs_calls_per_kind_not_per_resource() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let platform = &unique("count");
    let cert = certificate(&config, &format!("{platform}.example.com")).await;

    let mut per_size = Vec::new();
    for n in [4, 16] {
        let repo = repository(platform, &cert, &as_refs(&services(n)));
        round(&clients, &repo).await;
        clients.calls.take();
        let observed = observe(&clients, platform).await.unwrap();
        per_size.push((n, observed.resources.len(), clients.calls.take()));
    }

    let [(small_n, small_resources, small), (large_n, large_resources, large)] = &per_size[..] else {
        unreachable!()
    };
    let operations: std::collections::BTreeSet<&ApiOperation> = small.keys().chain(large.keys()).collect();
    println!("API calls of one observe, by operation:");
    println!("{:<58} {small_n:>3} services ({small_resources} resources)  {large_n:>3} services ({large_resources} resources)", "");
    for op in &operations {
        let count = |m: &BTreeMap<ApiOperation, u64>| m.get(*op).copied().unwrap_or(0);
        println!(
            "{:<58} {:>28}  {:>28}",
            op.to_string(),
            count(small),
            count(large)
        );
    }
    let total = |m: &BTreeMap<ApiOperation, u64>| m.values().sum::<u64>();
    println!("{:<58} {:>28}  {:>28}", "total", total(small), total(large));

    assert!(!small.is_empty(), "the counter saw the observe");
    assert!(
        small.keys().all(|op| !op.is_mutating()),
        "observing only reads: {small:#?}"
    );
    assert!(
        large.keys().all(|op| !op.is_mutating()),
        "observing only reads: {large:#?}"
    );
    // Four times the services, three times the resources: every kind is read with
    // list/describe calls that take many resources at once, except where AWS has no batch
    // read, and there one call per resource is the floor.
    assert!(*large_resources > 2 * small_resources);
    for op in operations {
        let (before, after) = (
            small.get(op).copied().unwrap_or(0),
            large.get(op).copied().unwrap_or(0),
        );
        if let Some((_, batch)) = PER_RESOURCE.iter().find(|(name, _)| op.operation == *name) {
            // At most one call per `batch` resources of that kind (16 services: < 3 each); ELBv2
            // reads the tags of the whole account's balancers and target groups, other
            // platforms' included, hence the first count added.
            assert!(
                after <= (3 * *large_n as u64).div_ceil(*batch) + before,
                "{op}: {after} calls"
            );
        } else {
            assert_eq!(before, after, "{op} grows with the number of resources");
        }
    }
}

/// Reads AWS offers only for a few resources per call, with how many per call.
const PER_RESOURCE: [(&str, u64); 4] = [
    // ECS: no batch read of task definitions; services are described ten at a time.
    ("DescribeTaskDefinition", 1),
    ("DescribeServices", 10),
    // ELBv2: attributes one target group at a time; tags twenty resources at a time.
    ("DescribeTargetGroupAttributes", 1),
    ("DescribeTags", 20),
];

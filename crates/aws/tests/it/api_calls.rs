//! The AWS API calls rnd makes, counted by the clients' interceptor against the emulator: a
//! second apply changes nothing, observing costs calls per resource kind, not per resource, and
//! observing with an expectation skips the per-resource reads of what is as planned without
//! changing any plan. Needs `scripts/emulator start` (fails otherwise).

use std::collections::BTreeMap;

use crate::support::*;
use rnd_aws::{observe, observe_with, ApiOperation, Clients};
use rnd_core::plan::observed::ObservedState;
use rnd_core::plan::render::plan_json;
use rnd_core::plan::{expected, plan};
use rnd_core::repository::Repository;

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

/// The plan `observe_with` leads to, as JSON, and the calls its observe made.
async fn planned_with_expectation(
    clients: &Clients,
    repo: &Repository,
) -> (serde_json::Value, BTreeMap<ApiOperation, u64>) {
    let hint = expected(repo, &ObservedState::default()).expect("expected");
    clients.calls.take();
    let observed = observe_with(clients, &repo.platform.name, &hint).await.unwrap();
    let calls = clients.calls.take();
    (plan_json(&plan(repo, &observed).expect("plan")), calls)
}

async fn planned_in_full(
    clients: &Clients,
    repo: &Repository,
) -> (serde_json::Value, BTreeMap<ApiOperation, u64>) {
    clients.calls.take();
    let observed = observe(clients, &repo.platform.name).await.unwrap();
    let calls = clients.calls.take();
    (plan_json(&plan(repo, &observed).expect("plan")), calls)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observing_with_an_expectation_plans_the_same_with_fewer_calls() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let platform = &unique("expect");
    let cert = certificate(&config, &format!("{platform}.example.com")).await;
    let manifests = services(8);
    let repo = repository(platform, &cert, &as_refs(&manifests));
    round(&clients, &repo).await;

    // Unchanged: nothing to do, and no per-resource read of anything as planned.
    let (full, full_calls) = planned_in_full(&clients, &repo).await;
    let (cheap, cheap_calls) = planned_with_expectation(&clients, &repo).await;
    assert_eq!(cheap, full);
    let plan = rnd_core::plan::plan(
        &repo,
        &observe_with(
            &clients,
            platform,
            &expected(&repo, &ObservedState::default()).unwrap(),
        )
        .await
        .unwrap(),
    )
    .unwrap();
    assert_eq!(plan.graph.len(), 0, "an unchanged platform plans nothing");
    for skipped in [
        "DescribeServices",
        "DescribeTaskDefinition",
        "DescribeTargetGroupAttributes",
        "DescribeLoadBalancerAttributes",
    ] {
        let count: u64 = cheap_calls
            .iter()
            .filter(|(op, _)| op.operation == skipped)
            .map(|(_, n)| n)
            .sum();
        assert_eq!(count, 0, "{skipped} for resources as planned: {cheap_calls:#?}");
    }
    // Listener rules as planned are known by their settings: their tags are not read.
    let tag_reads = |m: &BTreeMap<ApiOperation, u64>| {
        m.iter()
            .filter(|(op, _)| op.operation == "DescribeTags")
            .map(|(_, n)| n)
            .sum::<u64>()
    };
    assert!(
        tag_reads(&cheap_calls) < tag_reads(&full_calls),
        "{cheap_calls:#?} against {full_calls:#?}"
    );
    let total = |m: &BTreeMap<ApiOperation, u64>| m.values().sum::<u64>();
    assert!(
        total(&cheap_calls) < total(&full_calls),
        "{cheap_calls:#?} against {full_calls:#?}"
    );

    // A service whose hash rnd marked after a failed deployment is described again, and the
    // plan deploys it again.
    let arn = clients
        .ecs
        .describe_services()
        .include(aws_sdk_ecs::types::ServiceField::Tags)
        .cluster(platform)
        .services("svc02")
        .send()
        .await
        .unwrap()
        .services()[0]
        .service_arn()
        .unwrap()
        .to_string();
    clients
        .ecs
        .tag_resource()
        .resource_arn(&arn)
        .tags(
            aws_sdk_ecs::types::Tag::builder()
                .key(rnd_core::plan::observed::TAG_HASH)
                .value(rnd_aws::execute::DEPLOYMENT_FAILED)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let (marked, marked_calls) = planned_with_expectation(&clients, &repo).await;
    assert!(marked.to_string().contains("ecs_service.svc02"), "{marked:#}");
    assert!(
        marked_calls
            .iter()
            .any(|(op, _)| op.operation == "DescribeServices"),
        "{marked_calls:#?}"
    );
    round(&clients, &repo).await;

    // Changed manifests plan exactly as with a full observe: what differs is described.
    let mut changed = manifests.clone();
    changed[1].1 = routed("svc01", "v2", 8001);
    changed[0].1 = worker("svc00", "v2");
    changed.remove(2);
    changed.push(("svc99".into(), routed("svc99", "v1", 8099)));
    let changed = repository(platform, &cert, &as_refs(&changed));
    let (full, _) = planned_in_full(&clients, &changed).await;
    let (cheap, _) = planned_with_expectation(&clients, &changed).await;
    assert!(
        full["operations"].as_array().is_some_and(|o| o.len() > 10),
        "{full:#}"
    );
    assert_eq!(
        cheap, full,
        "the plan of a change depends on how AWS was observed"
    );

    // A desired count changed by hand leaves the service's hash as it was: a plan that trusts
    // the hashes does not see it, one that describes everything (`--refresh`, the drift check)
    // does and puts it back.
    clients
        .ecs
        .update_service()
        .cluster(platform)
        .service("svc01")
        .desired_count(7)
        .send()
        .await
        .unwrap();
    let (trusting, _) = planned_with_expectation(&clients, &repo).await;
    let (drifted_full, _) = planned_in_full(&clients, &repo).await;
    assert_eq!(trusting["operations"], serde_json::json!([]), "{trusting:#}");
    assert!(
        drifted_full.to_string().contains("ecs_service.svc01"),
        "{drifted_full:#}"
    );
}

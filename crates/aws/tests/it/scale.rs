//! Fifty services against the AWS emulator: one apply creates them all, and planning again
//! finds nothing to do. Prints how long each step took. Needs `scripts/emulator start`.

use std::time::Instant;

use crate::support::*;
use rnd_aws::{apply, events, observe, ApplyOptions, Clients};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_services_apply_in_one_run_and_converge() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let platform = &unique("fifty");
    let cert = certificate(&config, &format!("{platform}.example.com")).await;
    let manifests: Vec<(String, String)> = (0..50)
        .map(|i| {
            let name = format!("svc{i:02}");
            let text = match i % 10 {
                0 => gpu(&name, "v1", 9000),
                1..=3 => worker(&name, "v1"),
                _ => routed(&name, "v1", 8000 + i),
            };
            (name, text)
        })
        .collect();
    let refs: Vec<(&str, String)> = manifests.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    let repo = repository(platform, &cert, &refs);

    let start = Instant::now();
    let observed = observe(&clients, platform).await.unwrap();
    let plan = rnd_core::plan::plan(&repo, &observed).unwrap();
    let planned = start.elapsed();
    let report = apply(
        &clients,
        &plan,
        &observed,
        ApplyOptions::default(),
        events::discard(),
    )
    .await
    .unwrap();
    let applied = start.elapsed() - planned;
    assert!(report.succeeded(), "{:#?}", report.failures());

    let again = Instant::now();
    let (observed, remaining) = remaining_changes(&clients, &repo).await;
    let replanned = again.elapsed();
    assert_eq!(remaining, Vec::<String>::new());
    assert_eq!(observed.resources.len(), plan.graph.len());
    println!(
        "{} operations: observe+plan {:.1?}, apply {:.1?}; observe+plan of {} resources {:.1?}",
        plan.graph.len(),
        planned,
        applied,
        observed.resources.len(),
        replanned
    );
}

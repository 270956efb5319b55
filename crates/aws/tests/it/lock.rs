//! The apply lock against the AWS emulator's DynamoDB: one run per platform at a time, who holds
//! it and since when, a crashed run's lease lapsing, renewal, and losing it mid-run. Needs
//! `scripts/emulator start` (fails otherwise).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::support::*;
use aws_sdk_dynamodb::types::AttributeValue;
use rnd_aws::lock::LOCK_TABLE;
use rnd_aws::{acquire_lock, apply, events, observe, ApplyOptions, Clients, Event, LockError, LockOptions};
use rnd_core::plan::plan;

fn quick(lease_secs: u64, wait: Duration) -> LockOptions {
    LockOptions {
        lease: Duration::from_secs(lease_secs),
        wait,
        poll: Duration::from_millis(200),
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

async fn clients() -> Clients {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    Clients::new(&config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_is_refused_with_who_holds_the_lock_since_when() {
    let clients = clients().await;
    let platform = &unique("lock");
    let before = now();
    let alice = acquire_lock(
        &clients,
        platform,
        "alice@laptop",
        &quick(60, Duration::ZERO),
        |_| {},
    )
    .await
    .expect("the first run takes the lock");

    let refused = acquire_lock(&clients, platform, "bob@ci", &quick(60, Duration::ZERO), |_| {}).await;
    match refused {
        Err(LockError::Held { platform: p, holder }) => {
            assert_eq!(&p, platform);
            assert_eq!(holder.holder, "alice@laptop");
            assert!(holder.since >= before && holder.since <= now(), "{holder:?}");
            assert!(holder.expires >= holder.since + 59, "{holder:?}");
            let message = LockError::Held {
                platform: p,
                holder: holder.clone(),
            }
            .to_string();
            assert!(
                message.contains("alice@laptop since 20") && message.contains(platform),
                "{message}"
            );
        }
        other => panic!("expected the lock to be held, got {other:?}"),
    }

    // Another platform's lock is independent.
    let other = acquire_lock(
        &clients,
        &unique("lock"),
        "bob@ci",
        &quick(60, Duration::ZERO),
        |_| {},
    )
    .await
    .expect("another platform is free");
    other.release().await.unwrap();

    alice.release().await.unwrap();
    let bob = acquire_lock(&clients, platform, "bob@ci", &quick(60, Duration::ZERO), |_| {})
        .await
        .expect("free again once released");
    bob.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_run_is_told_who_holds_the_lock_and_gets_it_once_released() {
    let clients = clients().await;
    let platform = unique("lock");
    let first = acquire_lock(&clients, &platform, "first", &quick(60, Duration::ZERO), |_| {})
        .await
        .unwrap();
    let told = Arc::new(Mutex::new(Vec::new()));
    let waiter = {
        let (clients, platform, told) = (clients.clone(), platform.clone(), Arc::clone(&told));
        tokio::spawn(async move {
            let started = Instant::now();
            let lease = acquire_lock(
                &clients,
                &platform,
                "second",
                &quick(60, Duration::from_secs(30)),
                |h| told.lock().unwrap().push(h.holder.clone()),
            )
            .await
            .expect("the waiting run gets the lock");
            (lease, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    first.release().await.unwrap();
    let (second, waited) = waiter.await.unwrap();
    assert!(waited >= Duration::from_millis(1400), "waited only {waited:?}");
    assert_eq!(*told.lock().unwrap(), vec!["first".to_string()]);
    second.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_runs_lease_lapses_and_the_next_run_takes_over() {
    let clients = clients().await;
    let platform = &unique("lock");
    let crashed = acquire_lock(&clients, platform, "crashed", &quick(2, Duration::ZERO), |_| {})
        .await
        .unwrap();
    // A crash: the process goes away without releasing, so nothing renews the lease.
    drop(crashed);
    let started = Instant::now();
    let next = acquire_lock(
        &clients,
        platform,
        "next",
        &quick(2, Duration::from_secs(20)),
        |_| {},
    )
    .await
    .expect("the lapsed lease is taken over");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "taken over before the lease lapsed"
    );
    next.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewed_lease_outlives_its_lease_time() {
    let clients = clients().await;
    let platform = &unique("lock");
    let holder = acquire_lock(&clients, platform, "long run", &quick(2, Duration::ZERO), |_| {})
        .await
        .unwrap();
    // Twice the lease time: only renewal keeps it.
    let refused = acquire_lock(
        &clients,
        platform,
        "other",
        &quick(2, Duration::from_secs(5)),
        |_| {},
    )
    .await;
    assert!(matches!(refused, Err(LockError::Held { .. })), "{refused:?}");
    assert!(!holder.lost().is_lost());
    holder.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_loses_its_lock_starts_no_further_operation() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let platform = &unique("lost");
    let lease = acquire_lock(&clients, platform, "slow run", &quick(1, Duration::ZERO), |_| {})
        .await
        .unwrap();
    // Someone removes the lease behind the holder's back; the next renewal finds out.
    clients
        .dynamodb
        .delete_item()
        .table_name(LOCK_TABLE)
        .key("platform", AttributeValue::S(platform.clone()))
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(lease.lost().is_lost(), "losing the lease went unnoticed");

    let cert = certificate(&config, &format!("{platform}.example.com")).await;
    let repo = repository(platform, &cert, &[("jobs", worker("jobs", "v1"))]);
    let observed = observe(&clients, platform).await.unwrap();
    let plan = plan(&repo, &observed).unwrap();
    clients.calls.take();
    let options = ApplyOptions {
        lock_lost: Some(lease.lost()),
        ..ApplyOptions::default()
    };
    let report = apply(&clients, &plan, &observed, options, events::discard())
        .await
        .unwrap();
    assert!(!report.succeeded());
    assert!(report.operations.iter().all(|o| matches!(
        &o.result,
        rnd_aws::OperationResult::Skipped { failed_dependency } if failed_dependency.contains("lock")
    )));
    assert_eq!(clients.calls.mutating(), Default::default(), "nothing may change");
    lease.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_applies_started_together_never_interleave() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let platform = unique("twice");
    let cert = certificate(&config, &format!("{platform}.example.com")).await;
    let repo = Arc::new(repository(
        &platform,
        &cert,
        &[("web", routed("web", "v1", 8080)), ("jobs", worker("jobs", "v1"))],
    ));
    // Each run: take the lock (waiting), observe, plan, apply, release; the timeline records
    // when each run held the lock and every event it saw meanwhile.
    let timeline = Arc::new(Mutex::new(Vec::<(&'static str, String)>::new()));
    let run = |who: &'static str| {
        let (clients, repo, timeline) = (Clients::new(&config), Arc::clone(&repo), Arc::clone(&timeline));
        async move {
            let platform = &repo.platform.name;
            let lease = acquire_lock(
                &clients,
                platform,
                who,
                &quick(30, Duration::from_secs(120)),
                |_| {},
            )
            .await
            .expect("each run gets the lock in turn");
            timeline.lock().unwrap().push((who, "locked".into()));
            let observed = observe(&clients, platform).await.unwrap();
            let plan = plan(&repo, &observed).unwrap();
            let sink = {
                let timeline = Arc::clone(&timeline);
                Arc::new(move |e: Event| timeline.lock().unwrap().push((who, format!("{e:?}"))))
                    as events::EventSink
            };
            let report = apply(&clients, &plan, &observed, ApplyOptions::default(), sink)
                .await
                .unwrap();
            assert!(report.succeeded(), "{:#?}", report.failures());
            timeline.lock().unwrap().push((who, "released".into()));
            lease.release().await.unwrap();
            plan.graph.len()
        }
    };
    let (a, b) = tokio::join!(tokio::spawn(run("a")), tokio::spawn(run("b")));
    let (a, b) = (a.unwrap(), b.unwrap());

    let timeline = timeline.lock().unwrap().clone();
    let first = timeline[0].0;
    let switch = timeline
        .iter()
        .position(|(who, _)| *who != first)
        .expect("both ran");
    assert!(
        timeline[switch..].iter().all(|(who, _)| *who != first),
        "the runs interleaved: {timeline:#?}"
    );
    assert_eq!(timeline[switch - 1].1, "released");
    assert_eq!(timeline[switch].1, "locked");
    // The second run observed after the first had finished, so it found nothing to do.
    let (first_ops, second_ops) = if first == "a" { (a, b) } else { (b, a) };
    assert!(first_ops > 0);
    assert_eq!(second_ops, 0);
}

//! Every AWS call rnd makes in a platform's life — plan, apply, a change, removing a service,
//! destroy, the lock, secrets, logs — needs only what `rnd permissions` grants for that mode,
//! recorded by the clients' call counter against the emulator. Action level: the resource
//! scoping is checked by `crates/core/tests/permissions.rs`. Needs `scripts/emulator start`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::support::*;
use rnd_aws::{observe, secrets, ApiOperation, ApplyOptions, Clients};
use rnd_core::permissions::{policy, Mode, Scope};
use rnd_core::plan::{plan, plan_destroy};
use rnd_core::platform::SecretsStore;
use rnd_core::repository::Repository;

fn granted(repository: &Repository, mode: Mode) -> BTreeSet<String> {
    policy(&Scope::new(&repository.platform), mode)
        .actions()
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// The IAM actions of the calls `calls` holds that `granted` lacks.
fn missing(calls: &BTreeMap<ApiOperation, u64>, granted: &BTreeSet<String>) -> Vec<String> {
    calls
        .keys()
        .filter_map(|op| match op.iam_action() {
            Some(action) if granted.contains(&action) => None,
            Some(action) => Some(action),
            None => Some(format!("unknown service {op}")),
        })
        .collect()
}

/// Every call the counter saw since the last check that `mode`'s policy does not grant.
fn not_granted(clients: &Clients, repository: &Repository, mode: Mode) -> Vec<String> {
    let calls = clients.calls.take();
    assert!(!calls.is_empty(), "the counter saw no call");
    missing(&calls, &granted(repository, mode))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_of_a_platforms_life_is_granted_to_its_mode() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let platform = &unique("perm");
    let cert = certificate(&config, &format!("{platform}.example.com")).await;
    let manifests = [
        ("web", routed("web", "v1", 8080)),
        ("jobs", worker("jobs", "v1")),
        ("model", gpu("model", "v1", 9000)),
    ];
    let repo = repository(platform, &cert, &manifests);
    clients.calls.take();

    // What a pull request's job does: observe (both ways), look up names, plan.
    let observed = observe(&clients, platform).await.unwrap();
    let first = plan(&repo, &observed).unwrap();
    same_plan_with_expectation(&clients, &repo, &first).await;
    let creations: Vec<_> = first
        .graph
        .operations()
        .filter_map(|op| op.desired.as_ref())
        .collect();
    rnd_aws::foreign(&clients, platform, &creations).await.unwrap();
    assert_eq!(not_granted(&clients, &repo, Mode::Plan), Vec::<String>::new());

    // Apply, under the lock; then a version bump and a removal.
    let lease = rnd_aws::lock::acquire(&clients, platform, "test", &Default::default(), |_| {})
        .await
        .unwrap();
    round(&clients, &repo).await;
    let bumped = repository(
        platform,
        &cert,
        &[("web", routed("web", "v2", 8080)), ("jobs", worker("jobs", "v1"))],
    );
    round(&clients, &bumped).await;
    lease.release().await.unwrap();
    let calls = clients.calls.take();
    let mut apply = granted(&repo, Mode::Apply);
    assert_eq!(missing(&calls, &apply), Vec::<String>::new());
    // The check bites: without one action the apply needs, it names that action.
    apply.remove("ecs:CreateService");
    assert_eq!(missing(&calls, &apply), ["ecs:CreateService"]);

    // A person sets a secret; anyone with the plan policy lists them and reads logs and status.
    let value = rnd_aws::SecretValue::new("s3cr3t-value".to_string());
    secrets::set(
        &clients,
        SecretsStore::Ssm,
        &format!("{platform}/web/TOKEN"),
        platform,
        "web",
        &value,
    )
    .await
    .unwrap();
    assert_eq!(not_granted(&clients, &repo, Mode::Secrets), Vec::<String>::new());
    secrets::list_under(&clients, SecretsStore::Ssm, &format!("{platform}/"))
        .await
        .unwrap();
    let tasks = rnd_aws::service_logs::service_tasks(&clients, platform, "web")
        .await
        .unwrap();
    let streams: Vec<String> = tasks.iter().map(|t| format!("web/web/{}", t.id)).collect();
    rnd_aws::service_logs::read_lines(
        &clients,
        &format!("/rnd/{platform}/web"),
        rnd_aws::service_logs::Streams::Only(&streams),
        0,
        10,
    )
    .await
    .unwrap();
    rnd_aws::status::live_services(&clients, platform, &["web".to_string()])
        .await
        .unwrap();
    assert_eq!(not_granted(&clients, &repo, Mode::Plan), Vec::<String>::new());

    // Destroy.
    let observed = observe(&clients, platform).await.unwrap();
    let destroy = plan_destroy(&bumped, &observed).unwrap();
    let sink = Arc::new(|_| {}) as rnd_aws::events::EventSink;
    let report = rnd_aws::apply(&clients, &destroy, &observed, ApplyOptions::default(), sink)
        .await
        .unwrap();
    assert!(report.succeeded(), "{:#?}", report.failures());
    assert_eq!(not_granted(&clients, &repo, Mode::Apply), Vec::<String>::new());
}

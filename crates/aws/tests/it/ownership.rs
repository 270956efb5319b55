//! The executor's own guard: a resource someone makes under one of rnd's names *after* the plan
//! looked is not taken over when the create call meets it; the operation fails saying so, and
//! the resource stays as it was. (Before any change, the plan's lookup refuses what already
//! exists: `crates/cli/tests/it/ownership_emulator.rs`.) Needs `scripts/emulator start`.

use rnd_aws::{apply, events, ApplyOptions, Clients, OperationResult};
use rnd_core::plan::observed::ObservedState;

use crate::support::*;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_made_after_the_plan_is_not_taken_over() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let platform = &unique("race");
    let cert = certificate(&config, &format!("{platform}.example.com")).await;
    let repo = repository(platform, &cert, &[("jobs", worker("jobs", "v1"))]);
    let plan = rnd_core::plan::plan(&repo, &ObservedState::default()).unwrap();
    // Between the plan and the apply, someone makes the service's task role by hand.
    let role = format!("{platform}-jobs-task");
    clients
        .iam
        .create_role()
        .role_name(&role)
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    let report = apply(
        &clients,
        &plan,
        &ObservedState::default(),
        ApplyOptions::default(),
        events::discard(),
    )
    .await
    .unwrap();
    let outcome = report
        .operations
        .iter()
        .find(|o| o.address == format!("iam_role.{role}"))
        .expect("the role's operation");
    match &outcome.result {
        OperationResult::Failed(why) => assert!(why.contains("is not this platform's"), "{why}"),
        other => panic!("the hand-made role was taken over: {other:?}"),
    }
    let after = clients.iam.get_role().role_name(&role).send().await.unwrap();
    let after = after.role().unwrap();
    assert!(after.tags().is_empty(), "still untagged: {:?}", after.tags());
    assert_eq!(after.path(), "/");
}

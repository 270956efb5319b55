//! Which image tags and secrets exist, read from the emulator's ECR, SSM and Secrets Manager;
//! storing, listing and reading secrets in both stores. Needs `scripts/emulator start` (fails
//! otherwise).

use std::collections::BTreeSet;

use crate::support::*;
use rnd_aws::secrets::{get_value, list_under, set};
use rnd_aws::{Clients, SecretValue};
use rnd_core::platform::SecretsStore;
use rnd_core::prerequisites::{EcrImage, Wanted};

fn image(repository: &str, tag: &str) -> EcrImage {
    EcrImage::parse(
        &format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/{repository}"),
        tag,
    )
    .unwrap()
}

async fn push(clients: &Clients, repository: &str, tag: &str) {
    let _ = clients
        .ecr
        .create_repository()
        .repository_name(repository)
        .send()
        .await;
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": { "mediaType": "application/vnd.docker.container.image.v1+json", "size": 2,
                    "digest": format!("sha256:{:0>64}", tag.len()) },
        "layers": []
    });
    clients
        .ecr
        .put_image()
        .repository_name(repository)
        .image_tag(tag)
        .image_manifest(manifest.to_string())
        .send()
        .await
        .expect("PutImage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn existing_tags_are_found_per_repository_and_missing_ones_are_not_errors() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let repo = unique("refs-");
    push(&clients, &repo, "v1").await;
    push(&clients, &repo, "v22").await;
    let wanted = Wanted {
        images: BTreeSet::from([
            image(&repo, "v1"),
            image(&repo, "v22"),
            image(&repo, "never-pushed"),
            image(&format!("{repo}-absent"), "v1"),
        ]),
        ..Wanted::default()
    };
    clients.calls.take();
    let existing = rnd_aws::references::existing(&clients, &wanted).await.unwrap();
    assert_eq!(
        existing.images,
        BTreeSet::from([image(&repo, "v1"), image(&repo, "v22")])
    );
    assert!(existing.secrets.is_empty());
    let calls = clients.calls.take();
    let batch = calls
        .iter()
        .find(|(op, _)| op.operation == "BatchGetImage")
        .map(|(_, n)| *n);
    assert_eq!(batch, Some(2), "one call per repository: {calls:?}");
    assert!(calls.keys().all(|op| !op.is_mutating()), "reads only: {calls:?}");
}

async fn secrets_round_trip(store: SecretsStore) {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let platform = unique("sec");
    let path = format!("{platform}/api/db-password");
    let first = set(
        &clients,
        store,
        &path,
        &platform,
        "api",
        &SecretValue::new("one".into()),
    )
    .await
    .unwrap();
    let second = set(
        &clients,
        store,
        &path,
        &platform,
        "api",
        &SecretValue::new("two".into()),
    )
    .await
    .unwrap();
    assert_ne!(first.version, second.version, "a second set adds a version");
    set(
        &clients,
        store,
        &format!("{platform}/worker/token"),
        &platform,
        "worker",
        &SecretValue::new("w".into()),
    )
    .await
    .unwrap();
    // Another platform whose name starts the same must never be listed.
    set(
        &clients,
        store,
        &format!("{platform}x/api/db-password"),
        &platform,
        "api",
        &SecretValue::new("x".into()),
    )
    .await
    .unwrap();

    let all = list_under(&clients, store, &format!("{platform}/"))
        .await
        .unwrap();
    let paths: Vec<&str> = all.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths, [path.as_str(), &format!("{platform}/worker/token")]);
    assert!(all.iter().all(|s| s.last_changed.is_some()));
    let api = list_under(&clients, store, &format!("{platform}/api/"))
        .await
        .unwrap();
    assert_eq!(api.len(), 1);
    assert_eq!(get_value(&clients, store, &path).await.unwrap().expose(), "two");

    let wanted = Wanted {
        secrets: BTreeSet::from([path.clone(), format!("{platform}/api/missing")]),
        secrets_store: Some(store),
        secrets_prefix: format!("{platform}/"),
        ..Wanted::default()
    };
    let existing = rnd_aws::references::existing(&clients, &wanted).await.unwrap();
    assert_eq!(existing.secrets, BTreeSet::from([path]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssm_secrets_are_stored_listed_and_read() {
    secrets_round_trip(SecretsStore::Ssm).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_manager_secrets_are_stored_listed_and_read() {
    secrets_round_trip(SecretsStore::SecretsManager).await;
}

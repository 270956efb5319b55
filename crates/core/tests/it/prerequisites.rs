//! Checking the example repository's references (ECR image tags, secrets) against what exists:
//! what is asked of AWS, and the messages when something is missing (snapshots).

// Tests stand where a frontend would: they read the repository's fixtures and examples from
// disk and hand the core their bytes (clippy.toml forbids files in the core itself).
#![allow(clippy::disallowed_methods)]

use rnd_core::diagnostic::Diagnostic;
use rnd_core::prerequisites::{check, wanted, EcrImage, ExistingReferences};
use rnd_core::repository::{Repository, SourceFile};

fn examples() -> (Repository, Vec<SourceFile>) {
    let (_, files) = crate::support::example_files();
    (crate::support::examples(), files)
}

/// One line per problem, as a person reads them.
fn lines(problems: &[Diagnostic]) -> String {
    problems
        .iter()
        .map(|d| {
            format!(
                "{} [{}] {}\n  {}\n  help: {}\n",
                d.position(),
                d.code,
                d.pointer,
                d.message,
                d.help.as_deref().unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn everything_wanted_is_asked_for_once() {
    let (repository, _) = examples();
    let wanted = wanted(&repository);
    let images: Vec<String> = wanted.images.iter().map(EcrImage::display).collect();
    assert_eq!(
        images,
        [
            "catalog-api:v2.3.1",
            "chat-ui:v0.9.0",
            "embedding-worker:v3.0.0",
            "llm-finetune:2026-11-20",
            "notebook:v1.0.0",
            "whisper:v1.4.2"
        ]
    );
    assert!(wanted
        .images
        .iter()
        .all(|i| i.registry == "123456789012" && i.region == "us-east-1"));
    assert_eq!(
        wanted.secrets.iter().collect::<Vec<_>>(),
        [
            "research/embedding-worker/db-password",
            "research/embedding-worker/openai-api-key"
        ]
    );
    assert_eq!(wanted.secrets_prefix, "research/");
}

#[test]
fn nothing_missing_means_no_problems() {
    let (repository, sources) = examples();
    let wanted = wanted(&repository);
    let existing = ExistingReferences {
        images: wanted.images.clone(),
        secrets: wanted.secrets.clone(),
    };
    assert!(check(&repository, &existing, &sources).is_empty());
}

#[test]
fn each_missing_tag_and_secret_is_one_problem_naming_what_to_do() {
    let (repository, sources) = examples();
    let wanted = wanted(&repository);
    // whisper's release is not published; one of embedding-worker's secrets was never stored.
    let existing = ExistingReferences {
        images: wanted
            .images
            .iter()
            .filter(|i| i.repository != "whisper")
            .cloned()
            .collect(),
        secrets: wanted
            .secrets
            .iter()
            .filter(|s| !s.ends_with("openai-api-key"))
            .cloned()
            .collect(),
    };
    let problems = check(&repository, &existing, &sources);
    assert_eq!(problems.len(), 2);
    insta::assert_snapshot!(lines(&problems));
}

#[test]
fn an_empty_account_misses_everything_and_without_sources_positions_are_1_1() {
    let (repository, _) = examples();
    let problems = check(&repository, &ExistingReferences::default(), &[]);
    assert_eq!(problems.len(), 8, "six images and two secrets");
    assert!(problems.iter().all(|d| d.location.line == 1 && d.is_error()));
    let mut platform = repository.clone();
    platform.platform.secrets_store = rnd_core::platform::SecretsStore::SecretsManager;
    insta::assert_snapshot!(lines(&check(&platform, &ExistingReferences::default(), &[])));
}

#[test]
fn images_outside_ecr_are_not_checked() {
    let (mut repository, sources) = examples();
    for m in &mut repository.manifests {
        m.image = format!("ghcr.io/research/{}", m.name);
        m.secrets.clear();
    }
    assert!(wanted(&repository).images.is_empty());
    assert!(check(&repository, &ExistingReferences::default(), &sources).is_empty());
}

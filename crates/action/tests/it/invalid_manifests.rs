//! Invalid manifests on a pull request, through the real `rnd-action` binary: annotations with
//! file, line and column, a failing exit, and the problems in the comment and the job summary.
//! Validation comes before AWS, so no emulator is needed.

use crate::support::github::GithubStandIn;
use crate::support::{pull_request_event, Job};

const PLATFORM: &str = r#"{ "name": "inv", "region": "us-east-1",
  "routing": { "mode": "host", "domain": "inv.example.com" },
  "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000" }"#;

#[test]
fn an_invalid_manifest_is_annotated_where_it_is_wrong_and_fails_the_check() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let api = runtime.block_on(GithubStandIn::start("research/deployments"));
    let job = Job::new(
        PLATFORM,
        &[
            (
                "api.json",
                "{ \"image\": \"repo/api\", \"version\": \"v1\",\n  \"cpu\": 3000 }\n",
            ),
            (
                "worker.json",
                "{ \"image\": \"repo/worker\",\n  \"verison\": \"v1\" }\n",
            ),
        ],
    );
    let run = job.run(
        "pull_request",
        &pull_request_event(api.repository(), 12),
        &api,
        &[],
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let annotations: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert!(
        annotations
            .iter()
            .any(|l| l.starts_with("::error file=deploy/manifests/api.json,line=2,col=")),
        "{annotations:#?}"
    );
    assert!(
        annotations
            .iter()
            .any(|l| l.starts_with("::error file=deploy/manifests/worker.json,line=2,col=")),
        "{annotations:#?}"
    );
    insta::assert_snapshot!("annotations", annotations.join("\n"));

    // The comment and the summary say the same, with the places; no plan was made.
    let comments = api.comments(12);
    assert_eq!(comments.len(), 1, "{comments:#?}");
    assert!(comments[0].body.starts_with("<!-- rnd-plan: deploy -->\n"));
    insta::assert_snapshot!("invalid_comment", comments[0].body);
    assert!(job
        .summary()
        .contains("### rnd: the deployments repository is invalid"));
    assert!(job.outputs().is_empty(), "no plan, no outputs: {}", job.outputs());
}

#[test]
fn a_missing_variable_is_a_setup_error_naming_it() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let api = runtime.block_on(GithubStandIn::start("research/deployments"));
    let job = Job::new(PLATFORM, &[]);
    let run = job.run(
        "push",
        &serde_json::json!({ "ref": "refs/heads/main" }),
        &api,
        &[],
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("::error title=rnd-action::") && run.stdout.contains("repository.default_branch"),
        "{}",
        run.stdout
    );
}

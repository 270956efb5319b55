//! `rnd-action` end to end, through the real binary, against the AWS emulator (moto's server,
//! started by `scripts/emulator`) and a local stand-in for GitHub's REST API: the sticky plan
//! comment on pull requests, outputs and the job summary, and the apply on a push.

use crate::support::emulator::{certificate, emulator_env};
use crate::support::github::GithubStandIn;
use crate::support::{pull_request_event, push_event, Job};

/// A platform with a name of fixed length unique to this process (the emulator outlives tests).
fn platform(prefix: &str, env: &[(String, String)]) -> (String, String, String) {
    let arn = certificate(env, "*.action.example.com");
    let name = format!("{prefix}{:05}", std::process::id() % 100_000);
    let text = format!(
        r#"{{ "name": "{name}", "region": "us-east-1",
             "routing": {{ "mode": "host", "domain": "action.example.com" }},
             "certificate_arn": "{arn}" }}"#
    );
    (name, arn, text)
}

const API: &str = r#"{ "image": "repo/api", "version": "v1", "port": 8080, "health_check": "/healthz" }"#;
const WORKER: &str = r#"{ "image": "repo/worker", "version": "v1", "cpu": 0.5, "memory": 1024 }"#;

fn runtime() -> tokio::runtime::Runtime {
    // The stand-in lives on this runtime's worker thread while the binary runs.
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// `text` with what differs between runs replaced by placeholders: the platform name, the
/// certificate, and task definition revisions (`@` and a 16-digit hash of settings that name the
/// platform).
fn stable(text: &str, name: &str, arn: &str) -> String {
    let text = text.replace(arn, "[certificate-arn]").replace(name, "[platform]");
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find('@') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let hex = rest.chars().take_while(char::is_ascii_hexdigit).count();
        if hex == 16 {
            out.push_str("[hash]");
            rest = &rest[16..];
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn a_pull_request_gets_one_plan_comment_that_later_runs_edit() {
    let env = emulator_env();
    let (name, arn, platform) = platform("pr", &env);
    let runtime = runtime();
    let api = runtime.block_on(GithubStandIn::start("research/deployments"));
    // Comments before the action's: a person quoting the marker is never edited; with the
    // stand-in's two comments per page, the action's own comment lands on the second page.
    let quoted = api.seed(7, "octocat", "User", "<!-- rnd-plan: deploy -->\nlooks good");
    api.seed(7, "dependabot[bot]", "Bot", "Bumps repo/api.");
    let job = Job::new(&platform, &[("api.json", API), ("worker.json", WORKER)]);

    let first = job.run(
        "pull_request",
        &pull_request_event(api.repository(), 7),
        &api,
        &env,
    );
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);
    assert!(
        first
            .stdout
            .contains("posted the plan comment on pull request #7"),
        "{}",
        first.stdout
    );
    let comments = api.comments(7);
    assert_eq!(comments.len(), 3, "{comments:#?}");
    let ours = &comments[2];
    assert_eq!(ours.login, "github-actions[bot]");
    assert!(
        ours.body.starts_with("<!-- rnd-plan: deploy -->\n### rnd plan:"),
        "{}",
        ours.body
    );
    insta::assert_snapshot!("plan_comment", stable(&ours.body, &name, &arn));
    assert!(job.outputs().contains("has_changes=true\n"), "{}", job.outputs());
    let delta = job
        .outputs()
        .lines()
        .find_map(|l| l.strip_prefix("monthly_cost_delta="))
        .expect("monthly_cost_delta output")
        .to_string();
    assert!(delta.parse::<f64>().unwrap() > 0.0, "{delta}");
    // The summary is the comment without its marker.
    assert_eq!(
        job.summary().trim_end(),
        ours.body
            .trim_start_matches("<!-- rnd-plan: deploy -->\n")
            .trim_end()
    );
    // Every request carried GitHub's headers.
    for request in api.requests() {
        assert_eq!(request.header("accept"), Some("application/vnd.github+json"));
        assert_eq!(request.header("x-github-api-version"), Some("2022-11-28"));
        assert!(request
            .header("user-agent")
            .is_some_and(|a| a.starts_with("rnd-action/")));
    }

    // A new commit on the pull request: the same comment is edited, none is added.
    std::fs::write(job.manifest("worker.json"), WORKER.replace("\"v1\"", "\"v2\"")).unwrap();
    job.new_step();
    let second = job.run(
        "pull_request",
        &pull_request_event(api.repository(), 7),
        &api,
        &env,
    );
    assert_eq!(second.code, 0, "{}\n{}", second.stdout, second.stderr);
    assert!(
        second.stdout.contains("updated the plan comment"),
        "{}",
        second.stdout
    );
    let after = api.comments(7);
    assert_eq!(after.len(), 3, "{after:#?}");
    assert_eq!(after[2].id, ours.id);
    assert!(after[2].body.contains("repo/worker:v2"), "{}", after[2].body);
    assert_eq!(after[0].id, quoted);
    assert_eq!(after[0].body, "<!-- rnd-plan: deploy -->\nlooks good");
    let methods: Vec<String> = api.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods.iter().filter(|m| *m == "POST").count(), 1, "{methods:?}");
    assert_eq!(methods.iter().filter(|m| *m == "PATCH").count(), 1, "{methods:?}");
}

#[test]
fn a_push_to_the_default_branch_applies_and_other_branches_do_nothing() {
    let env = emulator_env();
    let (name, arn, platform) = platform("ps", &env);
    let runtime = runtime();
    let api = runtime.block_on(GithubStandIn::start("research/deployments"));
    let job = Job::new(&platform, &[("api.json", API), ("worker.json", WORKER)]);

    let feature = job.run("push", &push_event(api.repository(), "feature"), &api, &env);
    assert_eq!(feature.code, 0, "{}\n{}", feature.stdout, feature.stderr);
    assert!(
        feature.stdout.contains("not to the default branch main"),
        "{}",
        feature.stdout
    );
    assert!(!feature.stdout.contains("applying"), "{}", feature.stdout);

    job.new_step();
    let applied = job.run("push", &push_event(api.repository(), "main"), &api, &env);
    assert_eq!(applied.code, 0, "{}\n{}", applied.stdout, applied.stderr);
    assert!(applied.stdout.contains("finished:"), "{}", applied.stdout);
    let summary = job.summary();
    assert!(
        summary.contains(&format!("### rnd apply: `{name}` — applied")),
        "{summary}"
    );
    assert!(summary.contains("| `api` | applied |"), "{summary}");
    assert!(job.outputs().contains("has_changes=true\n"), "{}", job.outputs());
    insta::assert_snapshot!("apply_summary", stable(&summary, &name, &arn));

    // Applied: planning again finds nothing, on a manual run (plan only) as on the next push.
    job.new_step();
    let dispatch = job.run("workflow_dispatch", &serde_json::json!({}), &api, &env);
    assert_eq!(dispatch.code, 0, "{}\n{}", dispatch.stdout, dispatch.stderr);
    assert!(dispatch.stdout.contains("planning only"), "{}", dispatch.stdout);
    assert!(job.outputs().contains("has_changes=false\n"), "{}", job.outputs());
    assert!(
        job.outputs().contains("monthly_cost_delta=0.0000\n"),
        "{}",
        job.outputs()
    );
    assert!(api.requests().is_empty(), "only pull requests are commented on");
}

#[test]
fn a_push_that_finds_the_lock_held_applies_nothing_and_fails() {
    let mut env = emulator_env();
    let (name, _arn, platform) = platform("lk", &env);
    let runtime = runtime();
    let api = runtime.block_on(GithubStandIn::start("research/deployments"));
    let job = Job::new(&platform, &[("worker.json", WORKER)]);
    let lease = runtime.block_on(async {
        let clients = rnd_aws::Clients::new(&crate::support::emulator::sdk_config(&env).await);
        rnd_aws::acquire_lock(&clients, &name, "another run", &Default::default(), |_| {})
            .await
            .expect("take the lock")
    });
    env.push(("INPUT_LOCK-WAIT".into(), "0s".into()));
    let run = job.run("push", &push_event(api.repository(), "main"), &api, &env);
    runtime.block_on(lease.release()).expect("release the test lock");
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("another run"), "{}", run.stderr);
    assert!(
        run.stdout
            .contains("::error title=rnd apply::another run holds the platform's lock"),
        "{}",
        run.stdout
    );
    assert!(
        job.summary().contains("### rnd apply: not run"),
        "{}",
        job.summary()
    );
    assert!(!run.stdout.contains("finished:"), "{}", run.stdout);
}

#[test]
fn a_pull_request_naming_an_unpublished_image_tag_fails_and_says_which() {
    let env = emulator_env();
    let (_name, _arn, platform) = platform("im", &env);
    let runtime = runtime();
    let api = runtime.block_on(GithubStandIn::start("research/deployments"));
    // An ECR image whose release was never published: the repository does not exist.
    let manifest =
        r#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/never-released", "version": "v9.9.9" }"#;
    let job = Job::new(&platform, &[("model.json", manifest)]);
    let run = job.run(
        "pull_request",
        &pull_request_event(api.repository(), 7),
        &api,
        &env,
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let error = run
        .stdout
        .lines()
        // On the manifest's line, as validation problems are.
        .find(|l| l.starts_with("::error file=deploy/manifests/model.json,line=1,"))
        .unwrap_or_else(|| panic!("no error annotation:\n{}", run.stdout));
    assert!(
        error.contains("never-released") && error.contains("v9.9.9"),
        "{error}"
    );
    let comments = api.comments(7);
    assert_eq!(comments.len(), 1, "the comment says why there is no plan");
    assert!(
        comments[0].body.contains("never-released"),
        "{}",
        comments[0].body
    );
    assert!(job.summary().contains("v9.9.9"), "{}", job.summary());
}

//! What a plan refers to must exist: a missing ECR image tag or secret fails `rnd plan` and
//! `rnd apply` before anything changes; `rnd secrets set|list`; and a canary secret value that
//! never appears in any output, Slack message, snapshot or committed file. Through the real
//! binary, against the AWS emulator and a local stand-in for Slack.

use crate::support::emulator::{certificate, emulator_env, push_images, rnd_with, rnd_with_stdin};
use crate::support::{repo_root, Run};
use rnd_slack::receiver::Receiver;

/// Stored with `rnd secrets set`; must never be seen again.
const CANARY: &str = "canary-3b9f1e7a-never-print-me";

fn assert_no_canary(what: &str, run: &Run) {
    assert!(
        !run.stdout.contains(CANARY) && !run.stderr.contains(CANARY),
        "{what} shows the secret value:\n{}\n{}",
        run.stdout,
        run.stderr
    );
}

fn resources(env: &[(String, String)], d: &str) -> Vec<serde_json::Value> {
    let observed = rnd_with(env, &["observe", "--dir", d]);
    assert_eq!(observed.code, 0, "{}", observed.stderr);
    assert_no_canary("rnd observe", &observed);
    let snapshot: serde_json::Value = serde_json::from_str(&observed.stdout).unwrap();
    snapshot["resources"].as_array().unwrap().clone()
}

#[test]
fn missing_tags_and_secrets_fail_first_and_a_stored_value_is_never_shown() {
    let mut env = emulator_env();
    let arn = certificate(&env, "*.refs.example.com");
    let name = format!("ref{}", std::process::id() % 100_000);
    let platform = format!(
        r#"{{ "name": "{name}", "region": "us-east-1",
             "routing": {{ "mode": "host", "domain": "refs.example.com" }},
             "certificate_arn": "{arn}" }}"#
    );
    let api = format!(
        r#"{{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}/api", "version": "v7", "port": 8080,
             "secrets": {{ "DB_PASSWORD": "db-password" }} }}"#
    );
    let worker = format!(
        r#"{{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}/worker", "version": "v1",
             "secrets": {{ "QUEUE_TOKEN": "queue-token" }} }}"#
    );
    let dir = crate::support::deployments_dir(
        platform.as_bytes(),
        &[("api.json", api.as_bytes()), ("worker.json", worker.as_bytes())],
    );
    let d = dir.path().to_str().unwrap();

    // Nothing published, nothing stored: plan and apply fail naming each repository and tag,
    // and each secret with the command that stores it.
    let plan = rnd_with(&env, &["plan", "--dir", d]);
    assert_eq!(plan.code, 1, "{}\n{}", plan.stdout, plan.stderr);
    for expected in [
        "manifests/api.json:1:".to_string(),
        format!("image tag `v7` does not exist in the ECR repository `{name}/api`"),
        format!("publish release `v7` of `{name}/api` first"),
        format!("image tag `v1` does not exist in the ECR repository `{name}/worker`"),
        format!("the SSM parameter `/{name}/api/db-password` does not exist"),
        "`rnd secrets set api db-password`".to_string(),
        "`rnd secrets set worker queue-token`".to_string(),
        "4 references are missing or unusable in AWS; nothing was planned or changed".to_string(),
    ] {
        assert!(
            plan.stderr.contains(&expected),
            "missing {expected:?} in:\n{}",
            plan.stderr
        );
    }
    assert!(plan.stdout.is_empty(), "no plan is printed: {}", plan.stdout);
    let apply = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(apply.code, 1, "{}\n{}", apply.stdout, apply.stderr);
    assert!(
        apply.stderr.contains(&format!("`{name}/api`")),
        "{}",
        apply.stderr
    );
    assert!(resources(&env, d).is_empty(), "a refused apply changed nothing");
    // A snapshot plan cannot check AWS and says so.
    let empty_account = dir.path().join("empty-account.json");
    std::fs::write(&empty_account, "{}").unwrap();
    let offline = rnd_with(
        &env,
        &["plan", "--dir", d, "--observed", empty_account.to_str().unwrap()],
    );
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    assert!(offline.stderr.contains("were not checked"), "{}", offline.stderr);

    // `rnd secrets`: unknown services and empty input are refused; values come from stdin.
    let unknown = rnd_with_stdin(&env, &["secrets", "set", "--dir", d, "nope", "x"], b"v");
    assert_eq!(unknown.code, 1, "{}", unknown.stderr);
    assert!(
        unknown.stderr.contains("no manifests/nope.json"),
        "{}",
        unknown.stderr
    );
    let empty = rnd_with_stdin(&env, &["secrets", "set", "--dir", d, "api", "db-password"], b"\n");
    assert_eq!(empty.code, 1, "{}", empty.stderr);
    assert!(empty.stderr.contains("empty"), "{}", empty.stderr);
    let input = format!("{CANARY}\n");
    let set = rnd_with_stdin(
        &env,
        &["secrets", "set", "--dir", d, "api", "db-password"],
        input.as_bytes(),
    );
    assert_eq!(set.code, 0, "{}\n{}", set.stdout, set.stderr);
    assert!(
        set.stdout
            .contains(&format!("`/{name}/api/db-password` (version 1)")),
        "{}",
        set.stdout
    );
    assert_no_canary("rnd secrets set", &set);
    let again = rnd_with_stdin(
        &env,
        &["secrets", "set", "--dir", d, "api", "db-password"],
        input.as_bytes(),
    );
    assert!(again.stdout.contains("(version 2)"), "{}", again.stdout);
    let set = rnd_with_stdin(
        &env,
        &["secrets", "set", "--dir", d, "worker", "queue-token"],
        b"other-value",
    );
    assert_eq!(set.code, 0, "{}\n{}", set.stdout, set.stderr);

    let list = rnd_with(&env, &["secrets", "list", "--dir", d, "api"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert_no_canary("rnd secrets list", &list);
    assert!(
        list.stdout.contains("db-password") && list.stdout.contains("DB_PASSWORD"),
        "{}",
        list.stdout
    );
    assert!(
        !list.stdout.contains("queue-token"),
        "only the service's own: {}",
        list.stdout
    );
    let json = rnd_with(&env, &["secrets", "list", "--dir", d, "api", "--format", "json"]);
    assert_no_canary("rnd secrets list --format json", &json);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["secrets"][0]["name"], "db-password");
    assert!(
        json["secrets"][0]["last_changed"]
            .as_str()
            .unwrap()
            .starts_with("20"),
        "{json}"
    );

    // Published: the plan passes, and no rendering of it shows the value.
    push_images(&env, dir.path());
    for format in ["text", "json", "markdown", "mermaid"] {
        let plan = rnd_with(&env, &["plan", "--dir", d, "--format", format]);
        assert_eq!(plan.code, 0, "{format}: {}\n{}", plan.stdout, plan.stderr);
        assert_no_canary("rnd plan", &plan);
    }

    // Applied with Slack listening: nothing it prints or sends shows the value.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let receiver = runtime.block_on(Receiver::start(vec![]));
    env.push(("RND_SLACK_WEBHOOK_URL".into(), receiver.url()));
    let apply = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    assert_no_canary("rnd apply", &apply);
    let messages = receiver.delivered();
    assert!(messages.len() >= 2, "Slack heard of the run");
    for message in &messages {
        assert!(!message.to_string().contains(CANARY), "{message}");
    }
    let status = rnd_with(&env, &["status", "--dir", d, "--format", "json"]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    assert_no_canary("rnd status", &status);

    // Each service's roles read only its own secrets.
    let resources = resources(&env, d);
    for (service, other) in [("api", "worker"), ("worker", "api")] {
        let roles: Vec<&serde_json::Value> = resources
            .iter()
            .filter(|r| r["kind"] == "iam_role" && r["tags"]["rnd:service"] == service)
            .collect();
        assert!(!roles.is_empty(), "{service} has roles");
        for role in roles {
            let policy = role.to_string();
            assert!(
                policy.contains(&format!("parameter/{name}/{service}/*")),
                "{policy}"
            );
            assert!(!policy.contains(&format!("/{name}/{other}/")), "{policy}");
            assert!(!policy.contains(&format!("parameter/{name}/*")), "{policy}");
        }
    }
    // A changed secret reaches running tasks when they restart.
    let changed = rnd_with_stdin(
        &env,
        &["secrets", "set", "--dir", d, "api", "db-password"],
        input.as_bytes(),
    );
    assert!(changed.stdout.contains("`rnd restart api`"), "{}", changed.stdout);
    let status = rnd_with(&env, &["status", "--dir", d]);
    assert!(
        status
            .stdout
            .contains("api: db-password changed after its tasks started; they keep the old value until `rnd restart api`."),
        "{}",
        status.stdout
    );
    assert!(!status.stdout.contains("worker: "), "{}", status.stdout);
    assert_no_canary("rnd status", &status);
    let restarted = rnd_with(&env, &["restart", "--dir", d, "api"]);
    assert_eq!(restarted.code, 0, "{}", restarted.stderr);
    let status = rnd_with(&env, &["status", "--dir", d]);
    assert!(
        !status.stdout.contains("changed after its tasks started"),
        "{}",
        status.stdout
    );
    assert!(
        restarted.stdout.contains("starting new tasks"),
        "{}",
        restarted.stdout
    );
    let unknown = rnd_with(&env, &["restart", "--dir", d, "nope"]);
    assert_eq!(unknown.code, 1, "{}", unknown.stderr);
    // A secret a manifest uses is not deleted; one it does not use is.
    let used = rnd_with(&env, &["secrets", "delete", "--dir", d, "api", "db-password"]);
    assert_eq!(used.code, 1, "{}", used.stderr);
    assert!(used.stderr.contains("uses `db-password`"), "{}", used.stderr);
    let spare = rnd_with_stdin(&env, &["secrets", "set", "--dir", d, "api", "spare"], b"x");
    assert_eq!(spare.code, 0, "{}", spare.stderr);
    let deleted = rnd_with(&env, &["secrets", "delete", "--dir", d, "api", "spare"]);
    assert_eq!(deleted.code, 0, "{}", deleted.stderr);
    assert!(
        deleted
            .stdout
            .contains(&format!("deleted SSM parameter `/{name}/api/spare`")),
        "{}",
        deleted.stdout
    );
    let gone = rnd_with(&env, &["secrets", "delete", "--dir", d, "api", "spare"]);
    assert_eq!(gone.code, 1, "{}", gone.stderr);

    let shared: Vec<String> = resources
        .iter()
        .filter(|r| r["kind"] == "iam_role" && r["tags"]["rnd:service"].is_null())
        .map(|r| r.to_string())
        .collect();
    for role in &shared {
        assert!(
            !role.contains("ssm:GetParameters"),
            "a shared role reads secrets: {role}"
        );
    }

    let destroyed = rnd_with(&env, &["destroy", "--dir", d, "--yes"]);
    assert_eq!(destroyed.code, 0, "{}\n{}", destroyed.stdout, destroyed.stderr);
    assert_no_canary("rnd destroy", &destroyed);
    // Its manifest gone, a service's secrets are still listed, said to be kept, and deletable.
    std::fs::remove_file(dir.path().join("manifests/worker.json")).unwrap();
    let kept = rnd_with(&env, &["secrets", "list", "--dir", d, "worker"]);
    assert_eq!(kept.code, 0, "{}", kept.stderr);
    assert!(
        kept.stdout.contains("has no manifest") && kept.stdout.contains("queue-token"),
        "{}",
        kept.stdout
    );
    let deleted = rnd_with(&env, &["secrets", "delete", "--dir", d, "worker", "queue-token"]);
    assert_eq!(deleted.code, 0, "{}", deleted.stderr);
    for message in receiver.delivered() {
        assert!(!message.to_string().contains(CANARY), "{message}");
    }
}

/// No committed file (snapshots included) holds the canary: it lives only in this test's source.
#[test]
fn no_committed_file_holds_the_canary() {
    fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !matches!(name.as_str(), "target" | ".git" | ".venv" | "node_modules") {
                    walk(&path, found);
                }
            } else if name != "references_emulator.rs" {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    if text.contains(CANARY) {
                        found.push(path.display().to_string());
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(&repo_root(), &mut found);
    assert!(found.is_empty(), "the canary value is in {found:?}");
}

/// What `platform.json` points at is checked before anything is written (the lock included): a
/// certificate that does not exist, or one for another domain, refuses `rnd apply` with no
/// mutating call, at the certificate's line in platform.json.
#[test]
fn a_missing_or_foreign_certificate_refuses_before_any_write() {
    let env = emulator_env();
    let name = format!("crt{}", std::process::id() % 100_000);
    let api = format!(
        r#"{{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}/api", "version": "v1", "port": 8080 }}"#
    );
    let with_certificate = |arn: &str| {
        let platform = format!(
            r#"{{ "name": "{name}", "region": "us-east-1",
  "routing": {{ "mode": "host", "domain": "crt.example.com" }},
  "certificate_arn": "{arn}" }}"#
        );
        crate::support::deployments_dir(platform.as_bytes(), &[("api.json", api.as_bytes())])
    };
    let missing = with_certificate(
        "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
    );
    push_images(&env, missing.path());
    let refused = rnd_with(
        &env,
        &["apply", "--dir", missing.path().to_str().unwrap(), "--yes"],
    );
    assert_eq!(refused.code, 1, "{}\n{}", refused.stdout, refused.stderr);
    for expected in [
        "platform.json:3:",
        "does not exist in ACM in us-east-1",
        "AWS API calls, 0 of them changes",
    ] {
        assert!(
            refused.stderr.contains(expected),
            "{expected}: {}",
            refused.stderr
        );
    }
    let other = certificate(&env, "*.elsewhere.example.com");
    let foreign = with_certificate(&other);
    let refused = rnd_with(&env, &["plan", "--dir", foreign.path().to_str().unwrap()]);
    assert_eq!(refused.code, 1, "{}\n{}", refused.stdout, refused.stderr);
    assert!(
        refused
            .stderr
            .contains("which does not cover api.crt.example.com"),
        "{}",
        refused.stderr
    );
    let covering = certificate(&env, "*.crt.example.com");
    let fine = with_certificate(&covering);
    let planned = rnd_with(&env, &["plan", "--dir", fine.path().to_str().unwrap()]);
    assert_eq!(planned.code, 0, "{}\n{}", planned.stdout, planned.stderr);
}

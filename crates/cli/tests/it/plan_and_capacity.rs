//! `rnd plan` and `rnd capacity` on the example repository, through the real binary.

use crate::support::{deployments_dir, repo_root, rnd};

fn examples() -> String {
    repo_root().join("examples").to_str().unwrap().to_string()
}

fn empty_snapshot() -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), "{}").unwrap();
    file
}

#[test]
fn capacity_text_and_json() {
    let text = rnd(&["capacity", "--dir", &examples()]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    insta::assert_snapshot!("capacity_text", text.stdout);
    let json = rnd(&["capacity", "--dir", &examples(), "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    for service in doc["services"].as_array().unwrap() {
        assert!(
            service["name"].is_string() && service["replicas"].is_u64() && service["hourly_cost"].is_number()
        );
        let placement = &service["placement"];
        match placement["kind"].as_str().unwrap() {
            "fargate" => assert!(placement["cpu"].is_u64() && placement["memory"].is_u64()),
            "ec2" => assert!(placement["instance_type"].is_string()),
            other => panic!("unknown placement {other}"),
        }
    }
    for instance in doc["instances"].as_array().unwrap() {
        assert!(instance["type"].is_string() && instance["hourly_cost"].is_number());
        for task in instance["tasks"].as_array().unwrap() {
            assert!(task["service"].is_string() && task["replica"].is_u64());
        }
    }
    assert!(doc["total_hourly_cost"].is_number());
    insta::assert_snapshot!("capacity_json", json.stdout);
}

/// A platform that sleeps, with a GPU service that sleeps: `rnd capacity` says what its warm pool
/// costs while it sleeps, in text and in JSON.
#[test]
fn capacity_shows_the_warm_pool_of_a_sleeping_gpu_service() {
    let platform = br#"{ "name": "lab", "region": "us-east-1",
        "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/5f1a3c2e-8d4b-4e6f-9a0b-1c2d3e4f5a6b",
        "routing": { "mode": "host", "domain": "lab.example.com" },
        "gpu_instance_types": ["g5"],
        "scale_to_zero": { "function_arn": "arn:aws:lambda:us-east-1:123456789012:function:rnd-lab" } }"#;
    let model = br#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/model", "version": "v1",
        "cpu": 4, "memory": 14336, "gpu": 1, "port": 8000, "idle_after": "1h" }"#;
    let dir = deployments_dir(platform, &[("model.json", model)]);
    let path = dir.path().to_str().unwrap();
    let text = rnd(&["capacity", "--dir", path]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout
            .contains("1 stopped instance(s) wait for a wake (1 × g5.xlarge), $2.40 per month"),
        "{}",
        text.stdout
    );
    let json = rnd(&["capacity", "--dir", path, "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        doc["warm_pools"],
        serde_json::json!([{
            "instance_type": "g5.xlarge",
            "stopped_instances": 1,
            "monthly_cost": 2.4,
            "hourly_cost": 0.003287671
        }])
    );
}

#[test]
fn plan_against_an_empty_account() {
    let observed = empty_snapshot();
    let run = rnd(&[
        "plan",
        "--dir",
        &examples(),
        "--observed",
        observed.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("+ ecs_service.whisper"), "{}", run.stdout);
    assert!(
        run.stdout.contains("Plan: 5"),
        "{}",
        run.stdout.lines().rev().take(12).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn detailed_exitcode_says_whether_there_are_changes() {
    let observed = empty_snapshot();
    let path = observed.path().to_str().unwrap().to_string();
    let changes = rnd(&[
        "plan",
        "--dir",
        &examples(),
        "--observed",
        &path,
        "--detailed-exitcode",
    ]);
    assert_eq!(changes.code, 2);
    // What AWS holds after applying that plan (the core's in-memory model): nothing left to do.
    let deployed = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        deployed.path(),
        serde_json::to_string(&deployed_examples()).unwrap(),
    )
    .unwrap();
    let deployed_path = deployed.path().to_str().unwrap().to_string();
    let none = rnd(&[
        "plan",
        "--dir",
        &examples(),
        "--observed",
        &deployed_path,
        "--detailed-exitcode",
    ]);
    assert_eq!(none.code, 0, "{}", none.stdout);
    assert!(none.stdout.contains("No changes"), "{}", none.stdout);
}

fn deployed_examples() -> rnd_core::plan::observed::ObservedState {
    use rnd_core::repository::{validate_repository, SourceFile};
    let dir = repo_root().join("examples");
    let read = |p: &str| SourceFile {
        path: p.into(),
        bytes: std::fs::read(dir.join(p)).unwrap(),
    };
    let mut names: Vec<String> = std::fs::read_dir(dir.join("manifests"))
        .unwrap()
        .map(|e| format!("manifests/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    names.sort();
    let manifests: Vec<SourceFile> = names.iter().map(|n| read(n)).collect();
    let repository = validate_repository(&read("platform.json"), &manifests)
        .repository
        .unwrap();
    let empty = rnd_core::plan::observed::ObservedState::default();
    let plan = rnd_core::plan::plan(&repository, &empty).unwrap();
    rnd_core::plan::simulate::simulate_apply(&plan, &empty)
}

#[test]
fn plan_refuses_an_invalid_repository_without_planning() {
    let dir = crate::support::deployments_dir(
        &std::fs::read(repo_root().join("examples/platform.json")).unwrap(),
        &[("broken.json", br#"{ "image": "repo/x" }"#)],
    );
    let observed = empty_snapshot();
    let run = rnd(&[
        "plan",
        "--dir",
        dir.path().to_str().unwrap(),
        "--observed",
        observed.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty(), "nothing planned: {}", run.stdout);
    assert!(run.stderr.contains("version"), "{}", run.stderr);
}

#[test]
fn a_bad_observed_snapshot_is_an_io_error() {
    let bad = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(bad.path(), "{\"resources\": 3}").unwrap();
    let run = rnd(&[
        "plan",
        "--dir",
        &examples(),
        "--observed",
        bad.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("not an observed snapshot"), "{}", run.stderr);
}

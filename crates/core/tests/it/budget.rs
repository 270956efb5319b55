//! `platform.json`'s cost limits are checked when the repository is validated, so `rnd validate`
//! and `rnd capacity` refuse an over-budget repository, not only `rnd plan`.

use rnd_core::repository::{validate_repository, SourceFile};

fn platform(limits: &str) -> SourceFile {
    SourceFile {
        path: "platform.json".into(),
        bytes: format!(
            r#"{{
  "name": "research",
  "region": "us-east-1",
  "routing": {{ "mode": "host", "domain": "research.example.com" }},
  "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/5f1a3c2e-8d4b-4e6f-9a0b-1c2d3e4f5a6b",
  "limits": {limits}
}}"#
        )
        .into_bytes(),
    }
}

fn manifest(name: &str, body: &str) -> SourceFile {
    SourceFile {
        path: format!("manifests/{name}.json"),
        bytes: body.as_bytes().to_vec(),
    }
}

#[test]
fn a_repository_over_its_cost_limits_is_invalid_at_the_limit() {
    let manifests = [
        manifest(
            "llm",
            r#"{ "image": "ghcr.io/lab/llm", "version": "v1", "cpu": 8, "memory": 61440, "gpu": 4, "gpu_memory": 96000 }"#,
        ),
        manifest(
            "api",
            r#"{ "image": "ghcr.io/lab/api", "version": "v1", "port": 8080 }"#,
        ),
    ];
    let report = validate_repository(
        &platform(r#"{ "max_hourly_cost_per_service": 1.0, "max_hourly_cost_total": 2.0 }"#),
        &manifests,
    );
    assert!(report.repository.is_none());
    let problems: Vec<String> = report
        .diagnostics()
        .filter(|d| d.code == "platform/over-budget")
        .map(|d| format!("{} {}", d.position(), d.message))
        .collect();
    insta::assert_snapshot!(problems.join("\n"));

    let within = validate_repository(
        &platform(r#"{ "max_hourly_cost_per_service": 100.0, "max_hourly_cost_total": 200.0 }"#),
        &manifests,
    );
    assert!(within.repository.is_some(), "{:?}", within.files);
}

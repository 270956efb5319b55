//! `rnd export cloudformation` through the binary: a template on standard output for the
//! examples, offline (no AWS call), and a directory of stacks for a platform too large for one.

use crate::support::{repo_root, rnd, Run};

#[test]
fn exports_the_examples_offline_and_a_large_platform_as_stacks() {
    let examples = repo_root().join("examples");
    let Run { code, stdout, stderr } =
        rnd(&["export", "cloudformation", "--dir", examples.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let template: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(template["AWSTemplateFormatVersion"], "2010-09-09");
    assert!(template["Resources"]["EcsServiceWhisper"].is_object(), "{stdout}");

    let large = crate::support::deployments_dir(
        br#"{ "name": "lab", "region": "us-east-1",
              "routing": { "mode": "host", "domain": "lab.example.com" },
              "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/5f1a3c2e-8d4b-4e6f-9a0b-1c2d3e4f5a6b" }"#,
        &[],
    );
    for i in 0..120 {
        let body = format!(r#"{{ "image": "ghcr.io/lab/svc{i}", "version": "v1", "port": 8080 }}"#);
        std::fs::write(large.path().join(format!("manifests/svc{i:03}.json")), body).unwrap();
    }
    let dir = large.path().to_str().unwrap();
    let refused = rnd(&["export", "cloudformation", "--dir", dir]);
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("--output DIR"), "{}", refused.stderr);
    let out = tempfile::tempdir().unwrap();
    let written = rnd(&[
        "export",
        "cloudformation",
        "--dir",
        dir,
        "--output",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert!(out.path().join("foundation.json").is_file());
    assert!(out.path().join("services-1.json").is_file());
}

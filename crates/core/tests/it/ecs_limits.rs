//! A manifest whose task definition ECS would refuse (over 64 KiB, from its variables) is
//! invalid at validation, with its own message, not an error halfway through an apply.

use rnd_core::repository::{validate_repository, SourceFile};

#[test]
fn variables_that_make_a_task_definition_over_64_kib_are_refused() {
    let platform = SourceFile {
        path: "platform.json".into(),
        bytes: br#"{ "name": "research", "region": "us-east-1",
            "routing": { "mode": "host", "domain": "research.example.com" },
            "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/5f1a3c2e-8d4b-4e6f-9a0b-1c2d3e4f5a6b" }"#
            .to_vec(),
    };
    let manifest = SourceFile {
        path: "manifests/api.json".into(),
        bytes: br#"{ "image": "ghcr.io/lab/api", "version": "v1" }"#.to_vec(),
    };
    let line = format!("PROMPT_{{}}={}\n", "x".repeat(1000));
    let big: String = (0..70).map(|i| line.replace("{}", &i.to_string())).collect();
    let env = |text: &str| SourceFile {
        path: "manifests/api.env".into(),
        bytes: text.as_bytes().to_vec(),
    };
    let report = validate_repository(&platform, &[manifest.clone(), env(&big)]);
    assert!(report.repository.is_none());
    let problem = report
        .diagnostics()
        .find(|d| d.code == "manifest/task-definition-too-large")
        .expect("the size is reported");
    assert_eq!(problem.file, "manifests/api.json");
    assert!(problem.message.contains("64 KiB"), "{}", problem.message);

    let small: String = (0..10).map(|i| line.replace("{}", &i.to_string())).collect();
    assert!(validate_repository(&platform, &[manifest, env(&small)])
        .repository
        .is_some());
}

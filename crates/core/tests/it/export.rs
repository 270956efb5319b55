//! `rnd export cloudformation`: the examples' template (snapshot), secrets only as references,
//! and a platform too large for one stack split into stacks whose imports the foundation
//! exports. cfn-lint and checkov check the same templates in `scripts/cfn-lint`.

// Tests stand where a frontend would: they read the examples from disk.
#![allow(clippy::disallowed_methods)]

use crate::support::examples;
use std::collections::BTreeSet;

use rnd_core::export::cloudformation;
use rnd_core::repository::{validate_repository, Repository, SourceFile};
use serde_json::Value;

fn large(services: usize) -> Repository {
    let platform = SourceFile {
        path: "platform.json".into(),
        bytes: br#"{ "name": "lab", "region": "us-east-1",
            "routing": { "mode": "host", "domain": "lab.example.com" },
            "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/5f1a3c2e-8d4b-4e6f-9a0b-1c2d3e4f5a6b" }"#
            .to_vec(),
    };
    let manifests: Vec<SourceFile> = (0..services)
        .map(|i| SourceFile {
            path: format!("manifests/svc{i:03}.json"),
            bytes: if i % 2 == 0 {
                format!(r#"{{ "image": "ghcr.io/lab/svc{i}", "version": "v1", "port": 8080 }}"#)
            } else {
                format!(r#"{{ "image": "ghcr.io/lab/svc{i}", "version": "v1", "secrets": {{ "TOKEN": "token" }} }}"#)
            }
            .into_bytes(),
        })
        .collect();
    validate_repository(&platform, &manifests).repository.unwrap()
}

/// Every `Fn::ImportValue` name (as its `Fn::Sub` text) in `value`.
fn imports(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(import) = map.get("Fn::ImportValue") {
                found.insert(import["Fn::Sub"].as_str().unwrap().to_string());
            }
            map.values().for_each(|v| imports(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| imports(v, found)),
        _ => {}
    }
}

#[test]
fn the_examples_are_one_stack() {
    let stacks = cloudformation(&examples()).unwrap();
    assert_eq!(stacks.len(), 1);
    insta::assert_json_snapshot!(stacks[0].template);
}

#[test]
fn secrets_are_references_to_the_store_never_values() {
    let stacks = cloudformation(&examples()).unwrap();
    let text = stacks[0].template.to_string();
    let template: Value = serde_json::from_str(&text).unwrap();
    let mut seen = 0;
    for resource in template["Resources"].as_object().unwrap().values() {
        for container in resource["Properties"]["ContainerDefinitions"]
            .as_array()
            .into_iter()
            .flatten()
        {
            for secret in container["Secrets"].as_array().into_iter().flatten() {
                let from = secret["ValueFrom"]["Fn::Sub"].as_str().unwrap();
                assert!(from.contains(":parameter/research/"), "{from}");
                assert_eq!(secret.as_object().unwrap().len(), 2, "{secret}");
                seen += 1;
            }
        }
    }
    assert!(seen > 0, "the examples have a secret");
}

#[test]
fn a_platform_too_large_for_one_stack_is_split_and_its_imports_are_exported() {
    let stacks = cloudformation(&large(200)).unwrap();
    assert!(stacks.len() > 2, "{}", stacks.len());
    assert_eq!(stacks[0].name, "foundation");
    let exported: BTreeSet<String> = stacks[0].template["Outputs"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| format!("${{FoundationStack}}-{k}"))
        .collect();
    let mut services = BTreeSet::new();
    for stack in &stacks {
        let resources = stack.template["Resources"].as_object().unwrap();
        assert!(resources.len() <= 500, "{}: {}", stack.name, resources.len());
        let mut found = BTreeSet::new();
        imports(&stack.template, &mut found);
        assert!(
            found.is_subset(&exported),
            "{}: {:?}",
            stack.name,
            found.difference(&exported)
        );
        if stack.name != "foundation" {
            assert!(stack.template["Parameters"]["FoundationStack"].is_object());
            for resource in resources.values() {
                if resource["Type"] == "AWS::ECS::Service" {
                    services.insert(
                        resource["Properties"]["ServiceName"]
                            .as_str()
                            .unwrap()
                            .to_string(),
                    );
                }
            }
        }
    }
    assert_eq!(services.len(), 200, "every service, in exactly one stack");
}

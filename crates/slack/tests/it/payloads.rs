//! The Block Kit payloads as snapshots, built from real plans of the example repository (no I/O
//! beyond reading the examples), and an over-long run that has to be cut to Slack's limits.

use std::path::Path;

use rnd_core::plan::observed::ObservedState;
use rnd_core::plan::simulate::simulate_apply;
use rnd_core::plan::{plan, Plan};
use rnd_core::repository::{validate_repository, Repository, SourceFile};
use rnd_slack::blocks::{
    run_finished, run_started, service_failed, RunResult, ServiceFailure, ServiceOutcome,
};
use rnd_slack::limits::{MAX_BLOCKS, MAX_HEADER_TEXT, MAX_SECTION_TEXT};
use rnd_slack::summary::{Change, ServiceChange};
use rnd_slack::{RunContext, RunSummary};
use serde_json::Value;

fn examples() -> Repository {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let read = |p: &str| SourceFile {
        path: p.to_string(),
        bytes: std::fs::read(dir.join(p)).unwrap(),
    };
    let mut manifests: Vec<String> = std::fs::read_dir(dir.join("manifests"))
        .unwrap()
        .map(|e| format!("manifests/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    manifests.sort();
    let files: Vec<SourceFile> = manifests.iter().map(|m| read(m)).collect();
    validate_repository(&read("platform.json"), &files)
        .repository
        .expect("examples are valid")
}

fn context() -> RunContext {
    RunContext {
        commit: Some("3f2a9c1d0b7e4a5f6c8d9e0f1a2b3c4d5e6f7a8b".into()),
        author: Some("Ada Lovelace".into()),
        destroy: false,
    }
}

/// catalog-api gets a new version, whisper two GPUs, chat-ui's manifest is deleted.
fn changed_plan() -> Plan {
    let mut repository = examples();
    let observed = simulate_apply(
        &plan(&repository, &ObservedState::default()).unwrap(),
        &ObservedState::default(),
    );
    repository.manifests.retain(|m| m.name != "chat-ui");
    for m in &mut repository.manifests {
        match m.name.as_str() {
            "catalog-api" => m.version = "v2.4.0".into(),
            "whisper" => {
                m.gpu = 2;
                m.memory_mib = 30 * 1024;
            }
            _ => {}
        }
    }
    plan(&repository, &observed).unwrap()
}

/// Every block within Slack's limits; fails with the offending block.
fn assert_within_limits(message: &Value) {
    let blocks = message["blocks"].as_array().expect("blocks");
    assert!(blocks.len() <= MAX_BLOCKS, "{} blocks", blocks.len());
    for block in blocks {
        let texts: Vec<&str> = match block["type"].as_str().unwrap() {
            "header" => {
                let text = block["text"]["text"].as_str().unwrap();
                assert!(text.chars().count() <= MAX_HEADER_TEXT, "{block}");
                vec![text]
            }
            "section" => vec![block["text"]["text"].as_str().unwrap()],
            "context" => block["elements"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["text"].as_str().unwrap())
                .collect(),
            "divider" => vec![],
            other => panic!("unexpected block type {other}"),
        };
        for text in texts {
            assert!(
                text.chars().count() <= MAX_SECTION_TEXT,
                "{} chars",
                text.chars().count()
            );
        }
    }
}

#[test]
fn start_of_a_first_deployment() {
    let plan = plan(&examples(), &ObservedState::default()).unwrap();
    let summary = RunSummary::from_plan(&plan, RunContext::default());
    assert!(summary.services.iter().all(|s| s.change == Change::Created));
    let message = run_started(&summary);
    assert_within_limits(&message);
    insta::assert_json_snapshot!(message);
}

#[test]
fn start_of_a_change() {
    let summary = RunSummary::from_plan(&changed_plan(), context());
    let changes: Vec<(&str, Change)> = summary
        .services
        .iter()
        .map(|s| (s.service.as_str(), s.change))
        .collect();
    assert!(changes.contains(&("chat-ui", Change::Removed)), "{changes:?}");
    assert!(changes.contains(&("catalog-api", Change::Updated)), "{changes:?}");
    let message = run_started(&summary);
    assert_within_limits(&message);
    insta::assert_json_snapshot!(message);
}

#[test]
fn a_failed_service() {
    let summary = RunSummary::from_plan(&changed_plan(), context());
    let failure = ServiceFailure {
        service: "whisper".into(),
        failed_operations: vec!["update ecs_service.whisper".into()],
        errors: vec![
            "ecs_service.whisper: InvalidParameterException: No Container Instances were found in your capacity provider <rnd-g5>".into(),
        ],
        log_lines: vec![
            "loading model large-v3 …".into(),
            "CUDA error: out of memory & more".into(),
        ],
    };
    let message = service_failed(&summary, &failure);
    assert_within_limits(&message);
    insta::assert_json_snapshot!(message);
}

#[test]
fn a_service_held_up_by_a_shared_failure_says_what_aws_said_there() {
    let summary = RunSummary::from_plan(&changed_plan(), context());
    let failure = ServiceFailure {
        service: "catalog-api".into(),
        failed_operations: vec![],
        errors: vec![
            "listener_rule.research-catalog-api: not attempted, because listener.research-alb-0-https failed: CertificateNotFound: Certificate 'arn:aws:acm:us-east-1:123456789012:certificate/0000' not found".into(),
        ],
        log_lines: vec![],
    };
    let message = service_failed(&summary, &failure);
    assert_within_limits(&message);
    let text = message.to_string();
    assert!(text.contains("an operation it needs failed first"), "{text}");
    assert!(text.contains("CertificateNotFound"), "{text}");
    assert!(text.contains("`rnd logs catalog-api`"), "{text}");
    assert!(!text.contains("aws logs tail"), "{text}");
    insta::assert_json_snapshot!(message);
}

#[test]
fn end_of_a_run_with_a_failure() {
    let summary = RunSummary::from_plan(&changed_plan(), context());
    let mut result = RunResult {
        succeeded: 14,
        failed: 1,
        skipped: 2,
        ..RunResult::default()
    };
    for s in &summary.services {
        let outcome = match (s.service.as_str(), s.change) {
            ("whisper", _) => ServiceOutcome::Failed {
                errors: vec!["ecs_service.whisper: the deployment failed and was rolled back".into()],
            },
            (_, Change::Removed) => ServiceOutcome::Removed,
            _ => ServiceOutcome::Deployed,
        };
        result.outcomes.insert(s.service.clone(), outcome);
    }
    let message = run_finished(&summary, &result);
    assert_within_limits(&message);
    insta::assert_json_snapshot!(message);
}

/// 5,000 services, a quarter of them failed with long errors: every message stays within Slack's
/// limits and says how much it left out.
#[test]
fn an_over_long_run_is_cut_with_a_count() {
    let names: Vec<String> = (0..5000).map(|i| format!("service-{i:04}")).collect();
    let summary = RunSummary {
        platform: "research".into(),
        region: "us-east-1".into(),
        context: RunContext {
            commit: Some("0123456789abcdef".into()),
            author: Some("A. Very Long Name ".repeat(20)),
            destroy: false,
        },
        services: names
            .iter()
            .map(|s| ServiceChange {
                service: s.clone(),
                change: Change::Created,
                operations: 7,
                monthly_delta: Some("+$29.57".into()),
                words: format!("new, g5.xlarge: 1 × NVIDIA A10G 22.35 GiB, v1.0.0, https://{s}.research.example.com/, +$29.57/month"),
            })
            .collect(),
        unchanged: (0..500).map(|i| format!("steady-{i:03}")).collect(),
        operations: 14_000,
        monthly_before: "$0.00".into(),
        monthly_after: "$59,140.00".into(),
        monthly_delta: "+$59,140.00".into(),
        urls: names
            .iter()
            .map(|s| (s.clone(), format!("https://{s}.research.example.com/")))
            .collect(),
        ..RunSummary::default()
    };
    let start = run_started(&summary);
    assert_within_limits(&start);
    let mut result = RunResult {
        succeeded: 13_000,
        failed: 400,
        skipped: 600,
        ..RunResult::default()
    };
    for (i, s) in names.iter().enumerate() {
        let outcome = if i % 4 == 0 {
            ServiceOutcome::Failed {
                errors: vec![format!("ecs_service.{s}: {}", "AWS said no. ".repeat(40))],
            }
        } else {
            ServiceOutcome::Deployed
        };
        result.outcomes.insert(s.clone(), outcome);
    }
    let end = run_finished(&summary, &result);
    assert_within_limits(&end);
    let failure = ServiceFailure {
        service: "service-0000".into(),
        failed_operations: (0..300).map(|i| format!("create listener_rule.r{i}")).collect(),
        errors: (0..500)
            .map(|i| format!("error line {i}: {}", "x".repeat(80)))
            .collect(),
        log_lines: (0..500).map(|i| format!("log line {i}")).collect(),
    };
    let failed = service_failed(&summary, &failure);
    assert_within_limits(&failed);

    // What a reader sees at the cuts: the header, and the last line of each list.
    let cuts = |message: &Value| -> Vec<String> {
        let blocks = message["blocks"].as_array().unwrap();
        let mut seen = vec![format!("{} blocks", blocks.len())];
        seen.push(blocks[0]["text"]["text"].as_str().unwrap().to_string());
        for b in blocks {
            let text = b["text"]["text"]
                .as_str()
                .or_else(|| b["elements"][0]["text"].as_str())
                .unwrap_or("");
            if let Some(line) = text.lines().rev().find(|l| l.contains("more")) {
                seen.push(line.to_string());
            }
        }
        seen
    };
    insta::assert_json_snapshot!("over_long_start", cuts(&start));
    insta::assert_json_snapshot!("over_long_end", cuts(&end));
    insta::assert_json_snapshot!("over_long_failure", cuts(&failed));
}

#[test]
fn no_setting_value_reaches_a_message() {
    // The examples' env values: none may appear in any message, whatever changes.
    let repository = examples();
    let values: Vec<String> = repository
        .manifests
        .iter()
        .flat_map(|m| m.env.values().cloned())
        .filter(|v| v.len() > 3)
        .collect();
    assert!(!values.is_empty(), "the examples have env values to look for");
    let summary = RunSummary::from_plan(&plan(&repository, &ObservedState::default()).unwrap(), context());
    let text = run_started(&summary).to_string();
    for v in &values {
        assert!(!text.contains(v.as_str()), "{v} appears in {text}");
    }
}

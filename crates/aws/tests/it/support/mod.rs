//! Helpers for tests against the AWS emulator (moto's server): connection, repositories built
//! from in-memory JSON, and one observe → plan → apply round.

#![allow(dead_code)]

pub mod iam;

use std::sync::{Arc, Mutex};

use aws_config::SdkConfig;
use aws_sdk_ecs::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_ecs::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_ecs::error::BoxError;
use rnd_aws::{apply, events, observe, ApplyOptions, ApplyReport, Clients, Event};
use rnd_core::plan::observed::ObservedState;
use rnd_core::plan::render::plan_json;
use rnd_core::plan::{plan, Plan};
use rnd_core::repository::{validate_repository, Repository, SourceFile};
use rnd_test_support::emulator;

/// SDK configuration pointing at the emulator, checked to answer (`rnd-test-support`: a test
/// that needs the emulator never passes without it).
pub fn emulator_config() -> SdkConfig {
    let env = emulator::env();
    emulator::sdk_config_blocking(&emulator::endpoint_in(&env))
}

/// A platform name no earlier run on the same emulator used: `prefix` plus random letters.
pub fn unique(prefix: &str) -> String {
    let suffix: String = (0..5).map(|_| fastrand::lowercase()).collect();
    format!("{prefix}{suffix}")
}

/// Stand-in for the hand-made certificate, for every host under `domain`; its ARN.
pub async fn certificate(config: &SdkConfig, domain: &str) -> String {
    emulator::certificate(config, &format!("*.{domain}")).await
}

/// A repository from JSON texts; panics with the diagnostics when invalid.
pub fn repository(platform: &str, certificate_arn: &str, manifests: &[(&str, String)]) -> Repository {
    let platform_json = format!(
        r#"{{
  "name": "{platform}",
  "region": "us-east-1",
  "routing": {{ "mode": "host", "domain": "{platform}.example.com" }},
  "certificate_arn": "{certificate_arn}",
  "log_retention_days": 14,
  "gpu_instance_types": ["g4dn", "g5"],
  "secrets_store": "ssm",
  "tags": {{ "team": "research" }}
}}"#
    );
    let files: Vec<SourceFile> = manifests
        .iter()
        .map(|(name, text)| SourceFile {
            path: format!("manifests/{name}.json"),
            bytes: text.as_bytes().to_vec(),
        })
        .collect();
    let platform_file = SourceFile {
        path: "platform.json".into(),
        bytes: platform_json.into_bytes(),
    };
    let report = validate_repository(&platform_file, &files);
    match report.repository {
        Some(r) => r,
        None => panic!("invalid test repository: {:#?}", report.files),
    }
}

/// One round: observe, plan, apply; returns the plan, the report and the events.
pub async fn round(clients: &Clients, repository: &Repository) -> (Plan, ApplyReport, Vec<Event>) {
    let observed = observe(clients, &repository.platform.name)
        .await
        .expect("observe");
    let plan = plan(repository, &observed).expect("plan");
    same_plan_with_expectation(clients, repository, &plan).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let seen = Arc::clone(&seen);
        Arc::new(move |e: Event| seen.lock().unwrap().push(e)) as events::EventSink
    };
    let report = apply(clients, &plan, &observed, ApplyOptions::default(), sink)
        .await
        .expect("apply");
    assert!(report.succeeded(), "apply failed:\n{:#?}", report.failures());
    let events = seen.lock().unwrap().clone();
    (plan, report, events)
}

/// Observing with the repository's expectation (`observe_with`, which skips describing what is
/// as planned) plans exactly what a full observe planned: checked in every round of every test,
/// whatever changes or partial applies the test left in AWS — except settings changed by hand
/// without their tags, which only a full observe sees (`api_calls` shows which).
pub async fn same_plan_with_expectation(clients: &Clients, repository: &Repository, planned: &Plan) {
    let hint = rnd_core::plan::expected(repository, &ObservedState::default()).expect("expected");
    let observed = rnd_aws::observe_with(clients, &repository.platform.name, &hint)
        .await
        .expect("observe_with");
    let cheap = plan(repository, &observed).expect("plan");
    let (cheap, full) = (plan_json(&cheap), plan_json(planned));
    // On a difference, the operations of each side (with their attribute changes) say why;
    // the whole plans would bury them.
    // Which parts differ (the cost, the capacity), for when the operations are the same.
    let differing: Vec<&String> = full
        .as_object()
        .map(|o| o.keys().filter(|k| cheap.get(*k) != full.get(*k)).collect())
        .unwrap_or_default();
    assert!(
        cheap == full,
        "observe_with planned differently from observe (in {differing:?}):\nwith the expectation: {:#}\nin full: {:#}",
        cheap["operations"],
        full["operations"]
    );
}

/// Observe, and plan against what is there: the remaining changes, as addresses with their
/// attribute differences, for readable assertion failures.
pub async fn remaining_changes(clients: &Clients, repository: &Repository) -> (ObservedState, Vec<String>) {
    let observed = observe(clients, &repository.platform.name)
        .await
        .expect("observe");
    let plan = plan(repository, &observed).expect("plan");
    same_plan_with_expectation(clients, repository, &plan).await;
    let changes = plan
        .graph
        .operations()
        .map(|c| {
            let attributes: Vec<String> = c
                .changes
                .iter()
                .map(|a| format!("{}: {:?} -> {:?}", a.attribute, a.before, a.after))
                .collect();
            format!("{:?} {} [{}]", c.action, c.address, attributes.join("; "))
        })
        .collect();
    (observed, changes)
}

pub fn routed(image: &str, version: &str, port: u16) -> String {
    format!(
        r#"{{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/{image}", "version": "{version}", "port": {port}, "health_check": "/health" }}"#
    )
}

pub fn worker(image: &str, version: &str) -> String {
    format!(
        r#"{{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/{image}", "version": "{version}", "cpu": 0.5, "memory": 1024,
             "env": {{ "LOG_LEVEL": "info" }}, "secrets": {{ "API_KEY": "api-key" }} }}"#
    )
}

pub fn gpu(image: &str, version: &str, port: u16) -> String {
    format!(
        r#"{{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/{image}", "version": "{version}", "cpu": 4, "memory": 14336,
             "gpu": 1, "gpu_memory": 16000, "port": {port} }}"#
    )
}

/// Records the target and body of every ECS request, in the order they are sent.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    bodies: Arc<Mutex<Vec<(String, serde_json::Value)>>>,
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "test request recorder"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        let target = request
            .headers()
            .get("x-amz-target")
            .unwrap_or_default()
            .to_string();
        if let Some(bytes) = request.body().bytes() {
            if let Ok(json) = serde_json::from_slice(bytes) {
                self.bodies.lock().unwrap().push((target, json));
            }
        }
        Ok(())
    }
}

impl Recorder {
    pub fn requests(&self, operation: &str) -> Vec<serde_json::Value> {
        self.bodies
            .lock()
            .unwrap()
            .iter()
            .filter(|(t, _)| t.ends_with(operation))
            .map(|(_, b)| b.clone())
            .collect()
    }
}

pub fn clients_recording(config: &aws_config::SdkConfig) -> (Clients, Recorder) {
    let recorder = Recorder::default();
    let mut clients = Clients::new(config);
    clients.ecs = aws_sdk_ecs::Client::from_conf(
        aws_sdk_ecs::config::Builder::from(config)
            .interceptor(recorder.clone())
            .build(),
    );
    (clients, recorder)
}

impl Recorder {
    /// The ECS operations requested so far, in order (`CreateService`, …).
    pub fn operations(&self) -> Vec<String> {
        self.bodies
            .lock()
            .unwrap()
            .iter()
            .map(|(t, _)| t.rsplit('.').next().unwrap_or(t).to_string())
            .collect()
    }
}

/// rnd's function, as `deploy/lambda.yaml` makes it; its ARN.
pub async fn lambda_function(clients: &Clients, config: &aws_config::SdkConfig, name: &str) -> String {
    let iam = aws_sdk_iam::Client::new(config);
    let role = iam
        .create_role()
        .role_name(format!("{name}-role"))
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .expect("CreateRole");
    // An empty zip archive: moto keeps the code, it never runs here.
    let empty_zip: Vec<u8> = [b"PK\x05\x06".as_slice(), &[0u8; 18]].concat();
    clients
        .lambda
        .create_function()
        .function_name(name)
        .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
        .handler("bootstrap")
        .role(role.role().unwrap().arn())
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_smithy_types::Blob::new(empty_zip))
                .build(),
        )
        .send()
        .await
        .expect("CreateFunction")
        .function_arn()
        .unwrap()
        .to_string()
}

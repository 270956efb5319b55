//! The function's decisions on the documented event shapes, without AWS: which kind of event
//! arrived, what ECS events call for, and what a webhook delivery gets.

use crate::support::function_url_request;
use rnd_lambda::ecs_events::{notice, Notice};
use rnd_lambda::incoming::{classify, Incoming};
use rnd_lambda::signature::sign;
use rnd_lambda::webhook::{judge, Verdict};
use serde_json::{json, Value};

fn fixture(name: &str, cluster: &str, service: &str) -> Value {
    let path = format!("{}/tests/events/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(
        &text
            .replace("{{CLUSTER}}", cluster)
            .replace("{{SERVICE}}", service),
    )
    .unwrap()
}

fn ecs(name: &str) -> Option<Notice> {
    match classify(fixture(name, "research", "api")).unwrap() {
        Incoming::Ecs(event) => notice(&event),
        other => panic!("{name} is an ECS event, not {other:?}"),
    }
}

fn push(branch: &str) -> String {
    json!({
        "ref": format!("refs/heads/{branch}"),
        "before": "0000000000000000000000000000000000000000",
        "after": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
        "deleted": false,
        "repository": { "full_name": "acme/deployments", "default_branch": "main" },
        "head_commit": { "id": "6113728f27ae82c7b1a177c8d03f9e96e0adf246", "author": { "name": "Ada" } }
    })
    .to_string()
}

fn http(event: Value) -> rnd_lambda::incoming::HttpRequest {
    match classify(event).unwrap() {
        Incoming::Http(request) => request,
        other => panic!("{other:?}"),
    }
}

#[test]
fn ecs_deployments_that_completed_or_failed_are_notices_in_progress_is_not() {
    assert_eq!(
        ecs("deployment_failed"),
        Some(Notice::DeploymentFailed {
            cluster: "research".into(),
            service: "api".into(),
            deployment: "ecs-svc/4961318375431227474".into(),
            reason: "ECS deployment circuit breaker: task failed to start.".into(),
        })
    );
    assert!(matches!(
        ecs("deployment_completed"),
        Some(Notice::DeploymentCompleted { .. })
    ));
    assert_eq!(ecs("deployment_in_progress"), None);
}

#[test]
fn a_task_that_exited_is_a_notice_one_stopped_by_scaling_is_not() {
    assert_eq!(
        ecs("task_stopped"),
        Some(Notice::TaskStopped {
            cluster: "research".into(),
            service: "api".into(),
            task: "c13b4cb40f1f4fe4a2971f76ae5a47ad".into(),
            reason: "Essential container in task exited".into(),
            containers: vec![
                "api exited 137 (OutOfMemoryError: Container killed due to memory usage)".into()
            ],
        })
    );
    assert_eq!(ecs("task_scaled_in"), None);
}

#[test]
fn schedules_http_requests_and_hand_offs_are_told_apart() {
    assert!(matches!(
        classify(fixture("scheduled", "", "")).unwrap(),
        Incoming::Schedule
    ));
    assert!(matches!(
        classify(function_url_request("{}", &[])).unwrap(),
        Incoming::Http(_)
    ));
    let handoff =
        json!({ "rnd_deploy": { "repository": "acme/deployments", "commit": "abc", "author": null } });
    assert!(matches!(classify(handoff).unwrap(), Incoming::Deploy(_)));
    assert!(classify(json!({ "hello": "world" })).is_err());
    // API Gateway's payload format 1.0, base64-encoded body.
    let v1 = json!({
        "resource": "/", "path": "/", "httpMethod": "POST",
        "headers": { "X-GitHub-Event": "ping" }, "multiValueHeaders": {},
        "queryStringParameters": null, "pathParameters": null, "stageVariables": null,
        "requestContext": { "accountId": "123456789012", "resourceId": "abc", "stage": "prod", "requestId": "r", "identity": {}, "resourcePath": "/", "httpMethod": "POST", "apiId": "a" },
        "body": "eyJ6ZW4iOiJoaSJ9", "isBase64Encoded": true
    });
    let request = http(v1);
    assert_eq!(request.body, br#"{"zen":"hi"}"#);
    assert_eq!(request.header("x-github-event"), Some("ping"));
}

#[test]
fn a_wrong_or_missing_signature_is_401_and_nothing_else() {
    let body = push("main");
    let secret = b"webhook-secret";
    let wrong = sign(b"another-secret", body.as_bytes());
    for headers in [
        vec![("x-github-event", "push")],
        vec![
            ("x-github-event", "push"),
            ("x-hub-signature-256", wrong.as_str()),
        ],
    ] {
        match judge(
            &http(function_url_request(&body, &headers)),
            secret,
            Some("acme/deployments"),
        ) {
            Verdict::Answer(answer) => assert_eq!(answer.status, 401),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_signed_push_to_the_default_branch_deploys_its_commit_other_branches_do_not() {
    let secret = b"webhook-secret";
    let delivery = |body: &str, event: &str| {
        let signature = sign(secret, body.as_bytes());
        judge(
            &http(function_url_request(
                body,
                &[("x-github-event", event), ("x-hub-signature-256", &signature)],
            )),
            secret,
            Some("acme/deployments"),
        )
    };
    match delivery(&push("main"), "push") {
        Verdict::Deploy(request) => {
            assert_eq!(request.repository, "acme/deployments");
            assert_eq!(request.commit, "6113728f27ae82c7b1a177c8d03f9e96e0adf246");
            assert_eq!(request.author.as_deref(), Some("Ada"));
        }
        other => panic!("{other:?}"),
    }
    match delivery(&push("feature"), "push") {
        Verdict::Answer(answer) => assert_eq!(
            (answer.status, answer.body["message"].as_str().unwrap()),
            (202, "ignored: only pushes to main deploy")
        ),
        other => panic!("{other:?}"),
    }
    match delivery(r#"{"zen":"Keep it logically awesome."}"#, "ping") {
        Verdict::Answer(answer) => assert_eq!(answer.status, 200),
        other => panic!("{other:?}"),
    }
    match delivery(&push("main").replace("acme/deployments", "acme/other"), "push") {
        Verdict::Answer(answer) => assert_eq!(answer.status, 403),
        other => panic!("{other:?}"),
    }
}

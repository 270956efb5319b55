//! The function end to end, its handler invoked with the documented event shapes, against the
//! AWS emulator, a local stand-in for GitHub's contents API, one for Lambda's Invoke API (the
//! webhook's hand-off) and one for Slack: a webhook with a wrong signature gets 401 and changes
//! nothing; a signed push to the default branch is handed off and deploys; a failed-deployment
//! event gets one notice while events of services rnd does not manage get none; a scheduled run
//! says nothing without drift and reports a desired count changed behind rnd's back.

use std::collections::BTreeMap;

use crate::support::{emulator_env, function_url_request, http, sdk_config};
use rnd_aws::Clients;
use rnd_lambda::app::App;
use rnd_lambda::config::Config;
use rnd_lambda::signature::sign;
use rnd_slack::receiver::Receiver;
use serde_json::{json, Value};

const SECRET: &str = "webhook-secret-never-shown";

fn ecs_event(name: &str, cluster: &str, service: &str) -> Value {
    let path = format!("{}/tests/events/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(
        &text
            .replace("{{CLUSTER}}", cluster)
            .replace("{{SERVICE}}", service),
    )
    .unwrap()
}

fn push_body(commit: &str) -> String {
    json!({
        "ref": "refs/heads/main",
        "after": commit,
        "repository": { "full_name": "acme/deployments", "default_branch": "main" },
        "head_commit": { "id": commit, "author": { "name": "Ada" } }
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_deploys_ecs_events_notify_and_the_schedule_reports_drift() {
    let env = emulator_env();
    let config = sdk_config(&env).await;
    let certificate = crate::support::certificate(&config, "lambda.example.com").await;
    let name = format!("lam{}", std::process::id() % 100_000);
    let files = BTreeMap::from([
        (
            "deploy/platform.json".to_string(),
            crate::support::platform_json(&name, "lambda.example.com", &certificate),
        ),
        (
            "deploy/manifests/api.json".to_string(),
            r#"{ "image": "repo/api", "version": "v1", "port": 8080 }"#.to_string(),
        ),
        (
            "deploy/manifests/worker.json".to_string(),
            r#"{ "image": "repo/worker", "version": "v1" }"#.to_string(),
        ),
        // Read through the same reader as `rnd validate`: the push deploys these too.
        (
            "deploy/manifests/worker.env".to_string(),
            "# plain variables beside the manifest\nGREETING=hello from worker.env\n".to_string(),
        ),
    ]);
    let github = crate::support::github("acme/deployments", files).await;
    let slack = Receiver::start(vec![]).await;
    let lambda = http::Server::start(|_| (202, "application/json", Vec::new())).await;
    let parameter = format!("/{name}-function/webhook-secret");
    crate::support::put_secure_parameter(&config, &parameter, SECRET).await;
    let mut vars: BTreeMap<String, String> = env.clone();
    for (k, v) in [
        ("RND_REPOSITORY", "acme/deployments".to_string()),
        ("RND_DIRECTORY", "deploy".to_string()),
        ("RND_PLATFORM", name.clone()),
        ("RND_WEBHOOK_SECRET_PARAMETER", parameter.clone()),
        ("RND_WAIT", "0".to_string()),
        ("GITHUB_API_URL", github.url()),
        ("RND_SLACK_WEBHOOK_URL", slack.url()),
        ("AWS_LAMBDA_FUNCTION_NAME", "rnd".to_string()),
        ("AWS_ENDPOINT_URL_LAMBDA", lambda.url()),
    ] {
        vars.insert(k.to_string(), v);
    }
    let app = app(&config, vars);
    let resources = || async {
        rnd_aws::observe(&app.clients, &name)
            .await
            .unwrap()
            .resources
            .len()
    };

    // A wrong signature: 401, no hand-off, nothing in AWS.
    let commit = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
    let body = push_body(commit);
    let forged = sign(b"a guess", body.as_bytes());
    let answer = rnd_lambda::handle(
        &app,
        function_url_request(
            &body,
            &[("x-github-event", "push"), ("x-hub-signature-256", &forged)],
        ),
    )
    .await
    .unwrap();
    assert_eq!(answer["statusCode"], 401, "{answer}");
    assert!(lambda.requests().is_empty());
    assert_eq!(resources().await, 0);

    // Signed: 202 at once, the deployment handed to an asynchronous invocation.
    let signature = sign(SECRET.as_bytes(), body.as_bytes());
    let answer = rnd_lambda::handle(
        &app,
        function_url_request(
            &body,
            &[("x-github-event", "push"), ("x-hub-signature-256", &signature)],
        ),
    )
    .await
    .unwrap();
    assert_eq!(answer["statusCode"], 202, "{answer}");
    let invocations = lambda.requests();
    assert_eq!(invocations.len(), 1);
    assert_eq!(invocations[0].target, "/2015-03-31/functions/rnd/invocations");
    assert_eq!(invocations[0].header("x-amz-invocation-type"), Some("Event"));
    assert!(!answer.to_string().contains(SECRET));

    // The asynchronous invocation deploys the pushed commit, with Slack reports.
    let handed: Value = serde_json::from_slice(&invocations[0].body).unwrap();
    let result = rnd_lambda::handle(&app, handed).await.unwrap();
    assert_eq!(result["succeeded"], true, "{result}");
    assert!(resources().await > 10);
    assert!(github
        .requests()
        .iter()
        .all(|r| r.target.ends_with(&format!("?ref={commit}"))));
    assert_eq!(
        task_environment(&config, &name, "worker").await,
        vec![("GREETING".to_string(), "hello from worker.env".to_string())],
        "the worker's variables from manifests/worker.env are deployed"
    );
    let messages = slack.delivered();
    assert_eq!(messages.len(), 2, "start and end: {messages:?}");
    assert!(messages[0].to_string().contains(&commit[..12]) && messages[0].to_string().contains("Ada"));
    assert!(messages[1].to_string().contains("`api`") && messages[1].to_string().contains("`worker`"));

    // ECS events: one notice for rnd's service; none for a service or cluster it does not manage.
    let failed = rnd_lambda::handle(&app, ecs_event("deployment_failed", &name, "api"))
        .await
        .unwrap();
    assert_eq!(failed["notified"], true, "{failed}");
    for (cluster, service) in [(name.as_str(), "ghost"), ("someone-elses", "api")] {
        let ignored = rnd_lambda::handle(&app, ecs_event("deployment_failed", cluster, service))
            .await
            .unwrap();
        assert_eq!(ignored["notified"], false, "{ignored}");
    }
    let messages = slack.delivered();
    assert_eq!(messages.len(), 3);
    let notice = messages[2].to_string();
    assert!(notice.contains("api: deployment failed"), "{notice}");
    assert!(
        notice.contains("ECS deployment circuit breaker: task failed to start."),
        "{notice}"
    );

    // The schedule: no drift, no message (it reads `worker.env` too, or the deployed variable
    // would be drift); then a desired count changed behind rnd's back.
    let quiet = rnd_lambda::handle(&app, ecs_event("scheduled", "", ""))
        .await
        .unwrap();
    assert_eq!(quiet["drift"], false, "{quiet}");
    assert_eq!(slack.delivered().len(), 3);
    aws_sdk_ecs::Client::new(&config)
        .update_service()
        .cluster(&name)
        .service("api")
        .desired_count(3)
        .send()
        .await
        .unwrap();
    let drift = rnd_lambda::handle(&app, ecs_event("scheduled", "", ""))
        .await
        .unwrap();
    assert_eq!(drift["drift"], true, "{drift}");
    let messages = slack.delivered();
    assert_eq!(messages.len(), 4);
    let report = messages[3].to_string();
    assert!(
        report.contains("has drifted") && report.contains("ecs_service.api"),
        "{report}"
    );
    assert!(!report.contains(SECRET));
}

/// The function as a cold start builds it, with `vars` as its environment.
fn app(config: &aws_config::SdkConfig, vars: BTreeMap<String, String>) -> App {
    let lookup = vars.clone();
    App {
        config: Config::from_env(|n| lookup.get(n).cloned()),
        clients: Clients::new(config),
        sdk_config: config.clone(),
        env: std::sync::Arc::new(move |n| vars.get(n).cloned()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_with_a_symlinked_env_file_is_refused_and_deploys_nothing() {
    let env = emulator_env();
    let config = sdk_config(&env).await;
    let name = format!("lsym{}", std::process::id() % 100_000);
    let files = BTreeMap::from([
        (
            "platform.json".to_string(),
            crate::support::platform_json(
                &name,
                "lambda.example.com",
                "arn:aws:acm:us-east-1:123456789012:certificate/x",
            ),
        ),
        (
            "manifests/api.json".to_string(),
            r#"{ "image": "repo/api", "version": "v1" }"#.to_string(),
        ),
        (
            "ci/runner.env".to_string(),
            "AWS_SECRET_ACCESS_KEY=from-the-runner".to_string(),
        ),
    ]);
    // GitHub answers a link to a file of the repository with that file's text.
    let links = BTreeMap::from([("manifests/api.env".to_string(), "ci/runner.env".to_string())]);
    let github = crate::support::github_with_links("acme/linked", files, links).await;
    let mut vars = env.clone();
    vars.insert("RND_REPOSITORY".into(), "acme/linked".into());
    vars.insert("GITHUB_API_URL".into(), github.url());
    let app = app(&config, vars);
    let deploy = json!({ "rnd_deploy": { "repository": "acme/linked", "commit": "0123456789abcdef", "author": null } });
    let result = rnd_lambda::handle(&app, deploy).await.unwrap();
    let error = result["error"].as_str().unwrap_or_default();
    assert!(error.contains("manifests/api.env is a symbolic link"), "{result}");
    assert!(!result.to_string().contains("from-the-runner"), "{result}");
    assert_eq!(result["retryable"], false);
    assert!(
        github.requests().iter().all(|r| !r.target.contains("api.env")),
        "the link is never read through"
    );
    assert!(rnd_aws::observe(&app.clients, &name)
        .await
        .unwrap()
        .resources
        .is_empty());
}

/// The plain environment of `service`'s running task definition, as ECS has it.
async fn task_environment(
    config: &aws_config::SdkConfig,
    platform: &str,
    service: &str,
) -> Vec<(String, String)> {
    let ecs = aws_sdk_ecs::Client::new(config);
    let names = rnd_core::plan::naming::Names::new(platform);
    let described = ecs
        .describe_services()
        .include(aws_sdk_ecs::types::ServiceField::Tags)
        .cluster(names.cluster())
        .services(names.ecs_service(service))
        .send()
        .await
        .unwrap();
    let definition = described.services()[0].task_definition().unwrap().to_string();
    let definition = ecs
        .describe_task_definition()
        .task_definition(definition)
        .send()
        .await
        .unwrap();
    definition.task_definition().unwrap().container_definitions()[0]
        .environment()
        .iter()
        .map(|kv| (kv.name().unwrap().to_string(), kv.value().unwrap().to_string()))
        .collect()
}

//! `rnd apply` and `rnd destroy` with Slack reports, through the real binary, against the AWS
//! emulator and a local stand-in for Slack's webhook (`RND_SLACK_WEBHOOK_URL`).

use crate::support::emulator::{certificate, emulator_env, planned_operations, push_images, rnd_with};
use crate::support::own_emulator::OwnEmulator;
use rnd_slack::receiver::{closed_port_url, Receiver};

fn headers(messages: &[serde_json::Value]) -> Vec<String> {
    messages
        .iter()
        .map(|m| m["blocks"][0]["text"]["text"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn apply_and_destroy_report_to_slack_and_an_outage_changes_nothing() {
    let mut env = emulator_env();
    let arn = certificate(&env, "*.slack.example.com");
    // The receiver lives on this runtime's worker threads while the binary runs.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let receiver = runtime.block_on(Receiver::start(vec![]));
    let name = format!("slk{}", std::process::id() % 100_000);
    let platform = format!(
        r#"{{ "name": "{name}", "region": "us-east-1",
             "routing": {{ "mode": "host", "domain": "slack.example.com" }},
             "certificate_arn": "{arn}" }}"#
    );
    let api = br#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo/api", "version": "v1", "port": 8080, "env": { "GREETING": "value-never-shown" } }"#;
    let worker =
        br#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo/worker", "version": "v1" }"#;
    let dir =
        crate::support::deployments_dir(platform.as_bytes(), &[("api.json", api), ("worker.json", worker)]);
    let d = dir.path().to_str().unwrap();
    env.push(("RND_SLACK_WEBHOOK_URL".into(), receiver.url()));
    push_images(&env, dir.path());

    let first = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);
    let messages = receiver.delivered();
    assert_eq!(
        headers(&messages),
        [
            format!("rnd apply: {name} — starting"),
            format!("rnd apply: {name} — done")
        ]
    );
    for message in &messages {
        let text = message.to_string();
        assert!(text.contains("`api`") && text.contains("`worker`"), "{text}");
        assert!(!text.contains("value-never-shown"), "{text}");
    }
    assert!(messages[1].to_string().contains("https://api.slack.example.com/"));

    // Slack down: the deployment goes on and succeeds; a warning says so without the URL.
    std::fs::write(
        dir.path().join("manifests/api.json"),
        br#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo/api", "version": "v2", "port": 8080 }"#,
    )
    .unwrap();
    push_images(&env, dir.path());
    let down = runtime.block_on(closed_port_url());
    env.retain(|(k, _)| k != "RND_SLACK_WEBHOOK_URL");
    env.push(("RND_SLACK_WEBHOOK_URL".into(), down));
    let second = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(second.code, 0, "{}\n{}", second.stdout, second.stderr);
    assert!(second.stderr.contains("warning: Slack"), "{}", second.stderr);
    assert!(!second.stderr.contains("not-a-real-secret"), "{}", second.stderr);
    assert!(second.stdout.contains("~ task_definition.") || second.stdout.contains("ecs_service.api"));

    env.retain(|(k, _)| k != "RND_SLACK_WEBHOOK_URL");
    env.push(("RND_SLACK_WEBHOOK_URL".into(), receiver.url()));
    let destroyed = rnd_with(&env, &["destroy", "--dir", d, "--yes"]);
    assert_eq!(destroyed.code, 0, "{}\n{}", destroyed.stdout, destroyed.stderr);
    let messages = receiver.delivered();
    assert_eq!(
        headers(&messages[2..]),
        [
            format!("rnd destroy: {name} — starting"),
            format!("rnd destroy: {name} — destroyed")
        ]
    );
    let end = messages[3].to_string();
    assert!(
        end.contains("*Removed*") && end.contains("`api`") && end.contains("`worker`"),
        "{end}"
    );
}

#[test]
fn a_service_whose_deployment_fails_gets_its_own_message_before_the_run_ends() {
    // moto then reports every deployment with no running task and 3 failed ones: the circuit
    // breaker's threshold for a small service, so rnd reports the failure without waiting for
    // ECS to give up.
    let emulator = OwnEmulator::start(&[
        ("MOTO_ECS_SERVICE_RUNNING", "0"),
        ("MOTO_ECS_SERVICE_FAILED_TASKS", "3"),
    ]);
    let mut env = emulator.env();
    let arn = certificate(&env, "*.failing.example.com");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let receiver = runtime.block_on(Receiver::start(vec![]));
    let platform = format!(
        r#"{{ "name": "failing", "region": "us-east-1",
             "routing": {{ "mode": "host", "domain": "failing.example.com" }},
             "certificate_arn": "{arn}" }}"#
    );
    let api = br#"{ "image": "repo/api", "version": "v1", "port": 8080 }"#;
    let worker = br#"{ "image": "repo/worker", "version": "v1" }"#;
    let dir =
        crate::support::deployments_dir(platform.as_bytes(), &[("api.json", api), ("worker.json", worker)]);
    env.push(("RND_SLACK_WEBHOOK_URL".into(), receiver.url()));

    let run = rnd_with(
        &env,
        &[
            "apply",
            "--dir",
            dir.path().to_str().unwrap(),
            "--yes",
            "--wait",
            "120",
        ],
    );
    assert_eq!(
        run.code, 1,
        "a failed deployment fails the run\n{}\n{}",
        run.stdout, run.stderr
    );
    let messages = receiver.delivered();
    let headers = headers(&messages);
    assert_eq!(headers.len(), 4, "{headers:?}");
    assert_eq!(headers[0], "rnd apply: failing — starting");
    let mut failures = headers[1..3].to_vec();
    failures.sort();
    assert_eq!(
        failures,
        [
            "rnd apply: api failed on failing",
            "rnd apply: worker failed on failing"
        ]
    );
    assert!(headers[3].starts_with("rnd apply: failing — "), "{headers:?}");
    for failure in &messages[1..3] {
        let text = failure.to_string();
        assert!(text.contains("3 tasks failed to start"), "{text}");
    }
    let end = messages[3].to_string();
    assert!(
        end.contains("*Failed*") && end.contains("`api`") && end.contains("`worker`"),
        "{end}"
    );
    // Their hashes are marked: the next plan, trusting hashes, still deploys both again.
    let again = planned_operations(&env, dir.path().to_str().unwrap(), &[]);
    assert_eq!(again, ["update ecs_service.api", "update ecs_service.worker"]);
}

#[test]
fn with_a_bot_token_the_start_message_becomes_the_result() {
    let mut env = emulator_env();
    let arn = certificate(&env, "*.bot.example.com");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let receiver = runtime.block_on(Receiver::start(vec![]));
    let name = format!("bot{}", std::process::id() % 100_000);
    let platform = format!(
        r##"{{ "name": "{name}", "region": "us-east-1",
             "routing": {{ "mode": "host", "domain": "bot.example.com" }},
             "certificate_arn": "{arn}",
             "notifications": {{ "slack": {{ "bot_token_env": "TEAM_SLACK_TOKEN", "channel": "#deploys" }} }} }}"##
    );
    let worker = br#"{ "image": "repo/worker", "version": "v1" }"#;
    let dir = crate::support::deployments_dir(platform.as_bytes(), &[("worker.json", worker)]);
    let d = dir.path().to_str().unwrap();
    env.push(("TEAM_SLACK_TOKEN".into(), "xoxb-cli-test-token".into()));
    env.push(("RND_SLACK_API_URL".into(), receiver.api_url()));

    let run = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("xoxb-cli-test-token") && !run.stderr.contains("xoxb-cli-test-token"));
    let requests = receiver.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/api/chat.postMessage",
            "/api/chat.postMessage",
            "/api/chat.update"
        ],
        "start, the worker's progress in the thread, the result in place"
    );
    assert_eq!(requests[0].body["channel"], "#deploys");
    assert_eq!(
        requests[1].body["thread_ts"],
        requests[0].ts.clone().unwrap().as_str()
    );
    assert!(requests[1].body.to_string().contains("`worker` deployed"));
    assert_eq!(requests[2].body["ts"], requests[0].ts.clone().unwrap().as_str());
    assert_eq!(requests[2].body["text"], format!("rnd apply: {name} — done"));

    let destroyed = rnd_with(&env, &["destroy", "--dir", d, "--yes"]);
    assert_eq!(destroyed.code, 0, "{}\n{}", destroyed.stdout, destroyed.stderr);
}

/// An operation AWS refuses mid-apply: its service's failure message and the end message carry
/// AWS's own error (here a hand-made rule holding the priority rnd takes next on its listener)
/// and point at `rnd logs`, not at the AWS CLI.
#[test]
fn a_refused_operation_is_reported_with_the_error_aws_gave() {
    let mut env = emulator_env();
    let arn = certificate(&env, "*.refused.example.com");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let receiver = runtime.block_on(Receiver::start(vec![]));
    let name = format!("rfs{}", std::process::id() % 100_000);
    let platform = format!(
        r#"{{ "name": "{name}", "region": "us-east-1",
             "routing": {{ "mode": "host", "domain": "refused.example.com" }},
             "certificate_arn": "{arn}" }}"#
    );
    let api = br#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo/api", "version": "v1", "port": 8080 }"#;
    let dir = crate::support::deployments_dir(platform.as_bytes(), &[("api.json", api)]);
    let d = dir.path().to_str().unwrap();
    env.push(("RND_SLACK_WEBHOOK_URL".into(), receiver.url()));
    push_images(&env, dir.path());
    let first = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);

    // Someone adds rules of their own to rnd's listener, at the next priorities.
    runtime.block_on(async {
        let config = crate::support::emulator::sdk_config(&env).await;
        let elb = aws_sdk_elasticloadbalancingv2::Client::new(&config);
        let https = crate::support::emulator::https_listener_arn(&elb, &name).await;
        use aws_sdk_elasticloadbalancingv2::types::{
            Action, ActionTypeEnum, FixedResponseActionConfig, HostHeaderConditionConfig, RuleCondition,
        };
        for priority in 2..=4 {
            elb.create_rule()
                .listener_arn(&https)
                .priority(priority)
                .conditions(
                    RuleCondition::builder()
                        .field("host-header")
                        .host_header_config(
                            HostHeaderConditionConfig::builder()
                                .values(format!("hand{priority}.refused.example.com"))
                                .build(),
                        )
                        .build(),
                )
                .actions(
                    Action::builder()
                        .r#type(ActionTypeEnum::FixedResponse)
                        .fixed_response_config(
                            FixedResponseActionConfig::builder().status_code("200").build(),
                        )
                        .build(),
                )
                .send()
                .await
                .unwrap();
        }
    });
    let chat = br#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo/chat", "version": "v1", "port": 8080 }"#;
    std::fs::write(dir.path().join("manifests/chat.json"), chat).unwrap();
    push_images(&env, dir.path());
    let before = receiver.delivered().len();
    let second = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(second.code, 1, "{}\n{}", second.stdout, second.stderr);
    let messages = receiver.delivered()[before..].to_vec();
    let headers = headers(&messages);
    assert!(
        headers.contains(&format!("rnd apply: chat failed on {name}")),
        "{headers:?}"
    );
    let failure = messages
        .iter()
        .find(|m| m.to_string().contains(&format!("chat failed on {name}")))
        .unwrap()
        .to_string();
    assert!(failure.contains("The specified priority is in use"), "{failure}");
    assert!(failure.contains("rnd logs chat"), "{failure}");
    assert!(
        !failure.contains("aws ecs") && !failure.contains("aws elbv2"),
        "{failure}"
    );
    let end = messages.last().unwrap().to_string();
    assert!(
        end.contains("*Failed*") && end.contains("The specified priority is in use"),
        "{end}"
    );
}

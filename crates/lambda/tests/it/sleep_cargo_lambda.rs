//! Scale to zero under cargo-lambda's local runtime (issue 16), with real event shapes: the
//! idle alarm's event (`tests/events/idle_alarm.json`, CloudWatch's Lambda alarm action) puts
//! the service to sleep; two requests at once through its wake target group
//! (`tests/events/alb_request.json`, an ALB Lambda-target event) start it once, a browser
//! getting the page that reloads itself and an API client `503` with `Retry-After`; once a task
//! is healthy the next request hands the route back. Slack says asleep, waking and awake.
//! Needs `scripts/emulator start` and cargo-lambda (`scripts/cargo-lambda`).

use std::sync::Arc;

use rnd_aws::{ApplyOptions, Clients};
use rnd_core::platform::ScaleToZero;
use rnd_core::repository::{validate_repository, SourceFile};
use rnd_slack::receiver::Receiver;
use serde_json::{json, Value};

use crate::cargo_lambda::{invoke, start};
use crate::support::{emulator_env, platform_json, sdk_config};

fn event(file: &str, replacements: &[(&str, &str)]) -> Value {
    let path = format!("{}/tests/events/{file}", env!("CARGO_MANIFEST_DIR"));
    let mut text = std::fs::read_to_string(path).unwrap();
    for (from, to) in replacements {
        text = text.replace(from, to);
    }
    serde_json::from_str(&text).unwrap()
}

/// rnd's function in the emulator (moto keeps it; the function under test runs locally).
async fn function_arn(clients: &Clients, name: &str) -> String {
    let role = clients
        .iam
        .create_role()
        .role_name(format!("{name}-role"))
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .expect("CreateRole");
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

async fn group_arn(clients: &Clients, name: &str) -> String {
    clients
        .elb
        .describe_target_groups()
        .names(name)
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_string()
}

async fn desired_count(clients: &Clients, platform: &str) -> i32 {
    clients
        .ecs
        .describe_services()
        .cluster(platform)
        .services("demo")
        .send()
        .await
        .unwrap()
        .services()[0]
        .desired_count()
}

fn titles(slack: &Receiver) -> Vec<String> {
    slack
        .delivered()
        .iter()
        .filter_map(|m| {
            m.pointer("/blocks/0/text/text")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alarm_puts_the_service_to_sleep_and_the_first_requests_wake_it_once() {
    let env = emulator_env();
    let config = sdk_config(&env).await;
    let clients = Clients::new(&config);
    let name = format!("sl{}", std::process::id() % 100_000);
    let domain = format!("{name}.example.com");
    let certificate = crate::support::certificate(&config, &domain).await;
    let function = function_arn(&clients, &format!("rnd-{name}")).await;

    // The platform, deployed with `demo` sleeping after 30 idle minutes.
    let report = validate_repository(
        &SourceFile {
            path: "platform.json".into(),
            bytes: platform_json(&name, &domain, &certificate).into_bytes(),
        },
        &[SourceFile {
            path: "manifests/demo.json".into(),
            bytes: br#"{ "image": "repo/demo", "version": "v1", "port": 8080, "idle_after": "30m" }"#
                .to_vec(),
        }],
    );
    let mut repository = report.repository.expect("valid");
    repository.platform.scale_to_zero = Some(ScaleToZero {
        function_arn: function.clone(),
    });
    let observed = rnd_aws::observe(&clients, &name).await.unwrap();
    let plan = rnd_core::plan::plan(&repository, &observed).unwrap();
    let sink = Arc::new(|_| {}) as rnd_aws::events::EventSink;
    let applied = rnd_aws::apply(&clients, &plan, &observed, ApplyOptions::default(), sink)
        .await
        .unwrap();
    assert!(applied.succeeded(), "{:#?}", applied.failures());

    let slack = Receiver::start(vec![]).await;
    let (port, _running) = start(
        &env,
        &[
            ("RND_PLATFORM", name.clone()),
            ("RND_SLACK_WEBHOOK_URL", slack.url()),
        ],
    );

    // The idle alarm fires.
    let alarm_name = format!("{name}-demo-idle");
    let alarm_arn = clients
        .cloudwatch
        .describe_alarms()
        .alarm_names(&alarm_name)
        .send()
        .await
        .unwrap()
        .metric_alarms()[0]
        .alarm_arn()
        .unwrap()
        .to_string();
    let alarm = event(
        "idle_alarm.json",
        &[("{{ALARM_ARN}}", &alarm_arn), ("{{ALARM_NAME}}", &alarm_name)],
    );
    let slept = tokio::task::block_in_place(|| invoke(port, &alarm));
    assert_eq!(
        (&slept["outcome"], &slept["from"], &slept["instances_given_back"]),
        (&json!("slept"), &json!(1), &json!(0)),
        "{slept}"
    );
    assert_eq!(desired_count(&clients, &name).await, 0);
    assert_eq!(titles(&slack), [format!("demo: asleep on {name}")]);

    // A browser and an API client at once, through the wake group.
    let wake_group = group_arn(&clients, &format!("{name}-demo-wake")).await;
    let request = |accept: &str| {
        event(
            "alb_request.json",
            &[("{{TARGET_GROUP_ARN}}", &wake_group), ("{{ACCEPT}}", accept)],
        )
    };
    let (browser, api) = (
        request("text/html,application/xhtml+xml"),
        request("application/json"),
    );
    let (page, json) = tokio::task::block_in_place(|| {
        std::thread::scope(|scope| {
            let page = scope.spawn(|| invoke(port, &browser));
            let json = scope.spawn(|| invoke(port, &api));
            (page.join().unwrap(), json.join().unwrap())
        })
    });
    assert_eq!(
        (page["statusCode"].as_u64(), json["statusCode"].as_u64()),
        (Some(503), Some(503))
    );
    assert!(
        page["body"].as_str().unwrap().contains("http-equiv=\"refresh\""),
        "{page}"
    );
    assert_eq!(page["headers"]["content-type"], "text/html; charset=utf-8");
    assert_eq!(json["headers"]["retry-after"], "60", "{json}");
    assert_eq!(json["headers"]["content-type"], "application/json");
    assert_eq!(desired_count(&clients, &name).await, 1);
    assert_eq!(
        titles(&slack),
        [
            format!("demo: asleep on {name}"),
            format!("demo: waking on {name}")
        ],
        "two first requests start the service once"
    );

    // A task turns healthy: the next request hands the route back.
    clients
        .elb
        .register_targets()
        .target_group_arn(group_arn(&clients, &format!("{name}-demo")).await)
        .targets(
            aws_sdk_elasticloadbalancingv2::types::TargetDescription::builder()
                .id("10.0.0.10")
                .port(8080)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let handed = tokio::task::block_in_place(|| invoke(port, &request("application/json")));
    assert_eq!(handed["headers"]["retry-after"], "1", "{handed}");
    assert_eq!(titles(&slack).last().unwrap(), &format!("demo: awake on {name}"));
    let observed = rnd_aws::observe(&clients, &name).await.unwrap();
    let after = rnd_core::plan::plan(&repository, &observed).unwrap();
    assert!(!after.has_changes(), "awake again, as planned");
}

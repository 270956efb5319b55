//! The reporter against a local stand-in for Slack's webhook: messages arrive in order, a 429 is
//! waited out, 5xx answers are retried, and a receiver that is down changes nothing but a warning.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rnd_aws::Event;
use rnd_core::plan::diff::Action;
use rnd_slack::receiver::{closed_port_url, Answer, Receiver};
use rnd_slack::summary::{Change, ServiceChange};
use rnd_slack::{RetryPolicy, RunContext, RunSummary, Webhook, WebhookUrl};

fn summary() -> RunSummary {
    let service = |name: &str, change: Change| ServiceChange {
        service: name.into(),
        change,
        operations: 1,
        monthly_delta: None,
        words: change.word().to_string(),
    };
    RunSummary {
        platform: "research".into(),
        region: "us-east-1".into(),
        context: RunContext::default(),
        services: vec![
            service("api", Change::Created),
            service("old", Change::Removed),
            service("worker", Change::Updated),
        ],
        operations: 3,
        addresses: BTreeMap::from([
            ("ecs_service.api".to_string(), "api".to_string()),
            ("ecs_service.old".to_string(), "old".to_string()),
            ("ecs_service.worker".to_string(), "worker".to_string()),
        ]),
        ..RunSummary::default()
    }
}

/// Quick retries, so the tests spend their time only on `Retry-After`.
fn webhook(url: &str) -> Webhook {
    let policy = RetryPolicy {
        attempts: 3,
        backoff: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(5),
        timeout: Duration::from_secs(5),
    };
    Webhook::new(WebhookUrl::parse(url).unwrap(), policy).unwrap()
}

/// A run in which `api` fails, `worker` is deployed and `old` removed.
fn run_events() -> Vec<Event> {
    vec![
        Event::RunStarted {
            platform: "research".into(),
            operations: 3,
        },
        Event::OperationStarted {
            address: "ecs_service.api".into(),
            action: Action::Create,
        },
        Event::OperationFailed {
            address: "ecs_service.api".into(),
            action: Action::Create,
            error: "InvalidParameterException: the image was not found".into(),
        },
        Event::OperationFinished {
            address: "ecs_service.worker".into(),
            action: Action::Update,
        },
        Event::OperationFinished {
            address: "ecs_service.old".into(),
            action: Action::Delete,
        },
        Event::ServiceFailed {
            service: "api".into(),
            errors: vec!["ecs_service.api: InvalidParameterException: the image was not found".into()],
        },
        Event::ServiceApplied {
            service: "old".into(),
        },
        Event::ServiceStable {
            service: "worker".into(),
        },
        Event::RunFinished {
            succeeded: 2,
            failed: 1,
            skipped: 0,
        },
    ]
}

fn header(message: &serde_json::Value) -> String {
    message["blocks"][0]["text"]["text"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_arrive_in_order_one_failure_message_per_service() {
    let receiver = Receiver::start(vec![]).await;
    let (sink, handle) = rnd_slack::start(webhook(&receiver.url()), summary());
    for event in run_events() {
        sink(event);
    }
    drop(sink);
    let report = handle.finish().await;
    assert_eq!(report.delivered, 3, "{report:?}");
    assert!(report.warnings.is_empty(), "{report:?}");
    let headers: Vec<String> = receiver.delivered().iter().map(header).collect();
    assert_eq!(
        headers,
        [
            "rnd apply: research — starting",
            "rnd apply: api failed on research",
            "rnd apply: research — 1 service failed",
        ]
    );
    let end = receiver.delivered()[2].to_string();
    for service in ["api", "old", "worker"] {
        assert!(end.contains(&format!("`{service}`")), "{end}");
    }
    assert!(receiver
        .requests()
        .iter()
        .all(|r| r.path == "/services/T0TEST/B0TEST/not-a-real-secret"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_is_waited_out_and_every_message_arrives() {
    let receiver = Receiver::start(vec![Answer::RateLimited(1), Answer::Ok, Answer::RateLimited(1)]).await;
    let (sink, handle) = rnd_slack::start(webhook(&receiver.url()), summary());
    let began = Instant::now();
    for event in run_events() {
        sink(event);
    }
    let report = handle.finish().await;
    assert_eq!(report.delivered, 3, "{report:?}");
    assert!(report.warnings.is_empty(), "{report:?}");
    assert_eq!(receiver.delivered().len(), 3);
    let statuses: Vec<u16> = receiver.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 200, 429, 200, 200]);
    assert!(
        began.elapsed() >= Duration::from_secs(2),
        "Retry-After was honoured"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn server_errors_are_retried_with_backoff() {
    let receiver = Receiver::start(vec![Answer::ServerError, Answer::ServerError]).await;
    let (sink, handle) = rnd_slack::start(webhook(&receiver.url()), summary());
    for event in run_events() {
        sink(event);
    }
    let report = handle.finish().await;
    assert_eq!(report.delivered, 3, "{report:?}");
    assert_eq!(receiver.requests().len(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_that_is_down_only_causes_warnings() {
    let url = closed_port_url().await;
    let (sink, handle) = rnd_slack::start(webhook(&url), summary());
    for event in run_events() {
        sink(event);
    }
    let report = handle.finish_within(Duration::from_secs(30)).await;
    assert_eq!(report.delivered, 0);
    assert_eq!(report.warnings.len(), 3, "{report:?}");
    for warning in &report.warnings {
        assert!(
            !warning.contains("not-a-real-secret"),
            "the URL stays secret: {warning}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_that_stops_early_still_gets_an_end_message() {
    let receiver = Receiver::start(vec![]).await;
    let (sink, handle) = rnd_slack::start(webhook(&receiver.url()), summary());
    sink(Event::RunStarted {
        platform: "research".into(),
        operations: 3,
    });
    sink(Event::ServiceStable {
        service: "worker".into(),
    });
    let report = handle.finish().await;
    assert_eq!(report.delivered, 2, "{report:?}");
    let end = &receiver.delivered()[1];
    assert_eq!(header(end), "rnd apply: research — stopped early");
    assert!(end.to_string().contains("*Not finished*"), "{end}");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_run_no_messages() {
    let receiver = Receiver::start(vec![]).await;
    let (sink, handle) = rnd_slack::start(webhook(&receiver.url()), summary());
    drop(sink);
    let report = handle.finish().await;
    assert_eq!(report, rnd_slack::Report::default());
    assert!(receiver.requests().is_empty());
}

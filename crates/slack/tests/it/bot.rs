//! The reporter as a bot, against a local stand-in for Slack's Web API: the start message is
//! posted once and becomes the result, failures are thread replies shown in the channel, finished
//! services go to the thread, and the token is sent as a bearer token but never shown.

use std::collections::BTreeMap;
use std::time::Duration;

use rnd_aws::Event;
use rnd_core::plan::diff::Action;
use rnd_slack::receiver::{Answer, Receiver};
use rnd_slack::summary::{Change, ServiceChange};
use rnd_slack::{Bot, BotToken, RetryPolicy, RunSummary};

const TOKEN: &str = "xoxb-test-not-a-real-token";

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
        urls: BTreeMap::from([("worker".to_string(), "https://worker.example.com/".to_string())]),
        ..RunSummary::default()
    }
}

fn bot(receiver: &Receiver) -> Bot {
    let policy = RetryPolicy {
        attempts: 3,
        backoff: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(5),
        timeout: Duration::from_secs(5),
    };
    Bot::new(
        BotToken::new(TOKEN).unwrap(),
        "#deploys".into(),
        &receiver.api_url(),
        policy,
    )
    .unwrap()
}

fn events() -> Vec<Event> {
    vec![
        Event::RunStarted {
            platform: "research".into(),
            operations: 3,
        },
        Event::OperationFailed {
            address: "ecs_service.api".into(),
            action: Action::Create,
            error: "InvalidParameterException: the image was not found".into(),
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

#[tokio::test(flavor = "multi_thread")]
async fn the_start_message_becomes_the_result_and_the_rest_goes_to_its_thread() {
    let receiver = Receiver::start(vec![]).await;
    let (sink, handle) = rnd_slack::start(bot(&receiver), summary());
    for event in events() {
        sink(event);
    }
    let report = handle.finish().await;
    assert!(report.warnings.is_empty(), "{report:?}");
    let requests = receiver.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    // Start, the failure, the first finished service at once, the rest batched, then the update.
    assert_eq!(
        paths,
        [
            "/api/chat.postMessage",
            "/api/chat.postMessage",
            "/api/chat.postMessage",
            "/api/chat.postMessage",
            "/api/chat.update"
        ]
    );
    assert_eq!(report.delivered, 5);
    let start = &requests[0];
    let root = start.ts.clone().unwrap();
    assert_eq!(start.body["channel"], "#deploys");
    assert!(start.body.get("thread_ts").is_none());
    assert!(start.body["text"].as_str().unwrap().contains("starting"));

    let failure = &requests[1];
    assert_eq!(
        failure.body["channel"], "C0TEST",
        "replies go to the channel's ID"
    );
    assert_eq!(failure.body["thread_ts"], root.as_str());
    assert_eq!(
        failure.body["reply_broadcast"], true,
        "failures show in the channel too"
    );
    assert!(failure.body["text"].as_str().unwrap().contains("api failed"));

    let progress: String = requests[2..4].iter().map(|r| r.body.to_string()).collect();
    for r in &requests[2..4] {
        assert_eq!(r.body["thread_ts"], root.as_str());
        assert!(r.body.get("reply_broadcast").is_none());
    }
    assert!(progress.contains("`old` removed"), "{progress}");
    assert!(
        progress.contains("`worker` deployed — https://worker.example.com/"),
        "{progress}"
    );

    let end = &requests[4];
    assert_eq!(
        end.body["ts"],
        root.as_str(),
        "the start message is updated in place"
    );
    assert_eq!(end.body["channel"], "C0TEST");
    assert!(end.body["text"].as_str().unwrap().contains("1 service failed"));

    for r in &requests {
        assert_eq!(
            r.authorization.as_deref(),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn slack_refusing_is_a_warning_with_a_hint_and_never_the_token() {
    let receiver = Receiver::start(vec![Answer::SlackError("not_in_channel")]).await;
    let (sink, handle) = rnd_slack::start(bot(&receiver), summary());
    for event in events() {
        sink(event);
    }
    let report = handle.finish().await;
    assert_eq!(report.warnings.len(), 1, "{report:?}");
    let warning = &report.warnings[0];
    assert!(
        warning.contains("not_in_channel (invite the bot to the channel)"),
        "{warning}"
    );
    assert!(!warning.contains(TOKEN), "{warning}");
    // Without a start message to update or thread under, the rest still reaches the channel.
    let last = receiver.requests().pop().unwrap();
    assert_eq!(last.path, "/api/chat.postMessage");
    assert!(last.body.get("thread_ts").is_none());
    assert!(last.body["text"].as_str().unwrap().contains("1 service failed"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limited_web_api_call_is_waited_out() {
    let receiver = Receiver::start(vec![Answer::RateLimited(1)]).await;
    let (sink, handle) = rnd_slack::start(bot(&receiver), summary());
    for event in events() {
        sink(event);
    }
    let report = handle.finish().await;
    assert!(report.warnings.is_empty(), "{report:?}");
    let statuses: Vec<u16> = receiver.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses[..2], [429, 200]);
    assert_eq!(receiver.requests().last().unwrap().path, "/api/chat.update");
}

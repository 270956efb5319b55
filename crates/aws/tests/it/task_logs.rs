//! The last log lines of a service's tasks, read from the emulator's CloudWatch Logs after the
//! test writes them. Needs `scripts/emulator start` (fails otherwise).

use crate::support::*;
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use rnd_aws::task_logs::last_lines;
use rnd_aws::Clients;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_lines_come_from_the_newest_stream_oldest_first() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let group = format!("/rnd/{}/api", unique("logs"));
    let logs = &clients.logs;
    logs.create_log_group()
        .log_group_name(&group)
        .send()
        .await
        .unwrap();
    assert_eq!(
        last_lines(&clients, &group, 5).await.unwrap(),
        Vec::<String>::new()
    );

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    for (stream, first_ms, lines) in [
        ("ecs/api/oldtask", now - 60_000, 3),
        ("ecs/api/newtask", now - 10_000, 30),
    ] {
        logs.create_log_stream()
            .log_group_name(&group)
            .log_stream_name(stream)
            .send()
            .await
            .unwrap();
        let events: Vec<InputLogEvent> = (0..lines)
            .map(|i| {
                InputLogEvent::builder()
                    .timestamp(first_ms + i)
                    .message(format!("line {i}\n"))
                    .build()
                    .unwrap()
            })
            .collect();
        logs.put_log_events()
            .log_group_name(&group)
            .log_stream_name(stream)
            .set_log_events(Some(events))
            .send()
            .await
            .unwrap();
    }

    let lines = last_lines(&clients, &group, 5).await.unwrap();
    let expected: Vec<String> = (25..30).map(|i| format!("[newtask] line {i}")).collect();
    assert_eq!(lines, expected);
}

//! `rnd logs` through the real binary against the AWS emulator, with tasks and log lines the test
//! makes: running tasks' lines by default, stopped tasks (with why they stopped) under
//! `--previous`, `--follow` printing a line written after it started, and a removed service's
//! lines still there after its manifest and the platform are gone.
//!
//! moto starts no tasks for services, so the test runs them itself with the service's group
//! (`service:<name>`), which is how ECS marks a service's tasks.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::support::emulator::{certificate, emulator_env, rnd_with, sdk_config};

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

/// Write `message` to the stream of `task`, as the awslogs driver would.
async fn write_line(logs: &aws_sdk_cloudwatchlogs::Client, group: &str, task: &str, message: &str) {
    let stream = format!("rnd/worker/{task}");
    let _ = logs
        .create_log_stream()
        .log_group_name(group)
        .log_stream_name(&stream)
        .send()
        .await;
    logs.put_log_events()
        .log_group_name(group)
        .log_stream_name(&stream)
        .log_events(
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(now_ms())
                .message(message)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("put a log event");
}

#[test]
fn logs_show_running_tasks_previous_shows_stopped_ones_and_follow_sees_new_lines() {
    let env = emulator_env();
    let arn = certificate(&env, "*.logs.example.com");
    let name = format!("log{}", std::process::id() % 100_000);
    let platform = format!(
        r#"{{ "name": "{name}", "region": "us-east-1",
             "routing": {{ "mode": "host", "domain": "logs.example.com" }},
             "certificate_arn": "{arn}" }}"#
    );
    let worker = br#"{ "image": "repo/worker", "version": "v1" }"#;
    let dir = crate::support::deployments_dir(platform.as_bytes(), &[("worker.json", worker)]);
    let d = dir.path().to_str().unwrap();
    let applied = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(applied.code, 0, "{}\n{}", applied.stdout, applied.stderr);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let group = format!("/rnd/{name}/worker");
    let logs = runtime.block_on(async { aws_sdk_cloudwatchlogs::Client::new(&sdk_config(&env).await) });
    let (running, stopped) = runtime.block_on(async {
        let ecs = aws_sdk_ecs::Client::new(&sdk_config(&env).await);
        let service = ecs
            .describe_services()
            .include(aws_sdk_ecs::types::ServiceField::Tags)
            .cluster(&name)
            .services("worker")
            .send()
            .await
            .unwrap();
        let task_definition = service.services()[0].task_definition().unwrap().to_string();
        let network = service.services()[0].network_configuration().cloned();
        let tasks = ecs
            .run_task()
            .cluster(&name)
            .task_definition(task_definition)
            .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
            .group("service:worker")
            .set_network_configuration(network)
            .count(2)
            .send()
            .await
            .expect("run tasks in the emulator");
        let ids: Vec<String> = tasks
            .tasks()
            .iter()
            .map(|t| t.task_arn().unwrap().rsplit('/').next().unwrap().to_string())
            .collect();
        ecs.stop_task()
            .cluster(&name)
            .task(&ids[1])
            .reason("Essential container in task exited")
            .send()
            .await
            .unwrap();
        write_line(&logs, &group, &ids[0], "hello from the running task").await;
        write_line(&logs, &group, &ids[1], "goodbye from the stopped task").await;
        (ids[0].clone(), ids[1].clone())
    });
    let short = |id: &str| id.chars().take(12).collect::<String>();

    let now = rnd_with(&env, &["logs", "worker", "--dir", d]);
    assert_eq!(now.code, 0, "{}\n{}", now.stdout, now.stderr);
    assert!(
        now.stdout
            .contains(&format!("[{}] hello from the running task", short(&running))),
        "{}",
        now.stdout
    );
    assert!(!now.stdout.contains("goodbye"), "{}", now.stdout);

    let previous = rnd_with(&env, &["logs", "worker", "--dir", d, "--previous"]);
    assert_eq!(previous.code, 0, "{}\n{}", previous.stdout, previous.stderr);
    let first = previous.stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(&format!("== task {} stopped", short(&stopped)))
            && first.contains("Essential container in task exited"),
        "why it stopped comes first: {}",
        previous.stdout
    );
    assert!(
        previous
            .stdout
            .contains(&format!("[{}] goodbye from the stopped task", short(&stopped))),
        "{}",
        previous.stdout
    );
    assert!(!previous.stdout.contains("hello"), "{}", previous.stdout);

    // --follow: start it, wait for the existing line, write a new one, see it arrive.
    let mut child = Command::new(env!("CARGO_BIN_EXE_rnd"))
        .args(["logs", "worker", "--dir", d, "--follow"])
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (lines, received) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let wait_for = |text: &str| loop {
        match received.recv_timeout(Duration::from_secs(30)) {
            Ok(line) if line.contains(text) => break,
            Ok(_) => {}
            Err(_) => panic!("`rnd logs --follow` did not print {text:?} within 30 s"),
        }
    };
    wait_for("hello from the running task");
    runtime.block_on(write_line(
        &logs,
        &group,
        &running,
        "a line written while following",
    ));
    wait_for("a line written while following");
    child.kill().unwrap();
    child.wait().unwrap();

    let unknown = rnd_with(&env, &["logs", "wroker", "--dir", d]);
    assert_ne!(unknown.code, 0);
    assert!(
        unknown.stderr.contains("did you mean `worker`?"),
        "{}",
        unknown.stderr
    );

    // Removing the manifest keeps the service's log group, and its lines stay readable.
    std::fs::remove_file(dir.path().join("manifests/worker.json")).unwrap();
    let removed = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(removed.code, 0, "{}\n{}", removed.stdout, removed.stderr);
    assert!(
        removed
            .stdout
            .contains(&format!("~ log_group.{group} (kept after its service's removal")),
        "{}",
        removed.stdout
    );
    assert!(
        removed.stdout.contains("- ecs_service.worker"),
        "{}",
        removed.stdout
    );
    let kept = rnd_with(
        &env,
        &["logs", "worker", "--dir", d, "--previous", "--since", "1h"],
    );
    assert_eq!(kept.code, 0, "{}\n{}", kept.stdout, kept.stderr);
    assert!(
        kept.stderr.contains("has no manifest (removed)"),
        "{}",
        kept.stderr
    );
    for line in ["goodbye from the stopped task", "hello from the running task"] {
        assert!(kept.stdout.contains(line), "{line}\n{}", kept.stdout);
    }
    let without_previous = rnd_with(&env, &["logs", "worker", "--dir", d]);
    assert_ne!(without_previous.code, 0);
    assert!(
        without_previous.stderr.contains("--previous"),
        "{}",
        without_previous.stderr
    );

    // Destroying keeps it too, and says what it keeps and how to remove it.
    let destroyed = rnd_with(&env, &["destroy", "--dir", d, "--yes"]);
    assert_eq!(destroyed.code, 0, "{}\n{}", destroyed.stdout, destroyed.stderr);
    for said in ["kept on purpose:", "log groups under", "secrets", "rnd-locks"] {
        assert!(destroyed.stdout.contains(said), "{said}\n{}", destroyed.stdout);
    }
    let after = rnd_with(
        &env,
        &["logs", "worker", "--dir", d, "--previous", "--since", "1h"],
    );
    assert_eq!(after.code, 0, "{}\n{}", after.stdout, after.stderr);
    assert!(
        after.stdout.contains("goodbye from the stopped task"),
        "{}",
        after.stdout
    );
}

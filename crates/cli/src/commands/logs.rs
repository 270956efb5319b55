//! `rnd logs <service>`: what a service's tasks wrote to CloudWatch Logs, each line marked with
//! its task. By default the running tasks' lines; `--previous` the tasks that stopped, each with
//! why it stopped first; `--follow` keeps printing new lines until interrupted.

use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Result};
use clap::Args;
use rnd_aws::service_logs::{log_group_exists, read_lines, service_tasks, LogLine, Streams, TaskInfo};
use rnd_aws::Clients;
use rnd_core::plan::naming::Names;
use rnd_core::validate::suggest::did_you_mean;

use super::load::valid_repository;
use super::DirArg;
use rnd_app::aws;
use rnd_app::exit::Code;

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The service: its manifest's file name without `.json`.
    pub service: String,
    #[command(flatten)]
    pub dir: DirArg,
    /// How far back to start, e.g. `10m`, `2h`, `1d`.
    #[arg(long, default_value = "10m", value_parser = humantime::parse_duration)]
    pub since: Duration,
    /// Keep printing new lines as they arrive (stop with Ctrl-C).
    #[arg(long, short)]
    pub follow: bool,
    /// The logs of tasks that already stopped, each with why it stopped.
    #[arg(long)]
    pub previous: bool,
    /// At most this many lines (the newest) before following.
    #[arg(long, default_value_t = 1000)]
    pub lines: usize,
}

/// How often `--follow` asks for new lines.
const FOLLOW_EVERY: Duration = Duration::from_secs(2);

pub fn run(args: &LogsArgs) -> Result<Code> {
    let Some(repository) = valid_repository(&args.dir.dir)? else {
        return Ok(Code::Failure);
    };
    let services: Vec<&str> = repository.manifests.iter().map(|m| m.name.as_str()).collect();
    let removed = !services.contains(&args.service.as_str());
    if removed && !args.previous {
        let hint = match did_you_mean(&args.service, &services, &[]) {
            Some(near) => format!("; did you mean `{near}`?"),
            None => format!("; the services are: {}", services.join(", ")),
        };
        bail!(
            "no service `{}` in {} (no manifests/{}.json){hint}; a removed service's lines are kept: \
             `rnd logs {} --previous --since 7d`",
            args.service,
            args.dir.dir.display(),
            args.service,
            args.service
        );
    }
    let names = Names::new(&repository.platform.name);
    let group = names.log_group(&args.service);
    let runtime = aws::runtime()?;
    runtime.block_on(async {
        let clients = aws::clients(&repository.platform.region).await;
        let tasks = if removed {
            // No manifest: a removed service, whose log group rnd keeps until its lines expire.
            if !log_group_exists(&clients, &group).await? {
                bail!(
                    "no service `{}` in {} and no log group {group} kept from one that was removed",
                    args.service,
                    args.dir.dir.display()
                );
            }
            eprintln!(
                "{} has no manifest (removed): its log group {group} is kept; showing what its tasks wrote",
                args.service
            );
            // ECS may still remember its last tasks (about an hour), or not the service at all.
            service_tasks(&clients, &names.cluster(), &names.ecs_service(&args.service))
                .await
                .unwrap_or_default()
        } else {
            service_tasks(&clients, &names.cluster(), &names.ecs_service(&args.service)).await?
        };
        // A removed service runs nothing of rnd's any more: every stream of its group is shown.
        let running: BTreeSet<String> = tasks
            .iter()
            .filter(|t| t.running && !removed)
            .map(|t| names.log_stream(&args.service, &t.id))
            .collect();
        let running: Vec<String> = running.into_iter().collect();
        let excluded: BTreeSet<String> = running.iter().cloned().collect();
        let streams = if args.previous {
            for task in tasks.iter().filter(|t| !t.running) {
                println!("{}", stopped_line(task));
            }
            Streams::AllBut(&excluded)
        } else {
            if running.is_empty() {
                eprintln!(
                    "no task of {} is running now; `rnd logs {} --previous` shows the tasks that stopped",
                    args.service, args.service
                );
                if !args.follow {
                    return Ok(Code::Success);
                }
            }
            Streams::Only(&running)
        };
        let start = millis(SystemTime::now() - args.since);
        let lines = read_lines(&clients, &group, streams, start, args.lines).await?;
        if args.previous && lines.is_empty() && !tasks.iter().any(|t| !t.running) {
            eprintln!(
                "no stopped task of {} wrote anything in the last {} (ECS remembers stopped tasks \
                 for about an hour; --since 7d reaches further back in its log group)",
                args.service,
                humantime::format_duration(args.since)
            );
        }
        for line in &lines {
            println!("{}", format_line(line));
        }
        if args.follow {
            follow(&clients, &group, streams, lines).await?;
        }
        Ok(Code::Success)
    })
}

/// Print new lines every [`FOLLOW_EVERY`], forever: a line is new when its event id was not
/// printed (reads overlap by a few seconds, since CloudWatch may file late events slightly back).
async fn follow(clients: &Clients, group: &str, streams: Streams<'_>, printed: Vec<LogLine>) -> Result<()> {
    let mut seen: HashSet<String> = printed.iter().map(|l| l.event_id.clone()).collect();
    let mut newest = printed
        .last()
        .map(|l| l.timestamp)
        .unwrap_or_else(|| millis(SystemTime::now()));
    loop {
        tokio::time::sleep(FOLLOW_EVERY).await;
        let start = newest - 5_000;
        for line in read_lines(clients, group, streams, start, 10_000).await? {
            if seen.insert(line.event_id.clone()) {
                println!("{}", format_line(&line));
                newest = newest.max(line.timestamp);
            }
        }
    }
}

/// `2026-11-27T21:04:05Z [3f2a9c1e7b4d] the line`.
fn format_line(line: &LogLine) -> String {
    let at = UNIX_EPOCH + Duration::from_millis(line.timestamp.max(0) as u64);
    let task: String = line.task.chars().take(12).collect();
    format!(
        "{} [{task}] {}",
        humantime::format_rfc3339_seconds(at),
        line.message
    )
}

/// `task 3f2a9c1e7b4d stopped at …: Essential container in task exited (api exited 1)`.
fn stopped_line(task: &TaskInfo) -> String {
    let id: String = task.id.chars().take(12).collect();
    let at = task
        .stopped_at
        .as_deref()
        .map(|t| format!(" at {t}"))
        .unwrap_or_default();
    let reason = task.stopped_reason.as_deref().unwrap_or("no reason given");
    let containers = if task.containers.is_empty() {
        String::new()
    } else {
        format!(" ({})", task.containers.join(", "))
    };
    format!("== task {id} stopped{at}: {reason}{containers}")
}

fn millis(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

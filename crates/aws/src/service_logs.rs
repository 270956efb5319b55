//! A service's logs for `rnd logs`: which of its tasks run and which stopped (and why, while ECS
//! still remembers: about an hour), and the lines its tasks wrote to CloudWatch Logs, each with
//! the task that wrote it. Reads only.

use std::collections::BTreeSet;

use aws_sdk_ecs::types::DesiredStatus;

use crate::{AwsError, Clients};

/// One task of a service, as ECS describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    /// The task's id: the last part of its ARN, and of its log stream's name.
    pub id: String,
    pub running: bool,
    /// RFC 3339, when it stopped.
    pub stopped_at: Option<String>,
    /// Why ECS stopped it (`Essential container in task exited`, `Task failed ELB health checks…`).
    pub stopped_reason: Option<String>,
    /// Each container's exit code and reason, when it has one: `api exited 137 (OutOfMemoryError)`.
    pub containers: Vec<String>,
}

/// The tasks of `ecs_service` in `cluster`, running first, then stopped (as far as ECS knows).
pub async fn service_tasks(
    clients: &Clients,
    cluster: &str,
    ecs_service: &str,
) -> Result<Vec<TaskInfo>, AwsError> {
    let mut tasks = Vec::new();
    for status in [DesiredStatus::Running, DesiredStatus::Stopped] {
        let mut arns = Vec::new();
        let mut pages = clients
            .ecs
            .list_tasks()
            .cluster(cluster)
            .service_name(ecs_service)
            .desired_status(status.clone())
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| AwsError::call("ListTasks", ecs_service, e))?;
            arns.extend(page.task_arns().iter().cloned());
        }
        for batch in arns.chunks(100) {
            let described = clients
                .ecs
                .describe_tasks()
                .cluster(cluster)
                .set_tasks(Some(batch.to_vec()))
                .send()
                .await
                .map_err(|e| AwsError::call("DescribeTasks", ecs_service, e))?;
            // A service's tasks are in the group `service:<name>`: this keeps other tasks out
            // even where `serviceName` is not filtered on.
            let group = format!("service:{ecs_service}");
            for task in described
                .tasks()
                .iter()
                .filter(|t| t.group() == Some(group.as_str()))
            {
                let Some(id) = task.task_arn().and_then(|a| a.rsplit('/').next()) else {
                    continue;
                };
                tasks.push(TaskInfo {
                    id: id.to_string(),
                    running: status == DesiredStatus::Running,
                    stopped_at: task.stopped_at().map(|t| t.to_string()),
                    stopped_reason: task.stopped_reason().map(str::to_string),
                    containers: task
                        .containers()
                        .iter()
                        .filter_map(|c| {
                            let code = c.exit_code()?;
                            let reason = c.reason().map(|r| format!(" ({r})")).unwrap_or_default();
                            Some(format!(
                                "{} exited {code}{reason}",
                                c.name().unwrap_or("container")
                            ))
                        })
                        .collect(),
                });
            }
        }
    }
    Ok(tasks)
}

/// One line a task wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Milliseconds since the epoch, as CloudWatch Logs stamps it.
    pub timestamp: i64,
    /// The task that wrote it (from its log stream's name).
    pub task: String,
    pub message: String,
    /// CloudWatch's event id: two reads of overlapping windows share ids.
    pub event_id: String,
}

/// Which streams to read.
#[derive(Debug, Clone, Copy)]
pub enum Streams<'a> {
    /// Only these (at most 100 at a time, CloudWatch's limit; more are read in turns).
    Only(&'a [String]),
    /// Every stream of the group except these.
    AllBut(&'a BTreeSet<String>),
}

/// The lines of `log_group` from `start` (ms since the epoch) on, oldest first, at most `limit`
/// (the newest are kept when there are more).
pub async fn read_lines(
    clients: &Clients,
    log_group: &str,
    streams: Streams<'_>,
    start: i64,
    limit: usize,
) -> Result<Vec<LogLine>, AwsError> {
    let mut lines = Vec::new();
    let batches: Vec<Option<Vec<String>>> = match streams {
        Streams::Only([]) => return Ok(lines),
        Streams::Only(names) => names.chunks(100).map(|c| Some(c.to_vec())).collect(),
        Streams::AllBut(_) => vec![None],
    };
    for names in batches {
        let mut pages = clients
            .logs
            .filter_log_events()
            .log_group_name(log_group)
            .set_log_stream_names(names)
            .start_time(start)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = match page {
                Ok(page) => page,
                // No group yet (the service never ran a task): no lines, not an error.
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_resource_not_found_exception()) =>
                {
                    return Ok(Vec::new())
                }
                Err(e) => return Err(AwsError::call("FilterLogEvents", log_group, e)),
            };
            for event in page.events() {
                let stream = event.log_stream_name().unwrap_or_default();
                if let Streams::AllBut(excluded) = streams {
                    if excluded.contains(stream) {
                        continue;
                    }
                }
                lines.push(LogLine {
                    timestamp: event.timestamp().unwrap_or_default(),
                    task: stream.rsplit('/').next().unwrap_or(stream).to_string(),
                    message: event.message().unwrap_or_default().trim_end().to_string(),
                    event_id: event.event_id().unwrap_or_default().to_string(),
                });
            }
            // Keep memory bounded on a chatty service: only the newest `limit` are shown.
            if lines.len() > 2 * limit.max(1) {
                lines.sort_by_key(|l| l.timestamp);
                lines.drain(..lines.len() - limit);
            }
        }
    }
    lines.sort_by(|a, b| (a.timestamp, &a.event_id).cmp(&(b.timestamp, &b.event_id)));
    let skip = lines.len().saturating_sub(limit);
    lines.drain(..skip);
    Ok(lines)
}

/// Whether the log group `name` exists (a removed service's is kept: `rnd_core::plan::kept`).
pub async fn log_group_exists(clients: &Clients, name: &str) -> Result<bool, AwsError> {
    let out = clients
        .logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeLogGroups", name, e))?;
    Ok(out.log_groups().iter().any(|g| g.log_group_name() == Some(name)))
}

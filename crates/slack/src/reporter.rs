//! The executor's events turned into Slack messages as the run goes: the start message at
//! `RunStarted`, a failure message per service as soon as it fails, the end message at
//! `RunFinished`. Messages go out in order from one task; the sink only forwards into a channel,
//! so the executor never waits for Slack. A message Slack does not take is a warning, never an
//! error: the deployment's outcome does not depend on Slack.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use rnd_aws::{Clients, Event, EventSink};
use rnd_core::plan::diff::Action;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::blocks::{
    progress, run_finished, run_started, service_failed, RunResult, ServiceFailure, ServiceOutcome,
};
use crate::destination::{Destination, Outbox};
use crate::http::DeliveryError;
use crate::summary::{Change, RunSummary};

/// What the reporter did, for the caller to show or test.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Messages Slack accepted.
    pub delivered: usize,
    /// One per message Slack did not take, or per problem (never containing the URL).
    pub warnings: Vec<String>,
}

/// Waits for the last messages. Call [`ReporterHandle::finish`] before the process exits.
pub struct ReporterHandle {
    task: JoinHandle<Report>,
    close: oneshot::Sender<()>,
}

/// Longest [`ReporterHandle::finish`] waits for messages still being delivered.
pub const FINISH_TIMEOUT: Duration = Duration::from_secs(90);

impl ReporterHandle {
    /// Deliver what is queued (after the run, no more events are coming) and report.
    pub async fn finish(self) -> Report {
        self.finish_within(FINISH_TIMEOUT).await
    }

    pub async fn finish_within(self, limit: Duration) -> Report {
        let _ = self.close.send(());
        let abort = self.task.abort_handle();
        match tokio::time::timeout(limit, self.task).await {
            Ok(Ok(report)) => report,
            Ok(Err(e)) => Report {
                delivered: 0,
                warnings: vec![warn(format!("the Slack reporter stopped: {e}"))],
            },
            Err(_) => {
                abort.abort();
                Report {
                    delivered: 0,
                    warnings: vec![warn(format!(
                        "gave up on Slack messages still unsent after {}s",
                        limit.as_secs()
                    ))],
                }
            }
        }
    }
}

/// Log lines a failure message shows.
const LOG_LINES: usize = 15;

/// Start reporting to `destination` (a webhook or a bot). Must be called within a tokio runtime.
pub fn start(destination: impl Into<Destination>, summary: RunSummary) -> (EventSink, ReporterHandle) {
    start_reporting(destination.into(), summary, None)
}

/// Like [`start`], and each failure message also shows the last lines the failed service's
/// tasks logged, read through `clients` (a few seconds at most; without them if AWS is slow).
pub fn start_with_logs(
    destination: impl Into<Destination>,
    summary: RunSummary,
    clients: Clients,
) -> (EventSink, ReporterHandle) {
    start_reporting(destination.into(), summary, Some(clients))
}

fn start_reporting(
    destination: Destination,
    summary: RunSummary,
    logs: Option<Clients>,
) -> (EventSink, ReporterHandle) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let (close, closed) = oneshot::channel();
    let state = State::new(destination, summary, logs);
    let task = tokio::spawn(state.run(receiver, closed));
    (rnd_aws::events::channel(sender), ReporterHandle { task, close })
}

/// A warning goes to standard error at once (the run goes on) and into the report.
fn warn(text: String) -> String {
    eprintln!("warning: Slack: {text}");
    text
}

struct State {
    out: Outbox,
    /// Where failed services' last log lines are read from, when given.
    logs: Option<Clients>,
    summary: Arc<RunSummary>,
    report: Report,
    started: bool,
    finished: bool,
    /// `update ecs_service.api` per service, from `OperationFailed`.
    failed_operations: BTreeMap<String, Vec<String>>,
    first_errors: BTreeMap<String, Vec<String>>,
    /// Services whose failure message went out.
    reported: BTreeSet<String>,
    result: RunResult,
}

impl State {
    fn new(destination: Destination, summary: RunSummary, logs: Option<Clients>) -> Self {
        let outcomes = summary
            .services
            .iter()
            .map(|s| (s.service.clone(), ServiceOutcome::Unknown))
            .collect();
        State {
            out: Outbox::new(destination),
            logs,
            summary: Arc::new(summary),
            report: Report::default(),
            started: false,
            finished: false,
            failed_operations: BTreeMap::new(),
            first_errors: BTreeMap::new(),
            reported: BTreeSet::new(),
            result: RunResult {
                outcomes,
                ..RunResult::default()
            },
        }
    }

    async fn run(
        mut self,
        mut events: mpsc::UnboundedReceiver<Event>,
        mut closed: oneshot::Receiver<()>,
    ) -> Report {
        while !self.finished {
            tokio::select! {
                // Events first: what the run said before it ended is reported before closing.
                biased;
                event = events.recv() => match event {
                    Some(event) => self.handle(event).await,
                    None => break,
                },
                _ = &mut closed => {
                    while let Ok(event) = events.try_recv() {
                        self.handle(event).await;
                    }
                    break;
                }
            }
        }
        if self.started && !self.finished {
            // The run stopped without finishing (an error): say so rather than leave the
            // channel thinking it is still going.
            self.result.interrupted = true;
            self.end().await;
        }
        self.report
    }

    async fn handle(&mut self, event: Event) {
        match event {
            Event::RunStarted { .. } => {
                self.started = true;
                let message = run_started(&self.summary);
                let sent = self.out.start(&message).await;
                self.note(sent, &message);
            }
            Event::OperationFailed {
                address,
                action,
                error,
            } => {
                let Some(service) = self.summary.addresses.get(&address).cloned() else {
                    return;
                };
                self.failed_operations
                    .entry(service.clone())
                    .or_default()
                    .push(format!("{} {address}", action_word(action)));
                self.first_errors
                    .entry(service.clone())
                    .or_default()
                    .push(format!("{address}: {error}"));
                // As soon as it fails: the service's other operations may still be running.
                if self.reported.insert(service.clone()) {
                    let errors = self.first_errors[&service].clone();
                    self.send_failure(&service, errors).await;
                }
            }
            Event::ServiceApplied { service } | Event::ServiceStable { service } => {
                let (outcome, word) = if self.summary.change_of(&service) == Some(Change::Removed) {
                    (ServiceOutcome::Removed, "removed")
                } else {
                    (ServiceOutcome::Deployed, "deployed")
                };
                let url = self
                    .summary
                    .urls
                    .get(&service)
                    .map(|u| format!(" — {u}"))
                    .unwrap_or_default();
                let line = format!("`{service}` {word}{url}");
                self.result.outcomes.insert(service, outcome);
                if self.out.finished(line) {
                    self.flush_progress().await;
                }
            }
            Event::ServiceFailed { service, errors } => {
                self.result.outcomes.insert(
                    service.clone(),
                    ServiceOutcome::Failed {
                        errors: errors.clone(),
                    },
                );
                // Failures no operation showed (the deployment did not become stable).
                if self.reported.insert(service.clone()) {
                    self.send_failure(&service, errors).await;
                }
            }
            Event::RunFinished {
                succeeded,
                failed,
                skipped,
            } => {
                self.result.succeeded = succeeded;
                self.result.failed = failed;
                self.result.skipped = skipped;
                self.finished = true;
                self.end().await;
            }
            Event::OperationStarted { .. }
            | Event::OperationFinished { .. }
            | Event::OperationSkipped { .. } => {}
        }
    }

    async fn send_failure(&mut self, service: &str, errors: Vec<String>) {
        let failure = ServiceFailure {
            service: service.to_string(),
            failed_operations: self.failed_operations.get(service).cloned().unwrap_or_default(),
            errors,
            log_lines: self.last_log_lines(service).await,
        };
        let message = service_failed(&self.summary, &failure);
        let sent = self.out.failure(&message).await;
        self.note(sent, &message);
    }

    /// The end message, after the progress still untold.
    async fn end(&mut self) {
        self.flush_progress().await;
        let message = run_finished(&self.summary, &self.result);
        let sent = self.out.end(&message).await;
        self.note(sent, &message);
    }

    async fn flush_progress(&mut self) {
        if let Some(sent) = self.out.flush_progress(progress).await {
            self.note_as(sent, "a progress reply");
        }
    }

    /// The service's last log lines, or none when they cannot be read quickly: a report
    /// without them beats a late one.
    async fn last_log_lines(&self, service: &str) -> Vec<String> {
        let (Some(clients), Some(group)) = (&self.logs, self.summary.log_groups.get(service)) else {
            return Vec::new();
        };
        let read = rnd_aws::task_logs::last_lines(clients, group, LOG_LINES);
        match tokio::time::timeout(Duration::from_secs(5), read).await {
            Ok(Ok(lines)) => lines,
            Ok(Err(e)) => {
                tracing::warn!(service, error = %e, "no log lines for the failure report");
                Vec::new()
            }
            Err(_) => Vec::new(),
        }
    }

    /// Count a delivery, or warn about it (naming the message, never the destination).
    fn note(&mut self, sent: Result<(), DeliveryError>, message: &Value) {
        let what = message["text"].as_str().unwrap_or("a message");
        self.note_as(sent, what);
    }

    fn note_as(&mut self, sent: Result<(), DeliveryError>, what: &str) {
        match sent {
            Ok(()) => self.report.delivered += 1,
            Err(e) => {
                let warning = warn(format!("not delivered ({e}): {what}"));
                self.report.warnings.push(warning);
            }
        }
    }
}

fn action_word(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Replace => "replace",
        Action::Delete => "delete",
    }
}

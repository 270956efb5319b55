//! Progress of a run, as events a frontend turns into progress bars or Slack messages.

use std::sync::Arc;

use rnd_core::plan::diff::Action;

/// One thing that happened during an apply.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    RunStarted {
        platform: String,
        operations: usize,
    },
    OperationStarted {
        address: String,
        action: Action,
    },
    OperationFinished {
        address: String,
        action: Action,
    },
    OperationFailed {
        address: String,
        action: Action,
        error: String,
    },
    /// Not attempted because an operation it depends on failed.
    OperationSkipped {
        address: String,
        failed_dependency: String,
    },
    /// Every operation of the service succeeded (and it was not waited for).
    ServiceApplied {
        service: String,
    },
    /// Every operation succeeded and the ECS service reached a steady state.
    ServiceStable {
        service: String,
    },
    /// An operation failed or was skipped, or the service did not become stable.
    ServiceFailed {
        service: String,
        errors: Vec<String>,
    },
    RunFinished {
        succeeded: usize,
        failed: usize,
        skipped: usize,
    },
}

/// Where events go. Called from several tasks at once; keep it quick (send to a channel).
pub type EventSink = Arc<dyn Fn(Event) + Send + Sync>;

/// A sink that drops every event.
pub fn discard() -> EventSink {
    Arc::new(|_| {})
}

/// A sink that forwards events to a channel, for frontends that render them elsewhere.
pub fn channel(sender: tokio::sync::mpsc::UnboundedSender<Event>) -> EventSink {
    Arc::new(move |event| {
        // The receiver gone means nobody is watching; the run goes on.
        let _ = sender.send(event);
    })
}

//! Slack reports of rnd runs: a message when a run starts, one per failed service as it fails,
//! and one when it ends, as Block Kit payloads posted to an incoming webhook.
//!
//! Invariants: no secret values (messages carry names, addresses, amounts, URLs and AWS's
//! errors, never settings' values; the webhook URL itself is never logged), and Slack never
//! decides a deployment's outcome (an undelivered message is a warning).

pub mod blocks;
pub mod limits;
#[cfg(feature = "test-receiver")]
pub mod receiver;
pub mod reporter;
pub mod resolve;
pub mod summary;
pub mod webhook;

pub use reporter::{start, start_with_logs, Report, ReporterHandle};
pub use resolve::{resolve, Resolved};
pub use summary::{RunContext, RunSummary};
pub use webhook::{RetryPolicy, Webhook, WebhookUrl};

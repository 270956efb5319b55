//! Slack reports of rnd runs: a message when a run starts, one per failed service as it fails,
//! and one when it ends, as Block Kit payloads posted to an incoming webhook, or with a bot token
//! to a channel, where the start message becomes the result and progress goes to its thread.
//!
//! Invariants: no secret values (messages carry names, addresses, amounts, URLs and AWS's
//! errors, never settings' values; the webhook URL and the bot token are never logged), and Slack never
//! decides a deployment's outcome (an undelivered message is a warning).

pub mod blocks;
pub mod bot;
pub mod destination;
mod http;
pub mod limits;
pub mod notices;
#[cfg(feature = "test-receiver")]
pub mod receiver;
pub mod reporter;
pub mod resolve;
pub mod summary;
pub mod webhook;

pub use bot::{Bot, BotToken};
pub use destination::Destination;
pub use http::{DeliveryError, RetryPolicy};
pub use reporter::{start, start_with_logs, Report, ReporterHandle};
pub use resolve::{resolve, secret_needed, Resolved};
pub use summary::{RunContext, RunSummary};
pub use webhook::{Webhook, WebhookUrl};

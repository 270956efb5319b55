//! Where a run's messages go, and how they are laid out there. To an incoming webhook every
//! message is a new post. With a bot token the start message is posted once and later replaced
//! by the result (`chat.update`), failures are thread replies also shown in the channel, and
//! services finishing are batched into thread replies, at most one per [`PROGRESS_EVERY`], so a
//! large run keeps to Slack's rate of about one message per second per channel.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::bot::{Bot, MessageRef};
use crate::http::DeliveryError;
use crate::webhook::Webhook;

/// Where to post.
pub enum Destination {
    Webhook(Webhook),
    Bot(Bot),
}

impl From<Webhook> for Destination {
    fn from(webhook: Webhook) -> Self {
        Destination::Webhook(webhook)
    }
}

impl From<Bot> for Destination {
    fn from(bot: Bot) -> Self {
        Destination::Bot(bot)
    }
}

impl Destination {
    /// Post one message on its own (a notice outside a run).
    pub async fn post(&self, message: &Value) -> Result<(), DeliveryError> {
        match self {
            Destination::Webhook(webhook) => webhook.post(message).await,
            Destination::Bot(bot) => bot.post(message, None, false).await.map(|_| ()),
        }
    }
}

/// Shortest time between two progress replies in a thread.
pub const PROGRESS_EVERY: Duration = Duration::from_secs(2);

/// A destination and what this run has posted there.
pub(crate) struct Outbox {
    destination: Destination,
    /// The start message, once the bot posted it: updated at the end, threads the rest.
    root: Option<MessageRef>,
    /// Services finished and not yet told in the thread.
    progress: Vec<String>,
    last_progress: Option<Instant>,
}

impl Outbox {
    pub(crate) fn new(destination: Destination) -> Self {
        Outbox {
            destination,
            root: None,
            progress: Vec::new(),
            last_progress: None,
        }
    }

    pub(crate) async fn start(&mut self, message: &Value) -> Result<(), DeliveryError> {
        match &self.destination {
            Destination::Webhook(webhook) => webhook.post(message).await,
            Destination::Bot(bot) => {
                self.root = Some(bot.post(message, None, false).await?);
                Ok(())
            }
        }
    }

    /// A failure: in the run's thread and in the channel, so nobody misses it.
    pub(crate) async fn failure(&mut self, message: &Value) -> Result<(), DeliveryError> {
        match &self.destination {
            Destination::Webhook(webhook) => webhook.post(message).await,
            Destination::Bot(bot) => bot.post(message, self.root.as_ref(), true).await.map(|_| ()),
        }
    }

    /// Note a service that finished; `true` when a progress reply is due now.
    pub(crate) fn finished(&mut self, line: String) -> bool {
        if !matches!(self.destination, Destination::Bot(_)) {
            return false;
        }
        self.progress.push(line);
        self.last_progress.is_none_or(|at| at.elapsed() >= PROGRESS_EVERY)
    }

    /// Post the progress noted so far as one thread reply (bot mode, once the start is posted).
    pub(crate) async fn flush_progress(
        &mut self,
        build: impl Fn(&[String]) -> Value,
    ) -> Option<Result<(), DeliveryError>> {
        let (Destination::Bot(bot), Some(root)) = (&self.destination, &self.root) else {
            return None;
        };
        if self.progress.is_empty() {
            return None;
        }
        let lines = std::mem::take(&mut self.progress);
        self.last_progress = Some(Instant::now());
        Some(bot.post(&build(&lines), Some(root), false).await.map(|_| ()))
    }

    /// The end: the start message becomes the result (bot), or a new post.
    pub(crate) async fn end(&mut self, message: &Value) -> Result<(), DeliveryError> {
        match (&self.destination, &self.root) {
            (Destination::Webhook(webhook), _) => webhook.post(message).await,
            (Destination::Bot(bot), Some(root)) => bot.update(root, message).await,
            (Destination::Bot(bot), None) => bot.post(message, None, false).await.map(|_| ()),
        }
    }
}

/// Where `resolved` says to post, with Slack's default retry policy: `Ok(None)` when Slack is
/// off, `Err(why)` when it is configured but unusable (for a warning; never the credential).
pub fn connect(resolved: crate::Resolved) -> Result<Option<(Destination, Option<String>)>, String> {
    use crate::{Bot, Resolved, RetryPolicy, Webhook};
    match resolved {
        Resolved::Off => Ok(None),
        Resolved::Unusable(why) => Err(why),
        Resolved::Webhook { url, warning } => Webhook::new(url, RetryPolicy::default())
            .map(|w| Some((w.into(), warning)))
            .map_err(|e| format!("{e}; no reports for this run")),
        Resolved::Bot { token, channel, api } => Bot::new(token, channel, &api, RetryPolicy::default())
            .map(|b| Some((b.into(), None)))
            .map_err(|e| format!("{e}; no reports for this run")),
    }
}

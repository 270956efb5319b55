//! Slack reports for `rnd apply` and `rnd destroy`, when a webhook URL is configured (see
//! `rnd-slack`); otherwise nothing. Slack problems are warnings: they never change the exit code.

use std::path::Path;
use std::process::Command;

use rnd_aws::EventSink;
use rnd_core::plan::Plan;
use rnd_core::repository::Repository;
use rnd_slack::{Resolved, RetryPolicy, RunContext, RunSummary, Webhook};

/// Start reporting this run (failure messages with the service's last log lines, read through
/// `clients`), or `None` when Slack is not configured or not usable.
pub fn start(
    clients: &rnd_aws::Clients,
    repository: &Repository,
    plan: &Plan,
    context: RunContext,
) -> Option<(EventSink, rnd_slack::ReporterHandle)> {
    let target = &repository.platform.notifications.slack;
    let url = match rnd_slack::resolve(target, |name| std::env::var(name).ok()) {
        Resolved::Off => return None,
        Resolved::Unusable(why) => {
            eprintln!("warning: Slack: {why}");
            return None;
        }
        Resolved::Webhook { url, warning } => {
            if let Some(why) = warning {
                eprintln!("warning: Slack: {why}");
            }
            url
        }
    };
    let webhook = match Webhook::new(url, RetryPolicy::default()) {
        Ok(webhook) => webhook,
        Err(e) => {
            eprintln!("warning: Slack: {e}; no reports for this run");
            return None;
        }
    };
    let summary = RunSummary::from_plan(plan, context);
    Some(rnd_slack::start_with_logs(webhook, summary, clients.clone()))
}

/// Which commit and author the run deploys: from the CI environment, else from git in the
/// deployments directory. It runs git, so call it before entering the async runtime.
pub fn run_context(dir: &Path, destroy: bool) -> RunContext {
    RunContext {
        commit: std::env::var("GITHUB_SHA")
            .ok()
            .or_else(|| git(dir, &["rev-parse", "HEAD"])),
        author: std::env::var("GITHUB_ACTOR")
            .ok()
            .or_else(|| git(dir, &["log", "-1", "--format=%an"])),
        destroy,
    }
}

/// One line of git's output about the deployments directory, if it is a repository.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git").arg("-C").arg(dir).args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

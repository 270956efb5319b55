//! Slack reports for `rnd apply` and `rnd destroy`, when a webhook URL or a bot token is
//! configured (see `rnd-slack`); otherwise nothing. Slack problems are warnings: they never change the exit code.

use std::path::Path;
use std::process::Command;

use rnd_aws::EventSink;
use rnd_core::plan::Plan;
use rnd_core::repository::Repository;
use rnd_slack::{RunContext, RunSummary};

/// Start reporting this run (failure messages with the service's last log lines, read through
/// `clients`), or `None` when Slack is not configured or not usable.
pub fn start(
    clients: &rnd_aws::Clients,
    repository: &Repository,
    plan: &Plan,
    context: RunContext,
) -> Option<(EventSink, rnd_slack::ReporterHandle)> {
    let target = &repository.platform.notifications.slack;
    // TODO(secrets): read the secret `secret_needed` names once the secret store is wired in.
    let secret = rnd_slack::secret_needed(target).map(|name| {
        Err(format!(
            "reading `{name}` from the secret store is not wired in yet"
        ))
    });
    let resolved = rnd_slack::resolve(target, |name| std::env::var(name).ok(), secret);
    let destination = match rnd_slack::destination::connect(resolved) {
        Ok(Some((destination, warning))) => {
            if let Some(why) = warning {
                eprintln!("warning: Slack: {why}");
            }
            destination
        }
        Ok(None) => return None,
        Err(why) => {
            eprintln!("warning: Slack: {why}");
            return None;
        }
    };
    let summary = RunSummary::from_plan(plan, context);
    Some(rnd_slack::start_with_logs(destination, summary, clients.clone()))
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

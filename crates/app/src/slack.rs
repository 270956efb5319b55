//! Slack reports for an apply or a destroy, when a webhook URL or a bot token is configured (see
//! `rnd-slack`); otherwise nothing. Slack problems are warnings: they never change the exit code.

use std::path::Path;
use std::process::Command;

use rnd_aws::EventSink;
use rnd_core::plan::Plan;
use rnd_core::platform::Platform;
use rnd_core::repository::Repository;
use rnd_slack::{RunContext, RunSummary};

/// Where Slack settings are read: the process environment for the CLI and the action, the
/// function's configuration for the Lambda function.
pub type EnvReader = std::sync::Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The process environment.
pub fn process_env() -> EnvReader {
    std::sync::Arc::new(|name| std::env::var(name).ok())
}

/// Start reporting this run (failure messages with the service's last log lines, read through
/// `clients`), or `None` when Slack is not configured or not usable.
pub async fn start(
    clients: &rnd_aws::Clients,
    repository: &Repository,
    plan: &Plan,
    context: RunContext,
    env: &EnvReader,
) -> Option<(EventSink, rnd_slack::ReporterHandle)> {
    let destination = destination(clients, &repository.platform, env).await?;
    let summary = RunSummary::from_plan(plan, context);
    Some(rnd_slack::start_with_logs(destination, summary, clients.clone()))
}

/// Where the platform's Slack messages go, or `None` (after a warning when it is configured but
/// unusable). A webhook URL or bot token kept as a secret is read from the platform's secret
/// store at `<platform>/<name>`.
pub async fn destination(
    clients: &rnd_aws::Clients,
    platform: &Platform,
    env: &EnvReader,
) -> Option<rnd_slack::Destination> {
    let target = &platform.notifications.slack;
    let secret = match rnd_slack::secret_needed(target) {
        None => None,
        Some(name) => {
            let path = rnd_core::plan::naming::Names::new(&platform.name).platform_secret_path(name);
            Some(
                rnd_aws::secrets::get_value(clients, platform.secrets_store, &path)
                    .await
                    .map(|value| value.expose().to_string())
                    .map_err(|e| e.to_string()),
            )
        }
    };
    let resolved = rnd_slack::resolve(target, |name| env(name), secret);
    match rnd_slack::destination::connect(resolved) {
        Ok(Some((destination, warning))) => {
            if let Some(why) = warning {
                eprintln!("warning: Slack: {why}");
            }
            Some(destination)
        }
        Ok(None) => None,
        Err(why) => {
            eprintln!("warning: Slack: {why}");
            None
        }
    }
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

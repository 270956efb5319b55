//! Slack for the function: for a deployment or a drift check, where `platform.json` says (its
//! credential from the function's environment, or from the platform's secret in SSM Parameter
//! Store at `/<platform>/<name>`); for ECS events, which arrive without the repository, the
//! webhook URL in `RND_SLACK_WEBHOOK_URL` or in the SSM parameter `RND_SLACK_WEBHOOK_PARAMETER`.

use rnd_core::plan::naming::Names;
use rnd_core::platform::{Platform, SecretsStore, SlackTarget, DEFAULT_SLACK_WEBHOOK_ENV};
use rnd_slack::Destination;

use crate::app::App;

/// Where the platform's reports go, or `None` (with a warning logged) when nowhere.
pub async fn for_platform(app: &App, platform: &Platform) -> Option<Destination> {
    let target = &platform.notifications.slack;
    let secret = match rnd_slack::secret_needed(target) {
        None => None,
        Some(name) => Some(match platform.secrets_store {
            SecretsStore::Ssm => {
                let path = format!("/{}", Names::new(&platform.name).platform_secret_path(name));
                app.parameter(&path).await.map_err(|e| e.to_string())
            }
            SecretsStore::SecretsManager => {
                Err("the function reads platform secrets from SSM Parameter Store only".to_string())
            }
        }),
    };
    connect(rnd_slack::resolve(target, |name| app.env(name), secret))
}

/// Where ECS event notices go.
pub async fn for_events(app: &App) -> Option<Destination> {
    let target = SlackTarget::WebhookEnv {
        variable: DEFAULT_SLACK_WEBHOOK_ENV.to_string(),
    };
    let from_parameter = match app.env("RND_SLACK_WEBHOOK_PARAMETER") {
        Some(parameter) => app.parameter(&parameter).await.ok(),
        None => None,
    };
    let env = |name: &str| {
        if name == DEFAULT_SLACK_WEBHOOK_ENV {
            app.env(name).or_else(|| from_parameter.clone())
        } else {
            app.env(name)
        }
    };
    connect(rnd_slack::resolve(&target, env, None))
}

fn connect(resolved: rnd_slack::Resolved) -> Option<Destination> {
    match rnd_slack::destination::connect(resolved) {
        Ok(Some((destination, warning))) => {
            if let Some(why) = warning {
                tracing::warn!("Slack: {why}");
            }
            Some(destination)
        }
        Ok(None) => None,
        Err(why) => {
            tracing::warn!("Slack: {why}");
            None
        }
    }
}

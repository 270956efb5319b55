//! Slack for the function: for a drift check, where `platform.json` says, found as `rnd apply`
//! finds it (a deployment goes through `rnd apply`'s own flow); for ECS events, which arrive
//! without the repository, the webhook URL in `RND_SLACK_WEBHOOK_URL` or in the SSM parameter
//! `RND_SLACK_WEBHOOK_PARAMETER`.

use rnd_core::platform::{Platform, SlackTarget, DEFAULT_SLACK_WEBHOOK_ENV};
use rnd_slack::Destination;

use crate::app::App;

/// Where the platform's messages go (as `rnd apply` finds it, the function's configuration standing
/// in for the environment), or `None`.
pub async fn for_platform(app: &App, platform: &Platform) -> Option<Destination> {
    rnd_app::slack::destination(&app.clients, platform, &app.env).await
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

//! Where the webhook URL comes from: the environment variable `platform.json` names, else
//! `RND_SLACK_WEBHOOK_URL`. The URL is a credential, so no message here ever contains it.

use rnd_core::platform::{SlackTarget, DEFAULT_SLACK_WEBHOOK_ENV};

use crate::webhook::WebhookUrl;

/// What the configuration comes to.
#[derive(Debug)]
pub enum Resolved {
    /// Post here. `warning` when a fallback was taken.
    Webhook {
        url: WebhookUrl,
        warning: Option<String>,
    },
    /// No URL anywhere: no reports, no warning (Slack is optional).
    Off,
    /// Configured but unusable: no reports, and the reason for a warning.
    Unusable(String),
}

/// Resolve `target` with `env` (the process environment in production, a map in tests).
pub fn resolve(target: &SlackTarget, env: impl Fn(&str) -> Option<String>) -> Resolved {
    let read = |variable: &str| env(variable).filter(|v| !v.trim().is_empty());
    let (variable, unsupported) = match target {
        SlackTarget::WebhookEnv { variable } => (variable.as_str(), None),
        SlackTarget::WebhookSecret { secret } => (
            DEFAULT_SLACK_WEBHOOK_ENV,
            Some(format!(
                "a webhook URL from the secret `{secret}` is not supported yet"
            )),
        ),
        SlackTarget::Bot { channel, .. } => (
            DEFAULT_SLACK_WEBHOOK_ENV,
            Some(format!(
                "posting to {channel} with a bot token is not supported yet"
            )),
        ),
    };
    let (variable, text) = match read(variable) {
        Some(text) => (variable, text),
        None => match read(DEFAULT_SLACK_WEBHOOK_ENV) {
            Some(text) => (DEFAULT_SLACK_WEBHOOK_ENV, text),
            None => {
                return match unsupported {
                    Some(why) => Resolved::Unusable(format!("{why}; no Slack reports for this run")),
                    None => Resolved::Off,
                }
            }
        },
    };
    match WebhookUrl::parse(&text) {
        Some(url) => Resolved::Webhook {
            url,
            warning: unsupported.map(|why| format!("{why}; using the webhook in {variable}")),
        },
        None => Resolved::Unusable(format!(
            "{variable} does not hold an http(s) URL; no Slack reports for this run"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://hooks.example.com/services/T0/B0/secretpart";

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }

    fn webhook_env(variable: &str) -> SlackTarget {
        SlackTarget::WebhookEnv {
            variable: variable.into(),
        }
    }

    #[test]
    fn the_named_variable_comes_first_then_the_default() {
        let vars = [
            ("TEAM_HOOK", URL),
            (DEFAULT_SLACK_WEBHOOK_ENV, "https://other.example.com/x"),
        ];
        assert!(matches!(
            resolve(&webhook_env("TEAM_HOOK"), env(&vars)),
            Resolved::Webhook { warning: None, .. }
        ));
        let vars = [(DEFAULT_SLACK_WEBHOOK_ENV, URL)];
        assert!(matches!(
            resolve(&webhook_env("TEAM_HOOK"), env(&vars)),
            Resolved::Webhook { .. }
        ));
        assert!(matches!(
            resolve(&webhook_env("TEAM_HOOK"), env(&[])),
            Resolved::Off
        ));
        assert!(matches!(
            resolve(&webhook_env("TEAM_HOOK"), env(&[("TEAM_HOOK", " ")])),
            Resolved::Off
        ));
    }

    #[test]
    fn a_bad_url_is_a_warning_that_does_not_repeat_it() {
        let vars = [("TEAM_HOOK", "hooks.example.com/secretpart")];
        match resolve(&webhook_env("TEAM_HOOK"), env(&vars)) {
            Resolved::Unusable(why) => {
                assert!(why.contains("TEAM_HOOK"), "{why}");
                assert!(!why.contains("secretpart"), "{why}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn secrets_and_bots_are_not_supported_yet_and_say_so() {
        let secret = SlackTarget::WebhookSecret {
            secret: "slack/webhook".into(),
        };
        match resolve(&secret, env(&[])) {
            Resolved::Unusable(why) => assert!(why.contains("not supported yet"), "{why}"),
            other => panic!("{other:?}"),
        }
        match resolve(&secret, env(&[(DEFAULT_SLACK_WEBHOOK_ENV, URL)])) {
            Resolved::Webhook {
                warning: Some(why), ..
            } => assert!(why.contains("not supported yet")),
            other => panic!("{other:?}"),
        }
    }
}

//! What `platform.json`'s Slack settings come to at run time: a webhook URL (from the environment
//! variable it names, or from a secret in the platform's secret store) or a bot token and channel
//! (the token likewise), falling back to `RND_SLACK_WEBHOOK_URL`. URLs and tokens are
//! credentials, so no message here ever contains one.

use rnd_core::platform::{CredentialSource, SlackTarget, DEFAULT_SLACK_WEBHOOK_ENV};

use crate::bot::{BotToken, API_URL_ENV, DEFAULT_API_URL};
use crate::webhook::WebhookUrl;

/// What the configuration comes to.
#[derive(Debug)]
pub enum Resolved {
    /// Post here. `warning` when a fallback was taken.
    Webhook {
        url: WebhookUrl,
        warning: Option<String>,
    },
    /// Post as a bot to `channel`, through the Web API at `api`.
    Bot {
        token: BotToken,
        channel: String,
        api: String,
    },
    /// No URL anywhere: no reports, no warning (Slack is optional).
    Off,
    /// Configured but unusable: no reports, and the reason for a warning.
    Unusable(String),
}

/// The secret `target` reads its credential from, if any: the caller reads it from the
/// platform's secret store and hands the outcome to [`resolve`].
pub fn secret_needed(target: &SlackTarget) -> Option<&str> {
    match target {
        SlackTarget::WebhookSecret { secret } => Some(secret),
        SlackTarget::Bot {
            token: CredentialSource::Secret(secret),
            ..
        } => Some(secret),
        _ => None,
    }
}

/// Resolve `target` with `env` (the process environment in production, a map in tests) and
/// `secret`: the value of [`secret_needed`]'s secret, or why it could not be read.
pub fn resolve(
    target: &SlackTarget,
    env: impl Fn(&str) -> Option<String>,
    secret: Option<Result<String, String>>,
) -> Resolved {
    let read = |variable: &str| env(variable).filter(|v| !v.trim().is_empty());
    let from_secret = |name: &str| match &secret {
        Some(Ok(value)) if !value.trim().is_empty() => Ok(value.clone()),
        Some(Ok(_)) => Err(format!("the secret `{name}` is empty")),
        Some(Err(why)) => Err(format!("the secret `{name}` could not be read: {why}")),
        None => Err(format!("the secret `{name}` was not read")),
    };
    let configured: Result<Resolved, String> = match target {
        SlackTarget::WebhookEnv { variable } => match read(variable) {
            Some(text) => {
                return webhook(variable, &text).unwrap_or_else(|why| {
                    Resolved::Unusable(format!("{why}; no Slack reports for this run"))
                })
            }
            None if variable == DEFAULT_SLACK_WEBHOOK_ENV => return Resolved::Off,
            None => Err(format!("{variable} is not set")),
        },
        SlackTarget::WebhookSecret { secret } => {
            from_secret(secret).and_then(|text| webhook(&format!("the secret `{secret}`"), &text))
        }
        SlackTarget::Bot { token, channel } => {
            let token = match token {
                CredentialSource::Env(variable) => read(variable).ok_or(format!("{variable} is not set")),
                CredentialSource::Secret(secret) => from_secret(secret),
            };
            token.and_then(|text| {
                let token = BotToken::new(&text).ok_or("the bot token is empty".to_string())?;
                let api = read(API_URL_ENV).unwrap_or_else(|| DEFAULT_API_URL.to_string());
                Ok(Resolved::Bot {
                    token,
                    channel: channel.clone(),
                    api,
                })
            })
        }
    };
    let why = match configured {
        Ok(resolved) => return resolved,
        Err(why) => why,
    };
    // What platform.json names is not there: the default variable still works, with a warning.
    match read(DEFAULT_SLACK_WEBHOOK_ENV) {
        Some(text) => match webhook(DEFAULT_SLACK_WEBHOOK_ENV, &text) {
            Ok(Resolved::Webhook { url, .. }) => Resolved::Webhook {
                url,
                warning: Some(format!("{why}; using the webhook in {DEFAULT_SLACK_WEBHOOK_ENV}")),
            },
            Ok(other) => other,
            Err(bad) => Resolved::Unusable(format!("{why}, and {bad}; no Slack reports for this run")),
        },
        None => match target {
            // Only the variable platform.json names is missing: Slack is simply not set up here.
            SlackTarget::WebhookEnv { .. } => Resolved::Off,
            _ => Resolved::Unusable(format!("{why}; no Slack reports for this run")),
        },
    }
}

/// A webhook from `text`, which `source` held.
fn webhook(source: &str, text: &str) -> Result<Resolved, String> {
    match WebhookUrl::parse(text) {
        Some(url) => Ok(Resolved::Webhook { url, warning: None }),
        None => Err(format!("{source} does not hold an http(s) URL")),
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
            resolve(&webhook_env("TEAM_HOOK"), env(&vars), None),
            Resolved::Webhook { warning: None, .. }
        ));
        let vars = [(DEFAULT_SLACK_WEBHOOK_ENV, URL)];
        assert!(matches!(
            resolve(&webhook_env("TEAM_HOOK"), env(&vars), None),
            Resolved::Webhook { .. }
        ));
        assert!(matches!(
            resolve(&webhook_env("TEAM_HOOK"), env(&[]), None),
            Resolved::Off
        ));
        assert!(matches!(
            resolve(&webhook_env("TEAM_HOOK"), env(&[("TEAM_HOOK", " ")]), None),
            Resolved::Off
        ));
    }

    #[test]
    fn a_bad_url_is_a_warning_that_does_not_repeat_it() {
        let vars = [("TEAM_HOOK", "hooks.example.com/secretpart")];
        match resolve(&webhook_env("TEAM_HOOK"), env(&vars), None) {
            Resolved::Unusable(why) => {
                assert!(why.contains("TEAM_HOOK"), "{why}");
                assert!(!why.contains("secretpart"), "{why}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_webhook_can_come_from_a_secret_and_a_missing_one_says_so() {
        let secret = SlackTarget::WebhookSecret {
            secret: "slack-webhook".into(),
        };
        assert!(matches!(
            resolve(&secret, env(&[]), Some(Ok(URL.into()))),
            Resolved::Webhook { warning: None, .. }
        ));
        match resolve(&secret, env(&[]), Some(Err("ParameterNotFound".into()))) {
            Resolved::Unusable(why) => {
                assert!(
                    why.contains("`slack-webhook` could not be read: ParameterNotFound"),
                    "{why}"
                )
            }
            other => panic!("{other:?}"),
        }
        match resolve(&secret, env(&[]), Some(Ok("not a url secretpart".into()))) {
            Resolved::Unusable(why) => assert!(!why.contains("secretpart"), "{why}"),
            other => panic!("{other:?}"),
        }
        match resolve(
            &secret,
            env(&[(DEFAULT_SLACK_WEBHOOK_ENV, URL)]),
            Some(Err("denied".into())),
        ) {
            Resolved::Webhook {
                warning: Some(why), ..
            } => assert!(
                why.contains("using the webhook in RND_SLACK_WEBHOOK_URL"),
                "{why}"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_bot_takes_its_token_from_the_environment_or_a_secret() {
        let bot = |token| SlackTarget::Bot {
            token,
            channel: "#deploys".into(),
        };
        let from_env = bot(CredentialSource::Env("SLACK_BOT_TOKEN".into()));
        match resolve(&from_env, env(&[("SLACK_BOT_TOKEN", "xoxb-1-secret")]), None) {
            Resolved::Bot { channel, api, token } => {
                assert_eq!(channel, "#deploys");
                assert_eq!(api, DEFAULT_API_URL);
                assert!(!format!("{token:?}").contains("secret"));
            }
            other => panic!("{other:?}"),
        }
        let from_secret = bot(CredentialSource::Secret("slack-bot".into()));
        assert_eq!(secret_needed(&from_secret), Some("slack-bot"));
        let vars = [(API_URL_ENV, "http://127.0.0.1:9/api/")];
        match resolve(&from_secret, env(&vars), Some(Ok("xoxb-2".into()))) {
            Resolved::Bot { api, .. } => assert_eq!(api, "http://127.0.0.1:9/api/"),
            other => panic!("{other:?}"),
        }
        match resolve(&from_env, env(&[]), None) {
            Resolved::Unusable(why) => assert!(why.contains("SLACK_BOT_TOKEN is not set"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}

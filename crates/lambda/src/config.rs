//! The function's settings, from its environment (set once when it is deployed). Credentials are
//! never in the environment: it names SSM SecureString parameters that hold them.

use crate::error::HandlerError;

/// Where GitHub's REST API is unless `GITHUB_API_URL` says otherwise (GitHub Enterprise, or a
/// local stand-in in tests).
pub const DEFAULT_GITHUB_API_URL: &str = "https://api.github.com";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `owner/name` of the deployments repository (`RND_REPOSITORY`).
    pub repository: Option<String>,
    /// The deployments directory inside it (`RND_DIRECTORY`, default the root).
    pub directory: String,
    /// The branch scheduled drift checks read (`RND_BRANCH`, default `main`); pushes deploy only
    /// the repository's default branch, as the push event names it.
    pub branch: String,
    /// The platform ECS events are reported for (`RND_PLATFORM`); events of other clusters, and
    /// of services rnd did not tag for it, are ignored.
    pub platform: Option<String>,
    pub github_api: String,
    /// SSM parameter holding the webhook's secret (`RND_WEBHOOK_SECRET_PARAMETER`).
    pub webhook_secret_parameter: Option<String>,
    /// SSM parameter holding a GitHub token that can read the repository's contents
    /// (`RND_GITHUB_TOKEN_PARAMETER`); none for a public repository.
    pub github_token_parameter: Option<String>,
    /// Seconds a deployment waits for services to become stable (`RND_WAIT`, default 600).
    pub wait_seconds: u64,
}

impl Config {
    /// Read from `env` (the process environment, or a map in tests).
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Config {
        let get = |name: &str| env(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        Config {
            repository: get("RND_REPOSITORY"),
            directory: get("RND_DIRECTORY")
                .map(|d| d.trim_matches('/').to_string())
                .unwrap_or_default(),
            branch: get("RND_BRANCH").unwrap_or_else(|| "main".to_string()),
            platform: get("RND_PLATFORM"),
            github_api: get("GITHUB_API_URL").unwrap_or_else(|| DEFAULT_GITHUB_API_URL.to_string()),
            webhook_secret_parameter: get("RND_WEBHOOK_SECRET_PARAMETER"),
            github_token_parameter: get("RND_GITHUB_TOKEN_PARAMETER"),
            wait_seconds: get("RND_WAIT").and_then(|w| w.parse().ok()).unwrap_or(600),
        }
    }

    /// The repository, or a permanent error saying which setting is missing.
    pub fn repository(&self) -> Result<&str, HandlerError> {
        self.repository.as_deref().ok_or_else(|| {
            HandlerError::Permanent(
                "RND_REPOSITORY is not set: name the deployments repository as owner/name".into(),
            )
        })
    }
}

/// The SSM name of a parameter the template names without its leading `/` (so its ARN,
/// `parameter/<name>`, is right): a name with a path (`rnd/research/webhook`) is
/// `/rnd/research/webhook` to SSM; a plain name stays as it is.
pub fn ssm_name(name: &str) -> String {
    if name.contains('/') && !name.starts_with('/') {
        format!("/{name}")
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn parameter_names_with_a_path_get_their_leading_slash_back() {
        assert_eq!(ssm_name("rnd/research/webhook"), "/rnd/research/webhook");
        assert_eq!(ssm_name("/rnd/research/webhook"), "/rnd/research/webhook");
        assert_eq!(ssm_name("rnd-research-webhook"), "rnd-research-webhook");
    }

    use super::*;

    #[test]
    fn defaults_and_trimming() {
        let vars = [
            ("RND_REPOSITORY", "acme/deployments"),
            ("RND_DIRECTORY", "/platform/"),
            ("RND_WAIT", "60"),
        ];
        let config = Config::from_env(|n| vars.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string()));
        assert_eq!(config.repository.as_deref(), Some("acme/deployments"));
        assert_eq!(config.directory, "platform");
        assert_eq!(config.branch, "main");
        assert_eq!(config.github_api, DEFAULT_GITHUB_API_URL);
        assert_eq!(config.wait_seconds, 60);
        assert!(Config::from_env(|_| None).repository().is_err());
    }
}

//! The documented GitHub Actions environment, read once: which event, which repository and
//! commit, the workspace, the REST API and its token, the output and summary files, and the
//! action's inputs (`INPUT_*`). Nothing else in the process's environment steers the action.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
pub use rnd_app::github::Token;

/// What the runner tells every step.
#[derive(Debug, Clone)]
pub struct Github {
    /// `GITHUB_EVENT_NAME`: `pull_request`, `push`, …
    pub event_name: String,
    /// `GITHUB_EVENT_PATH`: the webhook payload that started the workflow, as JSON.
    pub event_path: PathBuf,
    /// `GITHUB_REPOSITORY`: `owner/name`.
    pub repository: String,
    /// `GITHUB_SHA`: the commit the workflow runs on.
    pub sha: String,
    /// `GITHUB_WORKSPACE`: the checkout; annotation paths are relative to it.
    pub workspace: PathBuf,
    /// `GITHUB_API_URL`, without a trailing slash.
    pub api_url: String,
    /// `GITHUB_TOKEN` (the action maps its `github-token` input to it).
    pub token: Option<Token>,
    /// `GITHUB_OUTPUT`: where step outputs are appended.
    pub output: Option<PathBuf>,
    /// `GITHUB_STEP_SUMMARY`: where the job summary's Markdown is appended.
    pub step_summary: Option<PathBuf>,
    /// A link to this run, when `GITHUB_SERVER_URL` and `GITHUB_RUN_ID` are set.
    pub run_url: Option<String>,
}

/// The action's inputs, as the runner passes them (`INPUT_<NAME>`, upper case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inputs {
    /// The deployments repository, relative to the workspace (`.`: the workspace itself).
    pub directory: String,
    /// How long an apply waits for another run's lock.
    pub lock_wait: Duration,
    /// How long an apply waits for services to become stable (zero: not at all).
    pub wait: Duration,
    /// Describe every resource before planning (`rnd plan --refresh`), finding settings changed
    /// by hand, instead of trusting the `rnd:hash` tags.
    pub refresh: bool,
}

/// The default lock wait: a CI run queued behind another should wait for it, not fail.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(5 * 60);
/// The default wait for stable services, as `rnd apply`'s.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(600);

impl Github {
    /// Read the environment through `var` (the process's environment in the binary).
    pub fn read(var: &dyn Fn(&str) -> Option<String>) -> Result<Self> {
        let required = |name: &str| -> Result<String> {
            match var(name).filter(|v| !v.is_empty()) {
                Some(value) => Ok(value),
                None => bail!(
                    "{name} is not set: rnd-action runs as a step of a GitHub Actions workflow, which sets it"
                ),
            }
        };
        let optional = |name: &str| var(name).filter(|v| !v.is_empty());
        let run_url = match (optional("GITHUB_SERVER_URL"), optional("GITHUB_RUN_ID")) {
            (Some(server), Some(run)) => Some(format!(
                "{}/{}/actions/runs/{run}",
                server.trim_end_matches('/'),
                required("GITHUB_REPOSITORY")?
            )),
            _ => None,
        };
        Ok(Github {
            event_name: required("GITHUB_EVENT_NAME")?,
            event_path: required("GITHUB_EVENT_PATH")?.into(),
            repository: required("GITHUB_REPOSITORY")?,
            sha: required("GITHUB_SHA")?,
            workspace: required("GITHUB_WORKSPACE")?.into(),
            api_url: optional("GITHUB_API_URL")
                .unwrap_or_else(|| "https://api.github.com".into())
                .trim_end_matches('/')
                .to_string(),
            token: optional("GITHUB_TOKEN").map(Token::new),
            output: optional("GITHUB_OUTPUT").map(PathBuf::from),
            step_summary: optional("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            run_url,
        })
    }
}

impl Inputs {
    /// Read `INPUT_DIRECTORY`, `INPUT_LOCK-WAIT`, `INPUT_WAIT` and `INPUT_REFRESH` (the runner keeps an input's
    /// hyphen; `INPUT_LOCK_WAIT` is accepted too, for shells that cannot set the former).
    pub fn read(var: &dyn Fn(&str) -> Option<String>) -> Result<Self> {
        let input = |name: &str| {
            let upper = name.to_uppercase();
            var(&format!("INPUT_{upper}"))
                .or_else(|| var(&format!("INPUT_{}", upper.replace('-', "_"))))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let duration = |name: &str, default: Duration| -> Result<Duration> {
            match input(name) {
                None => Ok(default),
                Some(text) => humantime::parse_duration(&text).with_context(|| {
                    format!("input `{name}` is `{text}`: give a duration such as `30s`, `5m` or `0s`")
                }),
            }
        };
        let directory = input("directory").unwrap_or_else(|| ".".into());
        if Path::new(&directory).is_absolute()
            || Path::new(&directory).components().any(|c| c.as_os_str() == "..")
        {
            bail!(
                "input `directory` is `{directory}`: give a path inside the workspace, relative to it \
                 (e.g. `deployments`), or `.` for the workspace itself"
            );
        }
        let refresh = match input("refresh").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => bail!("input `refresh` is `{other}`: give `true` or `false`"),
        };
        Ok(Inputs {
            directory,
            lock_wait: duration("lock-wait", DEFAULT_LOCK_WAIT)?,
            wait: duration("wait", DEFAULT_WAIT)?,
            refresh,
        })
    }

    /// `path` (relative to the deployments directory) as seen from the workspace, `/`-separated
    /// and without `./`, the way GitHub matches annotations to a pull request's files.
    pub fn workspace_path(&self, path: &str) -> String {
        let parts: Vec<&str> = self
            .directory
            .split('/')
            .chain(path.split('/'))
            .filter(|p| !p.is_empty() && *p != ".")
            .collect();
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn reader(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn inputs_have_defaults_and_refuse_paths_outside_the_workspace() {
        let inputs = Inputs::read(&reader(&[])).unwrap();
        assert_eq!(inputs.directory, ".");
        assert_eq!(inputs.lock_wait, DEFAULT_LOCK_WAIT);
        assert!(!inputs.refresh);
        assert_eq!(inputs.workspace_path("manifests/a.json"), "manifests/a.json");
        assert!(
            Inputs::read(&reader(&[("INPUT_REFRESH", "true")]))
                .unwrap()
                .refresh
        );
        let error = Inputs::read(&reader(&[("INPUT_REFRESH", "yes")])).unwrap_err();
        assert!(error.to_string().contains("`refresh` is `yes`"), "{error}");
        let inputs = Inputs::read(&reader(&[
            ("INPUT_DIRECTORY", "./deploy/"),
            ("INPUT_LOCK-WAIT", "30s"),
        ]))
        .unwrap();
        assert_eq!(inputs.lock_wait, Duration::from_secs(30));
        assert_eq!(inputs.workspace_path("platform.json"), "deploy/platform.json");
        let error = Inputs::read(&reader(&[("INPUT_DIRECTORY", "../elsewhere")])).unwrap_err();
        assert!(error.to_string().contains("inside the workspace"), "{error}");
        let error = Inputs::read(&reader(&[("INPUT_LOCK_WAIT", "soon")])).unwrap_err();
        assert!(
            format!("{error:#}").contains("`lock-wait` is `soon`"),
            "{error:#}"
        );
    }

    #[test]
    fn a_missing_variable_is_named_and_the_token_never_shown() {
        let error = Github::read(&reader(&[("GITHUB_EVENT_NAME", "push")])).unwrap_err();
        assert!(
            error.to_string().contains("GITHUB_EVENT_PATH is not set"),
            "{error}"
        );
        let github = Github::read(&reader(&[
            ("GITHUB_EVENT_NAME", "push"),
            ("GITHUB_EVENT_PATH", "/e.json"),
            ("GITHUB_REPOSITORY", "o/r"),
            ("GITHUB_SHA", "abc"),
            ("GITHUB_WORKSPACE", "/w"),
            ("GITHUB_TOKEN", "ghs_secret"),
            ("GITHUB_API_URL", "http://127.0.0.1:1/"),
        ]))
        .unwrap();
        assert_eq!(github.api_url, "http://127.0.0.1:1");
        assert!(!format!("{github:?}").contains("ghs_secret"));
    }
}

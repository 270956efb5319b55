//! The webhook payload that started the workflow (`GITHUB_EVENT_PATH`): only the fields the
//! action needs, read leniently (GitHub adds fields over time).

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

/// What the action does, decided by the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// A pull request: plan and comment on pull request `number`.
    PullRequest { number: u64 },
    /// A push to `git_ref` (e.g. `refs/heads/main`); only the default branch applies.
    Push { git_ref: String, default_branch: String },
    /// Anything else (`workflow_dispatch`, `schedule`, …): plan only, into the job summary.
    Other { event_name: String },
}

impl Trigger {
    /// Whether a push is to the repository's default branch.
    pub fn is_default_branch_push(&self) -> bool {
        matches!(self, Trigger::Push { git_ref, default_branch } if *git_ref == format!("refs/heads/{default_branch}"))
    }
}

#[derive(Deserialize)]
struct PullRequestEvent {
    pull_request: PullRequest,
}

#[derive(Deserialize)]
struct PullRequest {
    number: u64,
}

#[derive(Deserialize)]
struct PushEvent {
    #[serde(rename = "ref")]
    git_ref: String,
    repository: Repository,
}

#[derive(Deserialize)]
struct Repository {
    default_branch: String,
}

/// Read the payload of `event_name` from `path`.
pub fn read(event_name: &str, path: &Path) -> Result<Trigger> {
    let text = || -> Result<String> {
        std::fs::read_to_string(path).with_context(|| format!("reading the event payload {}", path.display()))
    };
    parse(event_name, &text_or_empty(event_name, text)?)
        .with_context(|| format!("the {event_name} event payload {}", path.display()))
}

/// Other events do not need their payload, so a missing file is no error for them.
fn text_or_empty(event_name: &str, text: impl Fn() -> Result<String>) -> Result<String> {
    match event_name {
        "pull_request" | "push" => text(),
        _ => Ok(String::new()),
    }
}

/// The trigger, from an event name and its payload's text.
pub fn parse(event_name: &str, payload: &str) -> Result<Trigger> {
    Ok(match event_name {
        "pull_request" => {
            let event: PullRequestEvent =
                serde_json::from_str(payload).context("it has no `pull_request.number`")?;
            Trigger::PullRequest {
                number: event.pull_request.number,
            }
        }
        "push" => {
            let event: PushEvent =
                serde_json::from_str(payload).context("it has no `ref` or no `repository.default_branch`")?;
            if event.git_ref.is_empty() {
                bail!("its `ref` is empty");
            }
            Trigger::Push {
                git_ref: event.git_ref,
                default_branch: event.repository.default_branch,
            }
        }
        other => Trigger::Other {
            event_name: other.to_string(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_requests_and_pushes_are_read_from_their_payloads() {
        let pr = r#"{ "action": "synchronize", "number": 7, "pull_request": { "number": 7, "head": { "sha": "abc" } } }"#;
        assert_eq!(
            parse("pull_request", pr).unwrap(),
            Trigger::PullRequest { number: 7 }
        );
        let push =
            r#"{ "ref": "refs/heads/main", "after": "abc", "repository": { "default_branch": "main" } }"#;
        assert!(parse("push", push).unwrap().is_default_branch_push());
        let other = r#"{ "ref": "refs/heads/feature", "repository": { "default_branch": "main" } }"#;
        assert!(!parse("push", other).unwrap().is_default_branch_push());
        let tag = r#"{ "ref": "refs/tags/main", "repository": { "default_branch": "main" } }"#;
        assert!(!parse("push", tag).unwrap().is_default_branch_push());
        let error = parse("pull_request", "{}").unwrap_err();
        assert!(format!("{error:#}").contains("pull_request.number"), "{error:#}");
        assert_eq!(
            parse("schedule", "").unwrap(),
            Trigger::Other {
                event_name: "schedule".into()
            }
        );
    }
}

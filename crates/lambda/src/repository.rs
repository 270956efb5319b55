//! The deployments repository at one commit, read through GitHub's contents API by the same
//! reader `rnd validate` uses on a directory (`rnd_app::repository::read`: `platform.json`,
//! `manifests/*.json` and `manifests/*.env`, symbolic links refused), and validated the same way.
//! An invalid repository is a permanent error naming every problem's file, line and column:
//! retrying cannot fix it, a new commit can.

use rnd_app::github::{ContentsTree, GitHub, Token};
use rnd_app::repository::ReadError;
use rnd_app::{validate_tree, Valid};

use crate::app::App;
use crate::error::HandlerError;

/// GitHub asks every client to name itself.
const USER_AGENT: &str = concat!("rnd-lambda/", env!("CARGO_PKG_VERSION"));

pub async fn load(app: &App, repository: &str, commit: &str) -> Result<Valid, HandlerError> {
    let token = match &app.config.github_token_parameter {
        Some(parameter) => Some(Token::new(app.parameter(parameter).await?)),
        None => None,
    };
    let github = GitHub::new(&app.config.github_api, token, USER_AGENT)
        .map_err(|e| HandlerError::Permanent(e.to_string()))?;
    let tree = ContentsTree {
        github,
        repository: repository.to_string(),
        directory: app.config.directory.clone(),
        commit: commit.to_string(),
    };
    let validated = validate_tree(&tree).await.map_err(|e| match e {
        ReadError::Unavailable(why) => HandlerError::Retryable(why),
        ReadError::Refused(why) => HandlerError::Permanent(why),
    })?;
    validated.into_valid().map_err(|invalid| {
        let problems: Vec<String> = invalid
            .report
            .diagnostics()
            .filter(|d| d.is_error())
            .map(|d| format!("{}: {}", d.position(), d.message))
            .collect();
        HandlerError::Permanent(format!(
            "{repository} at {commit} is not valid, so nothing was deployed:\n{}",
            problems.join("\n")
        ))
    })
}

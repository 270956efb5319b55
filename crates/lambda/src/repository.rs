//! The deployments repository at one commit, read through GitHub's API and validated exactly as
//! `rnd validate` does. An invalid repository is a permanent error naming every problem's file,
//! line and column: retrying cannot fix it, a new commit can.

use rnd_core::repository::{validate_repository, Repository, SourceFile};

use crate::app::App;
use crate::error::HandlerError;
use crate::github::GitHub;

pub async fn load(app: &App, repository: &str, commit: &str) -> Result<Repository, HandlerError> {
    let token = match &app.config.github_token_parameter {
        Some(parameter) => Some(app.parameter(parameter).await?),
        None => None,
    };
    let github = GitHub::new(&app.config.github_api, token)?;
    let directory = &app.config.directory;
    let files = github.read_repository(repository, directory, commit).await?;
    // Paths as `rnd validate` shows them: relative to the deployments directory.
    let relative = |path: &str| {
        path.strip_prefix(directory.as_str())
            .unwrap_or(path)
            .trim_start_matches('/')
            .to_string()
    };
    let platform = SourceFile {
        path: relative(&files.platform.0),
        bytes: files.platform.1.into_bytes(),
    };
    let manifests: Vec<SourceFile> = files
        .manifests
        .into_iter()
        .map(|(path, text)| SourceFile {
            path: relative(&path),
            bytes: text.into_bytes(),
        })
        .collect();
    let report = validate_repository(&platform, &manifests);
    let problems: Vec<String> = report
        .diagnostics()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.position(), d.message))
        .collect();
    match report.repository {
        Some(repository) => Ok(repository),
        None => Err(HandlerError::Permanent(format!(
            "{repository} at {commit} is not valid, so nothing was deployed:\n{}",
            problems.join("\n")
        ))),
    }
}

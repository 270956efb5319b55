//! A repository at one commit, read through the contents API as a [`Tree`]: the Lambda function
//! reads the deployments repository this way (no clone, no git on the function), through the same
//! [`crate::repository::read`] the CLI uses on a directory.

use rnd_http::Method;
use serde::Deserialize;

use super::{GitHub, GitHubError};
use crate::repository::{Entry, EntryKind, ReadError, Tree};

/// The type GitHub gives a directory entry. Submodules are listed as `file` (GitHub keeps that
/// for backwards compatibility) and fail when read as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryType {
    File,
    Dir,
    Symlink,
    Submodule,
    #[serde(other)]
    Unknown,
}

#[derive(Deserialize)]
struct Listed {
    name: String,
    #[serde(rename = "type")]
    kind: EntryType,
}

/// The deployments directory `directory` of `repository` (`owner/name`) at `commit`.
#[derive(Clone)]
pub struct ContentsTree {
    pub github: GitHub,
    pub repository: String,
    /// Inside the repository, without leading or trailing `/` (`""`: the root).
    pub directory: String,
    pub commit: String,
}

impl ContentsTree {
    fn api_path(&self, relative: &str) -> String {
        let path = [self.directory.trim_matches('/'), relative]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("/");
        // The repository's root is `contents` itself, with no trailing `/`.
        let path = if path.is_empty() { path } else { format!("/{path}") };
        format!("/repos/{}/contents{path}?ref={}", self.repository, self.commit)
    }
}

impl Tree for ContentsTree {
    fn describe(&self) -> String {
        let commit = &self.commit[..self.commit.len().min(12)];
        match self.directory.trim_matches('/') {
            "" => format!("{} at {commit}", self.repository),
            dir => format!("{dir} of {} at {commit}", self.repository),
        }
    }

    async fn list(&self, dir: &str) -> Result<Option<Vec<Entry>>, ReadError> {
        let url = self.github.url(&self.api_path(dir));
        let answer = match self
            .github
            .send(Method::GET, &url, "application/vnd.github+json", None)
            .await
        {
            Ok(answer) => answer,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(read_error(e)),
        };
        // A directory is an array; a file (or link, or submodule) at that path is an object.
        let Ok(listed) = serde_json::from_slice::<Vec<Listed>>(&answer.body) else {
            return Ok(None);
        };
        Ok(Some(
            listed
                .into_iter()
                .map(|l| Entry {
                    name: l.name,
                    kind: match l.kind {
                        EntryType::File => EntryKind::File,
                        EntryType::Dir => EntryKind::Directory,
                        EntryType::Symlink => EntryKind::Symlink,
                        EntryType::Submodule | EntryType::Unknown => EntryKind::Other,
                    },
                })
                .collect(),
        ))
    }

    async fn read(&self, path: &str) -> Result<Vec<u8>, ReadError> {
        let url = self.github.url(&self.api_path(path));
        match self
            .github
            .send(Method::GET, &url, "application/vnd.github.raw+json", None)
            .await
        {
            Ok(answer) => Ok(answer.body.to_vec()),
            Err(e) if e.is_not_found() => Err(ReadError::Refused(format!(
                "{} has no {path} (or the token cannot read it)",
                self.describe()
            ))),
            Err(e) => Err(read_error(e)),
        }
    }
}

fn read_error(error: GitHubError) -> ReadError {
    if error.retryable {
        ReadError::Unavailable(error.message)
    } else {
        ReadError::Refused(error.message)
    }
}

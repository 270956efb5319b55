//! A deployments repository read and validated: every file's problems, and the valid repository
//! together with the files it came from (problems found later, such as a missing image tag, are
//! placed at their line and column in those files).

use rnd_core::repository::{validate_repository, Repository, RepositoryReport};

use crate::repository::{read, Deployments, Directory, ReadError, Tree};

/// A deployments repository as read, and what validation said about every file.
pub struct Validated {
    pub deployments: Deployments,
    pub report: RepositoryReport,
}

/// A repository with no invalid file, and its files.
pub struct Valid {
    pub repository: Repository,
    pub deployments: Deployments,
}

impl Validated {
    /// The valid repository, or `self` back (boxed: it is large) when some file has an error.
    pub fn into_valid(mut self) -> Result<Valid, Box<Validated>> {
        match self.report.repository.take() {
            Some(repository) => Ok(Valid {
                repository,
                deployments: self.deployments,
            }),
            None => Err(Box::new(self)),
        }
    }
}

/// Validate files already read.
pub fn validate(deployments: Deployments) -> Validated {
    let report = validate_repository(&deployments.platform, &deployments.manifests);
    Validated { deployments, report }
}

/// Read `tree` and validate it. An unreadable repository is an error; invalid files are not
/// (they are in `report`, and `report.repository` is `None`).
pub async fn validate_tree(tree: &impl Tree) -> Result<Validated, ReadError> {
    Ok(validate(read(tree).await?))
}

/// Read the directory `dir` and validate it.
pub fn validate_directory(dir: &std::path::Path) -> Result<Validated, ReadError> {
    Ok(validate(Directory::new(dir).read()?))
}

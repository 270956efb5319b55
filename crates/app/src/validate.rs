//! A deployments repository read and validated: every file's problems, and the valid repository
//! together with the files it came from (problems found later, such as a missing image tag, are
//! placed at their line and column in those files).

use rnd_core::diagnostic::{Diagnostic, Location, Severity};
use rnd_core::repository::{validate_repository, FileReport, Repository, RepositoryReport, SourceFile};
use rnd_core::schema_reference::check_schema_references;

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

/// Validate files already read. Files in `manifests/` that rnd does not read are warnings.
pub fn validate(deployments: Deployments) -> Validated {
    let mut report = validate_repository(&deployments.platform, &deployments.manifests);
    report
        .files
        .extend(deployments.unread.iter().map(|path| FileReport {
            file: path.clone(),
            diagnostics: vec![unread(path)],
            concealed: Vec::new(),
        }));
    Validated { deployments, report }
}

/// The warning for a file of `manifests/` that rnd does not read.
fn unread(path: &str) -> Diagnostic {
    Diagnostic {
        severity: Severity::Warning,
        code: "repository/unread-file",
        file: path.to_string(),
        pointer: String::new(),
        location: Location {
            offset: 0,
            length: 0,
            line: 1,
            column: 1,
        },
        message: "rnd does not read this: only manifests/<service>.json and manifests/<service>.env \
                  are read, so no service is deployed from it"
            .to_string(),
        help: Some(
            "if it is a manifest, name it <service>.json (lower-case .json); otherwise move it out of manifests/"
                .to_string(),
        ),
    }
}

/// Read `tree` and validate it. An unreadable repository is an error; invalid files are not
/// (they are in `report`, and `report.repository` is `None`).
pub async fn validate_tree(tree: &impl Tree) -> Result<Validated, ReadError> {
    Ok(validate(read(tree).await?))
}

/// Read and validate only the platform file of the directory `dir`: the repository it gives has no
/// services, which is all `rnd destroy` needs.
pub fn validate_platform_only(dir: &std::path::Path) -> Result<Validated, ReadError> {
    let deployments = Directory::new(dir).read_platform()?;
    let report = validate_repository(&deployments.platform, &[]);
    Ok(Validated { deployments, report })
}

/// Read the directory `dir` and validate it, and warn about `$schema` paths that find no file
/// (only here: in a directory, unlike a GitHub tree, the paths editors follow can be checked).
pub fn validate_directory(dir: &std::path::Path) -> Result<Validated, ReadError> {
    let mut validated = validate(Directory::new(dir).read()?);
    let deployments = &validated.deployments;
    let files: Vec<&SourceFile> = std::iter::once(&deployments.platform)
        .chain(&deployments.manifests)
        .collect();
    let warnings = check_schema_references(&files, |path| dir.join(path).is_file());
    for warning in warnings {
        match validated.report.files.iter_mut().find(|f| f.file == warning.file) {
            Some(report) => report.diagnostics.push(warning),
            None => validated.report.files.push(FileReport {
                file: warning.file.clone(),
                diagnostics: vec![warning],
                concealed: Vec::new(),
            }),
        }
    }
    Ok(validated)
}

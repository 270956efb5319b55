//! One reader for a deployments repository (`platform.json`, `manifests/*.json` and
//! `manifests/*.env`), whatever holds it: a directory on disk (the CLI, the action) or a commit
//! read through GitHub's contents API (the Lambda function). Both are a [`Tree`]; [`read`] is the
//! only code that decides which files are read, so every frontend validates the same files.

mod filesystem;

use std::future::Future;

use rnd_core::repository::{SourceFile, ENV_FILE_SUFFIX};

pub use filesystem::Directory;

/// The platform file name inside a deployments directory.
pub const PLATFORM_FILE: &str = "platform.json";
/// The folder holding one manifest per service.
pub const MANIFESTS_DIR: &str = "manifests";

/// What a name in a [`Tree`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Directory,
    /// Never followed: a link could pull in a file from outside the repository.
    Symlink,
    /// Anything else (a git submodule, a device).
    Other,
}

/// One name in a directory of a [`Tree`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub kind: EntryKind,
}

/// Why a repository could not be read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ReadError {
    /// What was given is not a deployments repository, or breaks a rule of reading one: a new
    /// commit (or the right `--dir`) fixes it, trying again does not.
    #[error("{0}")]
    Refused(String),
    /// The files could not be read now (GitHub unreachable, slow or rate-limited).
    #[error("{0}")]
    Unavailable(String),
}

/// Where a deployments repository's files are. Paths are relative to the repository's root and
/// use `/`; `""` is the root itself.
pub trait Tree {
    /// The repository as a person would name it in a message (`examples`, `org/repo at 1a2b3c`).
    fn describe(&self) -> String;
    /// The entries of directory `dir`, or `None` when there is no such directory.
    fn list(&self, dir: &str) -> impl Future<Output = Result<Option<Vec<Entry>>, ReadError>> + Send;
    /// The bytes of file `path`.
    fn read(&self, path: &str) -> impl Future<Output = Result<Vec<u8>, ReadError>> + Send;
}

/// The files of one deployments repository, with paths relative to it (as users see them).
#[derive(Debug)]
pub struct Deployments {
    pub platform: SourceFile,
    /// `manifests/*.json` and `manifests/*.env`, sorted by path, so output is the same on every
    /// file system and from GitHub.
    pub manifests: Vec<SourceFile>,
    /// Anything else in `manifests/` (`api.yaml`, `api.json.bak`, a folder): reported, because a
    /// file that looks like a manifest but is not read would silently undeploy its service.
    pub unread: Vec<String>,
}

impl Deployments {
    /// Every file, platform first.
    pub fn files(&self) -> impl Iterator<Item = &SourceFile> {
        std::iter::once(&self.platform).chain(&self.manifests)
    }
}

/// Read `tree`'s platform file and the manifests and variable files beside it. A missing
/// repository, `platform.json` or `manifests/` is an error (the wrong directory, most likely: a
/// platform without services keeps an empty `manifests/`, e.g. with a `.gitkeep`). A symbolic
/// link where rnd reads a file is refused; anything else in `manifests/` is listed as unread.
pub async fn read(tree: &impl Tree) -> Result<Deployments, ReadError> {
    let (root, platform) = read_root(tree).await?;
    let (manifests, unread) = match kind_of(&root, MANIFESTS_DIR) {
        Some(EntryKind::Directory) => read_manifests(tree).await?,
        Some(EntryKind::Symlink) => return Err(symlink_refused(MANIFESTS_DIR)),
        _ => {
            return Err(ReadError::Refused(format!(
                "{} has no {MANIFESTS_DIR}/ directory: rnd would read it as a platform without \
                 services and plan to remove every one; keep {MANIFESTS_DIR}/ (with a .gitkeep \
                 when it is empty)",
                tree.describe()
            )))
        }
    };
    Ok(Deployments {
        platform,
        manifests,
        unread,
    })
}

/// `tree`'s platform file alone, for what needs nothing else (`rnd destroy`: a broken or
/// half-deleted manifest must never keep a platform from being removed).
pub async fn read_platform(tree: &impl Tree) -> Result<Deployments, ReadError> {
    let (_, platform) = read_root(tree).await?;
    Ok(Deployments {
        platform,
        manifests: Vec::new(),
        unread: Vec::new(),
    })
}

/// The repository's top level and its `platform.json`.
async fn read_root(tree: &impl Tree) -> Result<(Vec<Entry>, SourceFile), ReadError> {
    let root = tree
        .list("")
        .await?
        .ok_or_else(|| ReadError::Refused(format!("{} is not a directory", tree.describe())))?;
    match kind_of(&root, PLATFORM_FILE) {
        Some(EntryKind::File) => {}
        Some(EntryKind::Symlink) => return Err(symlink_refused(PLATFORM_FILE)),
        Some(_) => {
            return Err(ReadError::Refused(format!(
                "{PLATFORM_FILE} in {} is not a file",
                tree.describe()
            )))
        }
        None => {
            return Err(ReadError::Refused(format!(
                "{} has no {PLATFORM_FILE}: is it the deployments repository?",
                tree.describe()
            )))
        }
    }
    let platform = SourceFile {
        path: PLATFORM_FILE.to_string(),
        bytes: tree.read(PLATFORM_FILE).await?,
    };
    Ok((root, platform))
}

/// Every manifest and variable file of `manifests/`, sorted by path, and the paths of what else
/// is there (hidden files such as `.gitkeep` aside).
async fn read_manifests(tree: &impl Tree) -> Result<(Vec<SourceFile>, Vec<String>), ReadError> {
    let mut entries = tree.list(MANIFESTS_DIR).await?.unwrap_or_default();
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let mut files = Vec::new();
    let mut unread = Vec::new();
    for entry in entries.iter().filter(|e| !e.name.starts_with('.')) {
        let path = format!("{MANIFESTS_DIR}/{}", entry.name);
        match entry.kind {
            EntryKind::File if is_read(&entry.name) => files.push(SourceFile {
                bytes: tree.read(&path).await?,
                path,
            }),
            EntryKind::Symlink if is_read(&entry.name) => return Err(symlink_refused(&path)),
            _ => unread.push(path),
        }
    }
    Ok((files, unread))
}

/// Manifests, and the plain variables beside them (`<name>.env`).
fn is_read(name: &str) -> bool {
    name.ends_with(".json") || name.ends_with(ENV_FILE_SUFFIX)
}

fn kind_of(entries: &[Entry], name: &str) -> Option<EntryKind> {
    entries.iter().find(|e| e.name == name).map(|e| e.kind)
}

fn symlink_refused(path: &str) -> ReadError {
    ReadError::Refused(format!(
        "{path} is a symbolic link; rnd reads only regular files inside the deployments repository \
         (a link could pull in a file from elsewhere, such as the runner's environment): commit \
         the file itself instead"
    ))
}

/// Drive a future that never waits (the filesystem tree's) to its end without a runtime, so
/// `rnd validate` and other synchronous callers share [`read`] with the asynchronous GitHub tree.
pub(crate) fn complete<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut context) {
        std::task::Poll::Ready(output) => output,
        // Only futures that never wait are given here; one that does is a bug in rnd.
        std::task::Poll::Pending => unreachable!("a filesystem read waited"),
    }
}

//! A deployments repository in a directory on disk. Entries are classified without following
//! symbolic links (`symlink_metadata`), so a link is seen as a link and never read through.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::{complete, read, read_platform, Deployments, Entry, EntryKind, ReadError, Tree};

/// A directory holding `platform.json` and `manifests/`.
#[derive(Debug, Clone)]
pub struct Directory {
    root: PathBuf,
}

impl Directory {
    pub fn new(root: impl Into<PathBuf>) -> Directory {
        Directory { root: root.into() }
    }

    /// Read the repository in this directory (synchronous: nothing here waits on a runtime).
    pub fn read(&self) -> Result<Deployments, ReadError> {
        complete(read(self))
    }

    /// Read only this directory's `platform.json` (see [`read_platform`]).
    pub fn read_platform(&self) -> Result<Deployments, ReadError> {
        complete(read_platform(self))
    }

    fn path(&self, relative: &str) -> PathBuf {
        if relative.is_empty() {
            self.root.clone()
        } else {
            self.root.join(relative)
        }
    }
}

impl Tree for Directory {
    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    async fn list(&self, dir: &str) -> Result<Option<Vec<Entry>>, ReadError> {
        let path = self.path(dir);
        // Followed on purpose: the root is the directory the user named, and `read` lists
        // `manifests/` only after seeing, unfollowed, that it is a real directory.
        if !path.is_dir() {
            return Ok(None);
        }
        let failed = |e: io::Error| ReadError::Refused(format!("listing {}: {e}", path.display()));
        let mut entries = Vec::new();
        for entry in fs::read_dir(&path).map_err(failed)? {
            let entry = entry.map_err(failed)?;
            entries.push(Entry {
                name: entry.file_name().to_string_lossy().into_owned(),
                kind: kind(&entry.path()),
            });
        }
        Ok(Some(entries))
    }

    async fn read(&self, path: &str) -> Result<Vec<u8>, ReadError> {
        let full = self.path(path);
        fs::read(&full).map_err(|e| ReadError::Refused(format!("reading {}: {e}", full.display())))
    }
}

/// What `path` is, without following a link.
fn kind(path: &Path) -> EntryKind {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => EntryKind::Symlink,
        Ok(m) if m.is_file() => EntryKind::File,
        Ok(m) if m.is_dir() => EntryKind::Directory,
        _ => EntryKind::Other,
    }
}

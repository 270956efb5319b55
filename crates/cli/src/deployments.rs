//! Reads a deployments directory (`platform.json`, `manifests/*.json` and `manifests/*.env`) into
//! memory for the core.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rnd_core::repository::SourceFile;

/// The platform file name inside a deployments directory.
pub const PLATFORM_FILE: &str = "platform.json";
/// The folder holding one manifest per service.
pub const MANIFESTS_DIR: &str = "manifests";

/// The files of one deployments directory, with paths relative to it (as users see them).
#[derive(Debug)]
pub struct Deployments {
    pub dir: PathBuf,
    pub platform: SourceFile,
    /// `manifests/*.json` and `manifests/*.env`, sorted by path, so output is the same on every
    /// file system.
    pub manifests: Vec<SourceFile>,
}

impl Deployments {
    /// Read `dir`. A missing directory or `platform.json` is an error (the wrong `--dir`, most
    /// likely); a missing `manifests/` means no services.
    pub fn read(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            bail!(
                "{} is not a directory (give the deployments repository with --dir)",
                dir.display()
            );
        }
        let platform_path = dir.join(PLATFORM_FILE);
        if !platform_path.is_file() {
            bail!(
                "{} has no {PLATFORM_FILE}: is it the deployments repository? (see --dir)",
                dir.display()
            );
        }
        let platform = SourceFile {
            path: PLATFORM_FILE.to_string(),
            bytes: fs::read(&platform_path)
                .with_context(|| format!("reading {}", platform_path.display()))?,
        };
        let manifests_dir = dir.join(MANIFESTS_DIR);
        let mut manifests = Vec::new();
        if manifests_dir.is_dir() {
            let entries = fs::read_dir(&manifests_dir)
                .with_context(|| format!("listing {}", manifests_dir.display()))?;
            for entry in entries {
                let entry = entry.with_context(|| format!("listing {}", manifests_dir.display()))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                // Manifests, and the plain variables beside them (`<name>.env`).
                let wanted = name.ends_with(".json") || name.ends_with(rnd_core::repository::ENV_FILE_SUFFIX);
                if !wanted || !entry.path().is_file() {
                    continue;
                }
                let bytes =
                    fs::read(entry.path()).with_context(|| format!("reading {}", entry.path().display()))?;
                manifests.push(SourceFile {
                    path: format!("{MANIFESTS_DIR}/{name}"),
                    bytes,
                });
            }
        }
        manifests.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Deployments {
            dir: dir.to_path_buf(),
            platform,
            manifests,
        })
    }

    /// Every file, platform first.
    pub fn files(&self) -> impl Iterator<Item = &SourceFile> {
        std::iter::once(&self.platform).chain(&self.manifests)
    }
}

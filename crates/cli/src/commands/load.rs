//! Shared by commands that need a valid repository: read it, validate it, or explain why not.

use std::path::Path;

use anyhow::{Context, Result};
use rnd_app::{Valid, Validated};
use rnd_core::repository::Repository;

use crate::render::diagnostics::{render_text, Style};

/// The validated repository, or `None` after printing every problem (to stderr: stdout is
/// reserved for the command's own output, which machines may be reading).
pub fn valid_repository(dir: &Path) -> Result<Option<Repository>> {
    Ok(valid(dir)?.map(|valid| valid.repository))
}

/// The validated repository with the files it was read from (so later problems, such as a
/// missing image tag, point at their line), or `None` after printing every problem.
pub fn valid(dir: &Path) -> Result<Option<Valid>> {
    report(read(dir)?)
}

/// Only the platform file, validated: enough to destroy a platform, whatever state its
/// manifests are in (they are not read).
pub fn valid_platform(dir: &Path) -> Result<Option<Valid>> {
    let validated =
        rnd_app::validate_platform_only(dir).context("reading the deployments repository (see --dir)")?;
    report(validated)
}

/// The valid repository, or `None` after printing every problem.
fn report(validated: Validated) -> Result<Option<Valid>> {
    for d in validated.report.diagnostics().filter(|d| !d.is_error()) {
        eprintln!("warning: {}: {}", d.position(), d.message);
        if let Some(help) = &d.help {
            eprintln!("  help: {help}");
        }
    }
    match validated.into_valid() {
        Ok(valid) => Ok(Some(valid)),
        Err(invalid) => {
            let Validated { deployments, report } = *invalid;
            eprint!("{}", render_text(&report, &deployments, Style::detect_stderr()));
            eprintln!("fix the problems above (`rnd validate` shows them too); nothing was planned");
            Ok(None)
        }
    }
}

/// Read and validate `dir`; a directory that is not a deployments repository is an error.
pub fn read(dir: &Path) -> Result<Validated> {
    rnd_app::validate_directory(dir).context("reading the deployments repository (see --dir)")
}

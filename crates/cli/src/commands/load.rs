//! Shared by commands that need a valid repository: read it, validate it, or explain why not.

use std::path::Path;

use anyhow::Result;
use rnd_core::repository::Repository;

use crate::deploy::Validated;
use crate::render::diagnostics::{render_text, Style};

/// The validated repository, or `None` after printing every problem (to stderr: stdout is
/// reserved for the command's own output, which machines may be reading).
pub fn valid_repository(dir: &Path) -> Result<Option<Repository>> {
    let Validated { deployments, report } = crate::deploy::validate(dir)?;
    for d in report.diagnostics().filter(|d| !d.is_error()) {
        eprintln!("warning: {}: {}", d.position(), d.message);
    }
    match report.repository {
        Some(repository) => Ok(Some(repository)),
        None => {
            eprint!("{}", render_text(&report, &deployments, Style::detect_stderr()));
            eprintln!("fix the problems above (`rnd validate` shows them too); nothing was planned");
            Ok(None)
        }
    }
}

//! Before planning against AWS: do the image tags and secrets the manifests name exist? What is
//! missing is printed (file:line:column, what, how to make it exist) and the command stops
//! before anything is planned or changed.

use std::path::Path;

use anyhow::{Context, Result};
use rnd_core::diagnostic::Diagnostic;
use rnd_core::prerequisites::{check, locate, wanted};
use rnd_core::repository::Repository;

use crate::deployments::Deployments;

/// One problem per image tag or secret the manifests name that AWS does not have (at 1:1 until
/// `report` places them in the files).
pub async fn missing(clients: &rnd_aws::Clients, repository: &Repository) -> Result<Vec<Diagnostic>> {
    let existing = rnd_aws::references::existing(clients, &wanted(repository))
        .await
        .context("checking that the manifests' image tags and secrets exist")?;
    Ok(check(repository, &existing, &[]))
}

/// `true` when everything referenced exists; otherwise each problem is on stderr and `false`.
pub async fn all_present(clients: &rnd_aws::Clients, repository: &Repository, dir: &Path) -> Result<bool> {
    let mut problems = missing(clients, repository).await?;
    if problems.is_empty() {
        return Ok(true);
    }
    report(&mut problems, dir);
    Ok(false)
}

/// Print each problem, placed at its line and column in the manifests under `dir` (read again
/// only now: nothing missing is the usual case), and that nothing was planned.
pub fn report(problems: &mut [Diagnostic], dir: &Path) {
    if let Ok(deployments) = Deployments::read(dir) {
        locate(problems, &deployments.manifests);
    }
    for problem in problems.iter() {
        eprintln!("error: {}: {}", problem.position(), problem.message);
        if let Some(help) = &problem.help {
            eprintln!("  help: {help}");
        }
    }
    eprintln!(
        "{} missing in AWS; nothing was planned or changed",
        if problems.len() == 1 {
            "1 reference is".to_string()
        } else {
            format!("{} references are", problems.len())
        }
    );
}

/// Said when a plan is made from a snapshot instead of AWS.
pub const NOT_CHECKED: &str =
    "note: planned against a snapshot (--observed), so image tags and secrets in AWS were not checked";

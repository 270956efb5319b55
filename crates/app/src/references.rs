//! Before planning against AWS: do the image tags and secrets the manifests name exist? Each
//! missing one is a problem placed at its line and column in the manifests, and written one way
//! for every frontend (the CLI's terminal, the action's annotations and summary, the function's
//! log).

use anyhow::{Context, Result};
use rnd_core::diagnostic::Diagnostic;
use rnd_core::prerequisites::{check, wanted};

use crate::validate::Valid;

/// One problem per image tag or secret the manifests name that AWS does not have, each at its
/// line and column.
pub async fn missing(clients: &rnd_aws::Clients, valid: &Valid) -> Result<Vec<Diagnostic>> {
    let existing = rnd_aws::references::existing(clients, &wanted(&valid.repository))
        .await
        .context("checking that the manifests' image tags and secrets exist")?;
    Ok(check(&valid.repository, &existing, &valid.deployments.manifests))
}

/// A missing reference as text: where it is named, what is missing, and what makes it exist.
pub fn describe(problem: &Diagnostic) -> String {
    match &problem.help {
        Some(help) => format!("{}: {}\n  help: {help}", problem.position(), problem.message),
        None => format!("{}: {}", problem.position(), problem.message),
    }
}

/// The closing line under a list of missing references.
pub fn conclusion(problems: &[Diagnostic]) -> String {
    let count = match problems.len() {
        1 => "1 reference is".to_string(),
        n => format!("{n} references are"),
    };
    format!("{count} missing in AWS; nothing was planned or changed")
}

/// Said when a plan is made from a snapshot instead of AWS.
pub const NOT_CHECKED: &str =
    "note: planned against a snapshot (--observed), so image tags and secrets in AWS were not checked";

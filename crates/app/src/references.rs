//! Before planning against AWS: do the certificate, VPC and subnets `platform.json` names and
//! the image tags and secrets the manifests name exist? Each missing one is a problem placed at
//! its line and column, and written one way for every frontend (the CLI's terminal, the action's annotations and summary, the function's
//! log).

use anyhow::{Context, Result};
use rnd_core::diagnostic::Diagnostic;
use rnd_core::platform_references;
use rnd_core::prerequisites::{check, wanted};

use crate::validate::Valid;

/// One problem per thing AWS does not have that the repository points at — the certificate,
/// VPC and subnets of `platform.json`, each manifest's image tag and secrets — each at its line
/// and column.
pub async fn missing(clients: &rnd_aws::Clients, valid: &Valid) -> Result<Vec<Diagnostic>> {
    let repository = &valid.repository;
    let platform_wanted = platform_references::wanted(repository);
    let manifests_wanted = wanted(repository);
    let (existing, platform_existing) = tokio::try_join!(
        rnd_aws::references::existing(clients, &manifests_wanted),
        rnd_aws::references::platform_existing(clients, &platform_wanted),
    )
    .context("checking that what the platform and the manifests point at exists")?;
    let mut problems = platform_references::check(
        repository,
        &platform_wanted,
        &platform_existing,
        &valid.deployments.platform,
    );
    problems.extend(check(repository, &existing, &valid.deployments.manifests));
    Ok(problems)
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
    format!("{count} missing or unusable in AWS; nothing was planned or changed")
}

/// Said when a plan is made from a snapshot instead of AWS.
pub const NOT_CHECKED: &str =
    "note: planned against a snapshot (--observed), so image tags and secrets in AWS were not checked";

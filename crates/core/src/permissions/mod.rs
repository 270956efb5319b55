//! The IAM policy an identity needs to run rnd for one platform, generated from one table.
//!
//! `rnd permissions --for plan|apply|secrets` prints it, `deploy/lambda.yaml` grants it (a test
//! checks the two agree), and the tests that record the AWS calls rnd makes check each call is
//! covered. Every grant says why it exists; resources are the platform's own names, paths,
//! cluster and tags wherever AWS supports resource-level permissions, and `*` only where it
//! does not (each such grant says so).

mod grants;
mod policy;

pub use grants::{grants, Grant, Resource, Scoping};
pub use policy::{policy, Policy, Statement};

use crate::platform::Platform;

/// What the identity will do with rnd.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// Read only: `rnd plan`, `status`, `observe`, `logs`, `secrets list`, `capacity` against
    /// what runs. Enough for a pull request's job.
    Plan,
    /// `plan` plus every change: `rnd apply` and `rnd destroy`, the lock, tagging.
    Apply,
    /// `plan` plus writing the platform's secrets (`rnd secrets set`): a person's task, kept
    /// apart so the deploying identity never writes a credential.
    Secrets,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Plan, Mode::Apply, Mode::Secrets];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Plan => "plan",
            Mode::Apply => "apply",
            Mode::Secrets => "secrets",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mode::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| format!("`{s}` is not a mode: use plan, apply or secrets"))
    }
}

/// Where the policy applies: the ARN parts rnd cannot know offline, and the platform.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    pub platform: &'a Platform,
    /// `aws`, `aws-cn` or `aws-us-gov`.
    pub partition: String,
    /// The 12-digit account id, or `*` when the policy is attached in the account it names.
    pub account: String,
}

impl<'a> Scope<'a> {
    /// The standard partition, any account.
    pub fn new(platform: &'a Platform) -> Self {
        Scope {
            platform,
            partition: "aws".to_string(),
            account: "*".to_string(),
        }
    }
}

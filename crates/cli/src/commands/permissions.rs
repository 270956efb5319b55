//! `rnd permissions`: the IAM policy an identity needs to run rnd for this platform, to attach
//! as it is (`--for plan` for a pull request's job, `apply` for deploying, `secrets` for people
//! who set secrets), or with each statement's reason (`--explain`).

use anyhow::Result;
use clap::{Args, ValueEnum};
use rnd_core::permissions::{grants, policy, Mode, Scope};

use super::load::valid_platform;
use super::DirArg;
use rnd_app::exit::Code;

#[derive(Debug, Args)]
pub struct PermissionsArgs {
    #[command(flatten)]
    pub dir: DirArg,
    /// What the identity does: plan (read only), apply (plan, apply, destroy), or secrets (plan and
    /// `rnd secrets set`).
    #[arg(long = "for", value_enum, default_value_t = ForMode::Apply)]
    pub mode: ForMode,
    /// The account id to put in resource ARNs (default `*`: the account the policy is attached in).
    #[arg(long, default_value = "*", value_name = "ID")]
    pub account: String,
    /// The AWS partition (`aws`, `aws-cn`, `aws-us-gov`).
    #[arg(long, default_value = "aws")]
    pub partition: String,
    /// Print each statement with why rnd needs it, instead of the policy document.
    #[arg(long)]
    pub explain: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ForMode {
    Plan,
    Apply,
    Secrets,
}

impl From<ForMode> for Mode {
    fn from(m: ForMode) -> Mode {
        match m {
            ForMode::Plan => Mode::Plan,
            ForMode::Apply => Mode::Apply,
            ForMode::Secrets => Mode::Secrets,
        }
    }
}

pub fn run(args: &PermissionsArgs) -> Result<Code> {
    let Some(valid) = valid_platform(&args.dir.dir)? else {
        return Ok(Code::Failure);
    };
    let platform = &valid.repository.platform;
    let scope = Scope {
        platform,
        partition: args.partition.clone(),
        account: args.account.clone(),
    };
    let mode = Mode::from(args.mode);
    let document = policy(&scope, mode);
    if !args.explain {
        println!("{}", serde_json::to_string_pretty(&document)?);
        return Ok(Code::Success);
    }
    let reasons = grants(platform);
    for statement in &document.statement {
        let why = reasons
            .iter()
            .find(|g| g.sid == statement.sid)
            .map_or("", |g| g.why);
        println!(
            "{}: {}",
            statement.sid,
            why.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        println!("  actions: {}", statement.action.join(", "));
        println!("  resources: {}", statement.resource.join(", "));
        if let Some(condition) = &statement.condition {
            println!("  condition: {}", serde_json::Value::Object(condition.clone()));
        }
    }
    println!(
        "{} statements, {} actions for --for {}",
        document.statement.len(),
        document.actions().len(),
        mode.name()
    );
    Ok(Code::Success)
}

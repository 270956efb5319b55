//! The subcommands of `rnd`, one file each, and the top-level argument parser.

pub mod apply;
pub mod capacity;
pub mod export;
mod load;
pub mod logs;
pub mod observe;
pub mod permissions;
pub mod plan;
pub mod restart;
pub mod schema;
pub mod secrets;
pub mod status;
pub mod validate;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};

use rnd_app::exit::Code;

/// rnd: deploy containers to AWS from one small JSON manifest each.
#[derive(Debug, Parser)]
#[command(name = "rnd", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check platform.json and every manifest, printing every problem.
    Validate(validate::ValidateArgs),
    /// Show where every container runs and what it costs.
    Capacity(capacity::CapacityArgs),
    /// Show what applying the manifests would change in AWS, and the cost before and after.
    Plan(plan::PlanArgs),
    /// Make AWS match the manifests: observe, plan, show, ask (unless --yes), apply.
    Apply(apply::ApplyArgs),
    /// Show each service's tasks, deployment, URL, placement and cost, as running now.
    Status(status::StatusArgs),
    /// Show what a service's tasks wrote to their logs (running tasks; --previous: stopped ones).
    Logs(logs::LogsArgs),
    /// Remove every resource of the platform, foundations included.
    Destroy(apply::DestroyArgs),
    /// Print what exists in AWS for the platform, as a JSON snapshot.
    Observe(observe::ObserveArgs),
    /// Store a service's secret (value from standard input), list them (never their values) or
    /// delete one.
    Secrets(secrets::SecretsArgs),
    /// Start a service's tasks again with the same task definition (after a secret changed).
    Restart(restart::RestartArgs),
    /// Print the JSON Schema of a manifest or of platform.json.
    Schema(schema::SchemaArgs),
    /// Print the IAM policy an identity needs to plan, apply or set secrets for this platform.
    Permissions(permissions::PermissionsArgs),
    /// Write what rnd would create in another form (a CloudFormation template).
    Export(export::ExportArgs),
}

/// Where the deployments repository is; shared by every command that reads it.
#[derive(Debug, Clone, Args)]
pub struct DirArg {
    /// The deployments repository: holds platform.json and manifests/.
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
}

pub fn run(cli: Cli) -> Result<Code> {
    match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Schema(args) => schema::run(&args),
        Command::Capacity(args) => capacity::run(&args),
        Command::Plan(args) => plan::run(&args),
        Command::Apply(args) => apply::apply(&args),
        Command::Destroy(args) => apply::destroy(&args),
        Command::Observe(args) => observe::run(&args),
        Command::Status(args) => status::run(&args),
        Command::Logs(args) => logs::run(&args),
        Command::Secrets(args) => secrets::run(&args),
        Command::Restart(args) => restart::run(&args),
        Command::Permissions(args) => permissions::run(&args),
        Command::Export(args) => export::run(&args),
    }
}

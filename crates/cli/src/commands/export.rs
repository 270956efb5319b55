//! `rnd export cloudformation`: the resources `rnd apply` would create for the repository, as a
//! CloudFormation template, for a team that reviews or keeps its stack in CloudFormation. Offline:
//! no AWS call (it is planned against an empty account).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};

use super::load::valid_repository;
use super::DirArg;
use rnd_app::exit::Code;

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub format: ExportFormat,
}

#[derive(Debug, Subcommand)]
pub enum ExportFormat {
    /// A CloudFormation template (JSON) with every resource rnd would create.
    Cloudformation(CloudformationArgs),
}

#[derive(Debug, Args)]
pub struct CloudformationArgs {
    #[command(flatten)]
    pub dir: DirArg,
    /// Write the template to this file instead of standard output; a platform too large for
    /// one stack needs a directory, where one template per stack is written.
    #[arg(long, value_name = "FILE|DIR")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &ExportArgs) -> Result<Code> {
    let ExportFormat::Cloudformation(args) = &args.format;
    let Some(repository) = valid_repository(&args.dir.dir)? else {
        return Ok(Code::Failure);
    };
    let stacks = match rnd_core::export::cloudformation(&repository) {
        Ok(stacks) => stacks,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Code::Failure);
        }
    };
    match (&args.output, stacks.as_slice()) {
        (None, [one]) => print!("{}", text(&one.template)?),
        (Some(path), [one]) if !path.is_dir() => write(path, &one.template)?,
        (None, _) => bail!(
            "platform {} needs {} CloudFormation stacks (a stack holds at most 500 resources): \
             pass --output DIR to write one template per stack",
            repository.platform.name,
            stacks.len()
        ),
        (Some(dir), _) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            for stack in &stacks {
                write(&dir.join(format!("{}.json", stack.name)), &stack.template)?;
            }
            eprintln!(
                "wrote {} stacks to {}: deploy foundation.json first, then each services-N.json \
                 with FoundationStack set to the foundation stack's name",
                stacks.len(),
                dir.display()
            );
        }
    }
    Ok(Code::Success)
}

fn text(template: &serde_json::Value) -> Result<String> {
    Ok(serde_json::to_string_pretty(template)? + "\n")
}

fn write(path: &std::path::Path, template: &serde_json::Value) -> Result<()> {
    std::fs::write(path, text(template)?).with_context(|| format!("writing {}", path.display()))
}

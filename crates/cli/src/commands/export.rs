//! `rnd export cloudformation`: the resources `rnd apply` would create for the repository, as a
//! CloudFormation template, for a team that reviews or keeps its stack in CloudFormation. Offline:
//! no AWS call (it is planned against an empty account).

use std::path::PathBuf;

use anyhow::{Context, Result};
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
    /// Write the template to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &ExportArgs) -> Result<Code> {
    let ExportFormat::Cloudformation(args) = &args.format;
    let Some(repository) = valid_repository(&args.dir.dir)? else {
        return Ok(Code::Failure);
    };
    let template = match rnd_core::export::cloudformation(&repository) {
        Ok(template) => template,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Code::Failure);
        }
    };
    let text = serde_json::to_string_pretty(&template)? + "\n";
    match &args.output {
        Some(path) => std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(Code::Success)
}

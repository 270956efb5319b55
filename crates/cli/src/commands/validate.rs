//! `rnd validate`: check every file of a deployments repository and print every problem.

use anyhow::Result;
use clap::{Args, ValueEnum};
use rnd_core::repository::validate_repository;

use super::DirArg;
use crate::deployments::Deployments;
use crate::exit::Code;
use crate::render::diagnostics::{render_json, render_text, Style};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub dir: DirArg,
    /// Output format: text for people, json for machines.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(args: &ValidateArgs) -> Result<Code> {
    let deployments = Deployments::read(&args.dir.dir)?;
    let report = validate_repository(&deployments.platform, &deployments.manifests);
    let output = match args.format {
        Format::Text => render_text(&report, &deployments, Style::detect()),
        Format::Json => render_json(&report),
    };
    print!("{output}");
    Ok(if report.error_count() == 0 {
        Code::Success
    } else {
        Code::Failure
    })
}

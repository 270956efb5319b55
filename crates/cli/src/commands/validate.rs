//! `rnd validate`: check every file of a deployments repository and print every problem.

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::DirArg;
use crate::render::diagnostics::{render_json, render_text, Style};
use rnd_app::exit::Code;

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
    let rnd_app::Validated { deployments, report } = super::load::read(&args.dir.dir)?;
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

//! `rnd schema manifest|platform`: print a JSON Schema for editors and other tools.

use anyhow::Result;
use clap::{Args, ValueEnum};
use rnd_core::schema::{manifest_schema, platform_schema, to_pretty};

use rnd_app::exit::Code;

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which file's schema to print.
    pub which: SchemaKind,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemaKind {
    /// A service manifest (manifests/<name>.json).
    Manifest,
    /// The platform file (platform.json).
    Platform,
}

pub fn run(args: &SchemaArgs) -> Result<Code> {
    let schema = match args.which {
        SchemaKind::Manifest => manifest_schema(),
        SchemaKind::Platform => platform_schema(),
    };
    print!("{}", to_pretty(&schema));
    Ok(Code::Success)
}

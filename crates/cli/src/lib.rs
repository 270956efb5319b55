//! The `rnd` command-line interface: one module per subcommand, a shared reader for the
//! deployments directory, and renderers for what the core returns. `deploy` is the library
//! API other frontends (`rnd-action`) build on: the same flows, returned as values.

mod aws;
pub mod commands;
pub mod deploy;
pub mod deployments;
pub mod exit;
pub mod fanout;
mod lock;
mod references;
pub mod render;
pub mod slack;

use std::process::ExitCode;

use clap::Parser;

/// Run `rnd` with the process's arguments and return its exit code.
pub fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code.into(),
        Err(error) => {
            eprintln!("error: {error:#}");
            exit::Code::UsageOrIo.into()
        }
    }
}

//! The `rnd` command-line interface: argument parsing (one module per subcommand) and terminal
//! rendering of what the flows (`rnd-app`) and the core return.

pub mod commands;
mod lock;
pub mod render;

use std::process::ExitCode;

use clap::Parser;

/// Run `rnd` with the process's arguments and return its exit code.
pub fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code.into(),
        Err(error) => {
            eprintln!("error: {error:#}");
            rnd_app::exit::Code::UsageOrIo.into()
        }
    }
}

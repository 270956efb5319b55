//! The `rnd` command-line interface: argument parsing (one module per subcommand) and terminal
//! rendering of what the flows (`rnd-app`) and the core return.

pub mod commands;
mod lock;
pub mod render;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::Parser;

/// Run `rnd` with the process's arguments and return its exit code.
pub fn main() -> ExitCode {
    // A usage mistake is an error like any other (exit 1): clap's own 2 would read as "changes"
    // to a script running `rnd plan --detailed-exitcode`.
    let cli = match commands::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => rnd_app::exit::Code::Success,
                _ => rnd_app::exit::Code::Failure,
            }
            .into();
        }
    };
    match commands::run(cli) {
        Ok(code) => code.into(),
        Err(error) => {
            eprintln!("error: {error:#}");
            rnd_app::exit::Code::Failure.into()
        }
    }
}

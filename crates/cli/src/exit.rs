//! The one place that says which exit code means what.

use std::process::ExitCode;

/// Exit codes shared by every subcommand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// Everything valid / succeeded.
    Success = 0,
    /// Something the user wrote is invalid, or an operation failed.
    Failure = 1,
    /// Bad command line, or a file or directory that could not be read.
    UsageOrIo = 2,
}

impl From<Code> for ExitCode {
    fn from(code: Code) -> Self {
        ExitCode::from(code as u8)
    }
}

//! The one place that says which exit code means what, for the `rnd` CLI and `rnd-action` alike.

use std::process::ExitCode;

/// Outcomes shared by every subcommand and the action, and their exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// 0: everything valid / succeeded / nothing to change.
    Success,
    /// 1: something the user wrote is invalid, or an operation failed.
    Failure,
    /// 2: bad command line, or a file or directory that could not be read.
    UsageOrIo,
    /// 2, with `rnd plan --detailed-exitcode`: the plan has changes (Terraform's convention).
    Changes,
}

impl From<Code> for ExitCode {
    fn from(code: Code) -> Self {
        ExitCode::from(match code {
            Code::Success => 0,
            Code::Failure => 1,
            Code::UsageOrIo | Code::Changes => 2,
        })
    }
}

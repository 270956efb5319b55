//! The one place that says which exit code means what, for the `rnd` CLI and `rnd-action` alike.
//!
//! Terraform's convention, kept strict so a CI script can trust it: 0 success, 1 any error
//! (invalid input, a failed operation, a usage mistake, an unreadable file, AWS unreachable), and
//! 2 only for "the plan has changes" under `--detailed-exitcode`. A script reading 2 as
//! "changes" is never fooled by an error.

use std::process::ExitCode;

/// Outcomes shared by every subcommand and the action, and their exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// 0: everything valid / succeeded / nothing to change.
    Success,
    /// 1: anything went wrong.
    Failure,
    /// 2, with `rnd plan --detailed-exitcode`: the plan has changes.
    Changes,
}

impl From<Code> for ExitCode {
    fn from(code: Code) -> Self {
        ExitCode::from(match code {
            Code::Success => 0,
            Code::Failure => 1,
            Code::Changes => 2,
        })
    }
}

//! Missing image tags and secrets on the terminal: one error each, at its line and column, and
//! that nothing was planned.

use rnd_app::references::{conclusion, describe};
use rnd_core::diagnostic::Diagnostic;

/// Print each problem and the conclusion to stderr.
pub fn print_missing(problems: &[Diagnostic]) {
    for problem in problems {
        eprintln!("error: {}", describe(problem));
    }
    eprintln!("{}", conclusion(problems));
}

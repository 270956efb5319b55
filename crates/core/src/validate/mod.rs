//! Building blocks shared by the manifest and platform validators.

pub mod checker;
pub mod names;
pub mod suggest;

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SyntaxError;

/// The outcome of validating one file: the checked value when there were no errors, and every
/// problem found (warnings may accompany a value).
#[derive(Debug, Clone)]
pub struct Validated<T> {
    pub value: Option<T>,
    pub diagnostics: Vec<Diagnostic>,
    /// Byte ranges of values that may be secrets; anything quoting the source must hide them.
    pub concealed: Vec<std::ops::Range<usize>>,
}

impl<T> Validated<T> {
    pub fn invalid(diagnostics: Vec<Diagnostic>) -> Self {
        Validated {
            value: None,
            diagnostics,
            concealed: Vec::new(),
        }
    }

    /// The result of a finished check: the value only when no error was found.
    pub fn from_checker(value: Option<T>, checker: checker::Checker) -> Self {
        let has_errors = checker.has_errors();
        let (diagnostics, concealed) = checker.finish();
        Validated {
            value: if has_errors { None } else { value },
            diagnostics,
            concealed,
        }
    }
}

/// A JSON syntax error as a diagnostic.
pub fn syntax_diagnostic(file: &str, error: SyntaxError) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        code: "json/syntax",
        file: file.to_string(),
        pointer: String::new(),
        location: error.location,
        message: format!("this is not valid JSON: {}", error.message),
        help: Some("JSON allows no comments and no trailing commas; strings use double quotes".into()),
    }
}

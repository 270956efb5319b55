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
pub fn syntax_diagnostic(file: &str, text: &str, error: SyntaxError) -> Diagnostic {
    // Two mistakes an editor makes rather than a person get a message of their own.
    let (code, message, help) = if text.trim().is_empty() {
        (
            "json/empty",
            "the file is empty".to_string(),
            "write a JSON object in it, e.g. { \"image\": \"…\", \"version\": \"v1\" }, or delete it",
        )
    } else if text.starts_with('\u{feff}') {
        (
            "json/byte-order-mark",
            "the file starts with a UTF-8 byte-order mark, which JSON does not allow".to_string(),
            "save it as UTF-8 without a BOM (most editors have this as an encoding choice)",
        )
    } else {
        (
            "json/syntax",
            format!("this is not valid JSON: {}", error.message),
            "JSON allows no comments and no trailing commas; strings use double quotes",
        )
    };
    Diagnostic {
        severity: Severity::Error,
        code,
        file: file.to_string(),
        pointer: String::new(),
        location: error.location,
        message,
        help: Some(help.into()),
    }
}

//! Problems found in a user's file: where (file, JSON pointer, line:column), what, and what would be valid.

use serde::Serialize;

/// How bad a problem is. Errors make a file invalid; warnings are advice that never blocks a deploy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A place in a source text: byte range for tools that underline, 1-based line and column for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Location {
    /// Byte offset of the first byte of the offending token.
    pub offset: usize,
    /// Length in bytes of the offending token (at least 1 when the text is not empty).
    pub length: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable machine-readable kind, e.g. `manifest/unknown-field`.
    pub code: &'static str,
    /// The file as the user knows it (relative to the deployments directory), e.g. `manifests/whisper.json`.
    pub file: String,
    /// RFC 6901 JSON pointer to the value at fault; empty for the whole document.
    pub pointer: String,
    pub location: Location,
    /// What was found, in one sentence.
    pub message: String,
    /// What would be valid, or how to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:column` as editors and CI annotations expect.
    pub fn position(&self) -> String {
        format!("{}:{}:{}", self.file, self.location.line, self.location.column)
    }
}

/// Escape one object key or array index as an RFC 6901 pointer segment.
pub fn pointer_segment(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Append one segment to a pointer.
pub fn pointer_join(parent: &str, key: &str) -> String {
    format!("{parent}/{}", pointer_segment(key))
}

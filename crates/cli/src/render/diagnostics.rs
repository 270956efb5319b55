//! Validation problems as annotated source snippets (text) or a stable JSON document.

use std::fmt;
use std::io::IsTerminal;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};
use rnd_core::diagnostic::{Diagnostic, Severity};
use rnd_core::repository::RepositoryReport;
use serde_json::json;

use rnd_app::Deployments;

/// Colour or not: colour only on a terminal, and never when `NO_COLOR` is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Colour,
}

impl Style {
    pub fn detect() -> Self {
        Self::for_stream(std::io::stdout().is_terminal())
    }

    pub fn detect_stderr() -> Self {
        Self::for_stream(std::io::stderr().is_terminal())
    }

    fn for_stream(is_terminal: bool) -> Self {
        if is_terminal && std::env::var_os("NO_COLOR").is_none() {
            Style::Colour
        } else {
            Style::Plain
        }
    }
}

/// Every file with its verdict, then each problem with the offending line underlined.
pub fn render_text(report: &RepositoryReport, deployments: &Deployments, style: Style) -> String {
    let theme = match style {
        Style::Plain => GraphicalTheme::unicode_nocolor(),
        Style::Colour => GraphicalTheme::unicode(),
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    for file in &report.files {
        let errors = file.diagnostics.iter().filter(|d| d.is_error()).count();
        let warnings = file.diagnostics.len() - errors;
        let verdict = match (errors, warnings) {
            (0, 0) => "ok".to_string(),
            (0, w) => format!("ok, {}", plural(w, "warning")),
            (e, 0) => plural(e, "error"),
            (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
        };
        out.push_str(&format!("{}: {verdict}\n", file.file));
        if file.diagnostics.is_empty() {
            continue;
        }
        let text = deployments
            .files()
            .find(|f| f.path == file.file)
            .map(|f| conceal(&String::from_utf8_lossy(&f.bytes), &file.concealed))
            .unwrap_or_default();
        for diagnostic in &file.diagnostics {
            let report = Report {
                diagnostic,
                source: NamedSource::new(&file.file, text.clone()),
            };
            let mut rendered = String::new();
            // Rendering into a String cannot fail; if miette ever does, fall back to one line.
            if handler.render_report(&mut rendered, &report).is_err() {
                rendered = format!("{}: {}\n", diagnostic.position(), diagnostic.message);
            }
            out.push('\n');
            out.push_str(&rendered);
        }
        out.push('\n');
    }
    let invalid = report
        .files
        .iter()
        .filter(|f| f.diagnostics.iter().any(Diagnostic::is_error))
        .count();
    out.push_str(&match report.error_count() {
        0 => format!("all {} valid", plural(report.files.len(), "file")),
        e => format!(
            "{invalid} of {} invalid: {}",
            plural(report.files.len(), "file"),
            plural(e, "error")
        ),
    });
    if report.warning_count() > 0 {
        out.push_str(&format!(", {}", plural(report.warning_count(), "warning")));
    }
    out.push('\n');
    out
}

/// `{"format_version": 1, "valid": ..., "files": [{"file", "valid", "diagnostics": [...]}]}`.
pub fn render_json(report: &RepositoryReport) -> String {
    let files: Vec<_> = report
        .files
        .iter()
        .map(|f| {
            json!({
                "file": f.file,
                "valid": !f.diagnostics.iter().any(Diagnostic::is_error),
                "diagnostics": f.diagnostics.iter().map(|d| json!({
                    "severity": d.severity,
                    "code": d.code,
                    "pointer": d.pointer,
                    "line": d.location.line,
                    "column": d.location.column,
                    "message": d.message,
                    "help": d.help,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = json!({
        "format_version": 1,
        "valid": report.error_count() == 0,
        "errors": report.error_count(),
        "warnings": report.warning_count(),
        "files": files,
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("plain JSON serializes");
    text.push('\n');
    text
}

/// The text with each concealed range's characters replaced by `*`, byte for byte, so positions
/// stay right while a credential someone wrote in the file is not repeated in logs.
fn conceal(text: &str, ranges: &[std::ops::Range<usize>]) -> String {
    let mut out = text.to_string();
    for range in ranges {
        let Some(original) = text.get(range.clone()) else {
            continue;
        };
        // Keep the quotes so the snippet still reads as JSON.
        let masked: String = original
            .char_indices()
            .map(|(i, c)| {
                let edge = (i == 0 || i + c.len_utf8() == original.len()) && c == '"';
                if edge {
                    "\"".to_string()
                } else {
                    "*".repeat(c.len_utf8())
                }
            })
            .collect();
        out.replace_range(range.clone(), &masked);
    }
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Adapts a core diagnostic to miette's renderer.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: NamedSource<String>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let d = self.diagnostic;
        let label = if d.pointer.is_empty() {
            "here".to_string()
        } else {
            d.pointer.clone()
        };
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(label),
            d.location.offset,
            d.location.length,
        ))))
    }
}

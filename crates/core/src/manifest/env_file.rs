//! `manifests/<name>.env`: plain environment variables beside a manifest, so long lists do not
//! lengthen it. The format is deliberately small, with no escapes or interpolation to surprise
//! anyone:
//!
//! - one `KEY=value` per line; blank lines and lines whose first non-blank character is `#` are
//!   ignored; a `\r` before the line end is dropped;
//! - `KEY` follows the same rules as the manifest's `env` (letters, digits, `_`, not starting with
//!   a digit), with nothing around it (no spaces, no `export`);
//! - the value is everything after the first `=`, taken literally (`#` included: there are no
//!   end-of-line comments); a value wrapped in matching `"` or `'` loses the two quotes, which
//!   keeps leading or trailing spaces; nothing inside is unescaped;
//! - a key may appear once per file.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::diagnostic::{pointer_segment, Diagnostic, Location, Severity};
use crate::source::location_at;
use crate::validate::names;

use crate::validate::names::looks_like_credential;

/// One variable of an env file: its value and where its key stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvEntry {
    pub value: String,
    pub key_location: Location,
}

/// An env file's variables (when it has no errors), every problem, and the value ranges to hide.
#[derive(Debug, Clone, Default)]
pub struct EnvFile {
    pub vars: BTreeMap<String, EnvEntry>,
    pub diagnostics: Vec<Diagnostic>,
    pub concealed: Vec<Range<usize>>,
}

impl EnvFile {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parse `text`, the env file `file`, reporting every problem with line and column.
pub fn parse_env_file(file: &str, text: &str) -> EnvFile {
    let mut out = EnvFile::default();
    let mut offset = 0;
    for raw_line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw_line.len();
        let line = raw_line.strip_suffix('\n').unwrap_or(raw_line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let problem = |out: &mut EnvFile,
                       severity,
                       code,
                       at: usize,
                       len: usize,
                       key: &str,
                       message: String,
                       help: &str| {
            out.diagnostics.push(Diagnostic {
                severity,
                code,
                file: file.to_string(),
                pointer: if key.is_empty() {
                    String::new()
                } else {
                    format!("/{}", pointer_segment(key))
                },
                location: location_at(text, line_start + at, len),
                message,
                help: Some(help.to_string()),
            });
        };
        let Some((key, value)) = line.split_once('=') else {
            problem(
                &mut out,
                Severity::Error,
                "env-file/syntax",
                0,
                line.len(),
                "",
                "this line is not `KEY=value`, a comment (`#`) or blank".into(),
                "write one variable per line as KEY=value",
            );
            continue;
        };
        if let Err(why) = names::env_var_name(key) {
            let help = if key.starts_with("export ") {
                "write KEY=value without `export`".to_string()
            } else {
                format!(
                    "use letters, digits and `_`, not starting with a digit, with no spaces before `=`, e.g. {}",
                    names::to_env_var_name(key.trim())
                )
            };
            problem(
                &mut out,
                Severity::Error,
                "env-file/name",
                0,
                key.len().max(1),
                "",
                format!("\"{key}\" is not an environment variable name: {why}"),
                &help,
            );
            continue;
        }
        let value_at = key.len() + 1;
        let value = match unquote(value) {
            Ok(v) => v.to_string(),
            Err(quote) => {
                problem(
                    &mut out,
                    Severity::Error,
                    "env-file/quote",
                    value_at,
                    1,
                    key,
                    format!("the value of `{key}` starts with {quote} but does not end with one"),
                    "close the quote at the end of the line (values span one line), or drop it",
                );
                continue;
            }
        };
        if let Some(first) = out.vars.get(key) {
            let first_line = first.key_location.line;
            problem(
                &mut out,
                Severity::Error,
                "env-file/duplicate",
                0,
                key.len(),
                key,
                format!("`{key}` is set twice in this file (first on line {first_line})"),
                "keep one of them",
            );
            continue;
        }
        if !value.is_empty() && looks_like_credential(key) {
            out.concealed.push(line_start + value_at..line_start + line.len());
            // Never repeat the value: it may be the very secret we are warning about.
            problem(
                &mut out,
                Severity::Warning,
                "env-file/secret-in-env",
                0,
                key.len(),
                key,
                format!("`{key}` looks like a credential written in plain text in git"),
                &format!(
                    "store it with `rnd secrets set <service> {}` and reference it under the manifest's `secrets` instead",
                    key.to_ascii_lowercase().replace('_', "-")
                ),
            );
        }
        out.vars.insert(
            key.to_string(),
            EnvEntry {
                value,
                key_location: location_at(text, line_start, key.len()),
            },
        );
    }
    out
}

/// The value without one pair of matching surrounding quotes; `Err(quote)` when a quote opens
/// and never closes.
fn unquote(value: &str) -> Result<&str, char> {
    for quote in ['"', '\''] {
        if let Some(rest) = value.strip_prefix(quote) {
            return rest.strip_suffix(quote).ok_or(quote);
        }
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(text: &str) -> Vec<(String, String)> {
        let parsed = parse_env_file("manifests/x.env", text);
        assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
        parsed.vars.into_iter().map(|(k, e)| (k, e.value)).collect()
    }

    #[test]
    fn values_are_literal_and_quotes_only_wrap() {
        let text =
            "# settings\n\nA=1\nB=two words # not a comment\r\nC=\"  padded  \"\nD='x=\"y\"'\nE=\nF=a\\nb";
        assert_eq!(
            vars(text),
            [
                ("A".into(), "1".into()),
                ("B".into(), "two words # not a comment".into()),
                ("C".into(), "  padded  ".into()),
                ("D".into(), "x=\"y\"".into()),
                ("E".into(), "".into()),
                ("F".into(), "a\\nb".into()),
            ]
        );
    }

    #[test]
    fn problems_have_lines_and_columns() {
        let parsed = parse_env_file(
            "manifests/x.env",
            "A=1\nnot a variable\nexport B=2\n1C=3\nD=\"open\nA=again\nAPI_TOKEN=abc123\n",
        );
        let found: Vec<(usize, usize, &str)> = parsed
            .diagnostics
            .iter()
            .map(|d| (d.location.line, d.location.column, d.code))
            .collect();
        assert_eq!(
            found,
            [
                (2, 1, "env-file/syntax"),
                (3, 1, "env-file/name"),
                (4, 1, "env-file/name"),
                (5, 3, "env-file/quote"),
                (6, 1, "env-file/duplicate"),
                (7, 1, "env-file/secret-in-env"),
            ]
        );
        assert!(parsed.diagnostics.iter().all(|d| !d.message.contains("abc123")));
        let text = "A=1\nnot a variable\nexport B=2\n1C=3\nD=\"open\nA=again\nAPI_TOKEN=abc123\n";
        assert_eq!(&text[parsed.concealed[0].clone()], "abc123");
    }
}

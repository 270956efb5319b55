//! GitHub Actions workflow commands and files, as pure text: annotations (`::error file=…::`),
//! step outputs (`name=value`, or the delimiter form for several lines).

use std::fmt::Write;

/// How bad an annotation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
}

/// Where an annotation points: a file relative to the workspace, 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

/// One annotation line, e.g. `::error file=a.json,line=3,col=5,title=manifest/cpu::cpu must be …`.
pub fn annotation(level: Level, position: Option<&Position>, title: &str, message: &str) -> String {
    let command = match level {
        Level::Error => "error",
        Level::Warning => "warning",
    };
    let mut properties = Vec::new();
    if let Some(p) = position {
        properties.push(format!("file={}", escape_property(&p.file)));
        properties.push(format!("line={}", p.line));
        properties.push(format!("col={}", p.column));
    }
    if !title.is_empty() {
        properties.push(format!("title={}", escape_property(title)));
    }
    let mut line = format!("::{command}");
    if !properties.is_empty() {
        let _ = write!(line, " {}", properties.join(","));
    }
    let _ = write!(line, "::{}", escape_data(message));
    line
}

/// A workflow command's message: `%`, `\r` and `\n` escaped as GitHub's runner expects, so a
/// message of several lines stays one command.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A workflow command's property value: as [`escape_data`], plus `:` and `,`, which would
/// otherwise end the value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One entry for the `GITHUB_OUTPUT` file: `name=value`, or for a value with line breaks the
/// delimiter form (`name<<DELIM`, the value, `DELIM`) with a delimiter the value does not hold.
pub fn output_entry(name: &str, value: &str) -> String {
    if !value.contains('\n') && !value.contains('\r') {
        return format!("{name}={value}\n");
    }
    let mut delimiter = "rnd_action_EOF".to_string();
    let mut n = 0u32;
    while value.lines().any(|l| l == delimiter) {
        n += 1;
        delimiter = format!("rnd_action_EOF_{n}");
    }
    format!("{name}<<{delimiter}\n{value}\n{delimiter}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn annotations_carry_position_and_escape_what_github_reads_as_syntax() {
        let position = Position {
            file: "deploy/manifests/a,b:c.json".into(),
            line: 3,
            column: 12,
        };
        assert_eq!(
            annotation(Level::Error, Some(&position), "manifest/cpu", "100% wrong\nhelp: use 1"),
            "::error file=deploy/manifests/a%2Cb%3Ac.json,line=3,col=12,title=manifest/cpu::100%25 wrong%0Ahelp: use 1"
        );
        assert_eq!(
            annotation(Level::Warning, None, "", "careful"),
            "::warning::careful"
        );
    }

    #[test]
    fn outputs_use_the_delimiter_form_for_several_lines() {
        assert_eq!(output_entry("has_changes", "true"), "has_changes=true\n");
        assert_eq!(
            output_entry("text", "a\nrnd_action_EOF\nb"),
            "text<<rnd_action_EOF_1\na\nrnd_action_EOF\nb\nrnd_action_EOF_1\n"
        );
    }

    /// Undo the runner's escaping, to check nothing is lost or left unescaped.
    fn unescape(text: &str) -> String {
        text.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%25", "%")
    }

    proptest! {
        #[test]
        fn an_annotation_is_one_line_and_its_parts_survive(file in ".*", title in ".+", message in ".*") {
            let position = Position { file: file.clone(), line: 1, column: 1 };
            let line = annotation(Level::Error, Some(&position), &title, &message);
            prop_assert!(!line.contains('\n') && !line.contains('\r'));
            let (head, data) = line["::error ".len()..].split_once("::").unwrap();
            prop_assert_eq!(unescape(data), message);
            let properties: Vec<&str> = head.split(',').collect();
            prop_assert_eq!(properties.len(), 4, "{}", head);
            prop_assert_eq!(unescape(&properties[0]["file=".len()..]), file);
            prop_assert_eq!(unescape(&properties[3]["title=".len()..]), title);
        }

        #[test]
        fn an_output_value_reads_back_whole(value in ".*(\n.*){0,3}") {
            let entry = output_entry("out", &value);
            let read = match entry.strip_prefix("out<<") {
                None => entry["out=".len()..entry.len() - 1].to_string(),
                Some(rest) => {
                    let (delimiter, body) = rest.split_once('\n').unwrap();
                    let end = format!("\n{delimiter}\n");
                    prop_assert!(body.ends_with(&end));
                    body[..body.len() - end.len()].to_string()
                }
            };
            prop_assert_eq!(read, value);
        }
    }
}

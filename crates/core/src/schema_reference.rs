//! A `$schema` path that points nowhere: a warning that names the path it resolves to and the
//! one that would work. Editors use `$schema` to complete and check a file; a path copied from
//! rnd's examples (`../../schema/manifest.schema.json`) silently finds nothing in another
//! repository. Pure: whether a path exists is asked of the caller, which reads the files.

use crate::diagnostic::{Diagnostic, Severity};
use crate::repository::SourceFile;
use crate::source::JsonSource;

/// Warnings for every `platform.json` or `manifests/*.json` whose relative `$schema` names no
/// file. `exists` answers for a path relative to the deployments directory, which may start
/// with `../` (the examples point above theirs). URLs are not checked.
pub fn check_schema_references(files: &[&SourceFile], exists: impl Fn(&str) -> bool) -> Vec<Diagnostic> {
    files
        .iter()
        .filter(|f| f.path.ends_with(".json"))
        .filter_map(|file| {
            let text = std::str::from_utf8(&file.bytes).ok()?;
            let value: serde_json::Value = serde_json::from_str(text).ok()?;
            let reference = value.get("$schema")?.as_str()?;
            if reference.contains("://") || reference.is_empty() {
                return None;
            }
            let dir = file.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            let resolved = normalize(dir, reference);
            if exists(&resolved) {
                return None;
            }
            let which = if file.path.starts_with("manifests/") {
                "manifest"
            } else {
                "platform"
            };
            let schema_file = format!("schema/{which}.schema.json");
            let depth = dir.split('/').filter(|p| !p.is_empty()).count();
            let right = format!("{}{schema_file}", "../".repeat(depth));
            let help = if exists(&schema_file) {
                format!("point it at the schema in this repository: \"$schema\": \"{right}\"")
            } else {
                format!(
                    "write the schema into this repository with `rnd schema {which} > {schema_file}` \
                     and point at it: \"$schema\": \"{right}\""
                )
            };
            let location = JsonSource::parse(text).ok()?.value_location("/$schema");
            Some(Diagnostic {
                severity: Severity::Warning,
                code: "json/schema-not-found",
                file: file.path.clone(),
                pointer: "/$schema".to_string(),
                location,
                message: format!(
                    "`$schema` points to `{resolved}` (from this file's directory), which does not exist: \
                     editors will neither complete nor check this file"
                ),
                help: Some(help),
            })
        })
        .collect()
}

/// `dir` joined with `reference`, `.` and `..` resolved, relative to the deployments directory
/// (leading `../` kept when it climbs above it).
fn normalize(dir: &str, reference: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let mut above = 0usize;
    for part in dir.split('/').chain(reference.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    above += 1;
                }
            }
            p => parts.push(p),
        }
    }
    format!("{}{}", "../".repeat(above), parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, json: &str) -> SourceFile {
        SourceFile {
            path: path.to_string(),
            bytes: json.as_bytes().to_vec(),
        }
    }

    #[test]
    fn resolves_relative_to_the_file_and_above_the_directory() {
        assert_eq!(normalize("manifests", "../schema/m.json"), "schema/m.json");
        assert_eq!(normalize("manifests", "../../schema/m.json"), "../schema/m.json");
        assert_eq!(normalize("", "./schema/p.json"), "schema/p.json");
    }

    #[test]
    fn a_copied_path_that_finds_nothing_is_a_warning_with_the_right_path() {
        let manifest = file(
            "manifests/api.json",
            "{\n  \"$schema\": \"../../schema/manifest.schema.json\",\n  \"image\": \"x\"\n}",
        );
        let found = check_schema_references(&[&manifest], |_| false);
        assert_eq!(found.len(), 1);
        let w = &found[0];
        assert_eq!(w.severity, Severity::Warning);
        assert_eq!((w.location.line, w.location.column), (2, 14));
        assert!(
            w.message.contains("`../schema/manifest.schema.json`"),
            "{}",
            w.message
        );
        let help = w.help.as_deref().unwrap();
        assert!(
            help.contains("rnd schema manifest > schema/manifest.schema.json"),
            "{help}"
        );
        assert!(
            help.contains("\"$schema\": \"../schema/manifest.schema.json\""),
            "{help}"
        );

        // With the schema in the repository, the help only says where to point.
        let found = check_schema_references(&[&manifest], |p| p == "schema/manifest.schema.json");
        assert!(found[0].help.as_deref().unwrap().starts_with("point it at"));
    }

    #[test]
    fn a_path_that_exists_a_url_or_no_schema_is_fine() {
        let platform = file("platform.json", r#"{ "$schema": "schema/platform.schema.json" }"#);
        let url = file(
            "manifests/a.json",
            r#"{ "$schema": "https://example.com/m.json" }"#,
        );
        let none = file("manifests/b.json", r#"{ "image": "x" }"#);
        let found =
            check_schema_references(&[&platform, &url, &none], |p| p == "schema/platform.schema.json");
        assert!(found.is_empty(), "{found:?}");
    }
}

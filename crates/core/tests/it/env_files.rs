//! `manifests/<name>.env` beside a manifest: its variables join the manifest's `env`; a name in
//! both places, an env file without a manifest and bad lines are errors with line and column.

// Tests stand where a frontend would: they read the repository's fixtures and examples from
// disk and hand the core their bytes (clippy.toml forbids files in the core itself).
#![allow(clippy::disallowed_methods)]

use std::path::Path;

use rnd_core::repository::{validate_repository, RepositoryReport, SourceFile};

fn file(path: &str, text: &str) -> SourceFile {
    SourceFile {
        path: path.into(),
        bytes: text.as_bytes().to_vec(),
    }
}

fn validate(files: &[SourceFile]) -> RepositoryReport {
    let platform =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/platform.json")).unwrap();
    validate_repository(
        &file("platform.json", &String::from_utf8(platform).unwrap()),
        files,
    )
}

fn problems(report: &RepositoryReport) -> String {
    report
        .diagnostics()
        .map(|d| {
            format!(
                "{:?} {} [{}] {}\n  help: {}\n",
                d.severity,
                d.position(),
                d.code,
                d.message,
                d.help.as_deref().unwrap_or_default()
            )
        })
        .collect()
}

const API: &str = r#"{ "image": "repo/api", "version": "v1",
  "env": { "LOG_LEVEL": "info" }, "secrets": { "DB_PASSWORD": "db-password" } }"#;

#[test]
fn variables_from_the_file_join_the_manifests_env() {
    let report = validate(&[
        file("manifests/api.env", "# tuning\nWORKERS=4\nGREETING=\" hi \"\n"),
        file("manifests/api.json", API),
    ]);
    assert_eq!(report.error_count(), 0, "{}", problems(&report));
    let api = &report.repository.unwrap().manifests[0];
    let env: Vec<(&str, &str)> = api.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        env,
        [("GREETING", " hi "), ("LOG_LEVEL", "info"), ("WORKERS", "4")]
    );
}

#[test]
fn names_in_both_places_and_orphan_files_are_errors_naming_both_places() {
    let report = validate(&[
        file(
            "manifests/api.env",
            "WORKERS=4\nLOG_LEVEL=debug\nDB_PASSWORD=oops-plain\n",
        ),
        file("manifests/api.json", API),
        file("manifests/ghost.env", "A=1\n"),
        file("manifests/bad.env", "export A=1\nB=\"open\nB=2\nB=3\n"),
        file(
            "manifests/bad.json",
            r#"{ "image": "repo/bad", "version": "v1" }"#,
        ),
    ]);
    assert!(report.repository.is_none());
    let text = problems(&report);
    assert!(
        !text.contains("oops-plain"),
        "a value that may be secret is never repeated"
    );
    insta::assert_snapshot!(text);
    // The credential-looking value is concealed when the file is quoted.
    let api_env = report
        .files
        .iter()
        .find(|f| f.file == "manifests/api.env")
        .unwrap();
    let source = "WORKERS=4\nLOG_LEVEL=debug\nDB_PASSWORD=oops-plain\n";
    assert_eq!(&source[api_env.concealed[0].clone()], "oops-plain");
}

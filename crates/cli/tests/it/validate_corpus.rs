//! The bad-input corpus: each fixture under `fixtures/invalid` makes `rnd validate` exit 1 with
//! messages that name the file, the JSON pointer, line:column and what would be valid.

use std::path::Path;

use crate::support::{deployments_dir, repo_root, rnd, Run};
use serde_json::Value;

/// Validate, check the exit code and the shape of every diagnostic, and return the text output.
fn check_invalid(dir: &Path, file: &str) -> String {
    let dir_arg = dir.to_str().expect("utf-8 temp path");
    let text = rnd(&["validate", "--dir", dir_arg]);
    assert_eq!(
        text.code, 1,
        "{file}: expected exit 1, got {}\n{}{}",
        text.code, text.stdout, text.stderr
    );
    let json = rnd(&["validate", "--dir", dir_arg, "--format", "json"]);
    assert_eq!(json.code, 1);
    let doc: Value = serde_json::from_str(&json.stdout).expect("--format json prints JSON");
    assert_eq!(doc["valid"], false);
    let report = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == file)
        .expect("the file is reported");
    let errors: Vec<&Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    assert!(!errors.is_empty(), "{file}: no error reported");
    for d in errors {
        assert!(
            d["line"].as_u64().unwrap() >= 1 && d["column"].as_u64().unwrap() >= 1,
            "{file}: {d}"
        );
        assert!(d["pointer"].is_string(), "{file}: {d}");
        let help = d["help"].as_str().unwrap_or_default();
        assert!(!help.is_empty(), "{file}: an error without a way out: {d}");
        // The text output names the position as file:line:column.
        let position = format!("{file}:{}:{}", d["line"], d["column"]);
        assert!(
            text.stdout.contains(&position),
            "{file}: {position} not in\n{}",
            text.stdout
        );
    }
    text.stdout
}

/// The examples' platform.json without its `$schema` line: copied into a temporary directory, the
/// path would point nowhere and warn (as it should) in every snapshot of this corpus.
fn examples_platform() -> Vec<u8> {
    let text = std::fs::read_to_string(repo_root().join("examples/platform.json")).unwrap();
    text.lines()
        .filter(|l| !l.contains("\"$schema\""))
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes()
}

#[test]
fn a_schema_path_that_finds_nothing_is_a_warning_with_the_right_path() {
    let platform = std::fs::read(repo_root().join("examples/platform.json")).unwrap();
    let manifest =
        br#"{ "$schema": "../../schema/manifest.schema.json", "image": "repo/app", "version": "v1" }"#;
    let dir = deployments_dir(&platform, &[("app.json", manifest)]);
    let run = rnd(&["validate", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "a warning is not an error: {}", run.stderr);
    // The text wraps long help; the words are what count.
    let all = format!("{}{}", run.stdout, run.stderr);
    let all = all
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("/ ", "/");
    assert!(all.contains("json/schema-not-found"), "{all}");
    assert!(all.contains("`../schema/manifest.schema.json`"), "{all}");
    assert!(
        all.contains("rnd schema manifest > schema/manifest.schema.json"),
        "{all}"
    );
    // Written where the warning says, it is found and the warning goes.
    std::fs::create_dir(dir.path().join("schema")).unwrap();
    std::fs::write(dir.path().join("schema/manifest.schema.json"), b"{}").unwrap();
    std::fs::write(dir.path().join("schema/platform.schema.json"), b"{}").unwrap();
    let fixed = br#"{ "$schema": "../schema/manifest.schema.json", "image": "repo/app", "version": "v1" }"#;
    std::fs::write(dir.path().join("manifests/app.json"), fixed).unwrap();
    std::fs::write(
        dir.path().join("platform.json"),
        String::from_utf8(platform)
            .unwrap()
            .replace("../schema/", "schema/"),
    )
    .unwrap();
    let run = rnd(&["validate", "--dir", dir.path().to_str().unwrap()]);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(!all.contains("schema-not-found"), "{all}");
}

#[test]
fn every_invalid_manifest_is_reported_with_position_and_help() {
    let platform = examples_platform();
    insta::glob!("../../../../fixtures/invalid", "manifests/*.json", |path| {
        let name = path.file_name().unwrap().to_str().unwrap();
        let bytes = std::fs::read(path).unwrap();
        let dir = deployments_dir(&platform, &[(name, &bytes)]);
        let output = check_invalid(dir.path(), &format!("manifests/{name}"));
        insta::assert_snapshot!(output);
    });
}

#[test]
fn every_invalid_platform_is_reported_with_position_and_help() {
    insta::glob!("../../../../fixtures/invalid", "platforms/*.json", |path| {
        let bytes = std::fs::read(path).unwrap();
        let dir = deployments_dir(&bytes, &[]);
        let output = check_invalid(dir.path(), "platform.json");
        insta::assert_snapshot!(output);
    });
}

#[test]
fn the_corpus_is_large_enough() {
    let count = |sub: &str| {
        std::fs::read_dir(repo_root().join("fixtures/invalid").join(sub))
            .unwrap()
            .count()
    };
    assert!(count("manifests") + count("platforms") >= 30);
}

#[test]
fn examples_are_valid() {
    let examples = repo_root().join("examples");
    let Run { code, stdout, .. } = rnd(&["validate", "--dir", examples.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}");
    insta::assert_snapshot!(stdout);
}

#[test]
fn a_credential_written_in_platform_json_is_never_repeated() {
    let bytes =
        std::fs::read(repo_root().join("fixtures/invalid/platforms/slack-webhook-in-file.json")).unwrap();
    let dir = deployments_dir(&bytes, &[]);
    for format in ["text", "json"] {
        let run = rnd(&[
            "validate",
            "--dir",
            dir.path().to_str().unwrap(),
            "--format",
            format,
        ]);
        assert!(!run.stdout.contains("hooks.slack.com"), "{}", run.stdout);
        assert!(run.stdout.contains("webhook_url"), "the problem is still named");
    }
}

#[test]
fn a_secret_looking_env_value_is_never_repeated() {
    let platform = std::fs::read(repo_root().join("examples/platform.json")).unwrap();
    let manifest = br#"{ "image": "repo/app", "version": "v1", "env": { "API_TOKEN": "s3cr3t-value" } }"#;
    let dir = deployments_dir(&platform, &[("app.json", manifest)]);
    let run = rnd(&["validate", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "a warning does not fail validation: {}", run.stdout);
    assert!(
        run.stdout.contains("API_TOKEN") && !run.stdout.contains("s3cr3t-value"),
        "{}",
        run.stdout
    );
}

#[test]
fn env_files_beside_manifests_are_validated_and_their_secret_looking_values_never_repeated() {
    let platform = std::fs::read(repo_root().join("examples/platform.json")).unwrap();
    let manifest = br#"{ "image": "repo/app", "version": "v1", "env": { "MODE": "fast" } }"#;
    let env = b"# app settings
API_TOKEN=s3cr3t-value
MODE=slow
";
    let dir = deployments_dir(&platform, &[("app.json", manifest), ("app.env", env)]);
    for format in ["text", "json"] {
        let run = rnd(&[
            "validate",
            "--dir",
            dir.path().to_str().unwrap(),
            "--format",
            format,
        ]);
        assert_eq!(run.code, 1, "a name in both places is an error: {}", run.stdout);
        assert!(!run.stdout.contains("s3cr3t-value"), "{}", run.stdout);
        assert!(run.stdout.contains("API_TOKEN"), "{}", run.stdout);
        assert!(
            run.stdout
                .contains("`MODE` is set both here and in manifests/app.json as `env.MODE`"),
            "{}",
            run.stdout
        );
    }
    let text = rnd(&["validate", "--dir", dir.path().to_str().unwrap()]);
    assert!(text.stdout.contains("manifests/app.env:3:1"), "{}", text.stdout);
}

/// Every error exits 1, usage mistakes and unreadable directories included: 2 means only "the
/// plan has changes" (`--detailed-exitcode`), so a CI script reading 2 is never fooled.
#[test]
fn usage_and_io_errors_exit_1_never_2() {
    let missing = rnd(&["validate", "--dir", "/nonexistent/rnd-deployments"]);
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("not a directory"), "{}", missing.stderr);
    let empty = tempfile::tempdir().unwrap();
    let no_platform = rnd(&["validate", "--dir", empty.path().to_str().unwrap()]);
    assert_eq!(no_platform.code, 1);
    assert!(
        no_platform.stderr.contains("no platform.json"),
        "{}",
        no_platform.stderr
    );
    assert_eq!(rnd(&["validate", "--format", "yaml"]).code, 1);
    assert_eq!(rnd(&["no-such-command"]).code, 1);
    assert_eq!(rnd(&["--help"]).code, 0);
    let plan = rnd(&[
        "plan",
        "--dir",
        "/nonexistent/rnd-deployments",
        "--detailed-exitcode",
    ]);
    assert_eq!(plan.code, 1, "{}", plan.stderr);
    assert_eq!(rnd(&["plan", "--detailed-exitcode", "--no-such-flag"]).code, 1);
}

//! The one repository reader on a directory: which files it reads, in which order, and what it
//! refuses (symbolic links, which could pull in a file from outside the repository).

use std::fs;
use std::path::Path;

use rnd_app::repository::{Directory, ReadError};

fn repository(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let full = dir.path().join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, text).unwrap();
    }
    dir
}

fn refused(dir: &Path) -> String {
    match Directory::new(dir).read() {
        Err(ReadError::Refused(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn manifests_and_env_files_are_read_sorted_and_nothing_else() {
    let dir = repository(&[
        ("platform.json", "{}"),
        ("manifests/b.json", "{}"),
        ("manifests/a.json", "{}"),
        ("manifests/a.env", "X=1"),
        ("manifests/notes.txt", "not read"),
        ("manifests/nested/c.json", "{}"),
    ]);
    let read = Directory::new(dir.path()).read().unwrap();
    assert_eq!(read.platform.path, "platform.json");
    let paths: Vec<&str> = read.manifests.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["manifests/a.env", "manifests/a.json", "manifests/b.json"]);
    assert_eq!(read.unread, ["manifests/nested", "manifests/notes.txt"]);
}

#[test]
fn files_rnd_does_not_read_are_warnings_naming_them() {
    let dir = repository(&[
        ("platform.json", r#"{ "name": "demo", "region": "us-east-1" }"#),
        ("manifests/api.JSON", "{}"),
        ("manifests/api.json.bak", "{}"),
        ("manifests/.gitkeep", ""),
    ]);
    let validated = rnd_app::validate_directory(dir.path()).unwrap();
    let warned: Vec<(&str, &str)> = validated
        .report
        .diagnostics()
        .filter(|d| !d.is_error())
        .map(|d| (d.file.as_str(), d.code))
        .collect();
    assert_eq!(
        warned,
        [
            ("manifests/api.JSON", "repository/unread-file"),
            ("manifests/api.json.bak", "repository/unread-file")
        ]
    );
}

#[test]
fn a_missing_directory_or_platform_file_is_an_error_naming_it() {
    let dir = repository(&[("manifests/a.json", "{}")]);
    assert!(refused(dir.path()).contains("has no platform.json"));
    // Without manifests/, every service would be planned away: that is never a default.
    let dir = repository(&[("platform.json", "{}")]);
    assert!(refused(dir.path()).contains("has no manifests/ directory"));
    assert!(refused(&dir.path().join("nowhere")).contains("is not a directory"));
}

#[test]
fn symbolic_links_are_refused_and_never_read_through() {
    let outside = repository(&[("secret.env", "AWS_SECRET_ACCESS_KEY=from-the-runner")]);
    let dir = repository(&[("platform.json", "{}"), ("manifests/api.json", "{}")]);
    std::os::unix::fs::symlink(
        outside.path().join("secret.env"),
        dir.path().join("manifests/api.env"),
    )
    .unwrap();
    let why = refused(dir.path());
    assert!(why.contains("manifests/api.env is a symbolic link"), "{why}");
    assert!(!why.contains("from-the-runner"));

    let dir = repository(&[("real/platform.json", "{}")]);
    std::os::unix::fs::symlink(
        dir.path().join("real/platform.json"),
        dir.path().join("platform.json"),
    )
    .unwrap();
    assert!(refused(dir.path()).contains("platform.json is a symbolic link"));

    let dir = repository(&[("platform.json", "{}"), ("elsewhere/api.json", "{}")]);
    std::os::unix::fs::symlink(dir.path().join("elsewhere"), dir.path().join("manifests")).unwrap();
    assert!(refused(dir.path()).contains("manifests is a symbolic link"));
}

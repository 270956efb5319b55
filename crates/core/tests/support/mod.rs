//! Helpers shared by rnd-core's integration tests: the example repository's files, read from
//! disk as a frontend would read them and handed to the core as bytes.

#![allow(dead_code, clippy::disallowed_methods)]

use std::path::Path;

use rnd_core::repository::{validate_repository, Repository, SourceFile};

/// `examples/platform.json` and every file of `examples/manifests/`, sorted by path.
pub fn example_files() -> (SourceFile, Vec<SourceFile>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let read = |p: &str| SourceFile {
        path: p.to_string(),
        bytes: std::fs::read(dir.join(p)).unwrap(),
    };
    let mut manifests: Vec<String> = std::fs::read_dir(dir.join("manifests"))
        .unwrap()
        .map(|e| format!("manifests/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    manifests.sort();
    let files = manifests.iter().map(|m| read(m)).collect();
    (read("platform.json"), files)
}

/// The example repository, validated.
pub fn examples() -> Repository {
    let (platform, manifests) = example_files();
    validate_repository(&platform, &manifests)
        .repository
        .expect("examples are valid")
}

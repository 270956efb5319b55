//! Helpers shared by the CLI tests: run the real `rnd` binary, build throwaway deployments dirs.

#![allow(dead_code)]

pub mod emulator;
pub mod own_emulator;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The root of the repository (for `examples/`, `fixtures/` and `schema/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// The outcome of one `rnd` run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Run the `rnd` binary built for these tests, with colour off and a clean environment for it.
pub fn rnd(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_rnd"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the rnd binary runs");
    Run {
        code: output.status.code().expect("rnd exits with a code, not a signal"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// A temporary deployments directory holding `platform` as platform.json and the given manifests.
pub fn deployments_dir(platform: &[u8], manifests: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("platform.json"), platform).expect("write platform.json");
    std::fs::create_dir(dir.path().join("manifests")).expect("manifests dir");
    for (name, bytes) in manifests {
        std::fs::write(dir.path().join("manifests").join(name), bytes).expect("write manifest");
    }
    dir
}

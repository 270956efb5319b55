//! rnd-core stays pure: its normal dependencies are only the allow-listed data crates.
//!
//! The core's promise (no I/O, no clock, no async, no environment, no threads) is only as good
//! as what it links: one dependency on tokio, an AWS SDK crate or an HTTP client and the promise
//! is gone without a line of the core changing. Clippy (`crates/core/clippy.toml`) guards the
//! core's own code; this test guards what it depends on.

// This test is a frontend of cargo, not part of the core: it runs `cargo metadata`.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Crates the core may depend on, each pure computation on values, and why it is there.
const ALLOWED: &[(&str, &str)] = &[
    (
        "serde",
        "derives (de)serialization of manifests, platform and plans",
    ),
    (
        "serde_json",
        "parses manifests and renders plans as JSON, from and to memory",
    ),
    ("schemars", "derives the JSON Schemas editors use"),
    ("thiserror", "derives error types"),
    (
        "jsonc-parser",
        "byte ranges of JSON nodes, for line and column in diagnostics",
    ),
    ("strsim", "string distance for \"did you mean\""),
    ("petgraph", "the operation graph: ordering, waves, critical path"),
];

#[test]
fn normal_dependencies_are_only_the_allowed_pure_crates() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    // `--no-deps`: only the workspace's own packages and what they declare, so nothing is
    // resolved or downloaded; declared dependencies are what this test is about.
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
        ])
        .arg(&manifest)
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "cargo metadata failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let core = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == "rnd-core")
        .expect("rnd-core is in the workspace");

    let mut refused = Vec::new();
    for dependency in core["dependencies"].as_array().expect("dependencies") {
        let name = dependency["name"].as_str().expect("dependency name");
        // `kind` is null for normal dependencies, "dev" or "build" otherwise. Dev-dependencies
        // only reach tests; a build script's dependencies run at build time with full access,
        // so they are held to the same list as normal ones.
        let kind = dependency["kind"].as_str().unwrap_or("normal");
        if kind == "dev" {
            continue;
        }
        if !ALLOWED.iter().any(|(allowed, _)| *allowed == name) {
            refused.push(format!("{name} ({kind} dependency)"));
        }
    }
    assert!(
        refused.is_empty(),
        "rnd-core must stay pure (no I/O, no clock, no async, no environment, no threads), but \
         crates/core/Cargo.toml now depends on: {}.\n\
         Refused because only these crates, pure computation on values, are allowed:\n{}\n\
         Put the code that needs it in a frontend crate (rnd-cli, rnd-aws, ...) and pass values \
         into the core; if the new crate is pure computation, add it to ALLOWED in \
         crates/core/tests/it/purity.rs with the reason, so reviewers see the decision.",
        refused.join(", "),
        ALLOWED
            .iter()
            .map(|(name, why)| format!("  - {name}: {why}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
}

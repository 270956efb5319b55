//! The JSON Schemas: checked-in copies stay identical, accept every example, and reject every bad
//! fixture whose problem a schema can express.

// Tests stand where a frontend would: they read the repository's fixtures and examples from
// disk and hand the core their bytes (clippy.toml forbids files in the core itself).
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};

use rnd_core::manifest::MANIFEST_FIELDS;
use rnd_core::schema::{manifest_schema, platform_schema, to_pretty};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// Bad fixtures a JSON Schema cannot catch, and why. Everything else must be rejected by it.
const BEYOND_A_SCHEMA: &[(&str, &str)] = &[
    (
        "manifests/Uppercase_Service.json",
        "the service name comes from the file name",
    ),
    (
        "manifests/this-service-name-is-too-long.json",
        "the file name, measured against the platform name",
    ),
    (
        "manifests/idle-after-too-short.json",
        "a duration's range needs arithmetic over its units",
    ),
    (
        "manifests/idle-after-too-long.json",
        "a duration's range needs arithmetic over its units",
    ),
    (
        "manifests/alb.json",
        "a reserved service name comes from the file name",
    ),
    (
        "manifests/replicas-over-limit.json",
        "a limit set in platform.json",
    ),
    (
        "manifests/duplicate-field.json",
        "a parsed JSON value keeps one of the duplicates",
    ),
    (
        "manifests/env-secret-clash.json",
        "compares the keys of two objects",
    ),
    (
        "platforms/certificate-other-region.json",
        "compares two fields' contents",
    ),
    (
        "platforms/scale-to-zero-other-region.json",
        "compares two fields' contents",
    ),
    (
        "manifests/gpu-too-big.json",
        "needs the instance catalog and the platform's allowed types",
    ),
    (
        "manifests/secret-name-is-a-token.json",
        "tells a pasted token from a name by its shape (prefixes, digits mixed into letters)",
    ),
];

/// Fixtures that are not JSON at all: a schema applies to JSON values only.
fn is_json(path: &Path) -> Option<Value> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn check_schema_against_fixtures(schema: &Value, sub: &str) {
    let validator = jsonschema::validator_for(schema).expect("the schema is a valid JSON Schema");
    for path in json_files(&repo().join("fixtures/invalid").join(sub)) {
        let name = format!("{sub}/{}", path.file_name().unwrap().to_str().unwrap());
        let Some(instance) = is_json(&path) else { continue };
        let beyond = BEYOND_A_SCHEMA.iter().any(|(n, _)| *n == name);
        assert_eq!(
            validator.is_valid(&instance),
            beyond,
            "{name}: the schema should {} it",
            if beyond {
                "accept (its problem is beyond a schema)"
            } else {
                "reject"
            }
        );
    }
}

#[test]
fn checked_in_schemas_are_identical_to_generated_ones() {
    for (file, schema) in [("manifest", manifest_schema()), ("platform", platform_schema())] {
        let path = repo().join(format!("schema/{file}.schema.json"));
        let checked_in = std::fs::read_to_string(&path).unwrap();
        assert!(
            checked_in == to_pretty(&schema),
            "{} is stale: run `cargo run -q --bin rnd -- schema {file} > schema/{file}.schema.json`",
            path.display()
        );
    }
}

#[test]
fn manifest_schema_accepts_every_example() {
    let validator = jsonschema::validator_for(&manifest_schema()).unwrap();
    let examples = json_files(&repo().join("examples/manifests"));
    assert!(examples.len() >= 5);
    for path in examples {
        let instance: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let errors: Vec<String> = validator.iter_errors(&instance).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    }
}

#[test]
fn platform_schema_accepts_the_example() {
    let validator = jsonschema::validator_for(&platform_schema()).unwrap();
    let instance: Value =
        serde_json::from_slice(&std::fs::read(repo().join("examples/platform.json")).unwrap()).unwrap();
    let errors: Vec<String> = validator.iter_errors(&instance).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn manifest_schema_rejects_what_a_schema_can_express() {
    check_schema_against_fixtures(&manifest_schema(), "manifests");
}

#[test]
fn platform_schema_rejects_what_a_schema_can_express() {
    check_schema_against_fixtures(&platform_schema(), "platforms");
}

#[test]
fn validator_and_schema_know_the_same_manifest_fields() {
    let schema = manifest_schema();
    let mut in_schema: Vec<&str> = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .filter(|k| *k != "$schema")
        .collect();
    let mut in_validator = MANIFEST_FIELDS.to_vec();
    in_schema.sort();
    in_validator.sort();
    assert_eq!(in_schema, in_validator);
}

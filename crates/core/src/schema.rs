//! JSON Schemas for `platform.json` and manifests, for editors and other tools.
//!
//! Generated from the raw serde types, plus the cross-field rules schemars cannot derive. The
//! validator remains the authority: some rules (the service name from the file name, Docker's
//! full reference grammar, platform limits) are beyond what a schema expresses.

use schemars::schema_for;
use serde_json::{json, Value};

use crate::manifest::RawManifest;
use crate::platform::{RawPlatform, LOG_RETENTION_DAYS};

/// The JSON Schema of a manifest.
pub fn manifest_schema() -> Value {
    let mut schema =
        serde_json::to_value(schema_for!(RawManifest)).expect("a schema is plain JSON");
    // Route options only make sense with a port; gpu_memory only with a GPU.
    schema["dependentRequired"] =
        json!({ "websocket": ["port"], "health_check": ["port"], "gpu_memory": ["gpu"] });
    schema["allOf"] = json!([
        { "if": { "required": ["gpu_memory"] }, "then": { "properties": { "gpu": { "minimum": 1 } } } },
        // No Fargate size exceeds 16 vCPU or 120 GiB: bigger GPU-less requests cannot run.
        {
            "if": { "not": { "required": ["gpu"], "properties": { "gpu": { "minimum": 1 } } } },
            "then": { "properties": { "cpu": { "maximum": 16 }, "memory": { "maximum": 122880 } } }
        }
    ]);
    schema
}

/// The JSON Schema of `platform.json`.
pub fn platform_schema() -> Value {
    let mut schema =
        serde_json::to_value(schema_for!(RawPlatform)).expect("a schema is plain JSON");
    schema["properties"]["log_retention_days"]["enum"] = json!(LOG_RETENTION_DAYS);
    schema
}

/// A schema as the checked-in files hold it: pretty JSON with a final newline.
pub fn to_pretty(schema: &Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).expect("a schema serializes");
    text.push('\n');
    text
}

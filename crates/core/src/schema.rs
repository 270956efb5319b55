//! JSON Schemas for `platform.json` and manifests, for editors and other tools.
//!
//! Generated from the raw serde types, plus the cross-field rules schemars cannot derive. The
//! validator remains the authority: some rules (the service name from the file name, Docker's
//! full reference grammar, platform limits) are beyond what a schema expresses.

use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::{json, Value};

use crate::manifest::RawManifest;
use crate::platform::{RawPlatform, LOG_RETENTION_DAYS};

/// The JSON Schema of a manifest.
pub fn manifest_schema() -> Value {
    let mut schema = generate::<RawManifest>();
    // Route options only make sense with a port; gpu_memory only with a GPU.
    // Secret names are single path segments under the service's own secret path.
    schema["properties"]["secrets"]["additionalProperties"]["pattern"] = json!("^[A-Za-z0-9_.-]{1,128}$");
    schema["dependentRequired"] = json!({ "websocket": ["port"], "public": ["port"], "health_check": ["port"], "idle_after": ["port"], "gpu_memory": ["gpu"] });
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
    let mut schema = generate::<RawPlatform>();
    schema["properties"]["log_retention_days"]["enum"] = json!(LOG_RETENTION_DAYS);
    // Listing the catalog lets editors complete instance families and types.
    schema["properties"]["gpu_instance_types"]["items"]["enum"] = json!(crate::platform::known_gpu_entries());
    // A bot token posts to a channel; credentials come from one place only.
    schema["$defs"]["RawSlack"]["dependentRequired"] =
        json!({ "bot_token_env": ["channel"], "bot_token_secret": ["channel"] });
    schema["$defs"]["RawSlack"]["maxProperties"] = json!(2);
    schema["properties"]["tags"]["propertyNames"] =
        json!({ "minLength": 1, "maxLength": 128, "not": { "pattern": "^([aA][wW][sS]|[rR][nN][dD]):" } });
    schema
}

/// Draft 2020-12, with optional fields simply optional: `null` is not a valid value for any field,
/// as the validator says too (schemars would otherwise allow `null` for every `Option`).
fn generate<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let mut schema =
        serde_json::to_value(generator.into_root_schema_for::<T>()).expect("a schema is plain JSON");
    forbid_null(&mut schema);
    schema
}

fn forbid_null(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types[0].clone();
            object.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(options)) = object.get("anyOf") {
        let kept: Vec<Value> = options
            .iter()
            .filter(|o| o.get("type") != Some(&json!("null")))
            .cloned()
            .collect();
        object.remove("anyOf");
        if kept.len() == 1 {
            if let Value::Object(only) = &kept[0] {
                object.extend(only.clone());
            }
        } else {
            object.insert("anyOf".into(), Value::Array(kept));
        }
    }
    for child in object.values_mut() {
        match child {
            Value::Object(_) => forbid_null(child),
            Value::Array(items) => items.iter_mut().for_each(forbid_null),
            _ => {}
        }
    }
}

/// A schema as the checked-in files hold it: pretty JSON with a final newline.
pub fn to_pretty(schema: &Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).expect("a schema serializes");
    text.push('\n');
    text
}

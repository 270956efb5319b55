//! A stable hash of a resource's settings, stored in its `rnd:hash` tag.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::observed::TAG_HASH;

/// 16 hex digits of FNV-1a over the canonical JSON of the attributes and tags. Stable across
/// Rust versions and machines (unlike `DefaultHasher`); collisions only matter within one
/// resource's history, where 64 bits are plenty. Not a security boundary.
pub fn spec_hash(attributes: &Map<String, Value>, tags: &BTreeMap<String, String>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    // serde_json keeps object keys in insertion order here; sort them for a canonical form.
    feed(canonical(&Value::Object(attributes.clone())).as_bytes());
    for (k, v) in tags.iter().filter(|(k, _)| *k != TAG_HASH) {
        feed(k.as_bytes());
        feed(b"=");
        feed(v.as_bytes());
        feed(b";");
    }
    format!("{hash:016x}")
}

fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<&String, String> = map.iter().map(|(k, v)| (k, canonical(v))).collect();
            let body: Vec<String> = sorted.iter().map(|(k, v)| format!("{k:?}:{v}")).collect();
            format!("{{{}}}", body.join(","))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(canonical).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

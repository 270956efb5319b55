//! A stable hash of a resource's settings, stored in its `rnd:hash` tag.

use std::collections::BTreeMap;

use super::observed::TAG_HASH;

/// 16 hex digits of FNV-1a over the JSON of the settings and the tags. The JSON is canonical:
/// spec fields are declared in alphabetical order and maps are sorted (BTreeMap). Stable across
/// Rust versions and machines (unlike `DefaultHasher`); collisions only matter within one
/// resource's history, where 64 bits are plenty. Not a security boundary.
pub fn spec_hash(spec_json: &[u8], tags: &BTreeMap<String, String>) -> String {
    let mut hasher = Fnv(0xcbf2_9ce4_8422_2325);
    hasher.feed(spec_json);
    for (k, v) in tags.iter().filter(|(k, _)| *k != TAG_HASH) {
        hasher.feed(k.as_bytes());
        hasher.feed(b"=");
        hasher.feed(v.as_bytes());
        hasher.feed(b";");
    }
    format!("{:016x}", hasher.0)
}

struct Fnv(u64);

impl Fnv {
    fn feed(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

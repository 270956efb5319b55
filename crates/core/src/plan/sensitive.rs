//! Values a plan never shows: plain environment variables whose names look like credentials
//! (the rule validation warns with). A plan says that such a value is set or changed, never what
//! to; the `rnd:hash` tag and the comparison still see the real values, only the shown change is
//! concealed.

use serde_json::Value;

use super::diff::AttributeChange;
use crate::validate::names::looks_like_credential;

/// Shown in place of a concealed value.
pub const CONCEALED: &str = "(sensitive)";
/// Shown in place of a concealed value that this change replaces.
pub const CONCEALED_CHANGED: &str = "(sensitive, changed)";

/// The attributes holding variables by name.
const VARIABLE_MAPS: &[&str] = &["environment"];

/// Conceal, in `change`, every credential-looking variable's value.
pub fn conceal(change: &mut AttributeChange) {
    if !VARIABLE_MAPS.contains(&change.attribute.as_str()) {
        return;
    }
    let before = change.before.as_ref().and_then(Value::as_object).cloned();
    if let (Some(before), Some(Value::Object(after_shown))) = (&before, change.after.as_mut()) {
        for (key, value) in after_shown.iter_mut().filter(|(k, _)| looks_like_credential(k)) {
            let changed = before.get(key) != Some(value);
            *value = Value::String(if changed { CONCEALED_CHANGED } else { CONCEALED }.into());
        }
    } else if let Some(Value::Object(after_shown)) = change.after.as_mut() {
        conceal_all(after_shown);
    }
    if let Some(Value::Object(before_shown)) = change.before.as_mut() {
        conceal_all(before_shown);
    }
}

fn conceal_all(map: &mut serde_json::Map<String, Value>) {
    for (_, value) in map.iter_mut().filter(|(k, _)| looks_like_credential(k)) {
        *value = Value::String(CONCEALED.into());
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn change(before: Option<Value>, after: Option<Value>) -> AttributeChange {
        AttributeChange {
            attribute: "environment".into(),
            before,
            after,
            forces_replacement: true,
        }
    }

    #[test]
    fn a_credential_looking_value_shows_that_it_changed_not_what_to() {
        let mut c = change(
            Some(json!({ "DB_PASSWORD": "old-hunter2", "LOG_LEVEL": "info" })),
            Some(json!({ "DB_PASSWORD": "new-hunter3", "LOG_LEVEL": "debug" })),
        );
        conceal(&mut c);
        assert_eq!(
            c.before,
            Some(json!({ "DB_PASSWORD": CONCEALED, "LOG_LEVEL": "info" }))
        );
        assert_eq!(
            c.after,
            Some(json!({ "DB_PASSWORD": CONCEALED_CHANGED, "LOG_LEVEL": "debug" }))
        );
    }

    #[test]
    fn an_unchanged_or_new_credential_looking_value_is_concealed_too() {
        let mut same = change(
            Some(json!({ "HF_TOKEN": "hf_x" })),
            Some(json!({ "HF_TOKEN": "hf_x", "A": "1" })),
        );
        conceal(&mut same);
        assert_eq!(same.after, Some(json!({ "HF_TOKEN": CONCEALED, "A": "1" })));
        let mut created = change(None, Some(json!({ "API_KEY": "sk-live" })));
        conceal(&mut created);
        assert_eq!(created.after, Some(json!({ "API_KEY": CONCEALED })));
        let mut other = AttributeChange {
            attribute: "image".into(),
            ..change(None, Some(json!("TOKEN")))
        };
        conceal(&mut other);
        assert_eq!(other.after, Some(json!("TOKEN")));
    }
}

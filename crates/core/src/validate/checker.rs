//! Collects every problem in one JSON file, with typed field readers that report instead of stopping.

use std::ops::{Range, RangeInclusive};

use serde_json::{Map, Value};

use crate::diagnostic::{pointer_join, Diagnostic, Severity};
use crate::source::JsonSource;
use crate::validate::suggest::did_you_mean;

/// Reads fields out of a parsed document and records each problem it meets, so a user sees all of
/// them in one run instead of fixing one per run.
pub struct Checker<'a, 't> {
    file: &'a str,
    source: &'a JsonSource<'t>,
    diagnostics: Vec<Diagnostic>,
    concealed: Vec<Range<usize>>,
    /// Members already reported by a dedicated check, so `object` does not call them unknown too.
    handled: Vec<String>,
}

impl<'a, 't> Checker<'a, 't> {
    pub fn new(file: &'a str, source: &'a JsonSource<'t>) -> Self {
        let mut checker = Checker {
            file,
            source,
            diagnostics: Vec::new(),
            concealed: Vec::new(),
            handled: Vec::new(),
        };
        for pointer in &source.duplicate_keys {
            let name = pointer.rsplit('/').next().unwrap_or_default().to_string();
            checker.push(
                Severity::Error,
                "json/duplicate-field",
                pointer,
                true,
                format!("field `{name}` appears more than once"),
                Some("keep one of them: JSON readers silently keep only the last".into()),
            );
        }
        checker
    }

    pub fn file(&self) -> &str {
        self.file
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Say that the member at `pointer` has been reported already, by a more precise check.
    pub fn mark_handled(&mut self, pointer: &str) {
        self.handled.push(pointer.to_string());
    }

    /// Mark the value at `pointer` as possibly secret: renderers that quote the source hide it.
    pub fn conceal(&mut self, pointer: &str) {
        if let Some(range) = self.source.value_range(pointer) {
            self.concealed.push(range);
        }
    }

    /// Every problem found, in the order they appear in the file, and the byte ranges to conceal.
    pub fn finish(mut self) -> (Vec<Diagnostic>, Vec<Range<usize>>) {
        self.diagnostics.sort_by_key(|d| d.location.offset);
        (self.diagnostics, self.concealed)
    }

    /// Report an error about the value at `pointer`.
    pub fn error(
        &mut self,
        code: &'static str,
        pointer: &str,
        message: impl Into<String>,
        help: impl Into<Option<String>>,
    ) {
        self.push(Severity::Error, code, pointer, false, message.into(), help.into());
    }

    /// Report advice about the value at `pointer`; warnings never make a file invalid.
    pub fn warning(
        &mut self,
        code: &'static str,
        pointer: &str,
        message: impl Into<String>,
        help: impl Into<Option<String>>,
    ) {
        self.push(
            Severity::Warning,
            code,
            pointer,
            false,
            message.into(),
            help.into(),
        );
    }

    /// Report an error about the key (not the value) of the member at `pointer`.
    pub fn key_error(
        &mut self,
        code: &'static str,
        pointer: &str,
        message: impl Into<String>,
        help: impl Into<Option<String>>,
    ) {
        self.push(Severity::Error, code, pointer, true, message.into(), help.into());
    }

    fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
        pointer: &str,
        at_key: bool,
        message: String,
        help: Option<String>,
    ) {
        let location = if at_key {
            self.source.key_location(pointer)
        } else {
            self.source.value_location(pointer)
        };
        self.diagnostics.push(Diagnostic {
            severity,
            code,
            file: self.file.to_string(),
            pointer: pointer.to_string(),
            location,
            message,
            help,
        });
    }

    /// The value must be an object whose keys are all `known`; unknown keys are reported with a hint.
    pub fn object<'v>(
        &mut self,
        pointer: &str,
        value: &'v Value,
        what: &str,
        known: &[&str],
        aliases: &[(&str, &str)],
    ) -> Option<&'v Map<String, Value>> {
        let Some(map) = value.as_object() else {
            self.error(
                "json/type",
                pointer,
                format!("{what} must be a JSON object, but it is {}", describe(value)),
                Some(format!("write {what} as {{ \"field\": value, ... }}")),
            );
            return None;
        };
        for key in map.keys() {
            let member = pointer_join(pointer, key);
            if key == "$schema" || known.contains(&key.as_str()) || self.handled.contains(&member) {
                continue;
            }
            let help = match did_you_mean(key, known, aliases) {
                Some(close) => {
                    format!("did you mean `{close}`? Known fields: {}", known.join(", "))
                }
                None => format!("known fields: {}", known.join(", ")),
            };
            self.key_error(
                "json/unknown-field",
                &member,
                format!("unknown field `{key}` in {what}"),
                help,
            );
        }
        Some(map)
    }

    /// Report a required field that is absent.
    pub fn missing(&mut self, parent: &str, field: &str, help: String) {
        self.key_error(
            "json/missing-field",
            parent,
            format!("required field `{field}` is missing"),
            help,
        );
    }

    /// A string field; `None` when absent or of another type (the latter is reported).
    pub fn string<'v>(&mut self, map: &'v Map<String, Value>, parent: &str, field: &str) -> Option<&'v str> {
        let value = map.get(field)?;
        match value.as_str() {
            Some(s) => Some(s),
            None => {
                let hint = match value {
                    Value::Number(n) => format!("put it in quotes: \"{field}\": \"{n}\""),
                    _ => format!("write it as a string: \"{field}\": \"...\""),
                };
                self.error(
                    "json/type",
                    &pointer_join(parent, field),
                    format!("`{field}` must be a string, but it is {}", describe(value)),
                    hint,
                );
                None
            }
        }
    }

    /// A boolean field.
    pub fn boolean(&mut self, map: &Map<String, Value>, parent: &str, field: &str) -> Option<bool> {
        let value = map.get(field)?;
        match value.as_bool() {
            Some(b) => Some(b),
            None => {
                let hint = match value.as_str() {
                    Some("true") | Some("false") => format!(
                        "write it without quotes: \"{field}\": {}",
                        value.as_str().unwrap_or_default()
                    ),
                    _ => "use true or false".to_string(),
                };
                self.error(
                    "json/type",
                    &pointer_join(parent, field),
                    format!("`{field}` must be true or false, but it is {}", describe(value)),
                    hint,
                );
                None
            }
        }
    }

    /// A whole number within `range`, with the unit named in messages.
    pub fn integer(
        &mut self,
        map: &Map<String, Value>,
        parent: &str,
        field: &str,
        unit: &str,
        range: RangeInclusive<u64>,
    ) -> Option<u64> {
        let value = map.get(field)?;
        // The common case, a valid number, builds no message and no pointer.
        if let Some(i) = value.as_u64().filter(|i| range.contains(i)) {
            return Some(i);
        }
        let pointer = pointer_join(parent, field);
        let unit_text = if unit.is_empty() {
            String::new()
        } else {
            format!(" {unit}")
        };
        let valid = format!(
            "a whole number from {}{unit_text} to {}{unit_text}",
            range.start(),
            range.end()
        );
        match value {
            Value::Number(n) => {
                let as_int = n.as_u64().or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= 1e15)
                        .map(|f| f as u64)
                });
                match as_int {
                    Some(i) if range.contains(&i) => Some(i),
                    Some(i) => {
                        let message = if i < *range.start() {
                            format!(
                                "`{field}` is {i}{unit_text}, below the minimum of {}{unit_text}",
                                range.start()
                            )
                        } else {
                            format!(
                                "`{field}` is {i}{unit_text}, above the maximum of {}{unit_text}",
                                range.end()
                            )
                        };
                        self.error("value/out-of-range", &pointer, message, format!("use {valid}"));
                        None
                    }
                    None => {
                        self.error(
                            "value/out-of-range",
                            &pointer,
                            format!("`{field}` is {n}, which is not a whole number of at least 0"),
                            format!("use {valid}"),
                        );
                        None
                    }
                }
            }
            other => {
                self.not_a_number(&pointer, field, other, format!("use {valid}"));
                None
            }
        }
    }

    /// A number (fractions allowed) with `0 < value <= max`.
    pub fn positive_number(
        &mut self,
        map: &Map<String, Value>,
        parent: &str,
        field: &str,
        unit: &str,
        max: f64,
    ) -> Option<f64> {
        let value = map.get(field)?;
        if let Some(f) = value.as_f64().filter(|f| *f > 0.0 && *f <= max) {
            return Some(f);
        }
        let pointer = pointer_join(parent, field);
        match value {
            Value::Number(n) => match n.as_f64() {
                Some(f) if f > 0.0 && f <= max => Some(f),
                Some(f) => {
                    let message = if f <= 0.0 {
                        format!("`{field}` is {n} {unit}; it must be more than 0")
                    } else {
                        format!("`{field}` is {n} {unit}, above the maximum of {max} {unit}")
                    };
                    self.error(
                        "value/out-of-range",
                        &pointer,
                        message,
                        format!("use a number above 0 and at most {max} {unit}"),
                    );
                    None
                }
                None => None,
            },
            other => {
                self.not_a_number(
                    &pointer,
                    field,
                    other,
                    format!("use a number above 0 and at most {max} {unit}"),
                );
                None
            }
        }
    }

    /// A number field holding something else: a quoted number gets "drop the quotes", anything
    /// else the `valid` hint.
    fn not_a_number(&mut self, pointer: &str, field: &str, value: &Value, valid: String) {
        let (message, help) = match value {
            Value::String(s) if s.trim().parse::<f64>().is_ok() => (
                format!("`{field}` must be a number, but it is the string \"{s}\""),
                format!("write it without quotes: \"{field}\": {}", s.trim()),
            ),
            other => (
                format!("`{field}` must be a number, but it is {}", describe(other)),
                valid,
            ),
        };
        self.error("json/type", pointer, message, help);
    }

    /// An object of string values (`env`, `secrets`, `tags`), as (key, value, pointer) triples in file order.
    pub fn string_map(
        &mut self,
        map: &Map<String, Value>,
        parent: &str,
        field: &str,
    ) -> Option<Vec<(String, String, String)>> {
        let value = map.get(field)?;
        let pointer = pointer_join(parent, field);
        let Some(object) = value.as_object() else {
            self.error(
                "json/type",
                &pointer,
                format!(
                    "`{field}` must be an object of names to strings, but it is {}",
                    describe(value)
                ),
                format!("write it as \"{field}\": {{ \"NAME\": \"value\" }}"),
            );
            return None;
        };
        let mut entries = Vec::with_capacity(object.len());
        for (key, v) in object {
            let entry_pointer = pointer_join(&pointer, key);
            match v {
                Value::String(s) => entries.push((key.clone(), s.clone(), entry_pointer)),
                Value::Number(_) | Value::Bool(_) => {
                    self.error(
                        "json/type",
                        &entry_pointer,
                        format!("`{field}.{key}` must be a string, but it is {}", describe(v)),
                        format!("put it in quotes: \"{key}\": \"{v}\""),
                    );
                }
                other => {
                    self.error(
                        "json/type",
                        &entry_pointer,
                        format!("`{field}.{key}` must be a string, but it is {}", describe(other)),
                        "values are plain strings".to_string(),
                    );
                }
            }
        }
        Some(entries)
    }

    /// An array of strings, as (value, pointer) pairs.
    pub fn string_list(
        &mut self,
        map: &Map<String, Value>,
        parent: &str,
        field: &str,
    ) -> Option<Vec<(String, String)>> {
        let value = map.get(field)?;
        let pointer = pointer_join(parent, field);
        let Some(array) = value.as_array() else {
            let hint = match value.as_str() {
                Some(s) => format!("write a list: \"{field}\": [\"{s}\"]"),
                None => format!("write a list: \"{field}\": [\"...\"]"),
            };
            self.error(
                "json/type",
                &pointer,
                format!(
                    "`{field}` must be a list of strings, but it is {}",
                    describe(value)
                ),
                hint,
            );
            return None;
        };
        let mut items = Vec::with_capacity(array.len());
        for (i, v) in array.iter().enumerate() {
            let item_pointer = format!("{pointer}/{i}");
            match v.as_str() {
                Some(s) => items.push((s.to_string(), item_pointer)),
                None => self.error(
                    "json/type",
                    &item_pointer,
                    format!("`{field}[{i}]` must be a string, but it is {}", describe(v)),
                    Some("write each entry as a string in quotes".to_string()),
                ),
            }
        }
        Some(items)
    }
}

/// A short description of a JSON value for messages: `the string "512"`, `the number 1.5`, `an object`.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => {
            let shown: String = s.chars().take(60).collect();
            let ellipsis = if s.chars().count() > 60 { "…" } else { "" };
            format!("the string \"{shown}{ellipsis}\"")
        }
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

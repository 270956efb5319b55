//! A parsed JSON document that remembers where each value and key stands in the text.
//!
//! serde_json gives strict parsing and precise syntax errors; jsonc-parser (in strict mode) gives
//! byte ranges for every node. Together they let every problem point at a line and column.

use std::collections::HashMap;

use jsonc_parser::ast::{ObjectPropName, Value as AstValue};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions};
use serde_json::Value;

use crate::diagnostic::{pointer_join, Location};

/// Where one JSON value stands: the value itself and, for object members, its key.
#[derive(Debug, Clone, Copy)]
struct NodeRange {
    key: Option<(usize, usize)>,
    value: (usize, usize),
}

/// A syntax error: where it is and what the parser said.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub location: Location,
    pub message: String,
}

/// A JSON text, its value and the position of every node in it.
#[derive(Debug)]
pub struct JsonSource<'t> {
    text: &'t str,
    pub value: Value,
    ranges: HashMap<String, NodeRange>,
    /// Pointers of object members that appear more than once (the later occurrences).
    pub duplicate_keys: Vec<String>,
    line_starts: Vec<usize>,
}

impl<'t> JsonSource<'t> {
    /// Parse strict JSON (RFC 8259: no comments, no trailing commas).
    pub fn parse(text: &'t str) -> Result<Self, SyntaxError> {
        let line_starts = line_starts(text);
        let value: Value = serde_json::from_str(text).map_err(|e| {
            let offset = offset_of(&line_starts, text, e.line(), e.column());
            SyntaxError {
                location: location_in(&line_starts, text, offset, 1),
                message: syntax_message(&e),
            }
        })?;
        let mut source = JsonSource {
            text,
            value,
            ranges: HashMap::new(),
            duplicate_keys: Vec::new(),
            line_starts,
        };
        let strict = ParseOptions {
            allow_comments: false,
            allow_loose_object_property_names: false,
            allow_trailing_commas: false,
            allow_missing_commas: false,
            allow_single_quoted_strings: false,
            allow_hexadecimal_numbers: false,
            allow_unary_plus_numbers: false,
            allow_bare_decimal_point_numbers: false,
            allow_non_finite_numbers: false,
            allow_extended_string_escapes: false,
        };
        // serde_json accepted the text, so this parse only adds positions; if the two parsers ever
        // disagree we keep the value and fall back to pointing at the start of the file.
        if let Ok(ast) = jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &strict) {
            if let Some(root) = ast.value.as_ref() {
                source.index("", None, root);
            }
        }
        Ok(source)
    }

    fn index(&mut self, pointer: &str, key: Option<(usize, usize)>, node: &AstValue<'_>) {
        let r = node.range();
        self.ranges.insert(
            pointer.to_string(),
            NodeRange {
                key,
                value: (r.start, r.end),
            },
        );
        match node {
            AstValue::Object(object) => {
                let mut seen = std::collections::HashSet::new();
                for prop in &object.properties {
                    let name = prop.name.as_str();
                    let child = pointer_join(pointer, name);
                    let key_range = match &prop.name {
                        ObjectPropName::String(s) => (s.range.start, s.range.end),
                        ObjectPropName::Word(w) => (w.range.start, w.range.end),
                    };
                    if !seen.insert(name.to_string()) {
                        self.duplicate_keys.push(child.clone());
                        // Point later lookups at the occurrence serde_json kept (the last one).
                    }
                    self.index(&child, Some(key_range), &prop.value);
                }
            }
            AstValue::Array(array) => {
                for (i, element) in array.elements.iter().enumerate() {
                    self.index(&format!("{pointer}/{i}"), None, element);
                }
            }
            _ => {}
        }
    }

    /// The exact byte range of the value at `pointer`, if it exists.
    pub fn value_range(&self, pointer: &str) -> Option<std::ops::Range<usize>> {
        self.ranges.get(pointer).map(|n| n.value.0..n.value.1)
    }

    /// Where the value at `pointer` is; the nearest existing ancestor when it is absent.
    pub fn value_location(&self, pointer: &str) -> Location {
        self.find(pointer, false)
    }

    /// Where the key of the member at `pointer` is (for unknown or duplicate fields).
    pub fn key_location(&self, pointer: &str) -> Location {
        self.find(pointer, true)
    }

    fn find(&self, pointer: &str, prefer_key: bool) -> Location {
        let mut p = pointer;
        loop {
            if let Some(node) = self.ranges.get(p) {
                let (start, end) = match (prefer_key && p == pointer, node.key) {
                    (true, Some(k)) => k,
                    _ => node.value,
                };
                // For whole objects point at the opening brace only: underlining a whole file helps nobody.
                let length = if self.text[start..].starts_with('{') || self.text[start..].starts_with('[') {
                    1
                } else {
                    end - start
                };
                return location_in(&self.line_starts, self.text, start, length);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return location_in(&self.line_starts, self.text, 0, 1),
            }
        }
    }
}

/// A location for a byte offset; used for problems found before or without parsing.
pub fn location_at(text: &str, offset: usize, length: usize) -> Location {
    location_in(&line_starts(text), text, offset, length)
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

fn location_in(line_starts: &[usize], text: &str, offset: usize, length: usize) -> Location {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let line_index = line_starts.partition_point(|&s| s <= offset).saturating_sub(1);
    let line_start = line_starts.get(line_index).copied().unwrap_or(0);
    let column = text[line_start..offset].chars().count() + 1;
    let max_len = text.len() - offset;
    Location {
        offset,
        length: length.min(max_len),
        line: line_index + 1,
        column,
    }
}

/// serde_json reports 1-based line and column (column counted in bytes); turn that into a byte offset.
fn offset_of(line_starts: &[usize], text: &str, line: usize, column: usize) -> usize {
    let start = line_starts
        .get(line.saturating_sub(1))
        .copied()
        .unwrap_or(text.len());
    (start + column.saturating_sub(1)).min(text.len())
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// serde_json's message without its trailing " at line L column C" (we print positions ourselves).
fn syntax_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    }
}

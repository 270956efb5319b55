//! Plans for people and machines: Terraform-like text, JSON, Markdown for pull requests, and a
//! Mermaid graph. Secret values never reach a plan (manifests hold only secret names), so every
//! rendering shows names and `valueFrom` paths only.

mod json;
mod markdown;
mod mermaid;
mod summary;
mod text;

pub use json::{plan_json, FORMAT_VERSION};
pub use markdown::render_markdown;
pub use mermaid::render_mermaid;
pub use summary::{service_summaries, ServiceSummary};
pub use text::render_text;

use std::collections::BTreeMap;

use super::diff::Action;
use super::Plan;

/// How many operations of each action a plan holds.
pub fn counts(plan: &Plan) -> BTreeMap<Action, usize> {
    let mut counts = BTreeMap::new();
    for op in plan.graph.operations() {
        *counts.entry(op.action).or_insert(0) += 1;
    }
    counts
}

/// `3 to create, 1 to update, 0 to replace, 2 to delete`.
pub fn summary_line(plan: &Plan) -> String {
    let c = counts(plan);
    let n = |a| c.get(&a).copied().unwrap_or(0);
    if c.is_empty() {
        return "No changes: AWS matches the manifests.".to_string();
    }
    format!(
        "{} to create, {} to update, {} to replace, {} to delete.",
        n(Action::Create),
        n(Action::Update),
        n(Action::Replace),
        n(Action::Delete)
    )
}

/// A JSON value as one line: strings quoted, objects and lists compact.
pub(crate) fn show(value: &serde_json::Value) -> String {
    value.to_string()
}

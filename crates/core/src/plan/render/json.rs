//! The plan as JSON for machines, with a `format_version` so consumers can check compatibility.

use serde_json::{json, Value};

use super::counts;
use crate::plan::diff::Action;
use crate::plan::Plan;

/// Bumped whenever a field changes meaning or disappears (additions keep the version).
pub const FORMAT_VERSION: u32 = 1;

pub fn plan_json(plan: &Plan) -> Value {
    let graph = &plan.graph;
    let operations: Vec<Value> = graph
        .waves()
        .into_iter()
        .flatten()
        .map(|node| {
            let op = graph.change(node);
            let mut value = json!({
                "id": op.address,
                "action": op.action,
                "kind": op.id.kind,
                "name": op.id.name,
                "service": op.service,
                "depends_on": graph.depends_on(node),
                "changes": op.changes,
            });
            // Only on creations that take over an existing resource (`--adopt`): its tags
            // before, so a reviewer sees whose it was.
            if let Some(adopted) = &op.adopts {
                value["adopts"] = json!({ "tags": adopted.tags });
            }
            value
        })
        .collect();
    let waves: Vec<Vec<&str>> = graph
        .waves()
        .into_iter()
        .map(|w| w.into_iter().map(|n| graph.change(n).address.as_str()).collect())
        .collect();
    let (path, seconds) = graph.critical_path();
    let counts = counts(plan);
    let n = |a| counts.get(&a).copied().unwrap_or(0);
    let urls: serde_json::Map<String, Value> = plan
        .urls
        .iter()
        .map(|(s, u)| (s.clone(), Value::String(u.clone())))
        .collect();
    json!({
        "format_version": FORMAT_VERSION,
        "platform": plan.platform,
        "region": plan.region,
        "has_changes": plan.has_changes(),
        "summary": {
            "create": n(Action::Create),
            "update": n(Action::Update),
            "replace": n(Action::Replace),
            "delete": n(Action::Delete),
        },
        "operations": operations,
        "waves": waves,
        "critical_path": {
            "operations": path.iter().map(|n| graph.change(*n).address.as_str()).collect::<Vec<_>>(),
            "estimated_seconds": seconds,
        },
        "placement": plan.capacity,
        "cost": plan.cost,
        "repack_savings_hourly": plan.repack_savings,
        "urls": urls,
        "dns_to_create": plan.dns_to_create,
    })
}

//! The operation graph as a Mermaid flowchart (dependencies point at what waits for them).

use std::collections::HashMap;
use std::fmt::Write;

use crate::plan::Plan;

pub fn render_mermaid(plan: &Plan) -> String {
    let graph = &plan.graph;
    let mut out = String::from("flowchart LR\n");
    let order: Vec<_> = graph.waves().into_iter().flatten().collect();
    let index_of: HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, node)| (graph.change(*node).address.as_str(), i))
        .collect();
    for (i, node) in order.iter().enumerate() {
        let op = graph.change(*node);
        let _ = writeln!(
            out,
            "  n{i}[\"{} {}\"]",
            op.action.symbol(),
            op.address.replace('"', "'")
        );
    }
    for (i, node) in order.iter().enumerate() {
        for dep in graph.depends_on(*node) {
            if let Some(from) = index_of.get(dep) {
                let _ = writeln!(out, "  n{from} --> n{i}");
            }
        }
    }
    out
}

//! The operation graph as a Mermaid flowchart (dependencies point at what waits for them).

use std::fmt::Write;

use crate::plan::Plan;

pub fn render_mermaid(plan: &Plan) -> String {
    let graph = &plan.graph;
    let mut out = String::from("flowchart LR\n");
    let order: Vec<_> = graph.waves().into_iter().flatten().collect();
    let index_of = |node| order.iter().position(|n| *n == node).unwrap_or(0);
    for (i, node) in order.iter().enumerate() {
        let op = graph.change(*node);
        let _ = writeln!(
            out,
            "  n{i}[\"{} {}\"]",
            op.action.symbol(),
            op.address.replace('"', "'")
        );
    }
    for node in &order {
        for dep in graph.depends_on(*node) {
            if let Some(from) = graph.node_of(dep) {
                let _ = writeln!(out, "  n{} --> n{}", index_of(from), index_of(*node));
            }
        }
    }
    out
}

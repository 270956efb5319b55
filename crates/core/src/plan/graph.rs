//! The operation graph: which change must wait for which, derived from resource references.
//!
//! Rules, for resources `a` that refer to `b` (see `references.rs`):
//! - creating, updating or replacing `a` waits for creating, updating or replacing `b`
//!   (a service after its task definition, target group, rule and security group exist);
//! - deleting `b` waits for any change to a resource that referred to it before (a service is
//!   gone, or has moved off it, before its rule, target group, group or role go);
//! - the detach step of a capacity provider removal waits for every service operation (a
//!   provider leaves the cluster only once no service uses it);
//! - deleting a DNS record comes before updating the balancer it pointed at (whose tag is how
//!   a later run finds the record);
//! - shrinking a GPU auto scaling group waits for every service operation (the services that
//!   leave its instances are gone, or have moved, before an instance goes: the executor then
//!   lets only idle instances go, see `rnd_aws::execute::auto_scaling_group`).

use std::collections::BTreeMap;

use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

use super::diff::{Action, ResourceChange, DETACH_SUFFIX};
use super::references::references;
use super::resource::{ResourceId, ResourceKind};

/// The changes of a plan and the order between them.
#[derive(Debug, Clone)]
pub struct OperationGraph {
    graph: DiGraph<ResourceChange, ()>,
    /// Node indices in a topological order (every dependency before its dependents).
    order: Vec<NodeIndex>,
}

/// A cycle would mean two operations each waiting for the other: a bug in rnd, never in input.
#[derive(Debug, Clone, thiserror::Error)]
#[error("internal error: operations {0} and its dependencies form a cycle")]
pub struct CycleError(pub String);

/// Whether `change` lowers an auto scaling group's desired capacity (its deletion is ordered
/// by the references rule).
fn shrinks_group(change: &ResourceChange) -> bool {
    change.id.kind == ResourceKind::AutoScalingGroup
        && change.action == Action::Update
        && change.changes.iter().any(|c| {
            let number = |v: &Option<serde_json::Value>| v.as_ref().and_then(serde_json::Value::as_u64);
            c.attribute == "desired_capacity"
                && matches!((number(&c.before), number(&c.after)), (Some(before), Some(after)) if after < before)
        })
}

impl OperationGraph {
    pub fn build(changes: Vec<ResourceChange>) -> Result<Self, CycleError> {
        let mut graph = DiGraph::with_capacity(changes.len(), changes.len() * 2);
        let mut by_id: BTreeMap<ResourceId, Vec<NodeIndex>> = BTreeMap::new();
        for change in changes {
            let id = change.id.clone();
            let node = graph.add_node(change);
            by_id.entry(id).or_default().push(node);
        }
        let mut edges = Vec::new();
        for node in graph.node_indices() {
            let change = &graph[node];
            if change.action != Action::Delete {
                if let Some(want) = &change.desired {
                    for target in references(want.id.kind, &want.id.name, want.attributes()) {
                        for &other in by_id.get(&target).into_iter().flatten() {
                            // A detach step, or a group shrinking, comes after services, never
                            // before them: nothing waits for it (a shrinking group exists, so
                            // what refers to it already knows its ARN).
                            let after_services =
                                graph[other].address.ends_with(DETACH_SUFFIX) || shrinks_group(&graph[other]);
                            if graph[other].action != Action::Delete && !after_services && other != node {
                                edges.push((other, node));
                            }
                        }
                    }
                }
            }
            if let Some(have) = &change.observed {
                for target in references(have.kind, &have.name, &have.attributes) {
                    for &other in by_id.get(&target).into_iter().flatten() {
                        if other == node {
                            continue;
                        }
                        // Deleting `b` waits for every change to what referred to it.
                        if graph[other].action == Action::Delete && change.action != Action::Create {
                            edges.push((node, other));
                        }
                        // A DNS record leaves before its balancer changes: the balancer's
                        // `rnd:hosted-zone` tag is how a later run finds a record whose delete
                        // failed, so it goes only after the record has.
                        if change.action == Action::Delete
                            && change.id.kind == ResourceKind::DnsRecord
                            && graph[other].action == Action::Update
                        {
                            edges.push((node, other));
                        }
                    }
                }
            }
            if change.address.ends_with(DETACH_SUFFIX) || shrinks_group(change) {
                for other in graph.node_indices() {
                    if graph[other].id.kind == ResourceKind::EcsService {
                        edges.push((other, node));
                    }
                }
            }
        }
        edges.sort();
        edges.dedup();
        for (from, to) in edges {
            graph.add_edge(from, to, ());
        }
        let order =
            toposort(&graph, None).map_err(|cycle| CycleError(graph[cycle.node_id()].address.clone()))?;
        Ok(OperationGraph { graph, order })
    }

    pub fn is_empty(&self) -> bool {
        self.graph.node_count() == 0
    }

    pub fn len(&self) -> usize {
        self.graph.node_count()
    }

    /// Every change, dependencies first (ties broken by address, so the order is stable).
    pub fn operations(&self) -> impl Iterator<Item = &ResourceChange> {
        self.waves().into_iter().flatten().map(move |n| &self.graph[n])
    }

    /// The changes that must happen before `address`.
    pub fn depends_on(&self, node: NodeIndex) -> Vec<&str> {
        let mut deps: Vec<&str> = self
            .graph
            .neighbors_directed(node, Direction::Incoming)
            .map(|n| self.graph[n].address.as_str())
            .collect();
        deps.sort_unstable();
        deps
    }

    /// The operations that must happen before `node`, as nodes.
    pub fn dependencies(&self, node: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.graph.neighbors_directed(node, Direction::Incoming)
    }

    pub fn change(&self, node: NodeIndex) -> &ResourceChange {
        &self.graph[node]
    }

    /// Groups of changes that can run together: each wave only depends on earlier waves.
    pub fn waves(&self) -> Vec<Vec<NodeIndex>> {
        let mut level: Vec<usize> = vec![0; self.graph.node_count()];
        for &node in &self.order {
            let l = self
                .graph
                .neighbors_directed(node, Direction::Incoming)
                .map(|d| level[d.index()] + 1)
                .max()
                .unwrap_or(0);
            level[node.index()] = l;
        }
        let depth = level.iter().copied().max().map_or(0, |m| m + 1);
        let mut waves = vec![Vec::new(); depth];
        for node in self.graph.node_indices() {
            waves[level[node.index()]].push(node);
        }
        for wave in &mut waves {
            wave.sort_by(|a, b| self.graph[*a].address.cmp(&self.graph[*b].address));
        }
        waves
    }

    /// The chain of dependent changes expected to take longest, and its estimated seconds.
    pub fn critical_path(&self) -> (Vec<NodeIndex>, u32) {
        let n = self.graph.node_count();
        let mut finish = vec![0u32; n];
        let mut previous: Vec<Option<NodeIndex>> = vec![None; n];
        for &node in &self.order {
            let best = self
                .graph
                .neighbors_directed(node, Direction::Incoming)
                .max_by_key(|d| {
                    (
                        finish[d.index()],
                        std::cmp::Reverse(self.graph[*d].address.clone()),
                    )
                });
            let start = best.map_or(0, |d| finish[d.index()]);
            previous[node.index()] = best;
            finish[node.index()] = start + self.graph[node].id.kind.estimated_seconds();
        }
        let Some(end) = self.graph.node_indices().max_by_key(|n| {
            (
                finish[n.index()],
                std::cmp::Reverse(self.graph[*n].address.clone()),
            )
        }) else {
            return (Vec::new(), 0);
        };
        let mut path = vec![end];
        while let Some(p) = previous[path[path.len() - 1].index()] {
            path.push(p);
        }
        path.reverse();
        (path, finish[end.index()])
    }

    /// Changes in topological order, as node indices.
    pub fn topological_order(&self) -> &[NodeIndex] {
        &self.order
    }
}

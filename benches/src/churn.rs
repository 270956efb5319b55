//! Churn: how many tasks of services that did not change end up on another instance type.

use std::collections::BTreeMap;

use rnd_core::placement::{CapacityPlan, Placement};

/// Tasks of services in both plans (with the same replica count) whose instance type
/// changed, counted per type: for each such service, replicas − Σₜ min(beforeₜ, afterₜ).
/// Returns (moved, tasks compared).
pub fn moved_tasks(before: &CapacityPlan, after: &CapacityPlan) -> (u32, u32) {
    let types = |plan: &CapacityPlan| -> BTreeMap<String, (u32, BTreeMap<String, u32>)> {
        plan.services
            .iter()
            .filter_map(|s| match &s.placement {
                Placement::Ec2 { instance_types, .. } => {
                    Some((s.name.clone(), (s.replicas, instance_types.clone())))
                }
                Placement::Fargate { .. } => None,
            })
            .collect()
    };
    let (old, new) = (types(before), types(after));
    let (mut moved, mut compared) = (0, 0);
    for (name, (replicas, was)) in &old {
        let Some((now_replicas, now)) = new.get(name) else {
            continue;
        };
        if now_replicas != replicas {
            continue;
        }
        let kept: u32 = was
            .iter()
            .map(|(t, n)| (*n).min(now.get(t).copied().unwrap_or(0)))
            .sum();
        moved += replicas - kept;
        compared += replicas;
    }
    (moved, compared)
}

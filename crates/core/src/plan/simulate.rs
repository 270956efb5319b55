//! An in-memory model of AWS: the snapshot a fully successful apply of a plan would leave.
//! Tests use it to check that planning converges; the CLI uses it to show "after" states.

use std::collections::BTreeMap;

use super::diff::Action;
use super::observed::{ObservedResource, ObservedState};
use super::resource::ResourceKind;
use super::Plan;
use crate::placement::PreviousInstance;

/// Apply every operation of `plan`, in order, to a copy of `observed`.
pub fn simulate_apply(plan: &Plan, observed: &ObservedState) -> ObservedState {
    // Keyed by (kind, name, revision) so each operation is a map update, not a scan.
    let mut resources: BTreeMap<(ResourceKind, String, Option<u32>), ObservedResource> = observed
        .resources
        .iter()
        .map(|r| ((r.kind, r.name.clone(), r.revision), r.clone()))
        .collect();
    for op in plan.graph.operations() {
        match op.action {
            Action::Delete => {
                if let Some(gone) = &op.observed {
                    resources.remove(&(gone.kind, gone.name.clone(), gone.revision));
                }
            }
            Action::Create | Action::Update | Action::Replace => {
                let Some(want) = &op.desired else { continue };
                let revision = if want.id.kind == ResourceKind::TaskDefinition {
                    // A new revision beside the old one, which a separate operation deregisters.
                    let latest = resources
                        .range(
                            (want.id.kind, want.id.name.clone(), None)
                                ..=(want.id.kind, want.id.name.clone(), Some(u32::MAX)),
                        )
                        .filter_map(|(key, _)| key.2)
                        .max();
                    Some(latest.unwrap_or(0) + 1)
                } else {
                    None
                };
                resources.insert(
                    (want.id.kind, want.id.name.clone(), revision),
                    ObservedResource {
                        kind: want.id.kind,
                        name: want.id.name.clone(),
                        arn: Some(format!("arn:rnd:simulated:{}", op.address)),
                        revision,
                        tags: want.tags.clone(),
                        attributes: want.attributes().clone(),
                    },
                );
            }
        }
    }
    // ECS is assumed to place tasks as rnd planned; the executor reports what it really did.
    let gpu_instances = plan
        .capacity
        .instances
        .iter()
        .map(|i| PreviousInstance {
            instance_type: i.instance_type.clone(),
            tasks: i.tasks.clone(),
        })
        .collect();
    ObservedState {
        resources: resources.into_values().collect(),
        gpu_instances,
        // Every foreign resource the plan wanted was adopted (now the platform's), or there
        // would be no plan.
        foreign: Vec::new(),
    }
}

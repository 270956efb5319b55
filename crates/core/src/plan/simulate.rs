//! An in-memory model of AWS: the snapshot a fully successful apply of a plan would leave.
//! Tests use it to check that planning converges; the CLI uses it to show "after" states.

use super::diff::Action;
use super::observed::{ObservedResource, ObservedState};
use super::resource::ResourceKind;
use super::Plan;
use crate::placement::PreviousInstance;

/// Apply every operation of `plan`, in order, to a copy of `observed`.
pub fn simulate_apply(plan: &Plan, observed: &ObservedState) -> ObservedState {
    let mut resources = observed.resources.clone();
    for op in plan.graph.operations() {
        match op.action {
            Action::Delete => {
                let Some(gone) = &op.observed else { continue };
                resources
                    .retain(|r| !(r.kind == gone.kind && r.name == gone.name && r.revision == gone.revision));
            }
            Action::Create | Action::Update | Action::Replace => {
                let Some(want) = &op.desired else { continue };
                let same = |r: &ObservedResource| r.kind == want.id.kind && r.name == want.id.name;
                let revision = if want.id.kind == ResourceKind::TaskDefinition {
                    // A new revision beside the old one, which a separate operation deregisters.
                    Some(
                        resources
                            .iter()
                            .filter(|r| same(r))
                            .filter_map(|r| r.revision)
                            .max()
                            .unwrap_or(0)
                            + 1,
                    )
                } else {
                    resources.retain(|r| !same(r));
                    None
                };
                resources.push(ObservedResource {
                    kind: want.id.kind,
                    name: want.id.name.clone(),
                    arn: Some(format!("arn:rnd:simulated:{}", op.address)),
                    revision,
                    tags: want.tags.clone(),
                    attributes: want.attributes(),
                });
            }
        }
    }
    resources.sort_by(|a, b| (a.kind, &a.name, a.revision).cmp(&(b.kind, &b.name, b.revision)));
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
        resources,
        gpu_instances,
    }
}

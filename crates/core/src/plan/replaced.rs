//! What a replaced load balancer takes with it. Deleting a balancer deletes its listeners and
//! their rules (Elastic Load Balancing does), and its replacement has a new DNS name; a plan
//! that replaces one must therefore also replace those listeners and rules (or the platform
//! would be left without routes until the next apply) and write again each DNS record that
//! points at it. None of this shows in a resource's own settings, so the diff cannot see it.

use std::collections::BTreeSet;

use super::desired::DesiredState;
use super::diff::{Action, AttributeChange, ResourceChange};
use super::observed::ObservedResource;
use super::resource::ResourceKind;

/// Add to `changes` what the load balancers they replace take with them: a `Replace` of each
/// listener on them and each rule on those listeners, an `Update` of each DNS record pointing
/// at them. `desired` is built only when some balancer is replaced (rarely).
pub fn follow_replaced_balancers(
    changes: &mut Vec<ResourceChange>,
    desired: impl FnOnce() -> DesiredState,
    existing: &[&ObservedResource],
) {
    let replaced: BTreeSet<String> = changes
        .iter()
        .filter(|c| c.id.kind == ResourceKind::LoadBalancer && c.action == Action::Replace)
        .map(|c| c.id.name.clone())
        .collect();
    if replaced.is_empty() {
        return;
    }
    let desired = desired();
    let refers_to = |r: &ObservedResource, attribute: &str, names: &BTreeSet<String>| {
        r.attributes
            .get(attribute)
            .and_then(|v| v.as_str())
            .is_some_and(|n| names.contains(n))
    };
    let listeners: BTreeSet<String> = existing
        .iter()
        .filter(|r| r.kind == ResourceKind::Listener && refers_to(r, "load_balancer", &replaced))
        .map(|r| r.name.clone())
        .collect();
    for have in existing.iter() {
        // What changes, shown as which attribute, read from which.
        let (action, shown, read, after) = match have.kind {
            ResourceKind::Listener if listeners.contains(&have.name) => (
                Action::Replace,
                "load_balancer",
                "load_balancer",
                "its replacement",
            ),
            ResourceKind::ListenerRule if refers_to(have, "listener", &listeners) => {
                (Action::Replace, "listener", "listener", "its replacement")
            }
            ResourceKind::DnsRecord if refers_to(have, "load_balancer", &replaced) => (
                Action::Update,
                "alias_target",
                "load_balancer",
                "its replacement's DNS name",
            ),
            _ => continue,
        };
        let id = have.id();
        if let Some(change) = changes.iter_mut().find(|c| c.id == id) {
            // An update of something the balancer takes along becomes its replacement; a
            // deletion stays one.
            if change.action == Action::Update && action == Action::Replace {
                change.action = Action::Replace;
            }
            continue;
        }
        let Some(want) = desired.resources.get(&id) else {
            continue;
        };
        let before = have
            .attributes
            .get(read)
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        changes.push(ResourceChange {
            address: want.id.to_string(),
            id: want.id.clone(),
            action,
            service: want.service.clone(),
            changes: vec![AttributeChange {
                attribute: shown.into(),
                before: Some(format!("{before} (replaced)").into()),
                after: Some(format!("{before} ({after})").into()),
                forces_replacement: action == Action::Replace,
            }],
            desired: Some(want.clone()),
            observed: Some((*have).clone()),
            adopts: None,
        });
    }
    changes.sort_by(|a, b| a.address.cmp(&b.address));
}

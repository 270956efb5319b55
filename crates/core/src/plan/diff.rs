//! Desired against observed: per resource, create, update in place, replace, delete, or nothing.

use std::cmp::Ordering;

use serde::Serialize;
use serde_json::Value;

use super::desired::DesiredState;
use super::observed::{ObservedResource, TAG_HASH};
use super::parallel;
use super::resource::{DesiredResource, ResourceId, ResourceKind};
use super::spec::{ClusterCapacityProvidersSpec, Spec};

/// What an operation does to its resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
}

impl Action {
    /// The Terraform-like marker plans print.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
        }
    }
}

/// One attribute that differs. `before` is absent for creations, `after` for deletions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttributeChange {
    pub attribute: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub forces_replacement: bool,
}

/// Address suffix of the second step of a capacity provider removal.
pub const DETACH_SUFFIX: &str = ":detach";

/// Attribute name used when only the `rnd:hash` tag shows a change AWS does not report back.
pub const UNREPORTED_SETTINGS: &str = "(settings AWS does not report)";

/// One resource that must change.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceChange {
    /// Unique within a plan: `kind.name`, `kind.name:revision` for old task definition
    /// revisions, `kind.name:detach` for the second step of a capacity provider removal.
    pub address: String,
    pub id: ResourceId,
    pub action: Action,
    pub service: Option<String>,
    pub changes: Vec<AttributeChange>,
    /// What to create or update to (absent for deletions).
    pub desired: Option<DesiredResource>,
    /// What exists now (absent for creations).
    pub observed: Option<ObservedResource>,
}

/// Compare; only `observed` resources of this platform are given, so nothing else is touched.
pub fn diff(desired: &DesiredState, observed: &[&ObservedResource]) -> Vec<ResourceChange> {
    // Both sides in (kind, name) order, so they meet in one linear pass with no lookups.
    let mut observed: Vec<&ObservedResource> = observed.to_vec();
    observed.sort_unstable_by(|a, b| {
        (a.kind, a.name.as_str(), a.revision).cmp(&(b.kind, b.name.as_str(), b.revision))
    });
    let mut groups = observed
        .chunk_by(|a, b| a.kind == b.kind && a.name == b.name)
        .peekable();
    let mut pairs = Vec::with_capacity(desired.resources.len());
    let mut orphans = Vec::new();
    for (id, want) in &desired.resources {
        let mut existing = None;
        while let Some(group) = groups.peek() {
            match (group[0].kind, group[0].name.as_str()).cmp(&(id.kind, id.name.as_str())) {
                Ordering::Less => orphans.push(groups.next().unwrap_or_default()),
                Ordering::Equal => {
                    existing = groups.next();
                    break;
                }
                Ordering::Greater => break,
            }
        }
        pairs.push((id, want, existing));
    }
    orphans.extend(groups);
    let parts = parallel::map_chunks(&pairs, |chunk| {
        let mut changes = Vec::new();
        for (id, want, existing) in chunk {
            changes_to(id, want, *existing, &mut changes);
        }
        changes
    });
    let mut changes: Vec<ResourceChange> = parts.into_iter().flatten().collect();
    // Tagged resources no manifest wants any more.
    changes.extend(orphans.into_iter().flatten().map(|r| deletion(r)));
    changes.sort_by(|a, b| a.address.cmp(&b.address));
    changes
}

/// The changes one desired resource needs, given what exists under its id (oldest first).
fn changes_to(
    id: &ResourceId,
    want: &DesiredResource,
    existing: Option<&[&ObservedResource]>,
    changes: &mut Vec<ResourceChange>,
) {
    let Some(existing) = existing else {
        changes.push(creation(want));
        return;
    };
    let (current, older) = existing.split_last().expect("groups are never empty");
    // Revisions left behind by a crashed run are deregistered.
    changes.extend(older.iter().map(|old| deletion(old)));
    let attribute_changes = compare(want, current);
    if attribute_changes.is_empty() {
        return;
    }
    if id.kind == ResourceKind::ClusterCapacityProviders {
        changes.extend(capacity_provider_changes(want, current, attribute_changes));
        return;
    }
    let replace = attribute_changes.iter().any(|c| c.forces_replacement);
    changes.push(ResourceChange {
        address: id.to_string(),
        id: id.clone(),
        action: if replace { Action::Replace } else { Action::Update },
        service: want.service.clone(),
        changes: attribute_changes,
        desired: Some(want.clone()),
        observed: Some((*current).clone()),
    });
    if id.kind == ResourceKind::TaskDefinition {
        // The running revision goes once the service has moved to the new one.
        changes.push(deletion(current));
    }
}

fn creation(want: &DesiredResource) -> ResourceChange {
    let changes = want
        .attributes()
        .iter()
        .map(|(attribute, after)| AttributeChange {
            attribute: attribute.clone(),
            before: None,
            after: Some(after.clone()),
            forces_replacement: false,
        })
        .collect();
    ResourceChange {
        address: want.id.to_string(),
        id: want.id.clone(),
        action: Action::Create,
        service: want.service.clone(),
        changes,
        desired: Some(want.clone()),
        observed: None,
    }
}

fn deletion(existing: &ObservedResource) -> ResourceChange {
    ResourceChange {
        address: existing.address(),
        id: existing.id(),
        action: Action::Delete,
        service: existing.service().map(str::to_string),
        changes: Vec::new(),
        desired: None,
        observed: Some(existing.clone()),
    }
}

/// Attribute-level differences. An attribute AWS did not report is never a difference; the
/// `rnd:hash` tag catches changes to those.
fn compare(want: &DesiredResource, have: &ObservedResource) -> Vec<AttributeChange> {
    let mut changes = Vec::new();
    // Fast path: identical JSON means identical attributes (see the ordering note in spec.rs).
    let identical = JSON_BUFFER.with_borrow_mut(|buffer| {
        buffer.clear();
        serde_json::to_writer(&mut *buffer, &have.attributes).is_ok() && buffer[..] == want.json[..]
    });
    let attributes = if identical { None } else { Some(want.attributes()) };
    for (attribute, after) in attributes.into_iter().flatten() {
        match have.attributes.get(attribute) {
            None | Some(Value::Null) => {}
            Some(before) if before == after => {}
            Some(before) => changes.push(AttributeChange {
                forces_replacement: want.id.kind.replaced_when_changed(attribute),
                attribute: attribute.clone(),
                before: Some(before.clone()),
                after: Some(after.clone()),
            }),
        }
    }
    for (key, value) in want.tags.iter().filter(|(k, _)| *k != TAG_HASH) {
        if have.tags.get(key) != Some(value) {
            changes.push(AttributeChange {
                attribute: format!("tags.{key}"),
                before: have.tags.get(key).map(|v| Value::String(v.clone())),
                after: Some(Value::String(value.clone())),
                forces_replacement: false,
            });
        }
    }
    if changes.is_empty() && have.tags.get(TAG_HASH) != want.tags.get(TAG_HASH) {
        changes.push(AttributeChange {
            attribute: UNREPORTED_SETTINGS.to_string(),
            before: None,
            after: None,
            forces_replacement: want.id.kind == ResourceKind::TaskDefinition,
        });
    }
    changes
}

thread_local! {
    /// Reused for every observed resource's JSON, so the fast path allocates nothing.
    static JSON_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Capacity providers are attached to the cluster before services use them and detached only
/// after no service does: when providers go, the change is split in two steps, an attach step
/// (old and new together, if anything is added) and a detach step that the graph orders after
/// every service operation.
fn capacity_provider_changes(
    want: &DesiredResource,
    have: &ObservedResource,
    changes: Vec<AttributeChange>,
) -> Vec<ResourceChange> {
    let single = ResourceChange {
        address: want.id.to_string(),
        id: want.id.clone(),
        action: Action::Update,
        service: None,
        changes,
        desired: Some(want.clone()),
        observed: Some(have.clone()),
    };
    let Spec::ClusterCapacityProviders(final_spec) = &want.spec else {
        return vec![single];
    };
    let existing: Vec<String> = have
        .attributes
        .get("providers")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let removed: Vec<&String> = existing
        .iter()
        .filter(|p| !final_spec.providers.contains(p))
        .collect();
    if removed.is_empty() {
        return vec![single];
    }
    let detach = ResourceChange {
        address: format!("{}{DETACH_SUFFIX}", want.id),
        ..single.clone()
    };
    if final_spec.providers.iter().all(|p| existing.contains(p)) {
        return vec![detach];
    }
    let mut union = final_spec.providers.clone();
    union.extend(removed.into_iter().cloned());
    // The final tags (and hash) go on in the detach step.
    let attach = DesiredResource::new(
        want.id.clone(),
        None,
        Spec::ClusterCapacityProviders(ClusterCapacityProvidersSpec {
            cluster: final_spec.cluster.clone(),
            providers: union,
        }),
        want.tags.clone(),
    );
    vec![
        ResourceChange {
            desired: Some(attach),
            ..single
        },
        detach,
    ]
}

//! Desired against observed: per resource, create, update in place, replace, delete, or nothing.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, DefaultHasher};
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

use serde::Serialize;
use serde_json::Value;

use super::desired::DesiredState;
use super::observed::{ForeignResource, ObservedResource, TAG_ASLEEP_SINCE, TAG_HASH};
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
    /// A creation that takes over a resource someone else made under the same name, because
    /// the run was told to (`--adopt`); `None` everywhere else (see `plan::ownership`).
    pub adopts: Option<ForeignResource>,
}

/// Compare; only `observed` resources of this platform are given, so nothing else is touched.
pub fn diff(desired: &DesiredState, observed: &[&ObservedResource]) -> Vec<ResourceChange> {
    let index = ObservedIndex::new(observed);
    let mut part = DiffPart::default();
    for want in desired.resources.values() {
        index.compare(want, &mut part);
    }
    index.finish(vec![part])
}

/// What exists, grouped by resource id, so each desired resource finds its group in constant
/// time in whatever order the desired state is built: the planner compares one service at a
/// time and drops its desired resources right after, instead of holding them all for a merge.
pub struct ObservedIndex<'a> {
    /// Grouped by id (groups in order of first appearance), each group oldest revision first.
    resources: Vec<&'a ObservedResource>,
    /// Group `g` is `resources[starts[g]..starts[g + 1]]`.
    starts: Vec<usize>,
    /// Only looked up, never iterated, so the hash order never reaches the output; the fixed
    /// keys keep the core free of the randomness `RandomState` would read.
    groups: HashMap<(ResourceKind, &'a str), usize, BuildHasherDefault<DefaultHasher>>,
    /// Per group, whether a desired resource claimed it (those left unclaimed are deleted).
    /// Set from the threads that compare services; a set is the same whatever the order.
    claimed: Vec<AtomicBool>,
}

/// The changes found so far by one thread.
#[derive(Debug, Default)]
pub struct DiffPart {
    changes: Vec<ResourceChange>,
}

impl<'a> ObservedIndex<'a> {
    /// Linear in the number of resources: a hash lookup and a counting sort, no comparison sort.
    pub fn new(observed: &[&'a ObservedResource]) -> Self {
        let mut groups: HashMap<(ResourceKind, &'a str), usize, BuildHasherDefault<DefaultHasher>> =
            HashMap::with_capacity_and_hasher(observed.len(), BuildHasherDefault::default());
        let group_of: Vec<usize> = observed
            .iter()
            .map(|r| {
                let next = groups.len();
                *groups.entry((r.kind, r.name.as_str())).or_insert(next)
            })
            .collect();
        let mut starts = vec![0; groups.len() + 1];
        for &g in &group_of {
            starts[g + 1] += 1;
        }
        for g in 0..groups.len() {
            starts[g + 1] += starts[g];
        }
        let mut next = starts.clone();
        let mut slots: Vec<Option<&ObservedResource>> = vec![None; observed.len()];
        for (r, &g) in observed.iter().zip(&group_of) {
            slots[next[g]] = Some(*r);
            next[g] += 1;
        }
        let mut resources: Vec<&ObservedResource> = slots.into_iter().flatten().collect();
        for g in 0..groups.len() {
            let group = &mut resources[starts[g]..starts[g + 1]];
            if group.len() > 1 {
                group.sort_by_key(|r| r.revision);
            }
        }
        ObservedIndex {
            claimed: (0..groups.len()).map(|_| AtomicBool::new(false)).collect(),
            resources,
            starts,
            groups,
        }
    }

    fn group(&self, g: usize) -> &[&'a ObservedResource] {
        &self.resources[self.starts[g]..self.starts[g + 1]]
    }

    /// The changes `want` needs, into `part`.
    pub fn compare(&self, want: &DesiredResource, part: &mut DiffPart) {
        let existing = self.groups.get(&(want.id.kind, want.id.name.as_str())).map(|&g| {
            self.claimed[g].store(true, AtomicOrdering::Relaxed);
            self.group(g)
        });
        changes_to(&want.id, want, existing, &mut part.changes);
    }

    /// Every change, by address: those of the parts, and the deletion of every tagged resource
    /// no desired resource claimed.
    pub fn finish(&self, parts: Vec<DiffPart>) -> Vec<ResourceChange> {
        let mut changes: Vec<ResourceChange> = parts.into_iter().flat_map(|p| p.changes).collect();
        // Tagged resources no manifest wants any more. The threads that set `claimed` have
        // been joined, so every store is visible here.
        for (g, _) in self
            .claimed
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.load(AtomicOrdering::Relaxed))
        {
            // A removed service's log group is kept (`kept.rs`); everything else goes.
            changes.extend(
                self.group(g)
                    .iter()
                    .filter_map(|r| super::kept::unclaimed_log_group(r).unwrap_or_else(|| Some(deletion(r)))),
            );
        }
        changes.sort_by(|a, b| a.address.cmp(&b.address));
        changes
    }
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
        adopts: None,
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
        .map(|(attribute, after)| {
            let mut change = AttributeChange {
                attribute: attribute.clone(),
                before: None,
                after: Some(after.clone()),
                forces_replacement: false,
            };
            super::sensitive::conceal(&mut change);
            change
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
        adopts: None,
    }
}

pub(super) fn deletion(existing: &ObservedResource) -> ResourceChange {
    ResourceChange {
        address: existing.address(),
        id: existing.id(),
        action: Action::Delete,
        service: existing.service().map(str::to_string),
        changes: Vec::new(),
        desired: None,
        observed: Some(existing.clone()),
        adopts: None,
    }
}

/// Attribute-level differences. An attribute AWS did not report is never a difference; the
/// `rnd:hash` tag catches changes to those.
fn compare(want: &DesiredResource, have: &ObservedResource) -> Vec<AttributeChange> {
    let mut changes = Vec::new();
    // Fast path: identical JSON means identical attributes (see the ordering note in spec.rs).
    // The observed side is checked against the desired bytes as it is serialized, so nothing
    // is copied and a difference stops it early.
    let mut same = SameBytes {
        expected: &want.json,
        at: 0,
    };
    let identical = serde_json::to_writer(&mut same, &have.attributes).is_ok() && same.at == want.json.len();
    let attributes = if identical { None } else { Some(want.attributes()) };
    let runtime_owned = runtime_owned(want, have);
    for (attribute, after) in attributes.into_iter().flatten() {
        if runtime_owned.contains(&attribute.as_str()) {
            continue;
        }
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
    if changes.is_empty()
        && !want.id.kind.reports_every_setting()
        && have.tags.get(TAG_HASH) != want.tags.get(TAG_HASH)
    {
        changes.push(AttributeChange {
            attribute: UNREPORTED_SETTINGS.to_string(),
            before: None,
            after: None,
            forces_replacement: want.id.kind == ResourceKind::TaskDefinition,
        });
    }
    // Compared on the real values above; shown without the credential-looking ones.
    changes.iter_mut().for_each(super::sensitive::conceal);
    changes
}

/// Attributes rnd's Lambda function owns at the moment: a sleeping service's desired count
/// (0 while it sleeps, its replicas again once woken, set by the waker before the tag goes).
/// Only while the manifest still asks for sleep: a service whose `idle_after` was removed is
/// planned back to its replicas.
fn runtime_owned(want: &DesiredResource, have: &ObservedResource) -> &'static [&'static str] {
    match &want.spec {
        Spec::EcsService(service)
            if service.idle_after.is_some() && have.tags.contains_key(TAG_ASLEEP_SINCE) =>
        {
            &["desired_count"]
        }
        _ => &[],
    }
}

/// A writer that only accepts the bytes `expected` holds, in order: serializing into it tells
/// whether a value's JSON is exactly those bytes (then `at` is their length).
struct SameBytes<'a> {
    expected: &'a [u8],
    at: usize,
}

impl std::io::Write for SameBytes<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let end = self.at + buf.len();
        if self.expected.get(self.at..end) == Some(buf) {
            self.at = end;
            Ok(buf.len())
        } else {
            Err(std::io::ErrorKind::InvalidData.into())
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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
        adopts: None,
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

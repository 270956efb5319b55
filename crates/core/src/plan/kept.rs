//! What outlives its service on purpose: a removed service's log group.
//!
//! Removing a manifest (or destroying the platform) deletes what the service ran on, but the
//! lines its tasks wrote are often what someone needs next ("why did it crash before we
//! removed it?"). Its log group is kept and marked `rnd:removed`, so `rnd logs <service>
//! --previous` still answers, and its lines expire with the group's retention. A kept group
//! that AWS reports empty (`stored_bytes` 0: every line expired, or none was ever written) is
//! deleted by the next plan; one whose service comes back is the service's again (its tags are
//! set as planned and the mark goes).

use super::diff::{Action, AttributeChange, ResourceChange};
use super::observed::{ObservedResource, TAG_HASH};
use super::resource::{DesiredResource, ResourceKind};
use super::spec::{LogGroupSpec, Spec};

/// Tag on a log group kept after its service was removed.
pub const TAG_REMOVED: &str = "rnd:removed";

/// The `rnd:hash` of a kept group: never a planned one, so a service that comes back updates
/// its group (and the executor removes the mark).
const KEPT_HASH: &str = "kept";

/// The bytes a log group holds, as AWS reports them (`storedBytes`).
pub const STORED_BYTES: &str = "stored_bytes";

/// What happens to a resource no desired resource claims, when it is a log group: kept and
/// marked, left as it is (already kept, still holding lines), or deleted (empty). `None` for
/// other kinds, which are deleted.
pub fn unclaimed_log_group(existing: &ObservedResource) -> Option<Option<ResourceChange>> {
    if existing.kind != ResourceKind::LogGroup {
        return None;
    }
    let empty = existing.attributes.get(STORED_BYTES).and_then(|b| b.as_u64()) == Some(0);
    if empty {
        return Some(Some(super::diff::deletion(existing)));
    }
    if existing.tags.contains_key(TAG_REMOVED) {
        return Some(None);
    }
    let retention_days = existing
        .attributes
        .get("retention_days")
        .and_then(|d| d.as_u64())
        .and_then(|d| u32::try_from(d).ok())
        // A group without retention keeps its lines forever; so does the kept group.
        .unwrap_or(0);
    let mut tags = existing.tags.clone();
    tags.insert(TAG_REMOVED.into(), "true".into());
    tags.insert(TAG_HASH.into(), KEPT_HASH.into());
    let desired = DesiredResource::new(
        existing.id(),
        existing.service().map(str::to_string),
        Spec::LogGroup(LogGroupSpec { retention_days }),
        tags,
    );
    Some(Some(ResourceChange {
        address: existing.address(),
        id: existing.id(),
        action: Action::Update,
        service: existing.service().map(str::to_string),
        changes: vec![AttributeChange {
            attribute: format!("tags.{TAG_REMOVED}"),
            before: None,
            after: Some("true".into()),
            forces_replacement: false,
        }],
        desired: Some(desired),
        observed: Some(existing.clone()),
        adopts: None,
    }))
}

/// Whether `change` keeps a removed service's log group (for the plan's wording).
pub fn keeps_log_group(change: &ResourceChange) -> bool {
    change.id.kind == ResourceKind::LogGroup
        && change.action == Action::Update
        && change
            .changes
            .iter()
            .any(|c| c.attribute == format!("tags.{TAG_REMOVED}"))
}

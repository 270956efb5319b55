//! What exists in AWS, as a serializable snapshot: the executor fills it from AWS; tests and
//! `rnd plan --observed FILE` fill it from JSON (`{}` is an empty account).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::desired::DesiredState;
use super::naming::Names;
use super::ownership::in_place;
use super::resource::{ResourceId, ResourceKind};
use crate::placement::PreviousInstance;

/// Tag on every resource rnd creates: the platform it belongs to.
pub const TAG_PLATFORM: &str = "rnd:platform";
/// Tag on a service's resources: the service it belongs to.
pub const TAG_SERVICE: &str = "rnd:service";
/// Tag holding a hash of the settings rnd applied, so a change AWS does not report back is
/// still seen, and an unchanged resource is recognised without comparing every attribute.
pub const TAG_HASH: &str = "rnd:hash";
/// On an ECS service put to sleep by rnd's Lambda function: when (RFC 3339, UTC). Removed when
/// the service wakes. While it is there the service's desired count is the runtime's.
pub const TAG_ASLEEP_SINCE: &str = "rnd:asleep-since";
/// Beside `rnd:asleep-since` from the moment the waker starts the service until it hands the
/// route back: the service is planned awake again (its count and GPU instances are coming back),
/// though its count stays the runtime's. A tag, not the count, because a plan that observes with
/// an expectation takes the count from the plan, not from AWS.
pub const TAG_WAKING_SINCE: &str = "rnd:waking-since";

/// Asleep now: put to sleep by rnd's Lambda function and not yet being woken.
pub fn is_asleep(tags: &std::collections::BTreeMap<String, String>) -> bool {
    tags.contains_key(TAG_ASLEEP_SINCE) && !tags.contains_key(TAG_WAKING_SINCE)
}
/// On the platform's ECS cluster while `platform.json` names rnd's Lambda function
/// (`scale_to_zero`): which function's policy holds the platform's statements, so observing
/// finds them even when no plan expects them any more.
pub const TAG_FUNCTION: &str = "rnd:function";

/// Every tagged resource of a platform that exists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservedState {
    #[serde(default)]
    pub resources: Vec<ObservedResource>,
    /// The GPU container instances running and the tasks on each (from ECS), so placement can
    /// keep tasks where they are. Absent, it is rebuilt from services and group sizes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gpu_instances: Vec<PreviousInstance>,
    /// Resources that exist under a name the plan wants but are not this platform's (no
    /// `rnd:platform` tag for it, or not where rnd puts its own): rnd never changes them, and
    /// a plan that would create one fails unless it is adopted (see `plan::ownership`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign: Vec<ForeignResource>,
}

/// A resource under one of rnd's names that rnd did not make for this platform, with the tags
/// that say whose it seems to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignResource {
    pub kind: ResourceKind,
    pub name: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Why rnd could not take it over even if asked (e.g. an IAM role outside the platform's
    /// path: paths never change, so it could never be found as the platform's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_adoptable: Option<String>,
}

impl ForeignResource {
    pub fn id(&self) -> ResourceId {
        ResourceId::new(self.kind, self.name.clone())
    }
}

/// One existing resource, as read from AWS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservedResource {
    pub kind: ResourceKind,
    pub name: String,
    /// AWS's identifier (ARN or id), for the executor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// Task definitions only: the revision (several may be active at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u32>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Attributes as AWS reports them, named as in the specs. An attribute AWS does not report
    /// is absent, and is then never counted as a difference.
    #[serde(default)]
    pub attributes: Map<String, Value>,
}

impl ObservedResource {
    pub fn id(&self) -> ResourceId {
        ResourceId::new(self.kind, self.name.clone())
    }

    pub fn service(&self) -> Option<&str> {
        self.tags.get(TAG_SERVICE).map(String::as_str)
    }

    /// The address of this resource in plans: task definition revisions carry `:revision`.
    pub fn address(&self) -> String {
        match self.revision {
            Some(r) => format!("{}.{}:{r}", self.kind, self.name),
            None => format!("{}.{}", self.kind, self.name),
        }
    }
}

impl ObservedState {
    /// Only the resources tagged for `platform` *and* named where rnd puts the platform's own
    /// (`plan::ownership::in_place`): nothing else is ever changed or deleted, not even a
    /// resource someone copied rnd's tags onto.
    pub fn of_platform<'a>(&'a self, platform: &'a str) -> impl Iterator<Item = &'a ObservedResource> + 'a {
        let names = Names::new(platform);
        self.resources.iter().filter(move |r| {
            r.tags.get(TAG_PLATFORM).is_some_and(|p| p == platform) && in_place(&names, r.kind, &r.name)
        })
    }
}

/// The settings a plan wants of each resource, with their `rnd:hash`, for observing cheaply: a
/// resource tagged with the hash it is expected to have was last applied with exactly these
/// settings (the hash covers the settings and the tags), so the observer may take them from
/// here instead of describing the resource one call at a time. It is only a hint: a resource
/// whose hash differs, or that nothing here expects, is read from AWS as before, so a wrong or
/// stale expectation costs calls, never a wrong snapshot. Empty, every resource is read.
#[derive(Debug, Clone, Default)]
pub struct Expected {
    resources: BTreeMap<ResourceId, (String, Map<String, Value>)>,
    /// The tags each resource is planned with (its hash among them).
    tags: BTreeMap<ResourceId, BTreeMap<String, String>>,
    /// Every resource the plan wants, hashed or not: those not found tagged for the platform
    /// are looked up by name, to find the foreign ones before a plan would create over them.
    wanted: Vec<ResourceId>,
}

impl Expected {
    /// Every resource of `desired` that carries a hash.
    pub fn from_desired(desired: &DesiredState) -> Self {
        let resources = desired
            .resources
            .values()
            .filter_map(|r| {
                let hash = r.tags.get(TAG_HASH)?;
                Some((r.id.clone(), (hash.clone(), r.attributes().clone())))
            })
            .collect();
        let tags = desired
            .resources
            .values()
            .filter(|r| r.tags.contains_key(TAG_HASH))
            .map(|r| (r.id.clone(), r.tags.clone()))
            .collect();
        let wanted = desired.resources.keys().cloned().collect();
        Expected {
            resources,
            tags,
            wanted,
        }
    }

    /// The `rnd:hash` the plan wants `id` to carry, when it carries one.
    pub fn hash(&self, id: &ResourceId) -> Option<&str> {
        self.resources.get(id).map(|(hash, _)| hash.as_str())
    }

    /// The tags `kind`/`name` is planned with, when every setting `observed` reports is the
    /// planned one (settings AWS does not report are not compared). For kinds whose tags cost a
    /// call per few resources while their settings come with the listing (listener rules): a
    /// resource in the platform's own place, set exactly as planned, was made by the plan.
    pub fn as_planned(
        &self,
        kind: ResourceKind,
        name: &str,
        observed: &Map<String, Value>,
    ) -> Option<&BTreeMap<String, String>> {
        let id = ResourceId::new(kind, name);
        let (_, planned) = self.resources.get(&id)?;
        let same = observed.iter().all(|(k, v)| planned.get(k) == Some(v));
        same.then(|| self.tags.get(&id)).flatten()
    }

    /// The setting `attribute` the plan wants of `id` (e.g. a DNS record's hosted zone, which
    /// the observer needs to know where to look).
    pub fn attribute(&self, id: &ResourceId, attribute: &str) -> Option<&Value> {
        self.resources.get(id)?.1.get(attribute)
    }

    /// Every resource the plan wants, in order.
    pub fn wanted(&self) -> &[ResourceId] {
        &self.wanted
    }

    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    pub fn len(&self) -> usize {
        self.resources.len()
    }

    /// The settings rnd applied to the resource `kind`/`name` tagged `tags`, when its
    /// `rnd:hash` is the one expected; `None` when it must be read from AWS.
    pub fn unchanged(
        &self,
        kind: ResourceKind,
        name: &str,
        tags: &BTreeMap<String, String>,
    ) -> Option<&Map<String, Value>> {
        let (hash, attributes) = self.resources.get(&ResourceId::new(kind, name))?;
        (tags.get(TAG_HASH) == Some(hash)).then_some(attributes)
    }
}

//! What exists in AWS, as a serializable snapshot: the executor fills it from AWS; tests and
//! `rnd plan --observed FILE` fill it from JSON (`{}` is an empty account).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::resource::{ResourceId, ResourceKind};
use crate::placement::PreviousInstance;

/// Tag on every resource rnd creates: the platform it belongs to.
pub const TAG_PLATFORM: &str = "rnd:platform";
/// Tag on a service's resources: the service it belongs to.
pub const TAG_SERVICE: &str = "rnd:service";
/// Tag holding a hash of the settings rnd applied, so a change AWS does not report back is
/// still seen, and an unchanged resource is recognised without comparing every attribute.
pub const TAG_HASH: &str = "rnd:hash";

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
    /// Only the resources tagged for `platform`: nothing else is ever touched.
    pub fn of_platform<'a>(&'a self, platform: &'a str) -> impl Iterator<Item = &'a ObservedResource> + 'a {
        self.resources
            .iter()
            .filter(move |r| r.tags.get(TAG_PLATFORM).is_some_and(|p| p == platform))
    }
}

//! What every operation of one apply shares: clients, the default network, and the AWS
//! identifiers of the resources known so far.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use rnd_core::plan::observed::{ObservedState, TAG_HASH, TAG_PLATFORM};
use rnd_core::plan::resource::{ResourceId, ResourceKind};

use crate::network::DefaultNetwork;
use crate::tags::Tags;
use crate::{AwsError, Clients};

pub(crate) struct Context {
    pub clients: Clients,
    pub platform: String,
    pub region: String,
    pub network: DefaultNetwork,
    registry: Mutex<HashMap<ResourceId, String>>,
    /// Resources the plan takes over by name (`--adopt`): the only ones not observed as the
    /// platform's that an operation may find already there and use.
    adopt: HashSet<ResourceId>,
}

impl Context {
    pub fn new(
        clients: Clients,
        platform: &str,
        region: &str,
        network: DefaultNetwork,
        observed: &ObservedState,
        adopt: HashSet<ResourceId>,
    ) -> Self {
        let mut registry = HashMap::new();
        for r in observed.of_platform(platform) {
            let Some(arn) = &r.arn else { continue };
            let name = match (r.kind, r.tags.get(TAG_HASH)) {
                // Services name the revision they run by `family@hash`.
                (ResourceKind::TaskDefinition, Some(hash)) => format!("{}@{hash}", r.name),
                (ResourceKind::TaskDefinition, None) => continue,
                _ => r.name.clone(),
            };
            registry.insert(ResourceId::new(r.kind, name), arn.clone());
        }
        Context {
            clients,
            platform: platform.to_string(),
            region: region.to_string(),
            network,
            registry: Mutex::new(registry),
            adopt,
        }
    }

    /// May this operation use the existing resource `kind`/`name` that AWS says is already
    /// there (a create answered "already exists", or a lookup by name found it), whose tags
    /// (and place, `in_place`) the caller read? When it was observed as the platform's, the
    /// plan adopts it, or it is tagged for the platform in its place (a crashed run's, which
    /// AWS listed late). Anything else appeared after the plan looked (`rnd_aws::foreign`) and
    /// is not rnd's to take: the operation stops.
    pub fn may_take_over(
        &self,
        kind: ResourceKind,
        name: &str,
        tags: &Tags,
        in_place: bool,
    ) -> Result<(), AwsError> {
        let id = ResourceId::new(kind, name);
        let tagged_ours = in_place && tags.get(TAG_PLATFORM).is_some_and(|p| *p == self.platform);
        if tagged_ours || self.adopt.contains(&id) || self.known(kind, name).is_some() {
            return Ok(());
        }
        Err(AwsError::missing(
            id.to_string(),
            "already exists and is not this platform's (made since the plan looked, by someone \
             else): rnd does not take it over; run the plan again to see whose it is",
        ))
    }

    /// Record the identifier (ARN or id) of a resource just created or adopted.
    pub fn remember(&self, kind: ResourceKind, name: &str, id: &str) {
        self.registry
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(ResourceId::new(kind, name), id.to_string());
    }

    pub fn forget(&self, kind: ResourceKind, name: &str) {
        self.registry
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&ResourceId::new(kind, name));
    }

    pub fn known(&self, kind: ResourceKind, name: &str) -> Option<String> {
        self.registry
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&ResourceId::new(kind, name))
            .cloned()
    }

    /// The identifier of a resource this one refers to. The graph orders every reference
    /// before its users, so a miss means the referenced resource was never created.
    pub fn require(&self, kind: ResourceKind, name: &str) -> Result<String, AwsError> {
        self.known(kind, name).ok_or_else(|| {
            AwsError::missing(
                format!("{kind}.{name}"),
                "referenced but neither observed nor created in this run",
            )
        })
    }
}

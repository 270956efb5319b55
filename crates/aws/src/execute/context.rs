//! What every operation of one apply shares: clients, the default network, and the AWS
//! identifiers of the resources known so far.

use std::collections::HashMap;
use std::sync::Mutex;

use rnd_core::plan::observed::{ObservedState, TAG_HASH};
use rnd_core::plan::resource::{ResourceId, ResourceKind};

use crate::network::DefaultNetwork;
use crate::{AwsError, Clients};

pub(crate) struct Context {
    pub clients: Clients,
    pub platform: String,
    pub region: String,
    pub network: DefaultNetwork,
    registry: Mutex<HashMap<ResourceId, String>>,
}

impl Context {
    pub fn new(
        clients: Clients,
        platform: &str,
        region: &str,
        network: DefaultNetwork,
        observed: &ObservedState,
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
        }
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

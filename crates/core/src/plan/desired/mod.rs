//! The desired state: every AWS resource the manifests and the platform call for, as typed values.

mod dns;
mod foundation;
pub use foundation::TLS_POLICY;
pub use gpu::{GPU_AMI_PARAMETER, GPU_ROOT_DEVICE};
mod gpu;
mod service;
mod sleep;
mod warm_up;
pub use sleep::{ALARM_PRINCIPAL, LOAD_BALANCER_PRINCIPAL};
pub use warm_up::HOOK as WARM_UP_HOOK;

use std::collections::{BTreeMap, BTreeSet};

use super::fanout::{Fanout, Sequential};
use super::hash::spec_hash;
use super::naming::Names;
use super::observed::{TAG_HASH, TAG_PLATFORM, TAG_SERVICE};
use super::resource::{DesiredResource, ResourceId};
use super::routing::RouteSlot;
use super::spec::{Spec, DEFAULT_NETWORK};
use crate::placement::CapacityPlan;
use crate::repository::Repository;

/// Everything the desired state is built from.
pub struct DesiredInputs<'a> {
    pub repository: &'a Repository,
    pub capacity: &'a CapacityPlan,
    /// Load balancer and rule priority of each routed service (see `routing.rs`).
    pub routes: &'a BTreeMap<String, RouteSlot>,
    /// GPU instance types whose groups exist and stay (at 0 instances when unused).
    pub kept_gpu_types: &'a BTreeSet<String>,
    /// For GPU services scaled to zero replicas: the type one replica would run on, so the
    /// service stays defined on a capacity provider that can run it.
    pub idle_gpu_services: &'a BTreeMap<String, String>,
    /// Per GPU instance type used by services that sleep: the warm pool its group keeps
    /// (`plan::warm`).
    pub warm_pools: &'a BTreeMap<String, crate::plan::warm::WarmPool>,
}

/// The complete desired state, keyed by resource id.
#[derive(Debug, Clone, Default)]
pub struct DesiredState {
    pub resources: BTreeMap<ResourceId, DesiredResource>,
}

impl DesiredState {
    fn add(
        &mut self,
        base_tags: &BTreeMap<String, String>,
        service: Option<&str>,
        id: ResourceId,
        spec: Spec,
    ) {
        let mut tags = base_tags.clone();
        if let Some(service) = service {
            tags.insert(TAG_SERVICE.to_string(), service.to_string());
        }
        let mut resource = DesiredResource::new(id.clone(), service.map(str::to_string), spec, tags);
        let hash = spec_hash(&resource.json, &resource.tags);
        resource.tags.insert(TAG_HASH.to_string(), hash);
        self.resources.insert(id, resource);
    }
}

/// Network settings shared by load balancers, groups and services.
pub(crate) struct Network {
    pub vpc: String,
    pub subnets: Vec<String>,
    /// Tasks in the default VPC's public subnets need a public IP to pull images (no NAT there).
    pub assign_public_ip: bool,
}

/// What every piece of the desired state is built with.
struct Common<'a> {
    names: Names<'a>,
    base_tags: BTreeMap<String, String>,
    network: Network,
}

fn common<'a>(inputs: &DesiredInputs<'a>) -> Common<'a> {
    let platform = &inputs.repository.platform;
    let mut base_tags = platform.tags.clone();
    base_tags.insert(TAG_PLATFORM.to_string(), platform.name.clone());
    let network = match &platform.network {
        Some(n) => Network {
            vpc: n.vpc_id.clone(),
            subnets: n.subnets.clone(),
            assign_public_ip: false,
        },
        None => Network {
            vpc: DEFAULT_NETWORK.into(),
            subnets: vec![DEFAULT_NETWORK.into()],
            assign_public_ip: true,
        },
    };
    Common {
        names: Names::new(&platform.name),
        base_tags,
        network,
    }
}

/// Build the whole desired state. A service resource named like a shared one takes its place.
///
/// The planner never holds all of it at once (see [`service_resources`]); this is the plain
/// statement of what it compares, and `tests/it/plan_properties.rs` checks that the planner's
/// changes equal `diff(&desired_state(inputs), existing)`.
pub fn desired_state(inputs: &DesiredInputs) -> DesiredState {
    let mut state = shared_resources(inputs);
    for mut part in service_resources(inputs, &Sequential, DesiredState::default, |part, mut service| {
        part.resources.append(&mut service.resources)
    }) {
        state.resources.append(&mut part.resources);
    }
    state
}

/// The resources all services share: foundations and GPU capacity.
pub fn shared_resources(inputs: &DesiredInputs) -> DesiredState {
    let Common {
        names,
        base_tags,
        network,
    } = common(inputs);
    let mut state = DesiredState::default();
    let gpu_types = gpu::desired_gpu_types(inputs);
    foundation::add_foundations(&mut state, &base_tags, inputs, &names, &network, &gpu_types);
    dns::add_dns_records(&mut state, &base_tags, inputs);
    sleep::add_permissions(&mut state, &base_tags, inputs, &names);
    let counts: BTreeMap<String, u32> = inputs
        .capacity
        .instance_counts
        .iter()
        .map(|c| (c.instance_type.clone(), c.count))
        .collect();
    gpu::add_gpu_groups(
        &mut state, &base_tags, &names, &network, &gpu_types, &counts, inputs,
    );
    state
}

/// Each manifest's resources, one service at a time: `visit` gets them on the thread that built
/// them and may drop them, so a large fleet's desired state is never in memory all at once (the
/// planner compares each service with what exists and keeps only the differences). Services
/// are independent of each other, so `fanout` may build chunks of them on other threads; one
/// part per chunk comes back, in manifest order, so the result does not depend on the chunking.
pub fn service_resources<P: Send>(
    inputs: &DesiredInputs,
    fanout: &impl Fanout,
    new_part: impl Fn() -> P + Sync,
    visit: impl Fn(&mut P, DesiredState) + Sync,
) -> Vec<P> {
    let Common {
        names,
        base_tags,
        network,
    } = common(inputs);
    let placements: BTreeMap<&str, &crate::placement::Placement> = inputs
        .capacity
        .services
        .iter()
        .map(|s| (s.name.as_str(), &s.placement))
        .collect();
    fanout.map_chunks(&inputs.repository.manifests, |chunk| {
        let mut part = new_part();
        for manifest in chunk {
            let mut service = DesiredState::default();
            service::add_service(
                &mut service,
                &base_tags,
                inputs,
                &names,
                &network,
                &placements,
                manifest,
            );
            visit(&mut part, service);
        }
        part
    })
}

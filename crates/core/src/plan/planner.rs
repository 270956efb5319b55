//! `plan`: the pure function at the heart of rnd.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::cost::UsdDelta;
use super::cost::{CostSummary, LoadBalancerCost, WarmPoolCost};
use super::current::{deployed_demands, deployed_placement, existing_gpu_types, existing_routes};
use super::desired::{desired_state, service_resources, shared_resources, DesiredInputs};
use super::diff::{diff, DiffPart, ObservedIndex, ResourceChange};
use super::dns::{dns_records, DnsRecord};
use super::fanout::{Fanout, Sequential};
use super::graph::{CycleError, OperationGraph};
use super::naming::Names;
use super::observed::{Expected, ObservedResource, ObservedState};
use super::ownership::{settle, OwnershipError};
use super::replaced::follow_replaced_balancers;
use super::resource::{ResourceId, ResourceKind};
use super::routing::{assign_routes, RouteSlot};
use super::warm::{volume_gib, warm_pools, WarmPool};
use crate::manifest::Manifest;
use crate::placement::{
    plan_capacity, plan_capacity_stable, AllowList, CapacityPlan, NoFit, PreviousPlacement, ServiceDemand,
};
use crate::repository::Repository;

/// Everything a frontend or the executor needs: the operations, in a graph, with placement and
/// cost before and after.
#[derive(Debug, Clone)]
pub struct Plan {
    pub platform: String,
    pub region: String,
    pub graph: OperationGraph,
    /// Placement and cost of the manifests as they are.
    pub capacity: CapacityPlan,
    pub cost: CostSummary,
    /// Public URL of each routed service.
    pub urls: Vec<(String, String)>,
    pub routes: BTreeMap<String, RouteSlot>,
    /// How much less per hour a fresh packing of the GPU tasks would cost than keeping them
    /// where they run (`rnd plan --repack` takes it).
    pub repack_savings: Option<UsdDelta>,
    /// DNS records to create by hand for the load balancers this plan creates, when rnd keeps
    /// none (no `routing.hosted_zone_id`; see `plan::dns`).
    pub dns_to_create: Vec<DnsRecord>,
    /// Who can reach each routed service (`internet, no sign-in`, `internal network`, …).
    pub exposure: BTreeMap<String, String>,
}

impl Plan {
    pub fn has_changes(&self) -> bool {
        !self.graph.is_empty()
    }
}

/// Why no plan could be made. Nothing in AWS is touched when planning fails.
#[derive(Debug, Clone)]
pub enum PlanError {
    /// Services no allowed capacity can hold.
    Placement(Vec<NoFit>),
    /// The plan would cost more than `platform.json` allows.
    OverBudget(Vec<String>),
    Cycle(CycleError),
    /// The plan would create over resources that are not the platform's.
    Ownership(OwnershipError),
    /// A platform named with `-` that does not exist yet: its names could collide with another
    /// platform's, so only a platform made before the rule keeps such a name.
    NewPlatformNameHasHyphen(String),
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::Placement(no_fits) => {
                writeln!(f, "some services cannot be placed:")?;
                for n in no_fits {
                    writeln!(f, "  - {n}")?;
                }
                Ok(())
            }
            PlanError::OverBudget(lines) => {
                writeln!(f, "the plan is over the budget set in platform.json (limits):")?;
                for l in lines {
                    writeln!(f, "  - {l}")?;
                }
                Ok(())
            }
            PlanError::Cycle(e) => write!(f, "{e}"),
            PlanError::Ownership(e) => write!(f, "{e}"),
            PlanError::NewPlatformNameHasHyphen(name) => write!(
                f,
                "platform \"{name}\" does not exist in this account yet, and a new platform's name \
                 cannot contain `-` (platform \"ml-prod\" with service \"api\" would have the AWS \
                 names of platform \"ml\" with service \"prod-api\"): rename it in platform.json, \
                 e.g. \"{}\"",
                name.replace('-', "")
            ),
        }
    }
}

impl std::error::Error for PlanError {}

/// What a manifest asks placement for.
pub fn demand_of(manifest: &Manifest) -> ServiceDemand {
    ServiceDemand {
        name: manifest.name.clone(),
        replicas: manifest.replicas,
        cpu_units: manifest.cpu_units,
        memory_mib: manifest.memory_mib,
        gpus: manifest.gpu,
        gpu_memory_mib: manifest.gpu_memory_mib,
    }
}

/// Choices a caller can make about a plan.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Allow moving running GPU tasks to other instances when a fresh packing is cheaper.
    pub repack: bool,
    /// Resources that exist under rnd's names but are not the platform's, to take over
    /// (`--adopt kind.name`); any other such resource fails the plan (see `plan::ownership`).
    pub adopt: BTreeSet<ResourceId>,
}

/// Plan the changes that make the platform's tagged resources in `observed` match `repository`.
pub fn plan(repository: &Repository, observed: &ObservedState) -> Result<Plan, PlanError> {
    plan_with(repository, observed, PlanOptions::default())
}

/// [`plan`] with options.
pub fn plan_with(
    repository: &Repository,
    observed: &ObservedState,
    options: PlanOptions,
) -> Result<Plan, PlanError> {
    plan_with_fanout(repository, observed, options, &Sequential)
}

/// [`plan_with`], the per-service work spread by the caller's `fanout` (e.g. over threads).
/// The plan is the same whatever the fanout (see [`Fanout`] for the contract).
pub fn plan_with_fanout(
    repository: &Repository,
    observed: &ObservedState,
    options: PlanOptions,
    fanout: &impl Fanout,
) -> Result<Plan, PlanError> {
    let platform = &repository.platform;
    let allowed = AllowList(platform.gpu_instance_types.clone());
    let existing: Vec<&ObservedResource> = observed.of_platform(&platform.name).collect();
    // Validation accepts a name with `-` for a platform made before names had to be letters
    // and digits; only AWS can tell whether this one was.
    if platform.name.contains('-') && existing.is_empty() {
        return Err(PlanError::NewPlatformNameHasHyphen(platform.name.clone()));
    }
    let prepared = prepare(repository, observed, &existing, options.repack)?;
    let Prepared {
        deployed,
        previous,
        fresh,
        capacity,
        routes,
        kept_gpu_types,
        idle_gpu_services,
        warm_pools,
    } = &prepared;
    let repack_savings = (fresh.total_hourly_cost < capacity.total_hourly_cost)
        .then(|| UsdDelta::between(fresh.total_hourly_cost, capacity.total_hourly_cost));
    // The cost before, priced the same way; if what runs no longer fits the platform's rules,
    // price it with every type allowed rather than stopping the plan that fixes it.
    let before = plan_capacity(deployed, &allowed, &platform.region, Some(previous))
        .or_else(|_| plan_capacity(deployed, &AllowList::all(), &platform.region, Some(previous)))
        .or_else(|_| plan_capacity(&[], &allowed, &platform.region, None))
        .map_err(PlanError::Placement)?;
    let cost = CostSummary::compare(&before, capacity);
    check_budget(repository, capacity)?;
    let inputs = DesiredInputs {
        repository,
        capacity,
        routes,
        kept_gpu_types,
        idle_gpu_services,
        warm_pools,
    };
    let mut planned = changes(&inputs, &existing, fanout);
    follow_replaced_balancers(&mut planned, || desired_state(&inputs), &existing);
    let changes =
        settle(&platform.name, planned, &observed.foreign, &options.adopt).map_err(PlanError::Ownership)?;
    let graph = OperationGraph::build(changes).map_err(PlanError::Cycle)?;
    let cost = cost
        .with_load_balancers(load_balancer_cost(&existing, &graph, &platform.region))
        .with_warm_pools(warm_pool_cost(&existing, warm_pools, volume_gib(repository)));
    let urls = repository
        .manifests
        .iter()
        .filter(|m| m.route.is_some())
        .map(|m| (m.name.clone(), platform.routing.url(&m.name)))
        .collect();
    let created: BTreeSet<&str> = graph
        .operations()
        .filter(|op| op.id.kind == ResourceKind::LoadBalancer && op.action == super::diff::Action::Create)
        .map(|op| op.id.name.as_str())
        .collect();
    // With a hosted zone the records are planned resources, nothing to do by hand.
    let dns_to_create = match platform.routing.hosted_zone_id {
        Some(_) => Vec::new(),
        None => dns_records(&platform.name, &platform.routing, &prepared.routes)
            .into_iter()
            .filter(|r| created.contains(r.load_balancer.as_str()))
            .collect(),
    };
    Ok(Plan {
        platform: platform.name.clone(),
        region: platform.region.clone(),
        graph,
        capacity: prepared.capacity,
        cost,
        urls,
        routes: prepared.routes,
        repack_savings,
        dns_to_create,
        exposure: repository
            .manifests
            .iter()
            .filter_map(|m| {
                Some((
                    m.name.clone(),
                    platform.routing.exposure_of(m.route.as_ref()?.public),
                ))
            })
            .collect(),
    })
}

/// The platform's load balancers now and after `graph` (those it creates, less those it deletes),
/// each at its hourly floor in `region` (zero where the catalog has no price).
fn load_balancer_cost(
    existing: &[&ObservedResource],
    graph: &OperationGraph,
    region: &str,
) -> LoadBalancerCost {
    let before = existing
        .iter()
        .filter(|r| r.kind == ResourceKind::LoadBalancer)
        .count() as u32;
    let (mut created, mut deleted) = (0u32, 0u32);
    for op in graph
        .operations()
        .filter(|op| op.id.kind == ResourceKind::LoadBalancer)
    {
        match op.action {
            super::diff::Action::Create => created += 1,
            super::diff::Action::Delete => deleted += 1,
            super::diff::Action::Update | super::diff::Action::Replace => {}
        }
    }
    LoadBalancerCost {
        before,
        after: (before + created).saturating_sub(deleted),
        hourly_each: crate::catalog::Catalog::builtin()
            .load_balancer_price(region)
            .map(|p| p.base_hourly())
            .unwrap_or_default(),
    }
}

/// The warm pools' stopped instances now (the `min_size` of each group's observed pool) and after
/// the plan, each at its root volume's price.
fn warm_pool_cost(
    existing: &[&ObservedResource],
    after: &BTreeMap<String, WarmPool>,
    volume_gib: u32,
) -> WarmPoolCost {
    let before = existing
        .iter()
        .filter(|r| r.kind == ResourceKind::AutoScalingGroup)
        .filter_map(|r| r.attributes.get("warm_pool")?.get("min_size")?.as_u64())
        .sum::<u64>();
    WarmPoolCost {
        instances_before: u32::try_from(before).unwrap_or(u32::MAX),
        instances_after: after.values().map(|p| p.instances).sum(),
        hourly_each: WarmPool {
            instances: 1,
            volume_gib,
            ..WarmPool::default()
        }
        .hourly_cost(),
        volume_gib,
    }
}

/// What the desired state is built from besides the repository, and what the cost before is
/// priced from.
struct Prepared {
    deployed: Vec<ServiceDemand>,
    previous: PreviousPlacement,
    fresh: CapacityPlan,
    capacity: CapacityPlan,
    routes: BTreeMap<String, RouteSlot>,
    kept_gpu_types: BTreeSet<String>,
    idle_gpu_services: BTreeMap<String, String>,
    warm_pools: BTreeMap<String, WarmPool>,
}

fn prepare(
    repository: &Repository,
    observed: &ObservedState,
    existing: &[&ObservedResource],
    repack: bool,
) -> Result<Prepared, PlanError> {
    let platform = &repository.platform;
    let names = Names::new(&platform.name);
    let allowed = AllowList(platform.gpu_instance_types.clone());
    // What runs now: its demands, and where its GPU tasks are, so placement can keep them there.
    let deployed = deployed_demands(existing, &names);
    let previous = deployed_placement(existing, &observed.gpu_instances, &names, &deployed);
    // A service asleep now stays asleep through the plan (its count is the runtime's): it
    // needs no capacity and costs nothing until a request wakes it.
    let asleep = asleep_services(repository, existing);
    let demands: Vec<ServiceDemand> = repository
        .manifests
        .iter()
        .map(|m| {
            let mut demand = demand_of(m);
            if asleep.contains(m.name.as_str()) {
                demand.replicas = 0;
            }
            demand
        })
        .collect();
    let fresh = plan_capacity(&demands, &allowed, &platform.region, None).map_err(PlanError::Placement)?;
    // Running GPU tasks stay where they are unless asked to repack: moving one means a cold
    // start (image pull, model load) for a service nobody changed.
    let capacity = if repack {
        plan_capacity(&demands, &allowed, &platform.region, Some(&previous)).map_err(PlanError::Placement)?
    } else {
        plan_capacity_stable(&demands, &allowed, &platform.region, &previous).map_err(PlanError::Placement)?
    };
    let routed: Vec<&str> = repository
        .manifests
        .iter()
        .filter(|m| m.route.is_some())
        .map(|m| m.name.as_str())
        .collect();
    let routes = assign_routes(&routed, &existing_routes(existing, &names));
    let kept_gpu_types = existing_gpu_types(existing, &names);
    let idle_gpu_services = idle_gpu_types(&demands, &allowed, &platform.region);
    let warm_pools = warm_pools(repository, &capacity, &idle_gpu_services, &asleep, &allowed);
    Ok(Prepared {
        deployed,
        previous,
        fresh,
        capacity,
        routes,
        kept_gpu_types,
        idle_gpu_services,
        warm_pools,
    })
}

/// Services asleep now (their ECS service tagged `rnd:asleep-since` by rnd's Lambda function)
/// whose manifest still lets them sleep. One being woken (`rnd:waking-since`) is planned awake,
/// so the GPU instances the waker raises are not planned away.
fn asleep_services<'a>(repository: &'a Repository, existing: &[&ObservedResource]) -> BTreeSet<&'a str> {
    if repository.platform.scale_to_zero.is_none() {
        return Default::default();
    }
    let tagged: BTreeSet<&str> = existing
        .iter()
        .filter(|r| r.kind == ResourceKind::EcsService)
        .filter(|r| super::observed::is_asleep(&r.tags))
        .map(|r| r.service().unwrap_or(&r.name))
        .collect();
    repository
        .manifests
        .iter()
        .filter(|m| m.route.as_ref().is_some_and(|r| r.idle_after_minutes.is_some()))
        .filter(|m| tagged.contains(m.name.as_str()))
        .map(|m| m.name.as_str())
        .collect()
}

/// What [`plan`] would want of every resource against `observed`, with its hash: the hint
/// `rnd_aws::observe_with` takes to skip describing resources that are as planned. Any snapshot
/// will do, an empty one included: the desired state of an unchanged platform barely depends on
/// it (route slots and GPU placement are assigned the same way from scratch), and whatever
/// comes out different only costs the observer the calls it would have made anyway.
pub fn expected(repository: &Repository, observed: &ObservedState) -> Result<Expected, PlanError> {
    let existing: Vec<&ObservedResource> = observed.of_platform(&repository.platform.name).collect();
    let prepared = prepare(repository, observed, &existing, false)?;
    let inputs = DesiredInputs {
        repository,
        capacity: &prepared.capacity,
        routes: &prepared.routes,
        kept_gpu_types: &prepared.kept_gpu_types,
        idle_gpu_services: &prepared.idle_gpu_services,
        warm_pools: &prepared.warm_pools,
    };
    Ok(Expected::from_desired(&desired_state(&inputs)))
}

/// Plan the removal of everything the platform has in AWS, foundations included (`rnd destroy`).
pub fn plan_destroy(repository: &Repository, observed: &ObservedState) -> Result<Plan, PlanError> {
    let platform = &repository.platform;
    let names = Names::new(&platform.name);
    let existing: Vec<&ObservedResource> = observed.of_platform(&platform.name).collect();
    let deployed = deployed_demands(&existing, &names);
    let previous = deployed_placement(&existing, &observed.gpu_instances, &names, &deployed);
    let before = plan_capacity(&deployed, &AllowList::all(), &platform.region, Some(&previous))
        .or_else(|_| plan_capacity(&[], &AllowList::all(), &platform.region, None))
        .map_err(PlanError::Placement)?;
    let nothing =
        plan_capacity(&[], &AllowList::all(), &platform.region, None).map_err(PlanError::Placement)?;
    let cost = CostSummary::compare(&before, &nothing);
    let graph = OperationGraph::build(diff(&super::desired::DesiredState::default(), &existing))
        .map_err(PlanError::Cycle)?;
    let cost = cost
        .with_load_balancers(load_balancer_cost(&existing, &graph, &platform.region))
        .with_warm_pools(warm_pool_cost(
            &existing,
            &BTreeMap::new(),
            volume_gib(repository),
        ));
    Ok(Plan {
        platform: platform.name.clone(),
        region: platform.region.clone(),
        graph,
        capacity: nothing,
        cost,
        urls: Vec::new(),
        routes: BTreeMap::new(),
        repack_savings: None,
        dns_to_create: Vec::new(),
        exposure: BTreeMap::new(),
    })
}

/// The desired state against `existing`, one service at a time: each service's desired
/// resources are compared on the thread that built them and dropped, so only the differences
/// outlive it. The same changes as `diff(&desired_state(inputs), existing)`, whatever the
/// fanout; public so `tests/it/plan_properties.rs` can check exactly that.
pub fn changes(
    inputs: &DesiredInputs,
    existing: &[&ObservedResource],
    fanout: &impl Fanout,
) -> Vec<ResourceChange> {
    let index = ObservedIndex::new(existing);
    let shared = shared_resources(inputs);
    let mut parts = service_resources(
        inputs,
        fanout,
        || (DiffPart::default(), Vec::new()),
        |(part, replaced), service| {
            for want in service.resources.values() {
                // A service resource named like a shared one takes its place, as it would in
                // one map of the whole desired state.
                if shared.resources.contains_key(&want.id) {
                    replaced.push(want.id.clone());
                }
                index.compare(want, part);
            }
        },
    );
    let replaced: BTreeSet<ResourceId> = parts.iter_mut().flat_map(|(_, r)| r.drain(..)).collect();
    let mut shared_part = DiffPart::default();
    for want in shared.resources.values().filter(|w| !replaced.contains(&w.id)) {
        index.compare(want, &mut shared_part);
    }
    let mut parts: Vec<DiffPart> = parts.into_iter().map(|(part, _)| part).collect();
    parts.push(shared_part);
    index.finish(parts)
}

/// For each GPU service with zero replicas, the type a single replica would be placed on.
/// Public, like [`changes`], so tests can build the planner's [`DesiredInputs`] themselves.
pub fn idle_gpu_types(
    demands: &[ServiceDemand],
    allowed: &AllowList,
    region: &str,
) -> BTreeMap<String, String> {
    demands
        .iter()
        .filter(|d| d.gpus > 0 && d.replicas == 0)
        .filter_map(|d| {
            let one = ServiceDemand {
                replicas: 1,
                ..d.clone()
            };
            let plan = plan_capacity(std::slice::from_ref(&one), allowed, region, None).ok()?;
            let instance = plan.instances.first()?;
            Some((d.name.clone(), instance.instance_type.clone()))
        })
        .collect()
}

fn check_budget(repository: &Repository, capacity: &CapacityPlan) -> Result<(), PlanError> {
    let over = super::budget::over_budget(&repository.platform.limits, capacity);
    if over.is_empty() {
        Ok(())
    } else {
        Err(PlanError::OverBudget(
            over.into_iter().map(|o| o.message).collect(),
        ))
    }
}

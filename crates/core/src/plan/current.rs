//! What the observed snapshot says is deployed now: demands (for the cost before), route slots
//! and GPU groups (for stability).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, DefaultHasher};

use serde_json::Value;

use super::naming::Names;
use super::observed::ObservedResource;
use super::resource::ResourceKind;
use super::routing::RouteSlot;
use crate::catalog::Catalog;
use crate::placement::{PreviousInstance, PreviousPlacement, ServiceDemand, TaskRef};

/// Each deployed service's demand, read from its service and its latest task definition.
pub fn deployed_demands(observed: &[&ObservedResource], names: &Names) -> Vec<ServiceDemand> {
    // Task definition families are `<platform>-<service>` (`Names::service_resource`): keyed by
    // service, each service finds its family without building the name; a hash map keeps the
    // lookups constant-time at any fleet size (it is never iterated, so its order never shows).
    let prefix = names.service_resource("");
    let mut task_definitions: HashMap<&str, &ObservedResource, BuildHasherDefault<DefaultHasher>> =
        HashMap::default();
    for r in observed.iter().filter(|r| r.kind == ResourceKind::TaskDefinition) {
        let Some(service) = r.name.strip_prefix(prefix.as_str()) else {
            continue;
        };
        let newer = task_definitions
            .get(service)
            .is_none_or(|t| t.revision < r.revision);
        if newer {
            task_definitions.insert(service, r);
        }
    }
    let number =
        |r: &ObservedResource, attr: &str| r.attributes.get(attr).and_then(Value::as_u64).map(|v| v as u32);
    observed
        .iter()
        .filter(|r| r.kind == ResourceKind::EcsService)
        .filter_map(|service| {
            let name = service.service().unwrap_or(&service.name);
            let definition = task_definitions.get(name)?;
            Some(ServiceDemand {
                name: name.to_string(),
                // A sleeping service runs nothing, whatever the count read (a plan observing
                // with an expectation takes the count from the plan, not from AWS).
                replicas: if super::observed::is_asleep(&service.tags) {
                    0
                } else {
                    number(service, "desired_count").unwrap_or(0)
                },
                cpu_units: number(definition, "cpu").unwrap_or(256),
                memory_mib: number(definition, "memory").unwrap_or(512),
                gpus: number(definition, "gpu").unwrap_or(0),
                gpu_memory_mib: number(definition, "gpu_memory"),
            })
        })
        .collect()
}

/// The load balancer and priority of every existing listener rule, by service.
pub fn existing_routes(observed: &[&ObservedResource], names: &Names) -> BTreeMap<String, RouteSlot> {
    let prefix = format!("{}-alb-", names.platform);
    observed
        .iter()
        .filter(|r| r.kind == ResourceKind::ListenerRule)
        .filter_map(|rule| {
            let service = rule.service()?;
            let listener = rule.attributes.get("listener")?.as_str()?;
            let load_balancer = listener
                .strip_prefix(&prefix)?
                .strip_suffix("-https")?
                .parse()
                .ok()?;
            let priority = rule.attributes.get("priority")?.as_u64()? as u32;
            Some((
                service.to_string(),
                RouteSlot {
                    load_balancer,
                    priority,
                },
            ))
        })
        .collect()
}

/// Instance types that have an auto-scaling group now.
pub fn existing_gpu_types(observed: &[&ObservedResource], names: &Names) -> BTreeSet<String> {
    observed
        .iter()
        .filter(|r| r.kind == ResourceKind::AutoScalingGroup)
        .filter_map(|g| {
            g.attributes
                .get("instance_type")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| {
                    g.name
                        .strip_prefix(&format!("{}-", names.platform))
                        .map(str::to_string)
                })
        })
        .collect()
}

/// The placement deployed now, rebuilt from what AWS shows: each GPU service's replicas per
/// capacity provider (rnd weights providers by replica count) and each group's instance count.
/// Which tasks share an instance is not visible in the snapshot; tasks are laid onto the
/// group's instances first-fit by GPUs, and placement keeps whatever of that still fits.
pub fn deployed_placement(
    observed: &[&ObservedResource],
    instances: &[PreviousInstance],
    names: &Names,
    demands: &[ServiceDemand],
) -> PreviousPlacement {
    if !instances.is_empty() {
        return PreviousPlacement {
            instances: instances.to_vec(),
        };
    }
    let catalog = Catalog::builtin();
    let type_of_provider: BTreeMap<String, &str> = catalog
        .gpu_types()
        .iter()
        .map(|t| (names.capacity_provider(&t.name), t.name.as_str()))
        .collect();
    let group_sizes: BTreeMap<String, u32> = observed
        .iter()
        .filter(|r| r.kind == ResourceKind::AutoScalingGroup)
        .filter_map(|g| {
            let instance_type = g.name.strip_prefix(&format!("{}-", names.platform))?;
            let desired = g.attributes.get("desired_capacity")?.as_u64()? as u32;
            Some((instance_type.to_string(), desired))
        })
        .collect();
    let gpus_of: BTreeMap<&str, u32> = demands.iter().map(|d| (d.name.as_str(), d.gpus)).collect();
    let mut tasks_per_type: BTreeMap<&str, Vec<(u32, TaskRef)>> = BTreeMap::new();
    for service in observed.iter().filter(|r| r.kind == ResourceKind::EcsService) {
        let name = service.service().unwrap_or(&service.name);
        let Some(&gpus) = gpus_of.get(name).filter(|g| **g > 0) else {
            continue;
        };
        let Some(Value::Object(providers)) = service.attributes.get("capacity_providers") else {
            continue;
        };
        let desired = service
            .attributes
            .get("desired_count")
            .and_then(Value::as_u64)
            .unwrap_or(0) as u32;
        let mut replica = 0;
        for (provider, weight) in providers {
            let Some(instance_type) = type_of_provider.get(provider) else {
                continue;
            };
            let count = if providers.len() == 1 {
                desired
            } else {
                weight.as_u64().unwrap_or(0) as u32
            };
            for _ in 0..count {
                tasks_per_type.entry(instance_type).or_default().push((
                    gpus,
                    TaskRef {
                        service: name.to_string(),
                        replica,
                    },
                ));
                replica += 1;
            }
        }
    }
    let mut instances = Vec::new();
    for (instance_type, mut tasks) in tasks_per_type {
        let Some(per_instance) = catalog.gpu_type(instance_type).map(|t| t.gpus) else {
            continue;
        };
        let count = group_sizes.get(instance_type).copied().unwrap_or(0) as usize;
        tasks.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let mut bins: Vec<(u32, Vec<TaskRef>)> = vec![(per_instance, Vec::new()); count];
        for (gpus, task) in tasks {
            if let Some(bin) = bins.iter_mut().find(|b| b.0 >= gpus) {
                bin.0 -= gpus;
                bin.1.push(task);
            }
        }
        instances.extend(
            bins.into_iter()
                .filter(|b| !b.1.is_empty())
                .map(|(_, tasks)| PreviousInstance {
                    instance_type: instance_type.to_string(),
                    tasks,
                }),
        );
    }
    PreviousPlacement { instances }
}

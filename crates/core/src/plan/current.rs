//! What the observed snapshot says is deployed now: demands (for the cost before), route slots
//! and GPU groups (for stability).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::naming::Names;
use super::observed::ObservedResource;
use super::resource::ResourceKind;
use super::routing::RouteSlot;
use crate::placement::ServiceDemand;

/// Each deployed service's demand, read from its service and its latest task definition.
pub fn deployed_demands(observed: &[&ObservedResource], names: &Names) -> Vec<ServiceDemand> {
    let mut task_definitions: BTreeMap<&str, &ObservedResource> = BTreeMap::new();
    for r in observed.iter().filter(|r| r.kind == ResourceKind::TaskDefinition) {
        let newer = task_definitions
            .get(r.name.as_str())
            .is_none_or(|t| t.revision < r.revision);
        if newer {
            task_definitions.insert(&r.name, r);
        }
    }
    let number =
        |r: &ObservedResource, attr: &str| r.attributes.get(attr).and_then(Value::as_u64).map(|v| v as u32);
    observed
        .iter()
        .filter(|r| r.kind == ResourceKind::EcsService)
        .filter_map(|service| {
            let name = service.service().unwrap_or(&service.name);
            let definition = task_definitions.get(names.service_resource(name).as_str())?;
            Some(ServiceDemand {
                name: name.to_string(),
                replicas: number(service, "desired_count").unwrap_or(0),
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

//! Which resources a resource refers to, read from its attributes.
//!
//! The same function serves desired resources and observed ones, so the order of deletions is
//! derived from what exists exactly as the order of creations is derived from what is wanted.

use serde_json::{Map, Value};

use super::resource::{ResourceId, ResourceKind};
use super::spec::DEFAULT_NETWORK;

/// The resources `kind`/`name` with these attributes needs to exist before it (and to outlive it).
pub fn references(kind: ResourceKind, name: &str, attributes: &Map<String, Value>) -> Vec<ResourceId> {
    use ResourceKind::*;
    let one = |attr: &str, target: ResourceKind| -> Vec<ResourceId> {
        attributes
            .get(attr)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty() && *s != DEFAULT_NETWORK)
            .map(|s| vec![ResourceId::new(target, s)])
            .unwrap_or_default()
    };
    let many = |attr: &str, target: ResourceKind| -> Vec<ResourceId> {
        match attributes.get(attr) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .filter(|s| *s != DEFAULT_NETWORK && *s != "FARGATE" && *s != "FARGATE_SPOT")
                .map(|s| ResourceId::new(target, s))
                .collect(),
            Some(Value::Object(map)) => map
                .keys()
                .filter(|s| *s != "FARGATE" && *s != "FARGATE_SPOT")
                .map(|s| ResourceId::new(target, s.as_str()))
                .collect(),
            _ => Vec::new(),
        }
    };
    let mut refs = match kind {
        EcsCluster | IamRole | LogGroup | LambdaPermission => Vec::new(),
        // A wake target group's function may be registered only once the load balancer may
        // invoke it.
        TargetGroup => one("permission", LambdaPermission),
        Alarm => [
            one("load_balancer", LoadBalancer),
            one("target_group", TargetGroup),
            one("wake_target_group", TargetGroup),
        ]
        .concat(),
        SecurityGroup => match attributes.get("ingress") {
            Some(Value::Array(rules)) => rules
                .iter()
                .filter_map(|r| r.get("source").and_then(Value::as_str))
                .filter(|s| !s.contains('/'))
                .map(|s| ResourceId::new(SecurityGroup, s))
                .collect(),
            _ => Vec::new(),
        },
        LoadBalancer => one("security_group", SecurityGroup),
        Listener => one("load_balancer", LoadBalancer),
        DnsRecord => one("load_balancer", LoadBalancer),
        InstanceProfile => one("role", IamRole),
        LaunchTemplate => [
            one("instance_profile", InstanceProfile),
            one("security_group", SecurityGroup),
        ]
        .concat(),
        AutoScalingGroup => one("launch_template", LaunchTemplate),
        CapacityProvider => one("auto_scaling_group", AutoScalingGroup),
        ClusterCapacityProviders => {
            [one("cluster", EcsCluster), many("providers", CapacityProvider)].concat()
        }
        TaskDefinition => [
            one("execution_role", IamRole),
            one("task_role", IamRole),
            one("log_group", LogGroup),
        ]
        .concat(),
        ListenerRule => [
            one("listener", Listener),
            one("target_group", TargetGroup),
            one("wake_target_group", TargetGroup),
        ]
        .concat(),
        EcsService => {
            let family = attributes
                .get("task_definition")
                .and_then(Value::as_str)
                .map(|s| s.split('@').next().unwrap_or(s).to_string());
            let cluster = attributes.get("cluster").and_then(Value::as_str).unwrap_or(name);
            let mut refs = vec![
                ResourceId::new(EcsCluster, cluster),
                // Every service runs through the cluster's capacity providers (FARGATE included).
                ResourceId::new(ClusterCapacityProviders, cluster),
            ];
            refs.extend(family.map(|f| ResourceId::new(TaskDefinition, f)));
            refs.extend(many("security_groups", SecurityGroup));
            refs.extend(many("capacity_providers", CapacityProvider));
            refs.extend(one("target_group", TargetGroup));
            // The listener rule must route to the target group before the service registers
            // tasks in it, and go only after the service is gone.
            refs.extend(one("listener_rule", ListenerRule));
            // AWS does not report a service's listener rule; rnd names a service's rule like its
            // target group (`naming.rs`), so an observed service still orders its rule's deletion.
            if !attributes.contains_key("listener_rule") {
                refs.extend(one("target_group", ListenerRule));
            }
            refs
        }
    };
    refs.sort();
    refs.dedup();
    refs
}

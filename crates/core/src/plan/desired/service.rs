//! What one manifest becomes: security group, log group, task role, task definition, target
//! group and listener rule (when routed), and the ECS service.

use std::collections::BTreeMap;

use serde_json::json;

use super::{DesiredInputs, DesiredState, Network};
use crate::manifest::Manifest;
use crate::placement::Placement;
use crate::plan::naming::Names;
use crate::plan::resource::{ResourceId, ResourceKind};
use crate::plan::spec::*;
use crate::platform::{RoutingMode, SecretsStore};

/// Seconds a routed service's new tasks get before load-balancer health checks count: GPU
/// services load models first.
const GRACE_FARGATE_SECONDS: u32 = 60;
const GRACE_GPU_SECONDS: u32 = 300;

pub(super) fn add_service(
    state: &mut DesiredState,
    tags: &BTreeMap<String, String>,
    inputs: &DesiredInputs,
    names: &Names,
    network: &Network,
    placements: &BTreeMap<&str, &Placement>,
    manifest: &Manifest,
) {
    let platform = &inputs.repository.platform;
    let service = manifest.name.as_str();
    let svc = Some(service);
    let resource_name = names.service_resource(service);
    let route = manifest.route.as_ref().zip(inputs.routes.get(service));

    // Security group: only the load balancers may connect, only on the container port.
    let ingress = match route {
        Some((r, _)) => vec![IngressRule {
            protocol: "tcp".into(),
            from_port: r.port,
            to_port: r.port,
            source: names.load_balancer_security_group(),
        }],
        None => Vec::new(),
    };
    state.add(
        tags,
        svc,
        ResourceId::new(ResourceKind::SecurityGroup, &resource_name),
        Spec::SecurityGroup(SecurityGroupSpec {
            description: format!("rnd {}: service {service}", platform.name),
            vpc: network.vpc.clone(),
            ingress,
        }),
    );

    let log_group = names.log_group(service);
    state.add(
        tags,
        svc,
        ResourceId::new(ResourceKind::LogGroup, &log_group),
        Spec::LogGroup(LogGroupSpec {
            retention_days: platform.log_retention_days,
        }),
    );

    // The task role: what the container's own AWS credentials may do. Nothing, except reading
    // this service's own secrets when it has any.
    let task_role = names.task_role(service);
    let read_own_secrets = (!manifest.secrets.is_empty()).then(|| {
        let own_path = names.secret_path(service, "");
        let statement = match platform.secrets_store {
            SecretsStore::Ssm => json!({
                "Effect": "Allow",
                "Action": ["ssm:GetParameter", "ssm:GetParameters"],
                "Resource": format!("arn:aws:ssm:{}:*:parameter/{}/*", platform.region, own_path.trim_end_matches('/')),
            }),
            SecretsStore::SecretsManager => json!({
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": format!("arn:aws:secretsmanager:{}:*:secret:{}/*", platform.region, own_path.trim_end_matches('/')),
            }),
        };
        json!({ "Version": "2012-10-17", "Statement": [statement] })
    });
    let inline_policy = read_own_secrets.clone();
    // The execution role is what ECS's agent uses to pull the image, write logs and inject
    // `secrets` into the container. A shared one able to read every service's secrets would let
    // any task definition of the platform that names another service's secret get it, so a
    // service with secrets gets its own execution role reading only its own path, and the
    // shared role reads no secrets at all. Services without secrets keep the shared role: one
    // IAM role more per service only where it buys isolation (IAM allows 1,000 roles per account
    // by default).
    let execution_role = match &read_own_secrets {
        Some(policy) => {
            let role = names.service_execution_role(service);
            state.add(
                tags,
                svc,
                ResourceId::new(ResourceKind::IamRole, &role),
                Spec::IamRole(IamRoleSpec {
                    assumed_by: "ecs-tasks.amazonaws.com".into(),
                    managed_policies: vec![super::foundation::EXECUTION_ROLE_POLICY.into()],
                    inline_policy: Some(policy.clone()),
                }),
            );
            role
        }
        None => names.execution_role(),
    };
    state.add(
        tags,
        svc,
        ResourceId::new(ResourceKind::IamRole, &task_role),
        Spec::IamRole(IamRoleSpec {
            assumed_by: "ecs-tasks.amazonaws.com".into(),
            managed_policies: Vec::new(),
            inline_policy,
        }),
    );

    let placement = placements.get(service).copied();
    let (compatibility, task_cpu, task_memory, capacity_providers) = match placement {
        Some(Placement::Fargate { cpu, memory }) => (
            "FARGATE",
            Some(*cpu),
            Some(*memory),
            BTreeMap::from([("FARGATE".to_string(), 1)]),
        ),
        Some(Placement::Ec2 { instance_types, .. }) if !instance_types.is_empty() => {
            // ECS spreads tasks over providers by weight: for a service on several types the
            // weights are its replicas per type; on one type the weight is 1, so a change of
            // replica count is a change of desired count only.
            let providers = if instance_types.len() == 1 {
                instance_types
                    .keys()
                    .map(|t| (names.capacity_provider(t), 1))
                    .collect()
            } else {
                instance_types
                    .iter()
                    .map(|(t, replicas)| (names.capacity_provider(t), (*replicas).max(1)))
                    .collect()
            };
            ("EC2", None, None, providers)
        }
        // A GPU service with zero replicas runs nothing; it stays defined on the provider of
        // the type one replica would use.
        Some(Placement::Ec2 { .. }) | None => {
            let providers = inputs
                .idle_gpu_services
                .get(service)
                .map(|t| BTreeMap::from([(names.capacity_provider(t), 1)]))
                .unwrap_or_default();
            ("EC2", None, None, providers)
        }
    };
    let secrets = manifest
        .secrets
        .iter()
        .map(|(env, secret)| {
            let path = names.secret_path(service, secret);
            let reference = match platform.secrets_store {
                SecretsStore::Ssm => format!("ssm:/{path}"),
                SecretsStore::SecretsManager => format!("secretsmanager:{path}"),
            };
            (env.clone(), reference)
        })
        .collect();
    let task_definition = TaskDefinitionSpec {
        compatibility: compatibility.into(),
        network_mode: "awsvpc".into(),
        task_cpu,
        task_memory,
        execution_role,
        task_role,
        container_name: service.to_string(),
        image: manifest.image_reference(),
        cpu: manifest.cpu_units,
        memory: manifest.memory_mib,
        gpu: manifest.gpu,
        gpu_memory: manifest.gpu_memory_mib,
        port: manifest.route.as_ref().map(|r| r.port),
        environment: manifest.env.clone(),
        secrets,
        log_group,
        log_region: platform.region.clone(),
    };
    let family = resource_name.clone();
    let task_definition_id = ResourceId::new(ResourceKind::TaskDefinition, &family);
    state.add(
        tags,
        svc,
        task_definition_id.clone(),
        Spec::TaskDefinition(Box::new(task_definition)),
    );
    let task_definition_hash =
        state.resources[&task_definition_id].tags[crate::plan::observed::TAG_HASH].clone();

    let (target_group, listener_rule) = match route {
        Some((r, slot)) => {
            state.add(
                tags,
                svc,
                ResourceId::new(ResourceKind::TargetGroup, &resource_name),
                Spec::TargetGroup(TargetGroupSpec {
                    protocol: "HTTP".into(),
                    port: 80,
                    target_type: "ip".into(),
                    vpc: network.vpc.clone(),
                    health_check_path: r.health_check.clone(),
                    health_check_matcher: "200-399".into(),
                    stickiness: r.websocket,
                    // Long-lived connections get time to finish when a task is replaced.
                    deregistration_delay_seconds: if r.websocket { 120 } else { 30 },
                }),
            );
            let (host, path_patterns) = match platform.routing.mode {
                RoutingMode::Host => (Some(format!("{service}.{}", platform.routing.domain)), Vec::new()),
                RoutingMode::Path => (None, vec![format!("/{service}"), format!("/{service}/*")]),
            };
            state.add(
                tags,
                svc,
                ResourceId::new(ResourceKind::ListenerRule, &resource_name),
                Spec::ListenerRule(ListenerRuleSpec {
                    listener: names.https_listener(slot.load_balancer),
                    priority: slot.priority,
                    host,
                    path_patterns,
                    target_group: resource_name.clone(),
                }),
            );
            (Some(resource_name.clone()), Some(resource_name.clone()))
        }
        None => (None, None),
    };

    // GPU capacity is sized exactly, with no spare instance for a rolling deployment: a GPU
    // service replaces tasks in place (half at a time when it has several).
    let (minimum_healthy_percent, maximum_percent) = match (manifest.gpu, manifest.replicas) {
        (0, _) => (100, 200),
        (_, 0..=1) => (0, 100),
        _ => (50, 100),
    };
    state.add(
        tags,
        svc,
        ResourceId::new(ResourceKind::EcsService, names.ecs_service(service)),
        Spec::EcsService(Box::new(EcsServiceSpec {
            cluster: names.cluster(),
            task_definition: format!("{family}@{task_definition_hash}"),
            desired_count: manifest.replicas,
            capacity_providers,
            subnets: network.subnets.clone(),
            security_groups: vec![resource_name.clone()],
            assign_public_ip: network.assign_public_ip,
            target_group,
            listener_rule,
            container_port: manifest.route.as_ref().map(|r| r.port),
            circuit_breaker_rollback: true,
            minimum_healthy_percent,
            maximum_percent,
            health_check_grace_period_seconds: manifest.route.as_ref().map(|_| {
                if manifest.gpu > 0 {
                    GRACE_GPU_SECONDS
                } else {
                    GRACE_FARGATE_SECONDS
                }
            }),
        })),
    );
}

//! What one manifest becomes: security group, log group, task role, task definition, target
//! group and listener rule (when routed), and the ECS service.

use std::collections::BTreeMap;

use serde_json::json;

use super::{DesiredInputs, DesiredState, Network};
use crate::manifest::{Manifest, Route};
use crate::placement::Placement;
use crate::plan::naming::Names;
use crate::plan::observed::TAG_HASH;
use crate::plan::resource::{ResourceId, ResourceKind};
use crate::plan::routing::RouteSlot;
use crate::plan::spec::*;
use crate::platform::{RoutingMode, SecretsStore};

/// Seconds a routed service's new tasks get before load-balancer health checks count: GPU
/// services load models first.
const GRACE_FARGATE_SECONDS: u32 = 60;
const GRACE_GPU_SECONDS: u32 = 300;

/// Adds `manifest`'s resources to `state`, in the order they depend on each other: security
/// group, log group and roles, then the task definition, the routing, and the ECS service that
/// ties them together.
pub(super) fn add_service(
    state: &mut DesiredState,
    tags: &BTreeMap<String, String>,
    inputs: &DesiredInputs,
    names: &Names,
    network: &Network,
    placements: &BTreeMap<&str, &Placement>,
    manifest: &Manifest,
) {
    let mut service = ServiceResources {
        state,
        tags,
        inputs,
        names,
        network,
        manifest,
        name: manifest.name.as_str(),
        resource_name: names.service_resource(&manifest.name),
    };
    let route = manifest.route.as_ref().zip(inputs.routes.get(service.name));
    service.add_security_group(route);
    let log_group = service.add_log_group();
    let roles = service.add_roles();
    let launch = service.launch(placements.get(service.name).copied());
    let task_definition = service.add_task_definition(&launch, roles, log_group);
    let routing = route.map(|(route, slot)| service.add_routing(route, slot));
    service.add_ecs_service(launch, task_definition, routing);
}

/// Everything one service's resources are built from.
struct ServiceResources<'s, 'n> {
    state: &'s mut DesiredState,
    tags: &'s BTreeMap<String, String>,
    inputs: &'s DesiredInputs<'s>,
    names: &'s Names<'n>,
    network: &'s Network,
    manifest: &'s Manifest,
    /// The service's name, as in its manifest.
    name: &'s str,
    /// `<platform>-<service>`: the name of its security group, task family, target group and
    /// listener rule.
    resource_name: String,
}

/// The two IAM roles a task runs with.
struct Roles {
    /// What ECS's agent uses: pull the image, write logs, inject secrets.
    execution: String,
    /// What the container's own AWS credentials may do.
    task: String,
}

/// Where and how the tasks run, from the service's placement.
struct Launch {
    /// `FARGATE` or `EC2`.
    compatibility: &'static str,
    /// Fargate's task size; EC2 tasks have none.
    task_cpu: Option<u32>,
    task_memory: Option<u32>,
    /// Capacity provider name → weight.
    capacity_providers: BTreeMap<String, u32>,
    /// How ECS picks instances: binpacking on GPU instances, none on Fargate.
    placement_strategy: Option<String>,
}

/// The routed service's target group and listener rule (both named `resource_name`).
struct Routing {
    target_group: String,
    listener_rule: String,
    /// `idle_after` as written, when the service sleeps when idle.
    idle_after: Option<String>,
}

impl ServiceResources<'_, '_> {
    fn add(&mut self, kind: ResourceKind, name: &str, spec: Spec) {
        self.state
            .add(self.tags, Some(self.name), ResourceId::new(kind, name), spec);
    }

    /// Only the load balancers may connect, only on the container port.
    fn add_security_group(&mut self, route: Option<(&Route, &RouteSlot)>) {
        let ingress = match route {
            Some((r, _)) => vec![IngressRule {
                protocol: "tcp".into(),
                from_port: r.port,
                to_port: r.port,
                source: self.names.load_balancer_security_group(),
            }],
            None => Vec::new(),
        };
        let spec = Spec::SecurityGroup(SecurityGroupSpec {
            description: format!(
                "rnd {}: service {}",
                self.inputs.repository.platform.name, self.name
            ),
            vpc: self.network.vpc.clone(),
            ingress,
        });
        let name = self.resource_name.clone();
        self.add(ResourceKind::SecurityGroup, &name, spec);
    }

    fn add_log_group(&mut self) -> String {
        let log_group = self.names.log_group(self.name);
        let spec = Spec::LogGroup(LogGroupSpec {
            retention_days: self.inputs.repository.platform.log_retention_days,
        });
        self.add(ResourceKind::LogGroup, &log_group, spec);
        log_group
    }

    /// The task role may do nothing, except read this service's own secrets when it has any.
    ///
    /// The execution role is what ECS's agent uses to pull the image, write logs and inject
    /// `secrets` into the container. A shared one able to read every service's secrets would
    /// let any task definition of the platform that names another service's secret get it, so
    /// a service with secrets gets its own execution role reading only its own path, and the
    /// shared role reads no secrets at all. Services without secrets keep the shared role: one
    /// IAM role more per service only where it buys isolation (IAM allows 1,000 roles per
    /// account by default).
    fn add_roles(&mut self) -> Roles {
        let read_own_secrets = self.read_own_secrets_policy();
        let execution = match &read_own_secrets {
            Some(policy) => {
                let role = self.names.service_execution_role(self.name);
                let spec = Spec::IamRole(IamRoleSpec {
                    assumed_by: "ecs-tasks.amazonaws.com".into(),
                    managed_policies: vec![super::foundation::EXECUTION_ROLE_POLICY.into()],
                    inline_policy: Some(policy.clone()),
                });
                self.add(ResourceKind::IamRole, &role, spec);
                role
            }
            None => self.names.execution_role(),
        };
        let task = self.names.task_role(self.name);
        let spec = Spec::IamRole(IamRoleSpec {
            assumed_by: "ecs-tasks.amazonaws.com".into(),
            managed_policies: Vec::new(),
            inline_policy: read_own_secrets,
        });
        self.add(ResourceKind::IamRole, &task, spec);
        Roles { execution, task }
    }

    /// The policy reading this service's own secret path in the platform's store, if it has
    /// secrets.
    fn read_own_secrets_policy(&self) -> Option<serde_json::Value> {
        if self.manifest.secrets.is_empty() {
            return None;
        }
        let platform = &self.inputs.repository.platform;
        let own_path = self.names.secret_path(self.name, "");
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
        Some(json!({ "Version": "2012-10-17", "Statement": [statement] }))
    }

    fn launch(&self, placement: Option<&Placement>) -> Launch {
        let names = self.names;
        match placement {
            Some(Placement::Fargate { cpu, memory }) => Launch {
                compatibility: "FARGATE",
                task_cpu: Some(*cpu),
                task_memory: Some(*memory),
                capacity_providers: BTreeMap::from([("FARGATE".to_string(), 1)]),
                placement_strategy: None,
            },
            Some(Placement::Ec2 { instance_types, .. }) if !instance_types.is_empty() => {
                // ECS spreads tasks over providers by weight: for a service on several types the
                // weights are its replicas per type; on one type the weight is 1, so a change of
                // replica count is a change of desired count only.
                let capacity_providers = if instance_types.len() == 1 {
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
                Launch {
                    compatibility: "EC2",
                    task_cpu: None,
                    task_memory: None,
                    capacity_providers,
                    placement_strategy: Some(GPU_PLACEMENT_STRATEGY.to_string()),
                }
            }
            // A GPU service with zero replicas runs nothing; it stays defined on the provider of
            // the type one replica would use.
            Some(Placement::Ec2 { .. }) | None => Launch {
                compatibility: "EC2",
                task_cpu: None,
                task_memory: None,
                capacity_providers: self
                    .inputs
                    .idle_gpu_services
                    .get(self.name)
                    .map(|t| BTreeMap::from([(names.capacity_provider(t), 1)]))
                    .unwrap_or_default(),
                placement_strategy: Some(GPU_PLACEMENT_STRATEGY.to_string()),
            },
        }
    }

    /// Each secret as a reference to this service's own path in the platform's store: the
    /// value never passes through rnd.
    fn secret_references(&self) -> BTreeMap<String, String> {
        self.manifest
            .secrets
            .iter()
            .map(|(env, secret)| {
                let path = self.names.secret_path(self.name, secret);
                let reference = match self.inputs.repository.platform.secrets_store {
                    SecretsStore::Ssm => format!("ssm:/{path}"),
                    SecretsStore::SecretsManager => format!("secretsmanager:{path}"),
                };
                (env.clone(), reference)
            })
            .collect()
    }

    /// Adds the task definition and returns how the ECS service refers to it,
    /// `<family>@<hash>`, so that any change to it is a change to the service too.
    fn add_task_definition(&mut self, launch: &Launch, roles: Roles, log_group: String) -> String {
        let manifest = self.manifest;
        let task_definition = TaskDefinitionSpec {
            compatibility: launch.compatibility.into(),
            network_mode: "awsvpc".into(),
            task_cpu: launch.task_cpu,
            task_memory: launch.task_memory,
            execution_role: roles.execution,
            task_role: roles.task,
            container_name: self.name.to_string(),
            image: manifest.image_reference(),
            cpu: manifest.cpu_units,
            memory: manifest.memory_mib,
            gpu: manifest.gpu,
            gpu_memory: manifest.gpu_memory_mib,
            port: manifest.route.as_ref().map(|r| r.port),
            environment: manifest.env.clone(),
            secrets: self.secret_references(),
            log_group,
            log_region: self.inputs.repository.platform.region.clone(),
        };
        let family = self.resource_name.clone();
        self.add(
            ResourceKind::TaskDefinition,
            &family,
            Spec::TaskDefinition(Box::new(task_definition)),
        );
        let id = ResourceId::new(ResourceKind::TaskDefinition, &family);
        let hash = &self.state.resources[&id].tags[TAG_HASH];
        format!("{family}@{hash}")
    }

    /// The target group and the listener rule sending the service's host or path to it.
    fn add_routing(&mut self, route: &Route, slot: &RouteSlot) -> Routing {
        let platform = &self.inputs.repository.platform;
        let service = self.name;
        let name = self.resource_name.clone();
        let target_group = Spec::TargetGroup(TargetGroupSpec {
            protocol: "HTTP".into(),
            port: 80,
            target_type: "ip".into(),
            vpc: self.network.vpc.clone(),
            health_check_path: route.health_check.clone(),
            health_check_matcher: "200-399".into(),
            stickiness: route.websocket,
            // Long-lived connections get time to finish when a task is replaced.
            deregistration_delay_seconds: if route.websocket { 120 } else { 30 },
        });
        self.add(ResourceKind::TargetGroup, &name, target_group);
        let load_balancer = self.names.load_balancer(slot.load_balancer);
        let wake = super::sleep::sleeps(self.inputs, self.manifest).zip(route.idle_after_minutes);
        let wake_target_group = wake.map(|(scale_to_zero, minutes)| {
            super::sleep::add_wake(
                self.state,
                self.tags,
                self.names,
                super::sleep::Sleeper {
                    service,
                    idle_after_minutes: minutes,
                    scale_to_zero,
                    target_group: &name,
                    load_balancer: &load_balancer,
                },
            )
        });
        let (host, path_patterns) = match platform.routing.mode {
            RoutingMode::Host => (Some(format!("{service}.{}", platform.routing.domain)), Vec::new()),
            RoutingMode::Path => (None, vec![format!("/{service}"), format!("/{service}/*")]),
        };
        let listener_rule = Spec::ListenerRule(ListenerRuleSpec {
            listener: self.names.https_listener(slot.load_balancer),
            priority: slot.priority,
            host,
            path_patterns,
            // A `public` route skips the platform's sign-in (the platform allowed it).
            sign_in: platform.routing.sign_in.as_ref().filter(|_| !route.public).map(
                |sign_in| match sign_in {
                    crate::platform::SignIn::Cognito(cognito) => SignInSpec::Cognito(CognitoSignInSpec {
                        user_pool_arn: cognito.user_pool_arn.clone(),
                        user_pool_client_id: cognito.client_id.clone(),
                        user_pool_domain: cognito.domain.clone(),
                    }),
                    crate::platform::SignIn::Oidc(oidc) => SignInSpec::Oidc(OidcSignInSpec {
                        issuer: oidc.issuer.clone(),
                        authorization_endpoint: oidc.authorization_endpoint.clone(),
                        token_endpoint: oidc.token_endpoint.clone(),
                        user_info_endpoint: oidc.user_info_endpoint.clone(),
                        client_id: oidc.client_id.clone(),
                        client_secret_store: match platform.secrets_store {
                            crate::platform::SecretsStore::Ssm => "ssm".into(),
                            crate::platform::SecretsStore::SecretsManager => "secrets_manager".into(),
                        },
                        client_secret_path: self.names.platform_secret_path(&oidc.client_secret),
                    }),
                },
            ),
            target_group: name.clone(),
            wake_target_group,
        });
        self.add(ResourceKind::ListenerRule, &name, listener_rule);
        Routing {
            target_group: name.clone(),
            listener_rule: name,
            idle_after: wake.map(|(_, minutes)| super::sleep::idle_after_text(minutes)),
        }
    }

    fn add_ecs_service(&mut self, launch: Launch, task_definition: String, routing: Option<Routing>) {
        let manifest = self.manifest;
        let (minimum_healthy_percent, maximum_percent) = deployment_percentages(manifest);
        let (target_group, listener_rule, idle_after) = match routing {
            Some(r) => (Some(r.target_group), Some(r.listener_rule), r.idle_after),
            None => (None, None, None),
        };
        let spec = Spec::EcsService(Box::new(EcsServiceSpec {
            cluster: self.names.cluster(),
            task_definition,
            desired_count: manifest.replicas,
            capacity_providers: launch.capacity_providers,
            placement_strategy: launch.placement_strategy,
            subnets: self.network.subnets.clone(),
            security_groups: vec![self.resource_name.clone()],
            assign_public_ip: self.network.assign_public_ip,
            target_group,
            listener_rule,
            idle_after,
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
        }));
        self.add(ResourceKind::EcsService, &self.names.ecs_service(self.name), spec);
    }
}

/// The deployment's minimum healthy and maximum percent. GPU capacity is sized exactly, with
/// no spare instance for a rolling deployment: a GPU service replaces tasks in place (half at
/// a time when it has several).
fn deployment_percentages(manifest: &Manifest) -> (u32, u32) {
    match (manifest.gpu, manifest.replicas) {
        (0, _) => (100, 200),
        (_, 0..=1) => (0, 100),
        _ => (50, 100),
    }
}

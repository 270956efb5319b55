//! Foundations every platform has: cluster, load balancers and listeners, shared roles.

use std::collections::{BTreeMap, BTreeSet};

use super::{DesiredInputs, DesiredState, Network};
use crate::plan::dns::TAG_HOSTED_ZONE;
use crate::plan::naming::Names;
use crate::plan::resource::{ResourceId, ResourceKind};
use crate::plan::spec::*;

/// TLS 1.3 with TLS 1.2 for older clients, nothing older: the policy Elastic Load Balancing
/// recommends for HTTPS listeners (and the console's default).
pub const TLS_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/// Idle timeout for balancers carrying WebSocket routes: connections stay open between messages.
pub const WEBSOCKET_IDLE_TIMEOUT_SECONDS: u32 = 3600;
/// AWS's managed policy for ECS's agent: pull images from ECR, write logs.
pub const EXECUTION_ROLE_POLICY: &str = "service-role/AmazonECSTaskExecutionRolePolicy";
/// AWS's default idle timeout, kept for balancers without WebSocket routes.
pub const DEFAULT_IDLE_TIMEOUT_SECONDS: u32 = 60;

pub(super) fn add_foundations(
    state: &mut DesiredState,
    tags: &BTreeMap<String, String>,
    inputs: &DesiredInputs,
    names: &Names,
    network: &Network,
    gpu_types: &BTreeSet<String>,
) {
    let platform = &inputs.repository.platform;
    let cluster = names.cluster();
    let mut cluster_tags = tags.clone();
    if let Some(scale_to_zero) = &platform.scale_to_zero {
        cluster_tags.insert(
            crate::plan::observed::TAG_FUNCTION.to_string(),
            scale_to_zero.function_arn.clone(),
        );
    }
    state.add(
        &cluster_tags,
        None,
        ResourceId::new(ResourceKind::EcsCluster, &cluster),
        Spec::Cluster(ClusterSpec {
            container_insights: false,
        }),
    );

    let mut providers = vec!["FARGATE".to_string()];
    providers.extend(gpu_types.iter().map(|t| names.capacity_provider(t)));
    state.add(
        tags,
        None,
        ResourceId::new(ResourceKind::ClusterCapacityProviders, &cluster),
        Spec::ClusterCapacityProviders(ClusterCapacityProvidersSpec {
            cluster: cluster.clone(),
            providers,
        }),
    );

    // The balancers' own security group: HTTPS and the HTTP redirect, from the networks
    // `routing.allowed_cidrs` names (every address unless it says otherwise).
    let lb_sg = names.load_balancer_security_group();
    let ingress = [80u16, 443]
        .iter()
        .flat_map(|port| {
            platform.routing.allowed_cidrs.iter().map(|cidr| IngressRule {
                protocol: "tcp".into(),
                from_port: *port,
                to_port: *port,
                source: cidr.clone(),
            })
        })
        .collect();
    state.add(
        tags,
        None,
        ResourceId::new(ResourceKind::SecurityGroup, &lb_sg),
        Spec::SecurityGroup(SecurityGroupSpec {
            description: format!(
                "rnd {}: load balancers (HTTPS, and HTTP redirected to HTTPS)",
                platform.name
            ),
            vpc: network.vpc.clone(),
            ingress,
        }),
    );

    // At least one balancer always exists (the hand-made DNS record points at it); more as
    // routes need them.
    let balancers = inputs
        .routes
        .values()
        .map(|slot| slot.load_balancer)
        .max()
        .unwrap_or(1)
        .max(1);
    for index in 1..=balancers {
        let websocket = inputs.repository.manifests.iter().any(|m| {
            m.route.as_ref().is_some_and(|r| r.websocket)
                && inputs
                    .routes
                    .get(&m.name)
                    .is_some_and(|s| s.load_balancer == index)
        });
        let lb = names.load_balancer(index);
        // With a hosted zone, each balancer names it: the records stay findable (and
        // removable) after `hosted_zone_id` leaves platform.json (`plan::dns`).
        let mut lb_tags = tags.clone();
        if let Some(zone) = &platform.routing.hosted_zone_id {
            lb_tags.insert(TAG_HOSTED_ZONE.to_string(), zone.clone());
        }
        state.add(
            &lb_tags,
            None,
            ResourceId::new(ResourceKind::LoadBalancer, &lb),
            Spec::LoadBalancer(LoadBalancerSpec {
                scheme: platform.routing.scheme.as_str().into(),
                drop_invalid_header_fields: true,
                subnets: network.subnets.clone(),
                security_group: lb_sg.clone(),
                idle_timeout_seconds: if websocket {
                    WEBSOCKET_IDLE_TIMEOUT_SECONDS
                } else {
                    DEFAULT_IDLE_TIMEOUT_SECONDS
                },
            }),
        );
        state.add(
            tags,
            None,
            ResourceId::new(ResourceKind::Listener, names.https_listener(index)),
            Spec::Listener(ListenerSpec {
                load_balancer: lb.clone(),
                port: 443,
                protocol: "HTTPS".into(),
                certificate_arn: Some(platform.certificate_arn.clone()),
                default_action: "fixed-response:404".into(),
                ssl_policy: Some(TLS_POLICY.into()),
            }),
        );
        state.add(
            tags,
            None,
            ResourceId::new(ResourceKind::Listener, names.http_listener(index)),
            Spec::Listener(ListenerSpec {
                load_balancer: lb,
                port: 80,
                protocol: "HTTP".into(),
                certificate_arn: None,
                default_action: "redirect:HTTPS:443".into(),
                ssl_policy: None,
            }),
        );
    }

    // The shared execution role: what the ECS agent uses to pull images and write logs for
    // services without secrets. It reads no secrets: a service with secrets has its own
    // execution role (see `service.rs`). Containers never get these credentials; each has its
    // own task role.
    state.add(
        tags,
        None,
        ResourceId::new(ResourceKind::IamRole, names.execution_role()),
        Spec::IamRole(IamRoleSpec {
            assumed_by: "ecs-tasks.amazonaws.com".into(),
            managed_policies: vec![EXECUTION_ROLE_POLICY.into()],
            inline_policy: None,
        }),
    );
}

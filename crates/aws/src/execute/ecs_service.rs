//! ECS services: created or updated to run the desired revision, on the desired capacity.

use std::time::Duration;

use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, CapacityProviderStrategyItem, DeploymentCircuitBreaker,
    DeploymentConfiguration, LoadBalancer, NetworkConfiguration, PlacementStrategy, PlacementStrategyType,
    PropagateTags,
};
use rnd_core::plan::observed::{ObservedResource, TAG_ASLEEP_SINCE, TAG_HASH};
use rnd_core::plan::resource::{DesiredResource, ResourceKind};
use rnd_core::plan::spec::EcsServiceSpec;
use serde_json::Value;

use super::context::Context;
use crate::{retry, tags, AwsError};

/// Everything CreateService and UpdateService share, resolved to AWS identifiers.
struct Settings {
    task_definition: String,
    strategy: Vec<CapacityProviderStrategyItem>,
    network: NetworkConfiguration,
    deployment: DeploymentConfiguration,
    load_balancers: Vec<LoadBalancer>,
    placement: Option<Vec<PlacementStrategy>>,
}

/// `type:field` (e.g. `binpack:memory`) as ECS's placement strategy.
fn placement(strategy: &str) -> PlacementStrategy {
    let (kind, field) = strategy.split_once(':').unwrap_or((strategy, ""));
    PlacementStrategy::builder()
        .r#type(PlacementStrategyType::from(kind))
        .set_field((!field.is_empty()).then(|| field.to_string()))
        .build()
}

fn settings(ctx: &Context, want: &DesiredResource, spec: &EcsServiceSpec) -> Result<Settings, AwsError> {
    let task_definition = ctx.require(ResourceKind::TaskDefinition, &spec.task_definition)?;
    let strategy = spec
        .capacity_providers
        .iter()
        .map(|(provider, weight)| {
            CapacityProviderStrategyItem::builder()
                .capacity_provider(provider)
                .weight(*weight as i32)
                .build()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let groups = spec
        .security_groups
        .iter()
        .map(|g| ctx.require(ResourceKind::SecurityGroup, g))
        .collect::<Result<Vec<_>, _>>()?;
    let network = NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .set_subnets(Some(ctx.network.subnet_ids(&spec.subnets)?))
                .set_security_groups(Some(groups))
                .assign_public_ip(if spec.assign_public_ip {
                    AssignPublicIp::Enabled
                } else {
                    AssignPublicIp::Disabled
                })
                .build()?,
        )
        .build();
    let deployment = DeploymentConfiguration::builder()
        .deployment_circuit_breaker(
            DeploymentCircuitBreaker::builder()
                .enable(spec.circuit_breaker_rollback)
                .rollback(spec.circuit_breaker_rollback)
                .build(),
        )
        .minimum_healthy_percent(spec.minimum_healthy_percent as i32)
        .maximum_percent(spec.maximum_percent as i32)
        .build();
    let mut load_balancers = Vec::new();
    if let (Some(group), Some(port)) = (&spec.target_group, spec.container_port) {
        load_balancers.push(
            LoadBalancer::builder()
                .target_group_arn(ctx.require(ResourceKind::TargetGroup, group)?)
                // The one container is named after the service.
                .container_name(want.service.as_deref().unwrap_or(&want.id.name))
                .container_port(i32::from(port))
                .build(),
        );
    }
    Ok(Settings {
        task_definition,
        strategy,
        network,
        deployment,
        load_balancers,
        placement: spec.placement_strategy.as_deref().map(|p| vec![placement(p)]),
    })
}

pub(super) async fn ensure(
    ctx: &Context,
    want: &DesiredResource,
    spec: &EcsServiceSpec,
    have: Option<&ObservedResource>,
) -> Result<(), AwsError> {
    let name = &want.id.name;
    let ecs = &ctx.clients.ecs;
    let s = settings(ctx, want, spec)?;
    let existing = ecs
        .describe_services()
        // Tags asked for in every DescribeServices (see `observe::ecs::services`).
        .include(aws_sdk_ecs::types::ServiceField::Tags)
        .cluster(&spec.cluster)
        .services(name)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeServices", name, e))?
        .services()
        .iter()
        .find(|svc| svc.status() == Some("ACTIVE"))
        .and_then(|svc| {
            let asleep = svc.tags().iter().any(|t| t.key() == Some(TAG_ASLEEP_SINCE));
            Some((svc.service_arn()?.to_string(), asleep))
        });
    let arn = match existing {
        Some((arn, asleep)) => {
            // A sleeping service's count is rnd's Lambda function's (0 until a request wakes
            // it): an update leaves it out, so a new version waits for the wake. A service no
            // longer allowed to sleep is woken: its count back, the mark gone.
            let keep_asleep = asleep && spec.idle_after.is_some();
            // Changing the capacity provider strategy requires a new deployment; anything
            // else rolls out by itself (or needs no new tasks at all, like a count change).
            let desired_providers = serde_json::to_value(&spec.capacity_providers).unwrap_or(Value::Null);
            let force = have
                .and_then(|h| h.attributes.get("capacity_providers"))
                .is_some_and(|current| *current != desired_providers);
            ecs.update_service()
                .cluster(&spec.cluster)
                .service(name)
                .task_definition(&s.task_definition)
                .set_desired_count((!keep_asleep).then_some(spec.desired_count as i32))
                .set_capacity_provider_strategy((!s.strategy.is_empty()).then_some(s.strategy))
                .network_configuration(s.network)
                .deployment_configuration(s.deployment)
                .set_load_balancers((!s.load_balancers.is_empty()).then_some(s.load_balancers))
                .set_health_check_grace_period_seconds(
                    spec.health_check_grace_period_seconds.map(|g| g as i32),
                )
                .set_placement_strategy(s.placement)
                .force_new_deployment(force)
                .send()
                .await
                .map_err(|e| AwsError::call("UpdateService", name, e))?;
            ecs.tag_resource()
                .resource_arn(&arn)
                .set_tags(Some(tags::ecs(&want.tags)))
                .send()
                .await
                .map_err(|e| AwsError::call("TagResource", name, e))?;
            if asleep && !keep_asleep {
                ecs.untag_resource()
                    .resource_arn(&arn)
                    .tag_keys(TAG_ASLEEP_SINCE)
                    .tag_keys(crate::sleep::TAG_WAKE_COUNT)
                    .send()
                    .await
                    .map_err(|e| AwsError::call("UntagResource", name, e))?;
            }
            arn
        }
        None => {
            // A role or target group made moments ago may not be visible to ECS yet.
            let out = retry::eventually(
                Duration::from_secs(120),
                |e| e.code_is(&["InvalidParameterException"]) && e.to_string().contains("role"),
                || async {
                    ecs.create_service()
                        .cluster(&spec.cluster)
                        .service_name(name)
                        .task_definition(&s.task_definition)
                        .desired_count(spec.desired_count as i32)
                        .set_capacity_provider_strategy((!s.strategy.is_empty()).then(|| s.strategy.clone()))
                        .network_configuration(s.network.clone())
                        .deployment_configuration(s.deployment.clone())
                        .set_load_balancers((!s.load_balancers.is_empty()).then(|| s.load_balancers.clone()))
                        .set_health_check_grace_period_seconds(
                            spec.health_check_grace_period_seconds.map(|g| g as i32),
                        )
                        .set_placement_strategy(s.placement.clone())
                        .propagate_tags(PropagateTags::Service)
                        .enable_ecs_managed_tags(true)
                        .set_tags(Some(tags::ecs(&want.tags)))
                        .send()
                        .await
                        .map_err(|e| AwsError::call("CreateService", name, e))
                },
            )
            .await?;
            out.service()
                .and_then(|svc| svc.service_arn())
                .map(str::to_string)
                .ok_or_else(|| AwsError::missing(format!("ecs_service.{name}"), "no ARN returned"))?
        }
    };
    ctx.remember(ResourceKind::EcsService, name, &arn);
    Ok(())
}

pub(super) async fn delete(ctx: &Context, have: &ObservedResource) -> Result<(), AwsError> {
    let cluster = have
        .attributes
        .get("cluster")
        .and_then(Value::as_str)
        .unwrap_or(&ctx.platform)
        .to_string();
    // Force: no need to scale to zero first; ECS stops the tasks.
    let result = ctx
        .clients
        .ecs
        .delete_service()
        .cluster(&cluster)
        .service(&have.name)
        .force(true)
        .send()
        .await;
    ctx.forget(ResourceKind::EcsService, &have.name);
    match result {
        Ok(_) => Ok(()),
        Err(e) => super::gone(AwsError::call("DeleteService", &have.name, e)),
    }
}

/// `rnd:hash` of a service whose deployment failed while rnd watched: no plan's hash, so the
/// next observe describes the service (ECS rolled it back to the revision it ran before) instead
/// of taking it as planned, and the next apply deploys it again.
pub const DEPLOYMENT_FAILED: &str = "deployment-failed";

/// Mark the service `name` (as ECS names it) as not running what its hash says. Best effort:
/// the failure is reported either way, and a full observe (`--refresh`, the drift check) finds
/// the rolled-back revision without the mark.
pub(super) async fn mark_deployment_failed(ctx: &Context, name: &str) {
    let Some(arn) = ctx.known(ResourceKind::EcsService, name) else {
        return;
    };
    let tag = aws_sdk_ecs::types::Tag::builder()
        .key(TAG_HASH)
        .value(DEPLOYMENT_FAILED)
        .build();
    if let Err(err) = ctx
        .clients
        .ecs
        .tag_resource()
        .resource_arn(&arn)
        .tags(tag)
        .send()
        .await
    {
        tracing::warn!(service = name, error = %AwsError::call("TagResource", name, err), "marking a failed deployment");
    }
}

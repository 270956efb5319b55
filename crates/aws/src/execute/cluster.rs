//! The ECS cluster, its capacity-provider attachment, and GPU capacity providers.

use std::time::Duration;

use aws_sdk_ecs::types::{
    AutoScalingGroupProvider, AutoScalingGroupProviderUpdate, ClusterSetting, ClusterSettingName,
    ManagedScaling, ManagedScalingStatus, ManagedTerminationProtection, Tag,
};
use rnd_core::plan::observed::{ObservedResource, TAG_HASH};
use rnd_core::plan::resource::{DesiredResource, ResourceKind};
use rnd_core::plan::spec::{CapacityProviderSpec, ClusterCapacityProvidersSpec, ClusterSpec};

use super::context::Context;
use crate::tags::{self, CAPACITY_PROVIDERS_HASH};
use crate::{retry, AwsError};

async fn tag(ctx: &Context, name: &str, arn: &str, tags: Vec<Tag>) -> Result<(), AwsError> {
    ctx.clients
        .ecs
        .tag_resource()
        .resource_arn(arn)
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(|e| AwsError::call("TagResource", name, e))?;
    Ok(())
}

fn insights(enabled: bool) -> ClusterSetting {
    ClusterSetting::builder()
        .name(ClusterSettingName::ContainerInsights)
        .value(if enabled { "enabled" } else { "disabled" })
        .build()
}

pub(super) async fn ensure_cluster(
    ctx: &Context,
    want: &DesiredResource,
    spec: &ClusterSpec,
) -> Result<(), AwsError> {
    let name = &want.id.name;
    let ecs = &ctx.clients.ecs;
    let arn = match ctx.known(ResourceKind::EcsCluster, name) {
        Some(arn) => {
            ecs.update_cluster_settings()
                .cluster(name)
                .settings(insights(spec.container_insights))
                .send()
                .await
                .map_err(|e| AwsError::call("UpdateClusterSettings", name, e))?;
            tag(ctx, name, &arn, tags::ecs(&want.tags)).await?;
            arn
        }
        // CreateCluster returns the existing cluster when one of that name is active.
        None => {
            let out = ecs
                .create_cluster()
                .cluster_name(name)
                .settings(insights(spec.container_insights))
                .set_tags(Some(tags::ecs(&want.tags)))
                .send()
                .await
                .map_err(|e| AwsError::call("CreateCluster", name, e))?;
            let arn = out
                .cluster()
                .and_then(|c| c.cluster_arn())
                .map(str::to_string)
                .ok_or_else(|| AwsError::missing(format!("ecs_cluster.{name}"), "no ARN returned"))?;
            tag(ctx, name, &arn, tags::ecs(&want.tags)).await?;
            arn
        }
    };
    ctx.remember(ResourceKind::EcsCluster, name, &arn);
    Ok(())
}

pub(super) async fn delete_cluster(ctx: &Context, have: &ObservedResource) -> Result<(), AwsError> {
    let result = retry::eventually(
        Duration::from_secs(300),
        |e| {
            e.code_is(&[
                "ClusterContainsServices",
                "ClusterContainsTasks",
                "UpdateInProgress",
            ])
        },
        || async {
            ctx.clients
                .ecs
                .delete_cluster()
                .cluster(&have.name)
                .send()
                .await
                .map_err(|e| AwsError::call("DeleteCluster", &have.name, e))
        },
    )
    .await;
    ctx.forget(ResourceKind::EcsCluster, &have.name);
    match result {
        Ok(_) => Ok(()),
        Err(err) => super::gone(err),
    }
}

/// Attach exactly the spec's providers; the attachment's hash is kept in a cluster tag, as
/// the attachment has none of its own.
pub(super) async fn ensure_attachment(
    ctx: &Context,
    want: &DesiredResource,
    spec: &ClusterCapacityProvidersSpec,
) -> Result<(), AwsError> {
    let cluster = &spec.cluster;
    let arn = ctx.require(ResourceKind::EcsCluster, cluster)?;
    ctx.clients
        .ecs
        .put_cluster_capacity_providers()
        .cluster(cluster)
        .set_capacity_providers(Some(spec.providers.clone()))
        .set_default_capacity_provider_strategy(Some(Vec::new()))
        .send()
        .await
        .map_err(|e| AwsError::call("PutClusterCapacityProviders", cluster, e))?;
    let mut tags = want.tags.clone();
    if let Some(hash) = tags.remove(TAG_HASH) {
        tags.insert(CAPACITY_PROVIDERS_HASH.to_string(), hash);
    }
    tag(ctx, cluster, &arn, tags::ecs(&tags)).await
}

pub(super) async fn delete_attachment(ctx: &Context, have: &ObservedResource) -> Result<(), AwsError> {
    let result = ctx
        .clients
        .ecs
        .put_cluster_capacity_providers()
        .cluster(&have.name)
        .set_capacity_providers(Some(Vec::new()))
        .set_default_capacity_provider_strategy(Some(Vec::new()))
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(e) => super::gone(AwsError::call("PutClusterCapacityProviders", &have.name, e)),
    }
}

pub(super) async fn ensure_provider(
    ctx: &Context,
    want: &DesiredResource,
    spec: &CapacityProviderSpec,
) -> Result<(), AwsError> {
    let name = &want.id.name;
    let ecs = &ctx.clients.ecs;
    let scaling = ManagedScaling::builder()
        .status(if spec.managed_scaling {
            ManagedScalingStatus::Enabled
        } else {
            ManagedScalingStatus::Disabled
        })
        .build();
    let protection = if spec.managed_termination_protection {
        ManagedTerminationProtection::Enabled
    } else {
        ManagedTerminationProtection::Disabled
    };
    // Describe by name first: a provider left detached by a crashed run is adopted.
    let existing = ecs
        .describe_capacity_providers()
        .capacity_providers(name)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeCapacityProviders", name, e))?
        .capacity_providers()
        .iter()
        .find(|cp| cp.status().map(|s| s.as_str()) == Some("ACTIVE"))
        .and_then(|cp| cp.capacity_provider_arn())
        .map(str::to_string);
    let arn = match existing {
        Some(arn) => {
            ecs.update_capacity_provider()
                .name(name)
                .auto_scaling_group_provider(
                    AutoScalingGroupProviderUpdate::builder()
                        .managed_scaling(scaling)
                        .managed_termination_protection(protection)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| AwsError::call("UpdateCapacityProvider", name, e))?;
            tag(ctx, name, &arn, tags::ecs(&want.tags)).await?;
            arn
        }
        None => {
            let group = ctx.require(ResourceKind::AutoScalingGroup, &spec.auto_scaling_group)?;
            ecs.create_capacity_provider()
                .name(name)
                .auto_scaling_group_provider(
                    AutoScalingGroupProvider::builder()
                        .auto_scaling_group_arn(group)
                        .managed_scaling(scaling)
                        .managed_termination_protection(protection)
                        .build()?,
                )
                .set_tags(Some(tags::ecs(&want.tags)))
                .send()
                .await
                .map_err(|e| AwsError::call("CreateCapacityProvider", name, e))?
                .capacity_provider()
                .and_then(|cp| cp.capacity_provider_arn())
                .map(str::to_string)
                .ok_or_else(|| AwsError::missing(format!("capacity_provider.{name}"), "no ARN returned"))?
        }
    };
    ctx.remember(ResourceKind::CapacityProvider, name, &arn);
    Ok(())
}

pub(super) async fn delete_provider(ctx: &Context, have: &ObservedResource) -> Result<(), AwsError> {
    let result = retry::eventually(
        Duration::from_secs(300),
        |e| e.code_is(&["ResourceInUse", "UpdateInProgress"]),
        || async {
            ctx.clients
                .ecs
                .delete_capacity_provider()
                .capacity_provider(&have.name)
                .send()
                .await
                .map_err(|e| AwsError::call("DeleteCapacityProvider", &have.name, e))
        },
    )
    .await;
    ctx.forget(ResourceKind::CapacityProvider, &have.name);
    match result {
        Ok(_) => Ok(()),
        Err(err) => super::gone(err),
    }
}

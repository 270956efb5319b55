//! Auto-scaling groups of GPU instances, sized by rnd's placement.

use aws_sdk_autoscaling::types::LaunchTemplateSpecification;
use rnd_core::plan::observed::ObservedResource;
use rnd_core::plan::resource::{DesiredResource, ResourceKind};
use rnd_core::plan::spec::AutoScalingGroupSpec;

use super::context::Context;
use super::scale_in;
use super::warm_pool;
use crate::{tags, AwsError};

pub(super) async fn ensure(
    ctx: &Context,
    want: &DesiredResource,
    spec: &AutoScalingGroupSpec,
) -> Result<(), AwsError> {
    let name = &want.id.name;
    let asg = &ctx.clients.autoscaling;
    ctx.require(ResourceKind::LaunchTemplate, &spec.launch_template)?;
    let template = LaunchTemplateSpecification::builder()
        .launch_template_name(&spec.launch_template)
        .version("$Default")
        .build();
    let subnets = ctx.network.subnet_ids(&spec.subnets)?.join(",");
    let exists = find(ctx, name).await?.is_some();
    if exists {
        // Which instances may go is rnd's choice, not the group's (`scale_in.rs`): idle ones
        // lose their protection first, and only then does the capacity come down.
        let instances = scale_in::instances(ctx, name).await?;
        let shrinking = instances.len() > spec.desired_capacity as usize;
        let busy = if shrinking {
            scale_in::busy_instances(ctx).await?
        } else {
            Default::default()
        };
        let decided = scale_in::decide(&instances, &busy, spec.desired_capacity);
        scale_in::set_protection(ctx, name, &decided.protect, true).await?;
        scale_in::set_protection(ctx, name, &decided.release, false).await?;
        asg.update_auto_scaling_group()
            .auto_scaling_group_name(name)
            .launch_template(template)
            .min_size(spec.min_size.min(decided.desired) as i32)
            .max_size(spec.max_size.max(decided.desired) as i32)
            .desired_capacity(decided.desired as i32)
            .new_instances_protected_from_scale_in(true)
            .vpc_zone_identifier(&subnets)
            .send()
            .await
            .map_err(|e| AwsError::call("UpdateAutoScalingGroup", name, e))?;
        asg.create_or_update_tags()
            .set_tags(Some(tags::autoscaling(name, &want.tags)))
            .send()
            .await
            .map_err(|e| AwsError::call("CreateOrUpdateTags", name, e))?;
    } else {
        asg.create_auto_scaling_group()
            .auto_scaling_group_name(name)
            .launch_template(template)
            .min_size(spec.min_size as i32)
            .max_size(spec.max_size as i32)
            .desired_capacity(spec.desired_capacity as i32)
            .new_instances_protected_from_scale_in(true)
            .vpc_zone_identifier(&subnets)
            .set_tags(Some(tags::autoscaling(name, &want.tags)))
            .send()
            .await
            .map_err(|e| AwsError::call("CreateAutoScalingGroup", name, e))?;
    }
    let (arn, has_pool) = find_with_pool(ctx, name)
        .await?
        .ok_or_else(|| AwsError::missing(format!("auto_scaling_group.{name}"), "created but not found"))?;
    match &spec.warm_pool {
        Some(pool) => warm_pool::ensure(ctx, name, pool).await?,
        None if has_pool => warm_pool::remove(ctx, name).await?,
        None => {}
    }
    ctx.remember(ResourceKind::AutoScalingGroup, name, &arn);
    Ok(())
}

/// The group's ARN, if it exists.
async fn find(ctx: &Context, name: &str) -> Result<Option<String>, AwsError> {
    Ok(find_with_pool(ctx, name).await?.map(|(arn, _)| arn))
}

/// The group's ARN and whether it has a warm pool, if it exists.
async fn find_with_pool(ctx: &Context, name: &str) -> Result<Option<(String, bool)>, AwsError> {
    let out = ctx
        .clients
        .autoscaling
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(name)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeAutoScalingGroups", name, e))?;
    Ok(out.auto_scaling_groups().first().map(|g| {
        (
            g.auto_scaling_group_arn().unwrap_or(name).to_string(),
            g.warm_pool_configuration().is_some(),
        )
    }))
}

pub(super) async fn delete(ctx: &Context, have: &ObservedResource) -> Result<(), AwsError> {
    // Force: instances still in the group are terminated with it.
    let result = ctx
        .clients
        .autoscaling
        .delete_auto_scaling_group()
        .auto_scaling_group_name(&have.name)
        .force_delete(true)
        .send()
        .await;
    ctx.forget(ResourceKind::AutoScalingGroup, &have.name);
    match result {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = AwsError::call("DeleteAutoScalingGroup", &have.name, e);
            if err.code_is(&["ValidationError"]) && err.to_string().contains("not found") {
                return Ok(());
            }
            super::gone(err)
        }
    }
}

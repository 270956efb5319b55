//! A GPU group's warm pool and its warm-up hook, for the services that sleep on its type.
//!
//! The hook goes first: an instance the pool launches must wait at it until its script has
//! pulled the images (`rnd_core::plan::desired::warm_up`), and a pool made before its hook would
//! stop its first instances mid-pull. No `InstanceReusePolicy`: ECS forbids returning instances
//! to the pool on scale in, so a freed instance is terminated and the pool launches a fresh one.

use aws_sdk_autoscaling::types::WarmPoolState;
use rnd_core::plan::spec::WarmPoolSpec;

use super::context::Context;
use crate::AwsError;

const LAUNCHING: &str = "autoscaling:EC2_INSTANCE_LAUNCHING";

pub(super) async fn ensure(ctx: &Context, group: &str, pool: &WarmPoolSpec) -> Result<(), AwsError> {
    let asg = &ctx.clients.autoscaling;
    asg.put_lifecycle_hook()
        .auto_scaling_group_name(group)
        .lifecycle_hook_name(&pool.warm_up_hook)
        .lifecycle_transition(LAUNCHING)
        .heartbeat_timeout(pool.warm_up_timeout_seconds as i32)
        // If the script never answers, the instance goes on (stopped, or into service on a
        // wake) rather than being terminated: a slow pull must not cost a wake its instance.
        .default_result("CONTINUE")
        .send()
        .await
        .map_err(|e| AwsError::call("PutLifecycleHook", group, e))?;
    asg.put_warm_pool()
        .auto_scaling_group_name(group)
        .min_size(pool.min_size as i32)
        .pool_state(WarmPoolState::from(pool.pool_state.as_str()))
        .send()
        .await
        .map_err(|e| AwsError::call("PutWarmPool", group, e))?;
    Ok(())
}

/// No service sleeps on this type any more: the pool goes (its stopped instances are
/// terminated), then the hook.
pub(super) async fn remove(ctx: &Context, group: &str) -> Result<(), AwsError> {
    let asg = &ctx.clients.autoscaling;
    asg.delete_warm_pool()
        .auto_scaling_group_name(group)
        .force_delete(true)
        .send()
        .await
        .map_err(|e| AwsError::call("DeleteWarmPool", group, e))?;
    let hook = rnd_core::plan::desired::WARM_UP_HOOK;
    let result = asg
        .delete_lifecycle_hook()
        .auto_scaling_group_name(group)
        .lifecycle_hook_name(hook)
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = AwsError::call("DeleteLifecycleHook", group, e);
            // Already gone: nothing to remove.
            if err.code_is(&["ValidationError"]) && err.to_string().contains("not found") {
                return Ok(());
            }
            Err(err)
        }
    }
}

//! Scale-in that never stops running work.
//!
//! rnd's GPU groups launch every instance protected from scale in
//! (`NewInstancesProtectedFromScaleIn`), so the group can never pick an instance to terminate
//! by itself (its default policy would pick by age and zone, not by what runs there). When a
//! plan lowers a group's desired capacity, rnd chooses: only instances that run no ECS task (an
//! instance not registered with the cluster runs none) lose their protection, exactly as many as
//! should go, and only then is the capacity lowered, so AWS terminates those and no other. If
//! fewer are idle than should go, the busy ones stay and the group's capacity says so; the next
//! plan sees the difference and tries again once their tasks have moved.
//!
//! ECS's own managed termination protection does the same but needs managed scaling, which
//! would let ECS size the groups; rnd sizes them from its packing (see
//! `rnd_core::plan::desired::gpu`). The plan orders a shrink after every service operation
//! (`rnd_core::plan::graph`), so the services leaving an instance are gone first.

use std::collections::{BTreeMap, BTreeSet};

use super::context::Context;
use crate::AwsError;

/// An instance of a group, as Auto Scaling reports it.
#[derive(Debug, Clone)]
pub(super) struct GroupInstance {
    pub id: String,
    pub protected: bool,
}

/// How many instances the group keeps, and which protection to change, to come down to
/// `target` instances without stopping a task.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct ScaleIn {
    /// The capacity to set: `target`, or more while busy instances must stay.
    pub desired: u32,
    /// Instances that go: idle ones, unprotected so the group terminates exactly them.
    pub release: Vec<String>,
    /// Instances that stay but are not protected yet (launched before rnd protected them).
    pub protect: Vec<String>,
}

/// Decide which instances go: the idle ones (by id, so the choice is the same on every run),
/// as many as `target` asks. Pure, so it is tested without AWS.
pub(super) fn decide(instances: &[GroupInstance], busy: &BTreeSet<String>, target: u32) -> ScaleIn {
    let excess = instances.len().saturating_sub(target as usize);
    let mut idle: Vec<&GroupInstance> = instances.iter().filter(|i| !busy.contains(&i.id)).collect();
    idle.sort_by(|a, b| a.id.cmp(&b.id));
    let release: Vec<String> = idle.iter().take(excess).map(|i| i.id.clone()).collect();
    let protect = instances
        .iter()
        .filter(|i| !i.protected && !release.contains(&i.id))
        .map(|i| i.id.clone())
        .collect();
    let desired = u32::try_from(instances.len() - release.len())
        .unwrap_or(u32::MAX)
        .max(target);
    ScaleIn {
        desired,
        release,
        protect,
    }
}

/// The instances of `group` that are in it now (launching or running, not leaving).
pub(super) async fn instances(ctx: &Context, group: &str) -> Result<Vec<GroupInstance>, AwsError> {
    let out = ctx
        .clients
        .autoscaling
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(group)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeAutoScalingGroups", group, e))?;
    Ok(out
        .auto_scaling_groups()
        .iter()
        .flat_map(|g| g.instances())
        .filter(|i| {
            let state = i.lifecycle_state().map(|s| s.as_str()).unwrap_or_default();
            !(state.starts_with("Terminat") || state.starts_with("Detach") || state.starts_with("Standby"))
        })
        .filter_map(|i| {
            Some(GroupInstance {
                id: i.instance_id()?.to_string(),
                protected: i.protected_from_scale_in().unwrap_or(false),
            })
        })
        .collect())
}

/// The EC2 instances of the platform's cluster that run or are starting a task.
pub(super) async fn busy_instances(ctx: &Context) -> Result<BTreeSet<String>, AwsError> {
    let mut load: BTreeMap<String, i32> = BTreeMap::new();
    // No cluster: nothing runs anywhere.
    for c in crate::instances::container_instances(&ctx.clients, &ctx.platform).await? {
        if let Some(id) = c.ec2_instance_id() {
            *load.entry(id.to_string()).or_default() += c.running_tasks_count() + c.pending_tasks_count();
        }
    }
    Ok(load
        .into_iter()
        .filter(|(_, tasks)| *tasks > 0)
        .map(|(id, _)| id)
        .collect())
}

/// Set the protection of `instances` in `group`.
pub(super) async fn set_protection(
    ctx: &Context,
    group: &str,
    instances: &[String],
    protected: bool,
) -> Result<(), AwsError> {
    // SetInstanceProtection takes at most 50 instances per call.
    for batch in instances.chunks(50) {
        ctx.clients
            .autoscaling
            .set_instance_protection()
            .auto_scaling_group_name(group)
            .set_instance_ids(Some(batch.to_vec()))
            .protected_from_scale_in(protected)
            .send()
            .await
            .map_err(|e| AwsError::call("SetInstanceProtection", group, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(id: &str, protected: bool) -> GroupInstance {
        GroupInstance {
            id: id.to_string(),
            protected,
        }
    }

    #[test]
    fn only_idle_instances_go_and_busy_ones_keep_the_capacity_up() {
        let group = [
            instance("i-1", true),
            instance("i-2", true),
            instance("i-3", false),
        ];
        let busy: BTreeSet<String> = ["i-1".to_string()].into();
        // Down to one: i-2 and i-3 are idle and go; i-1 runs a task and stays.
        let d = decide(&group, &busy, 1);
        assert_eq!(d.release, vec!["i-2", "i-3"]);
        assert_eq!(d.desired, 1);
        assert!(d.protect.is_empty());
        // Down to zero: the busy one stays, and the capacity says so.
        let d = decide(&group, &busy, 0);
        assert_eq!(d.release, vec!["i-2", "i-3"]);
        assert_eq!(d.desired, 1);
        // Not shrinking: nothing goes; the unprotected instance gets protected.
        let d = decide(&group, &busy, 3);
        assert!(d.release.is_empty());
        assert_eq!(d.protect, vec!["i-3"]);
        assert_eq!(d.desired, 3);
        // Growing: the capacity is the target.
        assert_eq!(decide(&group, &busy, 5).desired, 5);
    }
}

//! GPU capacity: per instance type in use, a launch template, an auto-scaling group and an ECS
//! capacity provider, plus the instance role they share.
//!
//! Scaling choice: ECS managed scaling is off. rnd's placement knows exactly how many instances
//! of each type the packed tasks need, so it sets each group's desired count itself. Managed
//! scaling would launch two instances when scaling up from zero (aws/containers-roadmap#1716)
//! and wait about 15 minutes to scale in (#1220), and its target-tracking would fight the
//! counts rnd sets. Groups of types no service needs any more stay, at 0 instances: an empty
//! group costs nothing and the next GPU job starts without recreating its capacity provider.

use std::collections::{BTreeMap, BTreeSet};

use super::warm_up;
use super::{DesiredInputs, DesiredState, Network};
use crate::plan::naming::Names;
use crate::plan::resource::{ResourceId, ResourceKind};
use crate::plan::spec::*;
use crate::plan::warm::WarmPool;

/// The root device of the ECS-optimised Amazon Linux 2023 AMIs (aws/amazon-ecs-ami's recipes),
/// whose size `gpu_root_volume_gib` sets.
pub const GPU_ROOT_DEVICE: &str = "/dev/xvda";

/// The public SSM parameter with the current ECS-optimised GPU AMI (Amazon Linux 2023).
pub const GPU_AMI_PARAMETER: &str =
    "/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id";

/// Instance types with a group: those the placement uses, and those already there that the
/// platform still allows (kept at 0).
pub(super) fn desired_gpu_types(inputs: &DesiredInputs) -> BTreeSet<String> {
    let mut types: BTreeSet<String> = inputs
        .capacity
        .instance_counts
        .iter()
        .filter(|c| c.count > 0)
        .map(|c| c.instance_type.clone())
        .collect();
    let priced: BTreeSet<&str> = inputs
        .capacity
        .instance_counts
        .iter()
        .map(|c| c.instance_type.as_str())
        .collect();
    types.extend(
        inputs
            .kept_gpu_types
            .iter()
            .filter(|t| priced.contains(t.as_str()))
            .cloned(),
    );
    types.extend(inputs.idle_gpu_services.values().cloned());
    types.extend(inputs.warm_pools.keys().cloned());
    types
}

pub(super) fn add_gpu_groups(
    state: &mut DesiredState,
    tags: &BTreeMap<String, String>,
    names: &Names,
    network: &Network,
    gpu_types: &BTreeSet<String>,
    counts: &BTreeMap<String, u32>,
    inputs: &DesiredInputs,
) {
    let warm_pools: &BTreeMap<String, WarmPool> = inputs.warm_pools;
    let root_volume_gib = inputs.repository.platform.gpu_root_volume_gib;
    if gpu_types.is_empty() {
        return;
    }
    let role = names.gpu_instance_role();
    let pooled = gpu_types.iter().any(|t| warm_pools.contains_key(t));
    state.add(
        tags,
        None,
        ResourceId::new(ResourceKind::IamRole, &role),
        Spec::IamRole(IamRoleSpec {
            assumed_by: "ec2.amazonaws.com".into(),
            managed_policies: vec!["service-role/AmazonEC2ContainerServiceforEC2Role".into()],
            // A warming instance tells its own group that its images are pulled; nothing else.
            inline_policy: pooled.then(|| warm_up::instance_policy(names.platform)),
        }),
    );
    state.add(
        tags,
        None,
        ResourceId::new(ResourceKind::InstanceProfile, &role),
        Spec::InstanceProfile(InstanceProfileSpec { role: role.clone() }),
    );
    // Instances need no inbound traffic: every task has its own network interface and group.
    let instance_sg = names.gpu_instance_security_group();
    state.add(
        tags,
        None,
        ResourceId::new(ResourceKind::SecurityGroup, &instance_sg),
        Spec::SecurityGroup(SecurityGroupSpec {
            description: format!(
                "rnd {}: GPU container instances (no inbound traffic)",
                names.platform
            ),
            vpc: network.vpc.clone(),
            ingress: Vec::new(),
        }),
    );
    for instance_type in gpu_types {
        let group = names.gpu_group(instance_type);
        state.add(
            tags,
            None,
            ResourceId::new(ResourceKind::LaunchTemplate, &group),
            Spec::LaunchTemplate(LaunchTemplateSpec {
                instance_type: instance_type.clone(),
                image_id_parameter: GPU_AMI_PARAMETER.into(),
                instance_profile: role.clone(),
                // The instance's role is for the ECS agent, never for the tasks: tasks get their
                // own roles, and reaching the metadata service would hand them the instance's.
                metadata_hop_limit: 1,
                metadata_tokens_required: true,
                root_volume_gib,
                security_group: instance_sg.clone(),
                user_data: match warm_pools.get(instance_type) {
                    None => agent_configuration(&names.cluster()),
                    Some(pool) => warm_up::user_data(&names.cluster(), &group, &pool.images),
                },
            }),
        );
        let desired = counts.get(instance_type).copied().unwrap_or(0);
        let pool = warm_pools.get(instance_type);
        let waking_room = pool.map_or(0, |p| p.instances);
        state.add(
            tags,
            None,
            ResourceId::new(ResourceKind::AutoScalingGroup, &group),
            Spec::AutoScalingGroup(AutoScalingGroupSpec {
                launch_template: group.clone(),
                min_size: 0,
                // A maximum at the desired count: nothing but rnd grows a group. Where services
                // sleep, room for them to wake (the waker raises the count by what they freed),
                // and the warm pool holds that many stopped instances (max − desired).
                max_size: desired + waking_room,
                desired_capacity: desired,
                subnets: network.subnets.clone(),
                warm_pool: pool.map(|p| WarmPoolSpec {
                    min_size: p.instances,
                    pool_state: "Stopped".into(),
                    warm_up_hook: warm_up::HOOK.into(),
                    warm_up_timeout_seconds: warm_up::TIMEOUT_SECONDS,
                }),
            }),
        );
        state.add(
            tags,
            None,
            ResourceId::new(
                ResourceKind::CapacityProvider,
                names.capacity_provider(instance_type),
            ),
            Spec::CapacityProvider(CapacityProviderSpec {
                auto_scaling_group: group.clone(),
                managed_scaling: false,
                managed_termination_protection: false,
            }),
        );
    }
}

/// The ECS agent's configuration on a GPU instance: join the cluster, expose the GPUs, give each
/// `awsvpc` task its own network interface, and keep those tasks away from the instance metadata
/// service (`ECS_AWSVPC_BLOCK_IMDS`: their containers cannot read the instance role's
/// credentials, whatever the hop limit).
pub(super) fn agent_configuration(cluster: &str) -> String {
    format!(
        "#!/bin/bash\ncat >> /etc/ecs/ecs.config <<'EOF'\nECS_CLUSTER={cluster}\nECS_ENABLE_GPU_SUPPORT=true\nECS_ENABLE_TASK_ENI=true\nECS_AWSVPC_BLOCK_IMDS=true\nEOF\n"
    )
}

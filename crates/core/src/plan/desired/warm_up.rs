//! What a GPU instance of a warm pool runs while it warms up: the agent told to wait
//! (`ECS_WARM_POOLS_CHECK`), the images of the sleeping services pulled, and its group's
//! lifecycle hook completed so Auto Scaling stops it only then (or, leaving the pool for a wake,
//! goes on at once).
//!
//! Why a script on every boot: cloud-init runs user data on the first boot only, and Auto Scaling
//! holds an instance at the `EC2_INSTANCE_LAUNCHING` hook twice, once warming up
//! (`Warmed:Pending:Wait`) and once leaving the pool (`Pending:Wait`); both must be completed
//! (<https://docs.aws.amazon.com/autoscaling/ec2/userguide/warm-pool-instance-lifecycle.html>).
//!
//! Why no `ECS_IMAGE_PULL_BEHAVIOR=prefer-cached`: rnd runs the tag a manifest names, and a tag
//! can move; with the image on disk, the agent's usual pull only checks the manifest and fetches
//! nothing, so the warm disk saves the download without ever running a stale image.

use std::collections::BTreeSet;

use serde_json::{json, Value};

/// The lifecycle hook on every group with a warm pool.
pub const HOOK: &str = "rnd-warm-up";

/// How long the hook waits for the script before Auto Scaling goes on anyway (then the instance
/// is stopped with whatever is pulled; the agent pulls the rest on the wake).
pub const TIMEOUT_SECONDS: u32 = 900;

/// Where cloud-init runs scripts on every boot.
const PER_BOOT: &str = "/var/lib/cloud/scripts/per-boot/rnd-warm-up.sh";

/// User data for a group with a warm pool: the agent configuration plus the warm-up script,
/// installed to run on every boot and run once now (per-boot scripts of the first boot run
/// before user data writes this one).
pub(super) fn user_data(cluster: &str, group: &str, images: &BTreeSet<String>) -> String {
    let agent = super::gpu::agent_configuration(cluster);
    let logins: String = ecr_registries(images)
        .iter()
        .map(|(host, region)| {
            format!(
                "  aws ecr get-login-password --region {region} | docker login --username AWS --password-stdin {host}\n"
            )
        })
        .collect();
    let pulls: String = images
        .iter()
        .map(|image| format!("  docker pull '{image}' || true\n"))
        .collect();
    format!(
        "{agent}cat >> /etc/ecs/ecs.config <<'EOF'\nECS_WARM_POOLS_CHECK=true\nEOF\n\
mkdir -p /var/lib/cloud/scripts/per-boot\n\
cat > {PER_BOOT} <<'EOF'\n\
#!/bin/bash\n\
# rnd: warming up into the pool, pull the images sleeping services wake with; on every boot,\n\
# tell Auto Scaling to go on.\n\
token=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' http://169.254.169.254/latest/api/token)\n\
imds() {{ curl -sf -H \"X-aws-ec2-metadata-token: $token\" \"http://169.254.169.254/latest/meta-data/$1\"; }}\n\
region=$(imds placement/region)\n\
instance=$(imds instance-id)\n\
command -v aws >/dev/null || dnf install -y -q awscli-2\n\
if [ \"$(imds autoscaling/target-lifecycle-state)\" = 'Warmed:Stopped' ]; then\n\
{logins}{pulls}fi\n\
aws autoscaling complete-lifecycle-action --region \"$region\" --auto-scaling-group-name '{group}' \
--lifecycle-hook-name {HOOK} --instance-id \"$instance\" --lifecycle-action-result CONTINUE\n\
EOF\n\
chmod +x {PER_BOOT}\n\
{PER_BOOT}\n"
    )
}

/// ECR registries among `images` (`<account>.dkr.ecr.<region>.amazonaws.com/…`) with their
/// regions: the script logs in to each with the instance role before pulling.
fn ecr_registries(images: &BTreeSet<String>) -> BTreeSet<(String, String)> {
    images
        .iter()
        .filter_map(|image| {
            let host = image.split_once('/')?.0;
            let mut parts = host.split('.');
            let (_, dkr, ecr, region) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
            (dkr == "dkr" && ecr == "ecr" && host.ends_with(".amazonaws.com"))
                .then(|| (host.to_string(), region.to_string()))
        })
        .collect()
}

/// The GPU instance role's one statement of its own: complete the warm-up hook of the
/// platform's groups (pulling images is in the managed ECS instance policy already).
pub(super) fn instance_policy(platform: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "CompleteTheWarmUpHook",
            "Effect": "Allow",
            "Action": "autoscaling:CompleteLifecycleAction",
            "Resource": format!("arn:aws:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/{platform}-*"),
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_in_to_each_ecr_registry_once_and_pulls_every_image() {
        let images: BTreeSet<String> = [
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/demo:v1",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/chat:v2",
            "ghcr.io/lab/model:v3",
        ]
        .map(String::from)
        .into();
        let script = user_data("lab", "lab-g5.xlarge", &images);
        assert_eq!(script.matches("docker login").count(), 1);
        assert_eq!(script.matches("docker pull").count(), 3);
        assert!(script.contains("ECS_WARM_POOLS_CHECK=true"));
        assert!(script.contains("--auto-scaling-group-name 'lab-g5.xlarge'"));
        assert!(!script.contains("prefer-cached"));
    }
}

//! Deterministic AWS names for everything rnd creates, each within its AWS limit.
//!
//! With platform names of at most 12 characters and service names of at most `31 - platform`
//! (see `platform::max_service_name_len`), the tightest limit, 32 characters for target groups
//! and load balancers, always holds; IAM role names (64) hold with room to spare.

/// Service names whose resource names would be a foundation's: the load balancers' security
/// group (`<platform>-alb`), the GPU instances' (`<platform>-gpu-instances`), and the shared
/// execution role (`<platform>-ecs-execution`, which service `ecs`'s own execution role would
/// be). Validation refuses them, so a service can never take over a shared resource;
/// `tests/it/naming_properties.rs` proves no other service name can.
pub const RESERVED_SERVICE_NAMES: [&str; 3] = ["alb", "ecs", "gpu-instances"];

/// The `awslogs-stream-prefix` of every container rnd defines.
pub const LOG_STREAM_PREFIX: &str = "rnd";

/// Names for one platform.
#[derive(Debug, Clone, Copy)]
pub struct Names<'p> {
    pub platform: &'p str,
}

impl<'p> Names<'p> {
    pub fn new(platform: &'p str) -> Self {
        Names { platform }
    }

    pub fn cluster(&self) -> String {
        self.platform.to_string()
    }

    pub fn load_balancer(&self, index: u32) -> String {
        format!("{}-alb-{index}", self.platform)
    }

    pub fn load_balancer_security_group(&self) -> String {
        format!("{}-alb", self.platform)
    }

    pub fn https_listener(&self, index: u32) -> String {
        format!("{}-https", self.load_balancer(index))
    }

    pub fn http_listener(&self, index: u32) -> String {
        format!("{}-http", self.load_balancer(index))
    }

    pub fn execution_role(&self) -> String {
        format!("{}-ecs-execution", self.platform)
    }

    pub fn gpu_instance_role(&self) -> String {
        format!("{}-gpu-instance", self.platform)
    }

    pub fn gpu_instance_security_group(&self) -> String {
        format!("{}-gpu-instances", self.platform)
    }

    /// Launch templates and auto-scaling groups: `<platform>-<instance type>`.
    pub fn gpu_group(&self, instance_type: &str) -> String {
        format!("{}-{instance_type}", self.platform)
    }

    /// Capacity provider names allow letters, digits, `_` and `-` only.
    pub fn capacity_provider(&self, instance_type: &str) -> String {
        format!("{}-{}", self.platform, instance_type.replace('.', "-"))
    }

    /// Security group, target group, task definition family and listener rule of a service.
    pub fn service_resource(&self, service: &str) -> String {
        format!("{}-{service}", self.platform)
    }

    /// The wake target group of a service that sleeps when idle, `<platform>-<service>-wake`.
    /// Validation keeps it within 32 characters and refuses a service named `<service>-wake`
    /// beside it (`manifest::idle`), so it is no other service's target group.
    pub fn wake_target_group(&self, service: &str) -> String {
        format!(
            "{}-{service}{}",
            self.platform,
            crate::manifest::idle::WAKE_SUFFIX
        )
    }

    /// The idle alarm of a service that sleeps when idle.
    pub fn idle_alarm(&self, service: &str) -> String {
        format!("{}-{service}-idle", self.platform)
    }

    /// The statement of rnd's function's policy letting the platform's wake target groups
    /// invoke it.
    pub fn wake_permission(&self) -> String {
        format!("rnd-{}-wake", self.platform)
    }

    /// The statement letting the platform's idle alarms invoke the function.
    pub fn idle_permission(&self) -> String {
        format!("rnd-{}-idle", self.platform)
    }

    /// The execution role of a service with secrets: only it may read them into its containers.
    pub fn service_execution_role(&self, service: &str) -> String {
        format!("{}-{service}-execution", self.platform)
    }

    pub fn task_role(&self, service: &str) -> String {
        format!("{}-{service}-task", self.platform)
    }

    pub fn log_group(&self, service: &str) -> String {
        format!("/rnd/{}/{service}", self.platform)
    }

    /// The log stream one task of `service` writes: awslogs names it
    /// `<stream prefix>/<container name>/<task id>`, and the container is named after the service.
    pub fn log_stream(&self, service: &str, task_id: &str) -> String {
        format!("{LOG_STREAM_PREFIX}/{service}/{task_id}")
    }

    /// The ECS service itself: the cluster already says which platform it belongs to.
    pub fn ecs_service(&self, service: &str) -> String {
        service.to_string()
    }

    /// Where a platform-wide secret lives (the Slack webhook URL or bot token `platform.json`
    /// names): `<platform>/<name>`, beside the services' directories.
    pub fn platform_secret_path(&self, secret: &str) -> String {
        format!("{}/{secret}", self.platform)
    }

    /// Where a service's secrets live: an SSM path or a Secrets Manager name prefix.
    pub fn secret_path(&self, service: &str, secret: &str) -> String {
        format!("{}/{service}/{secret}", self.platform)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::{max_service_name_len, MAX_PLATFORM_NAME_LEN};

    #[test]
    fn reserved_service_names_are_exactly_the_foundation_groups() {
        let n = Names::new("research");
        for reserved in RESERVED_SERVICE_NAMES {
            let taken = [n.service_resource(reserved), n.service_execution_role(reserved)];
            assert!(
                taken.contains(&n.load_balancer_security_group())
                    || taken.contains(&n.gpu_instance_security_group())
                    || taken.contains(&n.execution_role()),
                "{reserved}"
            );
        }
        assert_eq!(n.service_resource("alb"), n.load_balancer_security_group());
        assert_eq!(
            n.service_resource("gpu-instances"),
            n.gpu_instance_security_group()
        );
    }

    #[test]
    fn longest_names_fit_aws_limits() {
        let platform = "p".repeat(MAX_PLATFORM_NAME_LEN);
        let service = "s".repeat(max_service_name_len(platform.len()));
        let n = Names::new(&platform);
        assert!(n.service_resource(&service).len() <= 32, "target group");
        assert!(n.load_balancer(99).len() <= 32, "load balancer");
        assert!(n.task_role(&service).len() <= 64, "IAM role");
        assert!(n.service_execution_role(&service).len() <= 64, "IAM role");
        assert!(n.gpu_instance_role().len() <= 64);
        assert!(n.capacity_provider("p6-b300.48xlarge").len() <= 255);
        assert!(n.log_group(&service).len() <= 512);
    }
}

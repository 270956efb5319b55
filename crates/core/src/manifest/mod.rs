//! One container's manifest (`manifests/<name>.json`): the validated model the planner consumes.

mod env_file;
pub mod idle;
mod raw;
mod validate;

use std::collections::BTreeMap;

use serde::Serialize;

pub use env_file::{parse_env_file, EnvEntry, EnvFile};
pub use raw::RawManifest;
pub use validate::{validate_manifest, ManifestContext, MANIFEST_FIELDS};

/// CPU units per vCPU, as ECS counts them.
pub const CPU_UNITS_PER_VCPU: u32 = 1024;
/// Largest Fargate task: 16 vCPU and 120 GiB. A GPU-less request beyond it cannot run anywhere.
pub const FARGATE_MAX_CPU_UNITS: u32 = 16 * 1024;
pub const FARGATE_MAX_MEMORY_MIB: u32 = 120 * 1024;
/// Most GPUs on any single instance type (a task cannot span instances).
pub const MAX_GPUS_PER_TASK: u32 = 8;
/// Hard ceilings, beyond any platform limit: the largest GPU instances have 192 vCPU and 4 TiB.
pub const MAX_CPU_VCPU: f64 = 192.0;
pub const MIN_MEMORY_MIB: u32 = 128;
pub const MAX_MEMORY_MIB: u32 = 4 * 1024 * 1024;
pub const MAX_REPLICAS: u32 = 1000;

/// A validated manifest: everything in it can be deployed as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// The service name, taken from the file name.
    pub name: String,
    /// Image repository without tag.
    pub image: String,
    /// Image tag to run.
    pub version: String,
    /// Reserved CPU in ECS units (1024 = 1 vCPU).
    pub cpu_units: u32,
    pub memory_mib: u32,
    /// Whole GPUs; 0 runs on Fargate.
    pub gpu: u32,
    /// Minimum memory per GPU.
    pub gpu_memory_mib: Option<u32>,
    /// Present when the service has a port and so a load-balancer route.
    pub route: Option<Route>,
    pub replicas: u32,
    pub env: BTreeMap<String, String>,
    /// Env var name → secret name (never a value).
    pub secrets: BTreeMap<String, String>,
}

/// How the load balancer reaches a routed service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    pub port: u16,
    pub websocket: bool,
    /// Reached without the platform's sign-in.
    pub public: bool,
    pub health_check: String,
    /// Scale to zero after this many minutes without a request (`idle_after`); `None` never.
    pub idle_after_minutes: Option<u32>,
}

impl Manifest {
    /// `image:version`, what ECS pulls.
    pub fn image_reference(&self) -> String {
        format!("{}:{}", self.image, self.version)
    }

    pub fn runs_on_gpu(&self) -> bool {
        self.gpu > 0
    }

    /// The manifest as it would be written, with defaults left out; parsing it gives `self` back.
    pub fn to_raw(&self) -> RawManifest {
        RawManifest {
            schema: None,
            image: self.image.clone(),
            version: self.version.clone(),
            cpu: (self.cpu_units != raw::DEFAULT_CPU_UNITS)
                .then(|| f64::from(self.cpu_units) / f64::from(CPU_UNITS_PER_VCPU)),
            memory: (self.memory_mib != raw::DEFAULT_MEMORY_MIB).then_some(self.memory_mib),
            gpu: (self.gpu != 0).then_some(self.gpu),
            gpu_memory: self.gpu_memory_mib,
            port: self.route.as_ref().map(|r| r.port),
            websocket: self.route.as_ref().filter(|r| r.websocket).map(|_| true),
            public: self.route.as_ref().filter(|r| r.public).map(|_| true),
            health_check: self
                .route
                .as_ref()
                .filter(|r| r.health_check != "/")
                .map(|r| r.health_check.clone()),
            idle_after: self
                .route
                .as_ref()
                .and_then(|r| r.idle_after_minutes)
                .map(idle::format_minutes),
            replicas: (self.replicas != 1).then_some(self.replicas),
            env: self.env.clone(),
            secrets: self.secrets.clone(),
        }
    }
}

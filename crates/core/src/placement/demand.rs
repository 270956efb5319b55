//! Inputs to placement: what each service asks for, and which instance types it may use.

use crate::catalog::{Arch, GpuInstanceType};

/// What one service needs, per task, and how many tasks it runs.
///
/// Built by the caller from a validated manifest. `gpus == 0` means the service runs on
/// Fargate; otherwise every replica needs its own whole GPUs on an EC2 instance.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServiceDemand {
    /// Service name, unique within one plan.
    pub name: String,
    /// Number of tasks (replicas). Zero is allowed and costs nothing.
    pub replicas: u32,
    /// CPU per task in ECS units (1024 = 1 vCPU).
    pub cpu_units: u32,
    /// Memory per task in MiB.
    pub memory_mib: u32,
    /// Whole GPUs per task; 0 = Fargate.
    pub gpus: u32,
    /// Minimum memory of each GPU in MiB, if the service needs a minimum.
    pub gpu_memory_mib: Option<u32>,
}

/// Which GPU instance types may be used: families (`g5`) or exact types (`g6.xlarge`).
///
/// An empty list allows every x86 (amd64) type in the catalog. Graviton types (g5g) run only
/// arm64 images, which rnd cannot tell from a manifest, so they are used only when the list
/// names them (family or exact type).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AllowList(pub Vec<String>);

impl AllowList {
    /// The empty list: every amd64 type.
    pub fn all() -> AllowList {
        AllowList(Vec::new())
    }

    /// Whether `t` may be used.
    pub fn allows(&self, t: &GpuInstanceType) -> bool {
        if self.0.is_empty() {
            return t.arch == Arch::Amd64;
        }
        self.0.iter().any(|entry| *entry == t.name || entry == t.family())
    }
}

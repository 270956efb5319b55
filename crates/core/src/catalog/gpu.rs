//! NVIDIA GPU instance types: specs, what each instance keeps for itself, and awsvpc task slots.
//!
//! # What an instance keeps for itself (figures used by the packer)
//!
//! * **Memory.** The ECS agent registers the memory the kernel reports, which is less than the
//!   installed amount: AWS's own example is an m4.large with 8192 MiB installed that shows
//!   7985 MiB (2.5 %; AWS Batch guide, "Compute resource memory management"). We take
//!   [`KERNEL_HIDDEN_PERCENT`] = 3 % (rounded up, since GPU hosts also pin memory for the NVIDIA
//!   driver). On top of that rnd sets `ECS_RESERVED_MEMORY` to
//!   [`GpuInstanceType::ecs_reserved_memory_mib`] = max(256 MiB, 2 %) so the agent, dockerd and
//!   the NVIDIA persistence daemon never compete with tasks (ECS guide, "Reserving Amazon ECS
//!   Linux container instance memory", uses 256 MiB as its example; the Batch guide recommends
//!   a 5 % buffer in total, which 3 % + 2 % matches).
//! * **CPU.** ECS registers every vCPU as 1024 units and has no CPU reservation setting; the
//!   agent's own use is small and CPU is compressible, so tasks may be given all of it.
//! * **Network.** Every task uses `awsvpc` mode (each service has its own security group), so
//!   each task takes an ENI on the instance's default network card, whose primary ENI is the
//!   instance's own: a type holds at most `max_enis − 1` tasks. We count this as a capacity of
//!   its own instead of relying on ENI trunking, because trunking is an account setting
//!   (`awsvpcTrunking`) rnd would have to change, it is not available on Xen types (p3), and the
//!   limit bites on real types: g5.48xlarge (7 ENIs → 6 tasks on 8 GPUs) and p5.48xlarge /
//!   p5e.48xlarge (2 ENIs on card 0 → 1 task). Figures come from
//!   aws/amazon-vpc-resource-controller-k8s `limits.go` (generated from EC2
//!   DescribeInstanceTypes, 2025-10-06); types newer than that file (g7, g7e, p6-b300) get the
//!   EC2 minimum of 2 ENIs, i.e. one task per instance, until a figure is found.

use super::table::Table;

/// Percentage of installed memory the kernel and firmware keep before the ECS agent sees it.
pub const KERNEL_HIDDEN_PERCENT: u32 = 3;
/// Lower bound of the `ECS_RESERVED_MEMORY` rnd configures, in MiB.
pub const ECS_RESERVED_MEMORY_MIN_MIB: u32 = 256;
/// `ECS_RESERVED_MEMORY` as a percentage of installed memory, when above the minimum.
pub const ECS_RESERVED_MEMORY_PERCENT: u32 = 2;
/// ENIs assumed for a type missing from the ENI source: the smallest any EC2 type has.
pub const UNKNOWN_MAX_ENIS: u32 = 2;

const GPU_INSTANCES_CSV: &str = include_str!("../../data/gpu_instances.csv");

/// CPU architecture of an instance's host processor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Arch {
    /// x86-64; what container images are built for unless said otherwise.
    Amd64,
    /// Graviton (g5g): needs arm64 images, so only used when the allow-list names it.
    Arm64,
}

/// One GPU instance type as the catalog describes it (price is per region, see `Catalog`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuInstanceType {
    /// EC2 name, e.g. `g6e.12xlarge`.
    pub name: String,
    /// Host CPU architecture.
    pub arch: Arch,
    /// Number of GPUs; all GPUs in one type are the same model.
    pub gpus: u32,
    /// GPU model, e.g. `NVIDIA L40S`.
    pub gpu_model: String,
    /// Memory of each GPU in MiB.
    pub gpu_memory_mib: u32,
    /// vCPUs.
    pub vcpu: u32,
    /// Installed memory in MiB.
    pub memory_mib: u32,
    /// ENIs the default network card takes (`None`: not in the source; see module docs).
    pub max_enis: Option<u32>,
    /// Where the specs come from.
    pub spec_source: String,
    /// Where the ENI figure comes from.
    pub eni_source: String,
}

impl GpuInstanceType {
    /// Family: the part before the first dot (`g6e` for `g6e.12xlarge`, `p6-b200` for
    /// `p6-b200.48xlarge`).
    pub fn family(&self) -> &str {
        self.name.split('.').next().unwrap_or(&self.name)
    }

    /// The `ECS_RESERVED_MEMORY` rnd configures on this type, in MiB.
    pub fn ecs_reserved_memory_mib(&self) -> u32 {
        let percent = ceil_percent(self.memory_mib, ECS_RESERVED_MEMORY_PERCENT);
        percent.max(ECS_RESERVED_MEMORY_MIN_MIB)
    }

    /// Memory the ECS agent registers (installed minus what the kernel keeps), in MiB.
    pub fn registered_memory_mib(&self) -> u32 {
        self.memory_mib - ceil_percent(self.memory_mib, KERNEL_HIDDEN_PERCENT)
    }

    /// Memory tasks can reserve: registered memory minus `ECS_RESERVED_MEMORY`, in MiB.
    pub fn task_memory_mib(&self) -> u32 {
        self.registered_memory_mib() - self.ecs_reserved_memory_mib()
    }

    /// CPU units tasks can reserve: everything ECS registers (1024 per vCPU).
    pub fn task_cpu_units(&self) -> u32 {
        self.vcpu * 1024
    }

    /// How many awsvpc tasks fit: one ENI each, minus the instance's primary ENI.
    pub fn max_tasks(&self) -> u32 {
        self.max_enis.unwrap_or(UNKNOWN_MAX_ENIS).saturating_sub(1)
    }
}

fn ceil_percent(value: u32, percent: u32) -> u32 {
    ((u64::from(value) * u64::from(percent)).div_ceil(100)) as u32
}

/// Parses the embedded `data/gpu_instances.csv`, in file order.
pub(crate) fn builtin_gpu_types() -> Vec<GpuInstanceType> {
    let table = Table::parse("gpu_instances.csv", GPU_INSTANCES_CSV);
    table
        .rows()
        .map(|row| GpuInstanceType {
            name: row.get("instance_type").to_string(),
            arch: match row.get("arch") {
                "amd64" => Arch::Amd64,
                "arm64" => Arch::Arm64,
                other => panic!("data/gpu_instances.csv: unknown arch {other:?}"),
            },
            gpus: row.int("gpus"),
            gpu_model: row.get("gpu_model").to_string(),
            gpu_memory_mib: row.int("gpu_memory_mib"),
            vcpu: row.int("vcpu"),
            memory_mib: row.int("memory_mib"),
            max_enis: match row.get("max_enis") {
                "" => None,
                _ => Some(row.int("max_enis")),
            },
            spec_source: row.get("spec_source").to_string(),
            eni_source: row.get("eni_source").to_string(),
        })
        .collect()
}

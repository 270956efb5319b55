//! Realistic seeded fleets: inference-heavy, training-heavy and CPU-skewed GPU services (the
//! placement benchmark's three kinds), and two mixes drawn later to check the certificate on
//! fleets nothing was tuned on: a research team's mix of all three, and memory-heavy services.

use rnd_core::catalog::Catalog;
use rnd_core::placement::{check_gpu_fit, AllowList, ServiceDemand};

use crate::rng::Rng;

/// The kinds of fleet the benchmark covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Mostly 1-GPU services, some 2- and 4-GPU, a few 8-GPU.
    Inference,
    /// 4- and 8-GPU jobs.
    Training,
    /// 1–2 GPU services that need many vCPU.
    CpuSkewed,
    /// Each service inference (50 %), CPU-skewed (30 %) or training (20 %).
    Mixed,
    /// 1–4 GPU services with much host memory per GPU and few vCPU.
    MemoryHeavy,
}

impl Kind {
    /// Short label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Inference => "inference",
            Kind::Training => "training",
            Kind::CpuSkewed => "cpu-skewed",
            Kind::Mixed => "mixed",
            Kind::MemoryHeavy => "memory-heavy",
        }
    }
}

const GIB: u32 = 1024;

/// One random service of `kind`, named `name`, with up to `max_replicas` replicas.
pub fn service(kind: Kind, rng: &mut Rng, name: String, max_replicas: u32) -> ServiceDemand {
    loop {
        let s = draw(kind, rng, name.clone(), max_replicas);
        if check_gpu_fit(&s, &AllowList::all(), "us-east-1", Catalog::builtin()).is_ok() {
            return s;
        }
    }
}

fn draw(kind: Kind, rng: &mut Rng, name: String, max_replicas: u32) -> ServiceDemand {
    let (gpus, gpu_gib, vcpu_per_gpu, gib_per_gpu, replicas) = match kind {
        Kind::Inference => {
            let gpus = rng.weighted(&[(70, 1), (15, 2), (10, 4), (5, 8)]);
            let gpu_gib = rng.weighted(&[(40, 0), (20, 12), (20, 20), (15, 40), (5, 70)]);
            (gpus, gpu_gib, rng.range(2, 8), rng.range(8, 32), rng.range(1, 6))
        }
        Kind::Training => {
            let gpus = rng.weighted(&[(50, 4), (50, 8)]);
            let gpu_gib = rng.weighted(&[(30, 0), (20, 16), (20, 30), (20, 40), (10, 75)]);
            (
                gpus,
                gpu_gib,
                rng.range(4, 12),
                rng.range(16, 96),
                rng.range(1, 3),
            )
        }
        Kind::Mixed => {
            let kind = rng.weighted(&[(50, Kind::Inference), (30, Kind::CpuSkewed), (20, Kind::Training)]);
            return draw(kind, rng, name, max_replicas);
        }
        Kind::MemoryHeavy => {
            let gpus = rng.weighted(&[(50, 1), (30, 2), (20, 4)]);
            let gpu_gib = rng.weighted(&[(40, 0), (40, 20), (20, 40)]);
            (
                gpus,
                gpu_gib,
                rng.range(2, 8),
                rng.range(48, 180),
                rng.range(1, 5),
            )
        }
        Kind::CpuSkewed => {
            let gpus = rng.weighted(&[(70, 1), (30, 2)]);
            let gpu_gib = rng.weighted(&[(60, 0), (40, 20)]);
            let vcpu = rng.range(8, 40);
            (
                gpus,
                gpu_gib,
                vcpu.div_ceil(gpus),
                rng.range(16, 96),
                rng.range(1, 5),
            )
        }
    };
    ServiceDemand {
        name,
        replicas: replicas.min(max_replicas),
        cpu_units: gpus * vcpu_per_gpu * 1024,
        memory_mib: gpus * gib_per_gpu * GIB,
        gpus,
        gpu_memory_mib: (gpu_gib > 0).then_some(gpu_gib * GIB),
    }
}

/// A fleet of `kind` with exactly `tasks` tasks, the same for the same `seed`.
pub fn fleet(kind: Kind, tasks: u32, seed: u64) -> Vec<ServiceDemand> {
    let mut rng = Rng::new(seed ^ (u64::from(tasks) << 32) ^ kind as u64);
    let mut services = Vec::new();
    let mut left = tasks;
    while left > 0 {
        let s = service(
            kind,
            &mut rng,
            format!("{}-{:03}", kind.label(), services.len()),
            left,
        );
        left -= s.replicas;
        services.push(s);
    }
    services
}

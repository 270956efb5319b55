//! Instance capacities as the packer sees them (after each instance's own share), for the
//! baselines and the lower bound, read from rnd-core's public catalog.

use rnd_core::catalog::{Catalog, GpuInstanceType};
use rnd_core::placement::{AllowList, ServiceDemand};

/// One allowed, priced instance type.
#[derive(Debug, Clone)]
pub struct Cap {
    /// EC2 name.
    pub name: String,
    /// GPUs.
    pub gpus: u32,
    /// MiB per GPU.
    pub gpu_mem: u32,
    /// CPU units for tasks.
    pub cpu: u32,
    /// MiB for tasks.
    pub mem: u32,
    /// awsvpc task slots.
    pub slots: u32,
    /// Dollars per hour.
    pub price: f64,
}

impl Cap {
    /// Whether the tasks in `set` fit together on one instance of this type.
    pub fn holds(&self, set: &[&ServiceDemand]) -> bool {
        let sum = |f: fn(&ServiceDemand) -> u32| set.iter().map(|s| u64::from(f(s))).sum::<u64>();
        set.iter().all(|s| s.gpu_memory_mib.unwrap_or(0) <= self.gpu_mem)
            && sum(|s| s.gpus) <= u64::from(self.gpus)
            && sum(|s| s.cpu_units) <= u64::from(self.cpu)
            && sum(|s| s.memory_mib) <= u64::from(self.mem)
            && set.len() as u64 <= u64::from(self.slots)
    }
}

/// Allowed types with a price in us-east-1, cheapest first.
pub fn capacities(allowed: &AllowList) -> Vec<Cap> {
    let catalog = Catalog::builtin();
    let mut caps: Vec<Cap> = catalog
        .gpu_types()
        .iter()
        .filter(|t| allowed.allows(t))
        .filter_map(|t: &GpuInstanceType| {
            let price = catalog.gpu_price("us-east-1", &t.name)?;
            Some(Cap {
                name: t.name.clone(),
                gpus: t.gpus,
                gpu_mem: t.gpu_memory_mib,
                cpu: t.task_cpu_units(),
                mem: t.task_memory_mib(),
                slots: t.max_tasks(),
                price: price.hourly.as_f64(),
            })
        })
        .collect();
    caps.sort_by(|a, b| a.price.total_cmp(&b.price).then_with(|| a.name.cmp(&b.name)));
    caps
}

//! The packer's internal view: task classes, instance capacities and bins, all by index.
//!
//! Services become classes (all replicas of a service are identical); allowed, priced types
//! become `TypeCap`s sorted by price then name, so "lower index" always means "cheaper, then
//! alphabetical" and every tie is broken the same way on every run.

use crate::catalog::{Catalog, GpuInstanceType};

use super::demand::AllowList;

/// What one task of a service needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Class {
    pub gpus: u32,
    pub gpu_mem: u32,
    pub cpu: u32,
    pub mem: u32,
}

/// What one instance of a type offers to tasks, and its hourly price in nano-dollars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypeCap {
    pub name: String,
    pub gpus: u32,
    pub gpu_mem: u32,
    pub cpu: u32,
    pub mem: u32,
    pub slots: u32,
    pub price: u64,
}

impl TypeCap {
    pub(crate) fn new(t: &GpuInstanceType, price: u64) -> TypeCap {
        TypeCap {
            name: t.name.clone(),
            gpus: t.gpus,
            gpu_mem: t.gpu_memory_mib,
            cpu: t.task_cpu_units(),
            mem: t.task_memory_mib(),
            slots: t.max_tasks(),
            price,
        }
    }

    /// Whether one task of `c` could run here at all (GPU memory is a per-GPU property).
    pub(crate) fn admits(&self, c: &Class) -> bool {
        c.gpu_mem <= self.gpu_mem
            && c.gpus <= self.gpus
            && c.cpu <= self.cpu
            && c.mem <= self.mem
            && self.slots >= 1
    }

    /// Whether `load` fits within this type's capacity.
    pub(crate) fn holds(&self, load: &Load) -> bool {
        load.gpus <= self.gpus
            && load.cpu <= u64::from(self.cpu)
            && load.mem <= u64::from(self.mem)
            && load.tasks <= self.slots
            && load.gpu_mem <= self.gpu_mem
    }
}

/// The sum of what a set of tasks needs (`gpu_mem` is the largest per-GPU need, not a sum).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Load {
    pub gpus: u32,
    pub gpu_mem: u32,
    pub cpu: u64,
    pub mem: u64,
    pub tasks: u32,
}

impl Load {
    pub(crate) fn add(&mut self, c: &Class, n: u32) {
        if n == 0 {
            return;
        }
        self.gpus += c.gpus * n;
        self.gpu_mem = self.gpu_mem.max(c.gpu_mem);
        self.cpu += u64::from(c.cpu) * u64::from(n);
        self.mem += u64::from(c.mem) * u64::from(n);
        self.tasks += n;
    }

    pub(crate) fn of(classes: &[Class], items: &[usize]) -> Load {
        let mut load = Load::default();
        for &i in items {
            load.add(&classes[i], 1);
        }
        load
    }
}

/// One instance in a packing: its type (index into the `TypeCap` list) and its tasks' classes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Bin {
    pub ty: usize,
    pub items: Vec<usize>,
}

/// The allowed types that have a price in `region`, cheapest first (ties by name).
pub(crate) fn priced_allowed_types(catalog: &Catalog, allowed: &AllowList, region: &str) -> Vec<TypeCap> {
    let mut types: Vec<TypeCap> = catalog
        .gpu_types()
        .iter()
        .filter(|t| allowed.allows(t))
        .filter_map(|t| {
            let price = catalog.gpu_price(region, &t.name)?;
            Some(TypeCap::new(t, price.hourly.nanos()))
        })
        .collect();
    types.sort_by(|a, b| a.price.cmp(&b.price).then_with(|| a.name.cmp(&b.name)));
    types
}

/// The index of the cheapest type that holds `load`, if any (types are sorted by price).
pub(crate) fn cheapest_holding(types: &[TypeCap], load: &Load) -> Option<usize> {
    types.iter().position(|t| t.holds(load))
}

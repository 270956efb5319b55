//! The embedded catalog: GPU instance types, their per-region prices, Fargate sizes and prices.
//!
//! All figures are compiled in from `crates/core/data/*.csv`; each row names its source and
//! date (see `crates/core/data/README.md`). Nothing is fetched at run time.

mod fargate;
mod gpu;
mod load_balancer;
mod money;
mod table;

use std::collections::BTreeMap;
use std::sync::OnceLock;

pub use fargate::{fargate_sizes, FargatePrice, FargateSize};
pub use gpu::{
    Arch, GpuInstanceType, ECS_RESERVED_MEMORY_MIN_MIB, ECS_RESERVED_MEMORY_PERCENT, KERNEL_HIDDEN_PERCENT,
    UNKNOWN_MAX_ENIS,
};
pub use load_balancer::LoadBalancerPrice;
pub use money::{Usd, HOURS_PER_MONTH};

use table::Table;

const GPU_PRICES_CSV: &str = include_str!("../../data/gpu_prices.csv");

/// One on-demand price of one instance type in one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuPrice {
    /// Hourly on-demand price (Linux, shared tenancy).
    pub hourly: Usd,
    /// Where the figure comes from.
    pub source: String,
    /// Date the source was generated or read.
    pub as_of: String,
}

/// Everything the placement engine knows about AWS capacity and prices.
#[derive(Debug, Clone)]
pub struct Catalog {
    gpu_types: Vec<GpuInstanceType>,
    gpu_prices: BTreeMap<(String, String), GpuPrice>,
    fargate_prices: BTreeMap<String, FargatePrice>,
    load_balancer_prices: BTreeMap<String, LoadBalancerPrice>,
}

impl Catalog {
    /// The catalog compiled into rnd (parsed once, then shared).
    pub fn builtin() -> &'static Catalog {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let table = Table::parse("gpu_prices.csv", GPU_PRICES_CSV);
            let gpu_prices = table
                .rows()
                .map(|row| {
                    let key = (
                        row.get("region").to_string(),
                        row.get("instance_type").to_string(),
                    );
                    let price = GpuPrice {
                        hourly: fargate::parse_usd(row.get("usd_per_hour")),
                        source: row.get("source").to_string(),
                        as_of: row.get("as_of").to_string(),
                    };
                    (key, price)
                })
                .collect();
            let fargate_prices = fargate::builtin_fargate_prices()
                .into_iter()
                .map(|p| (p.region.clone(), p))
                .collect();
            let load_balancer_prices = load_balancer::builtin_load_balancer_prices()
                .into_iter()
                .map(|p| (p.region.clone(), p))
                .collect();
            Catalog {
                gpu_types: gpu::builtin_gpu_types(),
                gpu_prices,
                fargate_prices,
                load_balancer_prices,
            }
        })
    }

    /// Every GPU instance type, priced or not, in catalog order.
    pub fn gpu_types(&self) -> &[GpuInstanceType] {
        &self.gpu_types
    }

    /// The type called `name`, if the catalog has it.
    pub fn gpu_type(&self, name: &str) -> Option<&GpuInstanceType> {
        self.gpu_types.iter().find(|t| t.name == name)
    }

    /// The on-demand price of `instance_type` in `region`; `None` when there is none (for
    /// example p5e.48xlarge, sold only as Capacity Blocks): such a type is never placed.
    pub fn gpu_price(&self, region: &str, instance_type: &str) -> Option<&GpuPrice> {
        self.gpu_prices
            .get(&(region.to_string(), instance_type.to_string()))
    }

    /// Fargate prices in `region`, if known.
    pub fn fargate_price(&self, region: &str) -> Option<&FargatePrice> {
        self.fargate_prices.get(region)
    }

    /// The Application Load Balancer prices of `region`, if the catalog has them.
    pub fn load_balancer_price(&self, region: &str) -> Option<&LoadBalancerPrice> {
        self.load_balancer_prices.get(region)
    }
}

#[cfg(test)]
mod tests;

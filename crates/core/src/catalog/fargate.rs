//! Fargate: the 74 valid Linux task sizes and the per-region vCPU and memory prices.
//!
//! Sizes follow the ECS `TaskDefinition.memory` table (see `shared/reference/fargate.md`):
//! each CPU tier allows a memory range in fixed steps; 8 and 16 vCPU need platform 1.4.0.

use serde::Serialize;

use super::money::Usd;
use super::table::Table;

const FARGATE_PRICES_CSV: &str = include_str!("../../data/fargate_prices.csv");

/// One valid Fargate task size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FargateSize {
    /// Task CPU in ECS units (1024 = 1 vCPU).
    pub cpu_units: u32,
    /// Task memory in MiB.
    pub memory_mib: u32,
}

/// A CPU tier: its units and the memory sizes it allows (`min..=max` in `step`s, or a list).
struct Tier {
    cpu_units: u32,
    memory_mib: &'static [u32],
    range: Option<(u32, u32, u32)>,
}

const TIERS: [Tier; 7] = [
    Tier {
        cpu_units: 256,
        memory_mib: &[512, 1024, 2048],
        range: None,
    },
    Tier {
        cpu_units: 512,
        memory_mib: &[],
        range: Some((1024, 4096, 1024)),
    },
    Tier {
        cpu_units: 1024,
        memory_mib: &[],
        range: Some((2048, 8192, 1024)),
    },
    Tier {
        cpu_units: 2048,
        memory_mib: &[],
        range: Some((4096, 16384, 1024)),
    },
    Tier {
        cpu_units: 4096,
        memory_mib: &[],
        range: Some((8192, 30720, 1024)),
    },
    Tier {
        cpu_units: 8192,
        memory_mib: &[],
        range: Some((16384, 61440, 4096)),
    },
    Tier {
        cpu_units: 16384,
        memory_mib: &[],
        range: Some((32768, 122880, 8192)),
    },
];

/// Every valid Fargate size, ordered by CPU then memory (74 of them).
pub fn fargate_sizes() -> Vec<FargateSize> {
    let mut sizes = Vec::with_capacity(74);
    for tier in &TIERS {
        let memories: Vec<u32> = match tier.range {
            Some((min, max, step)) => (min..=max).step_by(step as usize).collect(),
            None => tier.memory_mib.to_vec(),
        };
        for memory_mib in memories {
            sizes.push(FargateSize {
                cpu_units: tier.cpu_units,
                memory_mib,
            });
        }
    }
    sizes
}

/// Fargate on-demand prices in one region (Linux/x86).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FargatePrice {
    /// Region, e.g. `us-east-1`.
    pub region: String,
    /// Price of one vCPU for one hour.
    pub per_vcpu_hour: Usd,
    /// Price of one GB (= 1024 MiB for Fargate billing) for one hour.
    pub per_gb_hour: Usd,
    /// Where the figures come from.
    pub source: String,
    /// When they were read.
    pub as_of: String,
}

impl FargatePrice {
    /// Hourly price of one task of `size`. Exact: the numerator is a multiple of 1024 for
    /// every valid size at these prices (checked by a unit test).
    pub fn hourly(&self, size: FargateSize) -> Usd {
        let cpu = u64::from(size.cpu_units) * self.per_vcpu_hour.nanos();
        let memory = u64::from(size.memory_mib) * self.per_gb_hour.nanos();
        Usd::from_nanos((cpu + memory) / 1024)
    }
}

/// Parses the embedded `data/fargate_prices.csv`.
pub(crate) fn builtin_fargate_prices() -> Vec<FargatePrice> {
    let table = Table::parse("fargate_prices.csv", FARGATE_PRICES_CSV);
    table
        .rows()
        .map(|row| FargatePrice {
            region: row.get("region").to_string(),
            per_vcpu_hour: parse_usd(row.get("usd_per_vcpu_hour")),
            per_gb_hour: parse_usd(row.get("usd_per_gb_hour")),
            source: row.get("source").to_string(),
            as_of: row.get("as_of").to_string(),
        })
        .collect()
}

pub(crate) fn parse_usd(text: &str) -> Usd {
    Usd::parse(text).unwrap_or_else(|| panic!("embedded price table: not a price: {text:?}"))
}

//! The Fargate sizer: the cheapest valid task size that covers a service's CPU and memory.

use crate::catalog::{fargate_sizes, FargatePrice, FargateSize};

/// The cheapest of the 74 valid sizes with at least `cpu_units` and `memory_mib`, or `None`
/// when even the largest (16384 units, 122880 MiB) is too small.
///
/// Searches all sizes rather than relying on the tier rule in `fargate.md`, so the answer
/// stays right if prices ever change their ratio; ties (none at today's prices) go to the
/// smaller CPU, then smaller memory.
pub fn fargate_size(cpu_units: u32, memory_mib: u32, price: &FargatePrice) -> Option<FargateSize> {
    // The table is fixed: build it once, not once per service (planning sizes thousands).
    static SIZES: std::sync::LazyLock<Vec<FargateSize>> = std::sync::LazyLock::new(fargate_sizes);
    SIZES
        .iter()
        .copied()
        .filter(|s| s.cpu_units >= cpu_units && s.memory_mib >= memory_mib)
        .min_by_key(|s| (price.hourly(*s), *s))
}

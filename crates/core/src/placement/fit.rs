//! Whether a service can run at all, and a message that says why not.
//!
//! `check_gpu_fit` looks at one service alone, so validation can report every manifest that
//! asks for more than any allowed instance offers, naming the closest type and what it lacks.

use std::fmt;

use crate::catalog::Catalog;

use super::demand::{AllowList, ServiceDemand};
use super::model::{priced_allowed_types, Class, TypeCap};

/// A service that cannot be placed, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("service {service}: {reason}")]
pub struct NoFit {
    /// The service's name.
    pub service: String,
    /// What is wrong.
    pub reason: NoFitReason,
}

/// Why a service cannot be placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoFitReason {
    /// A Fargate service asks for more than the largest Fargate size.
    FargateTooLarge {
        /// Requested CPU units.
        cpu_units: u32,
        /// Requested memory in MiB.
        memory_mib: u32,
    },
    /// The catalog has no Fargate price for the region.
    NoFargatePrice {
        /// The region asked for.
        region: String,
    },
    /// The allow-list names no GPU type the catalog knows.
    NothingAllowed {
        /// The allow-list's entries.
        allowed: Vec<String>,
    },
    /// Allowed types exist but none has an on-demand price in the region.
    NothingPriced {
        /// The region asked for.
        region: String,
        /// Allowed types without a price (e.g. p5e.48xlarge).
        unpriced: Vec<String>,
    },
    /// No allowed, priced type is big enough; `closest` is the one that misses least.
    TooBig {
        /// What one task needs.
        need: Need,
        /// The closest allowed type.
        closest: String,
        /// What that type offers to tasks (after its own share).
        offers: Need,
    },
}

/// Resources of one task, or what one instance offers to tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    /// Whole GPUs.
    pub gpus: u32,
    /// Memory per GPU in MiB (for a need: the minimum; 0 = any).
    pub gpu_memory_mib: u32,
    /// CPU units.
    pub cpu_units: u32,
    /// Memory in MiB.
    pub memory_mib: u32,
}

impl fmt::Display for NoFitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoFitReason::FargateTooLarge {
                cpu_units,
                memory_mib,
            } => write!(
                f,
                "needs {} vCPU and {} GiB, more than the largest Fargate size (16 vCPU, 120 GiB)",
                vcpu(*cpu_units),
                gib(*memory_mib)
            ),
            NoFitReason::NoFargatePrice { region } => {
                write!(f, "no Fargate price is known for region {region}")
            }
            NoFitReason::NothingAllowed { allowed } => write!(
                f,
                "the allowed instance types ({}) match no GPU instance type rnd knows",
                allowed.join(", ")
            ),
            NoFitReason::NothingPriced { region, unpriced } => write!(
                f,
                "no allowed GPU type has an on-demand price in {region} (unpriced: {})",
                unpriced.join(", ")
            ),
            NoFitReason::TooBig {
                need,
                closest,
                offers,
            } => {
                write!(f, "needs {} GPU{}", need.gpus, plural(need.gpus))?;
                if need.gpu_memory_mib > 0 {
                    write!(f, " with ≥ {} GiB each", gib(need.gpu_memory_mib))?;
                }
                write!(
                    f,
                    ", {} vCPU and {} GiB memory; the closest allowed type {closest} has {} GPU{} of {} GiB",
                    vcpu(need.cpu_units),
                    gib(need.memory_mib),
                    offers.gpus,
                    plural(offers.gpus),
                    gib(offers.gpu_memory_mib)
                )?;
                let mut short = Vec::new();
                if offers.gpus < need.gpus {
                    short.push("too few GPUs".to_string());
                }
                if offers.gpu_memory_mib < need.gpu_memory_mib {
                    short.push("GPUs too small".to_string());
                }
                if offers.cpu_units < need.cpu_units {
                    short.push(format!("only {} vCPU", vcpu(offers.cpu_units)));
                }
                if offers.memory_mib < need.memory_mib {
                    short.push(format!(
                        "only {} GiB memory left for tasks after the OS and ECS agent",
                        gib(offers.memory_mib)
                    ));
                }
                write!(f, " ({})", short.join(", "))
            }
        }
    }
}

/// Checks that one task of `demand` fits some allowed type with a price in `region`.
///
/// Looks at the service alone (not at what else shares instances), so it is the check to run
/// per manifest during validation. A service with `gpus == 0` runs on Fargate and passes.
pub fn check_gpu_fit(
    demand: &ServiceDemand,
    allowed: &AllowList,
    region: &str,
    catalog: &Catalog,
) -> Result<(), NoFit> {
    if demand.gpus == 0 {
        return Ok(());
    }
    let no_fit = |reason| {
        Err(NoFit {
            service: demand.name.clone(),
            reason,
        })
    };
    let class = class_of(demand);
    let types = priced_allowed_types(catalog, allowed, region);
    if types.iter().any(|t| t.admits(&class)) {
        return Ok(());
    }
    if types.is_empty() {
        let unpriced: Vec<String> = catalog
            .gpu_types()
            .iter()
            .filter(|t| allowed.allows(t))
            .map(|t| t.name.clone())
            .collect();
        if unpriced.is_empty() {
            return no_fit(NoFitReason::NothingAllowed {
                allowed: allowed.0.clone(),
            });
        }
        return no_fit(NoFitReason::NothingPriced {
            region: region.to_string(),
            unpriced,
        });
    }
    let closest = types
        .iter()
        .min_by(|a, b| {
            miss(&class, a)
                .total_cmp(&miss(&class, b))
                .then(a.price.cmp(&b.price))
        })
        .unwrap_or(&types[0]);
    no_fit(NoFitReason::TooBig {
        need: Need {
            gpus: class.gpus,
            gpu_memory_mib: class.gpu_mem,
            cpu_units: class.cpu,
            memory_mib: class.mem,
        },
        closest: closest.name.clone(),
        offers: Need {
            gpus: closest.gpus,
            gpu_memory_mib: closest.gpu_mem,
            cpu_units: closest.cpu,
            memory_mib: closest.mem,
        },
    })
}

/// The packer's view of one task of `demand`.
pub(crate) fn class_of(demand: &ServiceDemand) -> Class {
    Class {
        gpus: demand.gpus,
        gpu_mem: demand.gpu_memory_mib.unwrap_or(0),
        cpu: demand.cpu_units,
        mem: demand.memory_mib,
    }
}

/// How far `t` falls short of `c`: the sum of relative shortfalls over every resource.
fn miss(c: &Class, t: &TypeCap) -> f64 {
    let short = |need: u32, have: u32| {
        if need > have {
            f64::from(need - have) / f64::from(need)
        } else {
            0.0
        }
    };
    short(c.gpus, t.gpus) + short(c.gpu_mem, t.gpu_mem) + short(c.cpu, t.cpu) + short(c.mem, t.mem)
}

fn gib(mib: u32) -> String {
    let tenths = (u64::from(mib) * 10 + 512) / 1024;
    if tenths % 10 == 0 {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

fn vcpu(units: u32) -> String {
    let hundredths = (u64::from(units) * 100 + 512) / 1024;
    let text = format!("{}.{:02}", hundredths / 100, hundredths % 100);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

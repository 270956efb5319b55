//! The cost limits of `platform.json` (`limits.max_hourly_cost_per_service`,
//! `limits.max_hourly_cost_total`) against a placement: shared by the planner (the placement it
//! keeps), validation and `rnd capacity` (a fresh placement), so an over-budget repository is
//! refused before anyone plans it.

use crate::catalog::Usd;
use crate::placement::CapacityPlan;
use crate::platform::Limits;

/// One limit a placement exceeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overrun {
    /// The limit's JSON pointer in `platform.json`.
    pub pointer: &'static str,
    pub message: String,
}

/// Every limit `capacity` exceeds, per service first, then the total.
pub fn over_budget(limits: &Limits, capacity: &CapacityPlan) -> Vec<Overrun> {
    let mut over = Vec::new();
    if let Some(max) = limits.max_hourly_cost_per_service {
        for s in &capacity.services {
            if s.hourly_cost.as_f64() > max + 1e-9 {
                over.push(Overrun {
                    pointer: "/limits/max_hourly_cost_per_service",
                    message: format!(
                        "service {} would cost {:.4}/hour, above max_hourly_cost_per_service {}",
                        s.name,
                        s.hourly_cost,
                        dollars(max)
                    ),
                });
            }
        }
    }
    if let Some(max) = limits.max_hourly_cost_total {
        if capacity.total_hourly_cost.as_f64() > max + 1e-9 {
            over.push(Overrun {
                pointer: "/limits/max_hourly_cost_total",
                message: format!(
                    "all services together would cost {:.4}/hour, above max_hourly_cost_total {}",
                    capacity.total_hourly_cost,
                    dollars(max)
                ),
            });
        }
    }
    over
}

fn dollars(amount: f64) -> Usd {
    Usd::from_nanos((amount * 1e9).round().max(0.0) as u64)
}

//! The capacity plan as data: what runs where and what it costs. Serializes to the JSON that
//! `rnd capacity --format json` prints; `render.rs` prints the same as a table.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog::Usd;

/// Where every task runs and what it costs, per service and in total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapacityPlan {
    /// Region the prices are for.
    pub region: String,
    /// One entry per service, sorted by name.
    pub services: Vec<ServicePlan>,
    /// Every EC2 instance to run, sorted by type then tasks.
    pub instances: Vec<InstancePlan>,
    /// How many instances of each allowed, priced type run; 0 for the rest (scale to zero).
    pub instance_counts: Vec<InstanceCount>,
    /// Sum of every service's hourly cost (equals the sum over instances and Fargate tasks).
    pub total_hourly_cost: Usd,
    /// `total_hourly_cost` × 730 hours.
    pub total_monthly_cost: Usd,
    /// The certificate: no packing of these tasks on the allowed types costs less per hour
    /// (Fargate tasks at their sizes, GPU tasks at the configuration LP's bound).
    pub lower_bound_hourly: Usd,
    /// How far `total_hourly_cost` is above `lower_bound_hourly`, in percent.
    pub gap_percent: GapPercent,
}

impl CapacityPlan {
    /// The certificate in one line, when GPU tasks run on EC2 instances (Fargate sizes are
    /// exact, so a plan without instances has nothing to prove):
    /// `Tasks: $X per hour; no packing of these tasks on the allowed types costs less than
    /// $Y (within Z %).` The bound is shown rounded down, so the sentence stays true; a gap
    /// under 0.01 % reads "costs less (proven cheapest)".
    pub fn certificate(&self) -> Option<String> {
        if self.instances.is_empty() {
            return None;
        }
        let total = self.total_hourly_cost;
        if self.gap_percent.hundredths() == 0 {
            return Some(format!(
                "Tasks: {total:.4} per hour; no packing of these tasks on the allowed types costs less (proven cheapest)."
            ));
        }
        let bound = Usd::from_nanos(self.lower_bound_hourly.nanos() / 100_000 * 100_000);
        Some(format!(
            "Tasks: {total:.4} per hour; no packing of these tasks on the allowed types costs less than {bound:.4} (within {}).",
            self.gap_percent
        ))
    }

    /// The most any repacking of these tasks could save per hour: the cost above the bound.
    pub fn most_a_repack_saves(&self) -> Usd {
        Usd::from_nanos(
            self.total_hourly_cost
                .nanos()
                .saturating_sub(self.lower_bound_hourly.nanos()),
        )
    }
}

/// A gap in percent, kept in hundredths and rounded up (a certificate never flatters);
/// serializes as a number, e.g. `0.14`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct GapPercent(u32);

impl GapPercent {
    /// How far `cost` is above `bound`, rounded up to a hundredth of a percent.
    pub fn between(cost: Usd, bound: Usd) -> GapPercent {
        let (cost, bound) = (cost.nanos(), bound.nanos());
        if cost <= bound {
            return GapPercent(0);
        }
        // Up to the next hundredth, except that a gap of a few nano-dollars (the bound is
        // rounded down by a billionth for floating-point error) does not count as 0.01 %.
        let hundredths = ((cost - bound) as f64 / bound.max(1) as f64 * 10_000.0 - 1e-3).ceil();
        GapPercent(hundredths.clamp(0.0, f64::from(u32::MAX)) as u32)
    }

    /// The gap in hundredths of a percent.
    pub fn hundredths(self) -> u32 {
        self.0
    }
}

impl std::fmt::Display for GapPercent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:02} %", self.0 / 100, self.0 % 100)
    }
}

impl Serialize for GapPercent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(f64::from(self.0) / 100.0)
    }
}

/// One service's placement and cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServicePlan {
    /// Service name.
    pub name: String,
    /// Number of tasks.
    pub replicas: u32,
    /// Fargate size or EC2 instance types.
    pub placement: Placement,
    /// Hourly cost: Fargate size × replicas, or the service's share of its instances.
    pub hourly_cost: Usd,
    /// `hourly_cost` × 730.
    pub monthly_cost: Usd,
}

/// Where a service's tasks run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Placement {
    /// On Fargate, every task with this size.
    Fargate {
        /// Task CPU units.
        cpu: u32,
        /// Task memory in MiB.
        memory: u32,
    },
    /// On EC2 GPU instances.
    Ec2 {
        /// The instance type, when all replicas share one (the usual case); `null` otherwise.
        instance_type: Option<String>,
        /// Replicas per instance type (a service can straddle two types when that is cheaper).
        instance_types: BTreeMap<String, u32>,
    },
}

/// One EC2 instance: its type, its tasks and its price.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct InstancePlan {
    /// EC2 instance type.
    #[serde(rename = "type")]
    pub instance_type: String,
    /// Tasks on it.
    pub tasks: Vec<TaskRef>,
    /// The instance's hourly on-demand price.
    pub hourly_cost: Usd,
    /// `hourly_cost` × 730.
    pub monthly_cost: Usd,
}

/// One task: a service and a replica index (0-based, unique within the service).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TaskRef {
    /// Service name.
    pub service: String,
    /// Replica index.
    pub replica: u32,
}

/// How many instances of one type run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstanceCount {
    /// EC2 instance type.
    #[serde(rename = "type")]
    pub instance_type: String,
    /// Instances to run; 0 when nothing needs this type.
    pub count: u32,
    /// Price of one instance per hour.
    pub hourly_price: Usd,
}

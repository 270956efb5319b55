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

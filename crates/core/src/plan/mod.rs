//! Planning: from validated manifests, the platform and what exists in AWS, to a graph of
//! operations that makes AWS match, with placement and cost before and after.

pub mod cost;
pub mod current;
pub mod desired;
pub mod diff;
pub mod graph;
mod hash;
pub mod naming;
pub mod observed;
pub mod planner;
pub mod references;
pub mod resource;
pub mod routing;
pub mod spec;

pub use planner::{demand_of, expected, plan, plan_destroy, plan_with, Plan, PlanError, PlanOptions};
mod parallel;
pub mod render;
pub mod simulate;

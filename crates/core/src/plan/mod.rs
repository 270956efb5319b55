//! Planning: from validated manifests, the platform and what exists in AWS, to a graph of
//! operations that makes AWS match, with placement and cost before and after.

pub mod budget;
pub mod cost;
pub mod current;
pub mod desired;
pub mod diff;
pub mod dns;
mod fanout;
pub mod graph;
mod hash;
pub mod kept;
pub mod naming;
pub mod observed;
pub mod ownership;
pub mod planner;
pub mod references;
pub mod removal;
pub mod replaced;
pub mod resource;
pub mod routing;
pub mod schedule;
mod sensitive;
pub mod spec;
pub mod warm;

pub use fanout::{Fanout, Sequential};
pub use planner::{
    demand_of, expected, plan, plan_destroy, plan_with, plan_with_fanout, Plan, PlanError, PlanOptions,
};
pub mod render;
pub mod simulate;

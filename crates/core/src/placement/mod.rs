//! Placement and cost: Fargate sizes, GPU packing onto EC2 instance types, and what it costs.
//!
//! Entry points:
//! * [`plan_capacity`]: every service of a deployment in, a [`CapacityPlan`] out (or every
//!   [`NoFit`]). The plan serializes to the capacity report's JSON; [`render_capacity_text`]
//!   prints it as a table.
//! * [`check_gpu_fit`]: one GPU service alone, for per-manifest validation.
//! * [`fargate_size`]: the cheapest valid Fargate size for a CPU/memory request.
//!
//! Decisions, each explained where it is made:
//! * what an instance keeps for itself and why ENIs are counted (no trunking):
//!   `catalog/gpu.rs`;
//! * how the packer works: `pack.rs` (greedy over instance fills, repriced), `knapsack.rs`,
//!   `improve.rs` (right-size, empty, merge), `exchange.rs` (pairwise moves and swaps that
//!   gather free room), `repack.rs` (exact repacking of a few instances at a time);
//! * the certificate ([`CapacityPlan::lower_bound_hourly`], [`CapacityPlan::certificate`]):
//!   what no packing of the same tasks can cost less than, and the packings built on the way
//!   that replace the greedy's when cheaper: `certify/`;
//! * how an instance's price is shared among its tasks (dominant share, exact to the
//!   nano-dollar): `cost.rs`;
//! * stability (keep the running placement unless a fresh one is > 2 % cheaper):
//!   `previous.rs`;
//! * scale to zero: [`CapacityPlan::instance_counts`] lists every allowed, priced type with
//!   the exact number of instances it needs, 0 included, so the caller can set each group's
//!   desired count itself instead of leaning on ECS managed scaling.
//!
//! Everything here is pure and deterministic: sorted maps and index order only, no hashing.

mod certify;
mod cost;
mod demand;
mod dominance;
mod exchange;
mod explain;
mod fargate;
mod fit;
mod improve;
mod knapsack;
mod model;
mod pack;
mod plan;
mod previous;
mod render;
mod repack;
mod report;

pub use demand::{AllowList, ServiceDemand};
pub use explain::{explain_gpu_choices, render_explanations, Explanation};
pub use fargate::fargate_size;
pub use fit::{check_gpu_fit, Need, NoFit, NoFitReason};
pub use plan::{plan_capacity, plan_capacity_stable, plan_capacity_with};
pub use previous::{PreviousInstance, PreviousPlacement, KEEP_PREVIOUS_WITHIN_PERCENT};
pub use render::render_capacity_text;
pub use report::{CapacityPlan, GapPercent, InstanceCount, InstancePlan, Placement, ServicePlan, TaskRef};

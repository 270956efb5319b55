//! Shared helpers for rnd benchmarks.
//!
//! The placement-quality benchmark (`benches/placement_quality.rs`) uses: seeded fleets
//! ([`fleets`]), the instance capacities the packer sees ([`capacity`]), two baseline packers
//! ([`baselines`]), a proven lower bound from the LP relaxation of the configuration model
//! ([`bound`]) and a churn measurement ([`churn`]).

pub mod baselines;
pub mod bound;
pub mod capacity;
pub mod churn;
pub mod exact;
pub mod fleets;
pub mod pricing;
pub mod rng;

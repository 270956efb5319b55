//! Shared helpers for rnd benchmarks.
//!
//! The placement-quality benchmark (`benches/placement_quality.rs`) uses: seeded fleets
//! ([`fleets`]), the instance capacities the packer sees ([`capacity`]), two baseline packers
//! ([`baselines`]), a proven lower bound from the LP relaxation of the configuration model
//! ([`bound`]) and a churn measurement ([`churn`]). `plan_scale` plans with the CLI's threaded
//! [`fanout`].

pub mod baselines;
pub mod bound;
pub mod capacity;
pub mod churn;
pub mod exact;
/// The very file `rnd-app` compiles (`rnd_app::fanout`), so the benchmark measures the threads
/// `rnd` plans with; included by path because depending on rnd-cli would build the AWS SDK.
#[path = "../../crates/app/src/fanout.rs"]
pub mod fanout;
pub mod fleets;
pub mod pricing;
pub mod rng;

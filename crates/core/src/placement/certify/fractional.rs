//! The ceiling of a knapsack's LP relaxation: what proves a relaxed instance type (one that
//! holds many tasks) is worth no more than its price, and backs up an exact search cut short.
//!
//! An 8-GPU type holding up to eight CPU-hungry tasks is a knapsack in four resources (GPUs,
//! CPU, memory, task slots) over a hundred shapes: branch and bound finds good fills but
//! cannot prove that none is better, and every bound it has sits 15–18 % above the truth at
//! the master's duals, which Farley's `θ` then passes on to the whole certificate. For such a
//! type the master instead holds its *relaxation* (`column_generation.rs`): instances bought
//! fractionally, tasks spread over their resources as the LP likes. Every real fill is such a
//! spread, so the master stays a relaxation of the configuration LP and its duals still bound
//! every packing; and the duals now "know" the type is relaxed, so its ceiling is an LP
//! solved exactly, here: nothing is left unproven. On CPU-skewed fleets this loses about
//! 0.01 % of the LP's value, against the 15 % the unprovable ceiling cost (measured with an
//! exact MIP pricing outside rnd), and the LP converges in a few rounds instead of hundreds.
//!
//! The knapsack's LP is solved in its dual form, a covering LP our simplex already solves:
//! minimise `Σ_r room_r λ_r + Σ_s limit_s μ_s` subject to `Σ_r size_sr λ_r + μ_s ≥ π_s`,
//! `λ, μ ≥ 0`. Its singleton columns `μ_s` give the feasible starting basis, and the ceiling
//! is recomputed from `λ` alone (weak duality).

use super::super::model::TypeCap;
use super::pricing::worth_pricing;
use super::shapes::Shape;
use super::simplex::{Column, Master};
use super::Budget;

/// GPUs, CPU units, memory MiB, task slots.
pub(crate) const RESOURCES: usize = 4;

/// What no fill of `ty` is worth more than at `duals`, with at most `limit[s]` tasks of shape
/// `s`: the value of its knapsack's LP relaxation (an upper bound on it, exactly so whatever
/// the simplex's accuracy or budget).
pub(crate) fn ceiling(
    ty: &TypeCap,
    shapes: &[Shape],
    duals: &[f64],
    limit: &[u32],
    budget: &mut Budget,
) -> f64 {
    let room = [
        f64::from(ty.gpus),
        f64::from(ty.cpu),
        f64::from(ty.mem),
        f64::from(ty.slots),
    ];
    let items = worth_pricing(ty, shapes, duals, limit);
    if items.is_empty() {
        return 0.0;
    }
    // Each resource scaled to the type's room, so every coefficient is at most 1.
    let size = |s: usize| -> [f64; RESOURCES] {
        let c = &shapes[s].class;
        let raw = [f64::from(c.gpus), f64::from(c.cpu), f64::from(c.mem), 1.0];
        std::array::from_fn(|r| raw[r] / room[r])
    };
    // No more of a shape than its demand, or than fits alone.
    let most: Vec<f64> = items
        .iter()
        .map(|&s| {
            let fits = size(s)
                .iter()
                .map(|&a| (1.0 / a).floor())
                .fold(f64::INFINITY, f64::min);
            f64::from(limit[s]).min(fits)
        })
        .collect();
    let mut master = Master::new(&most);
    for r in 0..RESOURCES {
        master.add(Column {
            cost: 1.0,
            entries: items.iter().enumerate().map(|(k, &s)| (k, size(s)[r])).collect(),
        });
    }
    let values: Vec<f64> = items.iter().map(|&s| duals[s]).collect();
    master.reset(&values);
    let steps = master.optimize(budget.left());
    budget.spend(steps);
    // The ceiling from λ alone: any λ ≥ 0 gives one (weak duality).
    let x = master.values();
    let lambda: Vec<f64> = (0..RESOURCES).map(|r| x[items.len() + r].max(0.0)).collect();
    let mut upper: f64 = lambda.iter().sum();
    for (k, &s) in items.iter().enumerate() {
        let charged: f64 = size(s).iter().zip(&lambda).map(|(a, l)| a * l).sum();
        upper += most[k] * (values[k] - charged).max(0.0);
    }
    upper
}

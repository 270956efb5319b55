//! A second, coarser lower bound: buy enough GPUs, CPU and memory in total, fractionally.
//!
//! Any packing's instances together offer at least what its tasks need, of every resource,
//! and a task runs only on types with at least its GPUs and its GPU memory per GPU. So for
//! every level `(G GPUs, L per GPU)` the tasks need and every resource, the instances of
//! types offering at least that level must offer at least what the tasks needing it ask for. The
//! cheapest fractional purchase meeting all of these rows (a covering LP with one column per
//! type and a few rows) bounds every packing. It is weaker than the configuration LP where
//! that one converges, but it needs no pricing, so it still certifies fleets whose
//! configuration LP runs out of budget. As there, the duals are scaled (Farley) so the bound
//! holds whatever the simplex's accuracy.

use super::super::model::TypeCap;
use super::column_generation::dollars;
use super::shapes::Shape;
use super::simplex::{Column, Master};
use super::Budget;

/// Artificial columns that make the starting basis feasible cost this much (dollars per
/// hour): the simplex drives them out whenever real types can cover a row.
const ARTIFICIAL: f64 = 1e7;

/// The bound, in dollars per hour.
pub(crate) fn resource_bound(shapes: &[Shape], types: &[TypeCap], budget: &mut Budget) -> f64 {
    // Levels: (GPUs per task, GPU memory per GPU); a task needing at least a level runs only
    // on types offering at least it.
    let mut levels: Vec<(u32, u32)> = shapes.iter().map(|s| (s.class.gpus, s.class.gpu_mem)).collect();
    levels.sort_unstable();
    levels.dedup();
    // Rows: (level, resource) with what the tasks needing that level or more ask for.
    let mut rows: Vec<((u32, u32), usize, f64)> = Vec::new();
    for &level in &levels {
        for resource in 0..3 {
            let need: f64 = shapes
                .iter()
                .filter(|s| s.class.gpus >= level.0 && s.class.gpu_mem >= level.1)
                .map(|s| f64::from(s.demand) * amount(resource, s.class.gpus, s.class.cpu, s.class.mem))
                .sum();
            if need > 0.0 {
                rows.push((level, resource, need));
            }
        }
    }
    if rows.is_empty() {
        return 0.0;
    }
    // Each row is scaled to a demand of 1 so coefficients are comparable.
    let offer = |t: &TypeCap, &(level, resource, need): &((u32, u32), usize, f64)| {
        if t.gpus >= level.0 && t.gpu_mem >= level.1 {
            amount(resource, t.gpus, t.cpu, t.mem) / need
        } else {
            0.0
        }
    };
    let mut master = Master::new(&vec![ARTIFICIAL; rows.len()]);
    for t in types {
        let entries: Vec<(usize, f64)> = rows
            .iter()
            .enumerate()
            .map(|(r, row)| (r, offer(t, row)))
            .filter(|&(_, a)| a > 0.0)
            .collect();
        if !entries.is_empty() {
            master.add(Column {
                cost: dollars(t.price),
                entries,
            });
        }
    }
    master.reset(&vec![1.0; rows.len()]);
    let steps = master.optimize(budget.left());
    budget.spend(steps);
    let duals: Vec<f64> = master.duals().iter().map(|p| p.max(0.0)).collect();
    // Farley: scale the duals until no type is worth more than its price.
    let theta = types
        .iter()
        .map(|t| {
            let worth: f64 = rows.iter().zip(&duals).map(|(row, p)| offer(t, row) * p).sum();
            worth / dollars(t.price)
        })
        .fold(1.0, f64::max);
    duals.iter().sum::<f64>() / theta
}

fn amount(resource: usize, gpus: u32, cpu: u32, mem: u32) -> f64 {
    f64::from([gpus, cpu, mem][resource])
}

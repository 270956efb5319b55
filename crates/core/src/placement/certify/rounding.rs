//! An integer packing from the LP's columns: diving.
//!
//! Take every pattern the LP runs a whole number of times, re-solve the LP over the columns
//! generated so far for the tasks left (no new columns: pricing is the dear part), and repeat; when the LP runs no pattern a whole time,
//! take the one it runs the most once. Each round fixes at least one instance, so it ends;
//! the tasks left when the budget runs out, or that the LP covers only with a relaxed type's
//! spread (`column_generation.rs`), go to the greedy packer. Patterns are trimmed to
//! the tasks still unplaced, so nothing is placed twice; `improve.rs` right-sizes afterwards.

use super::column_generation::{Configurations, Pattern};
use super::simplex::Master;
use super::Budget;

/// How far from a whole number an LP value counts as whole (the branch and bounds').
pub(super) const WHOLE: f64 = 1e-4;

/// Rounds of re-solving before the rest goes to the greedy packer.
const DIVE_ROUNDS: usize = 64;

/// The patterns chosen (trimmed to the tasks they cover) and the tasks per shape left over.
pub(crate) fn dive(
    configurations: &mut Configurations,
    demand: &[u32],
    budget: &mut Budget,
) -> (Vec<Pattern>, Vec<u32>) {
    let mut residual = demand.to_vec();
    let mut chosen = Vec::new();
    for _ in 0..DIVE_ROUNDS {
        let x = configurations.master.values();
        let mut order: Vec<usize> = (0..x.len()).filter(|&j| x[j] > 1e-6).collect();
        order.sort_by(|&a, &b| x[b].total_cmp(&x[a]).then(a.cmp(&b)));
        let mut took = false;
        for &j in &order {
            let whole = (x[j] + 1e-6).floor() as u32;
            for _ in 0..whole {
                took |= apply(&configurations.patterns[j], &mut residual, &mut chosen);
            }
        }
        if !took {
            // Nothing runs a whole time: the pattern run the most, once.
            for &j in &order {
                if apply(&configurations.patterns[j], &mut residual, &mut chosen) {
                    took = true;
                    break;
                }
            }
        }
        // No pattern placed anything (the LP covers the rest with a relaxed type's spread,
        // whose columns are not patterns): re-solving would give the same answer.
        if !took || residual.iter().all(|&r| r == 0) || budget.exhausted() {
            break;
        }
        configurations.resolve(&residual, budget);
    }
    (chosen, residual)
}

/// Runs one instance of `pattern` on the tasks still unplaced; whether it placed any.
pub(super) fn apply(pattern: &Pattern, residual: &mut [u32], chosen: &mut Vec<Pattern>) -> bool {
    let run = pattern.trimmed(residual);
    if run.take.is_empty() {
        return false;
    }
    for &(s, n) in &run.take {
        residual[s] -= n;
    }
    chosen.push(run);
    true
}

/// The packing an LP that runs every column a whole number of times (`x`) makes of the tasks
/// `left` after the instances `chosen`, which cost `fixed`: its cost and its instances, when
/// that is below `below` and every task is placed. Every run is a real pattern (the pool's or a
/// singleton's), trimmed to the tasks still unplaced when it runs, so no task is placed twice.
pub(super) fn whole_packing(
    master: &Master,
    patterns: &[Pattern],
    x: &[f64],
    left: &[u32],
    chosen: &[Pattern],
    fixed: f64,
    below: f64,
) -> Option<(f64, Vec<Pattern>)> {
    // Summed in column order from `fixed`, as the searches always have.
    let mut cost = fixed;
    for (&v, column) in x.iter().zip(&master.columns) {
        let runs = v.round();
        if runs > 0.0 {
            cost += runs * column.cost;
        }
    }
    if cost >= below {
        return None;
    }
    let mut left = left.to_vec();
    let mut out = chosen.to_vec();
    for (&v, pattern) in x.iter().zip(patterns) {
        for _ in 0..v.round() as usize {
            apply(pattern, &mut left, &mut out);
        }
    }
    left.iter().all(|&l| l == 0).then_some((cost, out))
}

//! A bound for fleets too big for the relaxed LP's simplex: that LP's dual, climbed by
//! projected subgradient ascent over every real task shape, with no merging.
//!
//! Relax *every* type the way `fractional.rs` relaxes one: instances are bought fractionally
//! and tasks spread over their GPUs, CPU, memory and slots. The LP's dual prices each type's
//! resources: weights `w_t` with `w_t ≥ 0` and `Σ_r w_tr ≤ 1` make a task of shape `s` worth at
//! most `c_t Σ_r w_tr size_sr / room_tr` on type `t` (its weighted share of the instance), so
//!
//! `g(w) = Σ_s demand_s × min over types t that admit s of c_t Σ_r w_tr size_sr / room_tr`
//!
//! is at most the LP's optimum, hence at most any packing's cost, for *every* such `w` (weak
//! duality; only types another type dominates are left out, which no cheapest packing
//! needs). So any iterate is a proof, and the search only has to climb: Polyak's step toward
//! the incumbent's cost, each type's weights projected back onto `{w ≥ 0, Σ w ≤ 1}`. The
//! best weights also value every task (its least worth over the types), which `certify`
//! hands to the dual-valued greedy and the guided repack when the shapes were merged.
//!
//! Past 160 shapes the relaxed LP is solved on shapes merged down to 160 (`merge.rs`), which
//! gives away the CPU and memory that merging drops: on CPU- and memory-hungry fleets of 2,000
//! tasks that bound sits 4–5 % below this one (CPU-skewed, seed 0: 3,506 against 3,619, the LP
//! optimum HiGHS finds being 3,619.3).

use super::super::model::{Class, TypeCap};
use super::Budget;

/// Iterations at most: Polyak's steps reach the LP's optimum to within 0.1 % in about 500 on
/// the 2,000-task fleets (measured against HiGHS).
const ITERATIONS: usize = 800;

/// Iterations without a better bound after which the climb stops.
const STALL: usize = 60;

/// GPUs, CPU, memory, task slots.
const RESOURCES: usize = 4;

/// One type a shape can run on: the type's position among the candidates, and `c_t ×
/// size_sr / room_tr` per resource (dollars per hour if the resource were all that counted).
struct Host {
    slot: usize,
    share: [f64; RESOURCES],
}

/// The best bound the climb found, and what it values each task at.
pub(crate) struct Climbed {
    /// The best `g(w)`, dollars per hour.
    pub bound: f64,
    /// Per class, what one of its tasks is worth at the best `w`: the least over the types
    /// that admit it (nano-dollars per hour, as prices are; 0 for classes without tasks).
    pub values: Vec<f64>,
}

/// The best `g(w)` found for `counts[i]` tasks of each class on `candidates` (undominated
/// types), climbing toward `upper` (a packing's cost, dollars per hour).
pub(crate) fn ascent(
    classes: &[Class],
    counts: &[u32],
    types: &[TypeCap],
    candidates: &[usize],
    upper: f64,
    budget: &mut Budget,
) -> Climbed {
    // Per class with tasks, where it can run.
    let mut demand = Vec::new();
    let mut members = Vec::new();
    let mut options: Vec<Vec<Host>> = Vec::new();
    for (i, (class, &count)) in classes.iter().zip(counts).enumerate() {
        if count == 0 {
            continue;
        }
        let here: Vec<Host> = candidates
            .iter()
            .enumerate()
            .filter(|&(_, &t)| types[t].admits(class))
            .map(|(slot, &t)| {
                let ty = &types[t];
                let price = ty.price as f64 / 1e9;
                let size = [class.gpus, class.cpu, class.mem, 1];
                let room = [ty.gpus, ty.cpu, ty.mem, ty.slots];
                let mut share = [0.0; RESOURCES];
                for r in 0..RESOURCES {
                    share[r] = price * f64::from(size[r]) / f64::from(room[r].max(1));
                }
                Host { slot, share }
            })
            .collect();
        if here.is_empty() {
            // A class no candidate admits cannot be priced: no bound from here.
            return Climbed {
                bound: 0.0,
                values: vec![0.0; classes.len()],
            };
        }
        members.push(i);
        demand.push(f64::from(count));
        options.push(here);
    }
    let pairs: u64 = options.iter().map(|o| o.len() as u64).sum();
    // Every task valued at its share of the GPUs: a fair start, since GPUs are what every
    // task takes whole.
    let mut weights = vec![[1.0, 0.0, 0.0, 0.0]; candidates.len()];
    let mut gradient = vec![[0.0f64; RESOURCES]; candidates.len()];
    let mut best = 0.0f64;
    let mut best_weights = weights.clone();
    let mut since_best = 0;
    for _ in 0..ITERATIONS {
        if budget.left() < pairs * RESOURCES as u64 || since_best > STALL {
            break;
        }
        budget.spend(pairs * RESOURCES as u64);
        gradient.fill([0.0; RESOURCES]);
        let mut value = 0.0;
        for (&d, here) in demand.iter().zip(&options) {
            let cheapest = cheapest(here, &weights);
            value += d * cheapest.0;
            let host = &here[cheapest.1];
            for (g, share) in gradient[host.slot].iter_mut().zip(&host.share) {
                *g += d * share;
            }
        }
        if value > best {
            best = value;
            best_weights.clone_from(&weights);
            since_best = 0;
        } else {
            since_best += 1;
        }
        let norm: f64 = gradient.iter().flatten().map(|g| g * g).sum();
        if norm <= 0.0 || value >= upper {
            break;
        }
        let step = (upper - value) / norm;
        for (w, g) in weights.iter_mut().zip(&gradient) {
            for r in 0..RESOURCES {
                w[r] += step * g[r];
            }
            *w = onto_capped_simplex(*w);
        }
    }
    let mut values = vec![0.0; classes.len()];
    for (&i, here) in members.iter().zip(&options) {
        values[i] = cheapest(here, &best_weights).0 * 1e9;
    }
    Climbed { bound: best, values }
}

/// What a task is worth at `weights` (the least over the types it can run on, which bounds
/// its worth) and on which of `hosts`.
fn cheapest(hosts: &[Host], weights: &[[f64; RESOURCES]]) -> (f64, usize) {
    let mut cheapest = (f64::INFINITY, 0);
    for (k, host) in hosts.iter().enumerate() {
        let w = &weights[host.slot];
        let worth: f64 = (0..RESOURCES).map(|r| w[r] * host.share[r]).sum();
        if worth < cheapest.0 {
            cheapest = (worth, k);
        }
    }
    cheapest
}

/// The nearest point of `{w ≥ 0, Σ w ≤ 1}` to `v` (Euclidean), scaled down by a hair if
/// rounding left its sum above 1, so that every `w` evaluated is feasible.
fn onto_capped_simplex(v: [f64; RESOURCES]) -> [f64; RESOURCES] {
    let clipped = v.map(|x| x.max(0.0));
    let mut w = if clipped.iter().sum::<f64>() <= 1.0 {
        clipped
    } else {
        // Onto `Σ w = 1`: subtract the threshold `θ` that makes the positive parts sum to 1.
        let mut sorted = v;
        sorted.sort_by(|a, b| b.total_cmp(a));
        let mut theta = 0.0;
        let mut sum = 0.0;
        for (k, &x) in sorted.iter().enumerate() {
            sum += x;
            let candidate = (sum - 1.0) / (k + 1) as f64;
            if x > candidate {
                theta = candidate;
            }
        }
        v.map(|x| (x - theta).max(0.0))
    };
    let sum: f64 = w.iter().sum();
    if sum > 1.0 {
        w = w.map(|x| x / sum * (1.0 - 1e-12));
    }
    w
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever the input, the projection lands in `{w ≥ 0, Σ w ≤ 1}` (what makes every
        /// iterate's `g(w)` a bound) and leaves points already there where they are.
        #[test]
        fn the_projection_is_feasible_and_fixes_feasible_points(
            v in prop::array::uniform4(-3.0f64..3.0),
        ) {
            let w = onto_capped_simplex(v);
            prop_assert!(w.iter().all(|&x| x >= 0.0));
            prop_assert!(w.iter().sum::<f64>() <= 1.0);
            if v.iter().all(|&x| x >= 0.0) && v.iter().sum::<f64>() <= 1.0 {
                prop_assert_eq!(w, v);
            }
        }
    }
}

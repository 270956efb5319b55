//! An integer packing over a pool of near-optimal patterns: a depth-first branch and bound on
//! how many instances of each type run, then on how many times each pattern does.
//!
//! The pool is the same as `branch.rs`'s (the LP's columns and every type's most valuable
//! fills at its duals, plus each shape alone on its cheapest type). At every node the master
//! over the pool is re-solved with the bounds of the branches above it as rows
//! ([`Master::add_row`], the dual simplex from the parent's basis). When some type runs a
//! fractional number of instances, the type whose count is furthest from a whole number is
//! branched on: at most ⌊n⌋ of it, or at least ⌈n⌉, the nearer first. When every type's count
//! is whole, the pattern furthest from a whole number is, the same way. A node whose LP
//! cannot beat the best packing found is dropped, and so is one whose LP takes more than
//! [`NODE_STEPS`] to re-solve.
//!
//! Why counts first: the LP's cost is decided mostly by how many instances of each type it
//! buys, and `branch.rs`'s run-one-or-forbid on patterns cannot move those counts without
//! fixing hundreds of patterns. On CPU-skewed 100 tasks, seed 101, HiGHS over rnd's own pool
//! finds the proven cheapest packing at once while `branch.rs` does not in 16 M steps; this
//! search (prototyped with HiGHS) finds it within 2,000 nodes, and on 10 of the 19 hungry
//! 100-task fleets that reach the branch and bound it found a cheaper packing than rnd's.
//! Bounds on patterns alone found nothing on seed 101 in 3,000 nodes; counts followed by
//! `branch.rs`'s run-or-forbid instead of pattern bounds improved 7 fleets, mostly less.

use super::column_generation::{dollars, Configurations, Pattern};
use super::rounding::{self, WHOLE};
use super::shapes::Shape;
use super::simplex::Master;
use super::Budget;
use crate::placement::model::TypeCap;

/// How much a branch's bound is loosened (far below [`WHOLE`], far above the master's
/// perturbation of a few millionths).
const SLACK: f64 = 1e-5;

/// Work for re-solving one node's LP, at most, in steps. Most take a few pivots (half of
/// them under 1,000 steps on CPU-skewed 100 tasks, seed 101); a few take hundreds, and
/// dropping those leaves the budget to other nodes (the 30 hungry 100-task fleets: 0.298 →
/// 0.292 % above the bound at 6,000, better on three fleets and worse on none; 3,000 lost
/// seed 101's optimum, 10,000 and 20,000 kept less of the gain).
const NODE_STEPS: u64 = 6_000;

/// The cheapest packing of `demand` over `pool` (plus each shape alone on its cheapest
/// type) that costs less than `best` nano-dollars per hour, as patterns trimmed to the tasks
/// they hold; `None` when the search found none within `budget`.
pub(crate) fn cheapest(
    shapes: &[Shape],
    types: &[TypeCap],
    candidates: &[usize],
    pool: Vec<Pattern>,
    demand: &[u32],
    best: u64,
    budget: &mut Budget,
) -> Option<Vec<Pattern>> {
    let none_relaxed = vec![false; types.len()];
    let configurations = Configurations::new(shapes, types, candidates.to_vec(), pool, none_relaxed);
    let patterns = configurations.patterns.clone();
    let mut master = configurations.master;
    let mut rhs: Vec<f64> = demand.iter().map(|&d| f64::from(d)).collect();
    budget.spend(master.reoptimize(&rhs, budget.left()));
    let mut search = Search {
        patterns: &patterns,
        types: types.len(),
        demand,
        budget,
        best: dollars(best),
        found: None,
    };
    search.node(&mut master, &mut rhs);
    search.found
}

struct Search<'a, 'b> {
    patterns: &'a [Pattern],
    types: usize,
    demand: &'a [u32],
    budget: &'b mut Budget,
    /// The cheapest packing so far, in dollars per hour.
    best: f64,
    found: Option<Vec<Pattern>>,
}

/// A branch: the row `Σ coefficient·x ≥ rhs` added to the master.
struct Bound {
    coefficients: Vec<(usize, f64)>,
    rhs: f64,
}

impl Search<'_, '_> {
    /// Explores the node whose LP `master` has just been solved for `rhs`.
    fn node(&mut self, master: &mut Master, rhs: &mut Vec<f64>) {
        if self.budget.exhausted() || master.infeasible() {
            return;
        }
        // Within a millionth counts as no better: rounding cannot buy anything.
        if master.objective() >= self.best * (1.0 - 1e-6) {
            return;
        }
        let x = master.values();
        let Some((first, second)) = self.branches(&x) else {
            self.record(master, &x);
            return;
        };
        // Cloning the master is as much work as a pivot or two.
        let saved = master.clone();
        self.budget.spend((master.rows() * master.rows() / 16) as u64);
        for (i, bound) in [first, second].into_iter().enumerate() {
            if i == 1 {
                *master = saved.clone();
            }
            master.add_row(&bound.coefficients);
            rhs.push(bound.rhs);
            let steps = master.reoptimize(rhs, self.budget.left().min(NODE_STEPS));
            self.budget.spend(steps);
            // A node whose LP is slow to re-solve is dropped, not waited for (see
            // [`NODE_STEPS`]): an incomplete search, but the packings it finds are real.
            if steps < NODE_STEPS {
                self.node(master, rhs);
            }
            rhs.pop();
        }
        *master = saved;
    }

    /// The two branches on the type whose instance count is furthest from whole, or else on
    /// the pattern that is, nearer first; `None` when every value is whole.
    fn branches(&self, x: &[f64]) -> Option<(Bound, Bound)> {
        let mut per_type = vec![0.0; self.types];
        for (j, &v) in x.iter().enumerate() {
            per_type[self.patterns[j].ty] += v;
        }
        let furthest = |values: &[f64]| {
            let mut best: Option<(usize, f64)> = None;
            for (k, &v) in values.iter().enumerate() {
                let off = (v - v.round()).abs();
                if off > WHOLE && best.is_none_or(|(_, b)| off > b + 1e-12) {
                    best = Some((k, off));
                }
            }
            best.map(|(k, _)| k)
        };
        let (members, value): (Vec<usize>, f64) = if let Some(t) = furthest(&per_type) {
            let members = (0..x.len()).filter(|&j| self.patterns[j].ty == t).collect();
            (members, per_type[t])
        } else {
            let j = furthest(x)?;
            (vec![j], x[j])
        };
        let floor = value.floor();
        // At most ⌊value⌋ (as `−Σ x ≥ −⌊value⌋`), or at least ⌈value⌉, each loosened by
        // [`SLACK`]: the master raises every row's right-hand side by a few millionths
        // against degeneracy, and a count bounded both ways would otherwise be infeasible.
        let at_most = Bound {
            coefficients: members.iter().map(|&j| (j, -1.0)).collect(),
            rhs: -floor - SLACK,
        };
        let at_least = Bound {
            coefficients: members.iter().map(|&j| (j, 1.0)).collect(),
            rhs: floor + 1.0 - SLACK,
        };
        Some(if value - floor > 0.5 {
            (at_least, at_most)
        } else {
            (at_most, at_least)
        })
    }

    /// The LP runs whole patterns: a packing, if it costs less than the best so far.
    fn record(&mut self, master: &Master, x: &[f64]) {
        let below = self.best * (1.0 - 1e-9);
        if let Some((cost, out)) =
            rounding::whole_packing(master, self.patterns, x, self.demand, &[], 0.0, below)
        {
            self.best = cost;
            self.found = Some(out);
        }
    }
}

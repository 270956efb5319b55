//! An integer packing over a pool of near-optimal patterns: a depth-first branch and bound.
//!
//! The pool is the LP's columns and every type's most valuable fills at its duals
//! (`near.rs`). The master over the pool is solved at every node for the tasks still
//! unplaced; a node whose LP, plus what its fixed instances cost, cannot beat the best
//! packing found is dropped. Otherwise the column the LP runs most is branched on: one
//! instance of it is run (the tasks it holds are taken off), or it is forbidden below this
//! node. When the tasks left are few, they are packed exactly instead (`exact.rs`), and when
//! the LP runs every column a whole number of times, that is a packing too.
//!
//! Why a search and not `rounding.rs`'s dive alone: the LP is massively degenerate, and a dive
//! keeps its cost all the way down to the last twenty tasks, which then cost a few percent
//! more than their share (CPU-skewed 100 tasks, seed 102: the dive's first 28 instances at
//! the LP's cost, the last 22 tasks 1.8 dollars above it). Branches against the dive are
//! spread over the whole path by limited discrepancy, not spent near the leaves. Every pivot
//! and every exact step is counted, so the search stops when its budget does.

use super::column_generation::{dollars, Configurations, Pattern};
use super::exact;
use super::rounding::{self, WHOLE};
use super::shapes::Shape;
use super::Budget;
use crate::placement::model::TypeCap;

/// What a forbidden column costs (dollars per hour): the simplex drives it out at once.
const FORBIDDEN: f64 = 1e7;

/// The tasks left are packed exactly (`exact.rs`) when they have at most this many states
/// (`Π (left + 1)` over shapes): the dives lose their money in the last few instances, and
/// exactly is how the endgame is won (256, 512 and 1,024 did about as well; 4,096 and more
/// spent the budget on a few endgames).
const EXACT_STATES: u64 = 512;

/// Branches against the dive on one path, at most.
const MAX_DISCREPANCIES: u32 = 8;

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
    let mut search = Branch {
        configurations,
        budget,
        best: dollars(best),
        found: None,
        chosen: Vec::new(),
    };
    let mut residual = demand.to_vec();
    // Limited discrepancy: first the dive alone, then with one branch against it anywhere
    // on the way, then two, and so on, so the budget is not all spent near the leaves.
    for discrepancies in 0..=MAX_DISCREPANCIES {
        search.node(&mut residual, 0.0, discrepancies);
        if search.budget.exhausted() {
            break;
        }
    }
    search.found
}

struct Branch<'a, 'b> {
    configurations: Configurations<'a>,
    budget: &'b mut Budget,
    /// The cheapest packing so far, in dollars per hour.
    best: f64,
    found: Option<Vec<Pattern>>,
    /// The instances run at the nodes above this one, trimmed to the tasks they took.
    chosen: Vec<Pattern>,
}

impl Branch<'_, '_> {
    fn node(&mut self, residual: &mut [u32], fixed: f64, discrepancies: u32) {
        if self.budget.exhausted() {
            return;
        }
        self.configurations.resolve(residual, self.budget);
        let lp = self.configurations.master.objective();
        // Within a millionth counts as no better: rounding cannot buy anything.
        if fixed + lp >= self.best * (1.0 - 1e-6) {
            return;
        }
        if let Some(rest) = self.exactly(residual) {
            let total = fixed + dollars(rest.0);
            if total < self.best * (1.0 - 1e-9) {
                self.best = total;
                let mut out = self.chosen.clone();
                out.extend(rest.1);
                self.found = Some(out);
            }
            return;
        }
        let x = self.configurations.master.values();
        let fractional = x.iter().any(|&v| (v - v.round()).abs() > WHOLE);
        if !fractional {
            self.record(residual, fixed, &x);
            return;
        }
        // The column the LP runs most (the lowest index on ties): one of it, or none.
        let j = (0..x.len())
            .filter(|&j| x[j] > WHOLE)
            .max_by(|&a, &b| x[a].total_cmp(&x[b]).then(b.cmp(&a)))
            .expect("a fractional solution runs some column");
        let cost = self.configurations.master.columns[j].cost;
        let run = self.configurations.patterns[j].trimmed(residual);
        if !run.take.is_empty() {
            for &(s, n) in &run.take {
                residual[s] -= n;
            }
            self.chosen.push(run);
            self.node(residual, fixed + cost, discrepancies);
            let run = self.chosen.pop().expect("pushed above");
            for &(s, n) in &run.take {
                residual[s] += n;
            }
        }
        if discrepancies > 0 {
            self.configurations.master.columns[j].cost = FORBIDDEN;
            self.node(residual, fixed, discrepancies - 1);
            self.configurations.master.columns[j].cost = cost;
        }
    }

    /// The cheapest packing of the tasks left, when they are few enough to solve exactly.
    fn exactly(&mut self, residual: &[u32]) -> Option<(u64, Vec<Pattern>)> {
        let shapes = self.configurations.shapes;
        let mut states: u64 = 1;
        for &r in residual {
            states = states.saturating_mul(u64::from(r) + 1);
        }
        if states > EXACT_STATES {
            return None;
        }
        let index: Vec<usize> = (0..residual.len()).filter(|&s| residual[s] > 0).collect();
        let sub: Vec<Shape> = index
            .iter()
            .map(|&s| Shape {
                demand: residual[s],
                ..shapes[s].clone()
            })
            .collect();
        let candidates = self.configurations.candidates.clone();
        let (cost, patterns) = exact::cheapest(&sub, self.configurations.types, &candidates, self.budget)?;
        let patterns = patterns
            .into_iter()
            .map(|p| Pattern {
                ty: p.ty,
                take: p.take.iter().map(|&(s, n)| (index[s], n)).collect(),
            })
            .collect();
        Some((cost, patterns))
    }

    /// The LP runs whole columns: the instances chosen above, and these.
    fn record(&mut self, residual: &[u32], fixed: f64, x: &[f64]) {
        let configurations = &self.configurations;
        let below = self.best * (1.0 - 1e-9);
        let (master, patterns) = (&configurations.master, &configurations.patterns);
        if let Some((cost, out)) =
            rounding::whole_packing(master, patterns, x, residual, &self.chosen, fixed, below)
        {
            self.best = cost;
            self.found = Some(out);
        }
    }
}

//! Small fleets solved exactly: the cheapest packing by dynamic programming over how many
//! tasks of each shape are left.
//!
//! On a few dozen tasks the configuration LP can sit several percent below the cheapest
//! packing (whole instances matter more when there are few of them), so its certificate would
//! undersell a packing that is in fact optimal. When the number of states (tasks left per
//! shape, `Π (demand + 1)`) is small, `cost(state)` is the cheapest instance holding some
//! tasks including one of the first shape left, plus `cost(state − those tasks)`: exact, and
//! the result is both the bound and a packing. The work is counted in steps and the attempt
//! abandoned (the LP's certificate stands) when it runs out.

use super::super::model::{Load, TypeCap};
use super::column_generation::Pattern;
use super::shapes::Shape;
use super::Budget;

/// Fleets with more states than this are left to the LP.
pub(crate) const MAX_STATES: u64 = 40_000;

/// The cheapest packing of `shapes` (nano-dollars per hour) and its instances as patterns,
/// or `None` when the fleet is too large or the budget runs out.
///
/// `candidates` are the types worth launching (no other type is as cheap and at least as big,
/// so the cheapest type holding a load is always one of them), cheapest first.
pub(crate) fn cheapest(
    shapes: &[Shape],
    types: &[TypeCap],
    candidates: &[usize],
    budget: &mut Budget,
) -> Option<(u64, Vec<Pattern>)> {
    let mut states: u64 = 1;
    for shape in shapes {
        states = states.checked_mul(u64::from(shape.demand) + 1)?;
        if states > MAX_STATES {
            return None;
        }
    }
    let mut stride = vec![1usize; shapes.len()];
    for s in 1..shapes.len() {
        stride[s] = stride[s - 1] * (shapes[s - 1].demand as usize + 1);
    }
    let mut solver = Solver {
        shapes,
        types,
        candidates,
        stride,
        // Per state: the cost and the first instance of a cheapest packing.
        memo: vec![None; states as usize],
        budget,
        most: [
            types.iter().map(|t| t.gpus).max().unwrap_or(0),
            types.iter().map(|t| t.cpu).max().unwrap_or(0),
            types.iter().map(|t| t.mem).max().unwrap_or(0),
        ],
    };
    let full: Vec<u32> = shapes.iter().map(|s| s.demand).collect();
    let total = solver.cost(&full)?;
    let mut patterns = Vec::new();
    let mut left = full;
    while left.iter().any(|&n| n > 0) {
        let (_, first) = solver.memo[solver.index(&left)].clone()?;
        for &(s, n) in &first.take {
            left[s] -= n;
        }
        patterns.push(first);
    }
    Some((total, patterns))
}

struct Solver<'a, 'b> {
    shapes: &'a [Shape],
    types: &'a [TypeCap],
    candidates: &'a [usize],
    stride: Vec<usize>,
    memo: Vec<Option<(u64, Pattern)>>,
    budget: &'b mut Budget,
    most: [u32; 3],
}

impl Solver<'_, '_> {
    fn index(&self, left: &[u32]) -> usize {
        left.iter().zip(&self.stride).map(|(&n, &s)| n as usize * s).sum()
    }

    /// The cheapest packing of `left`, or `None` when the budget ran out.
    fn cost(&mut self, left: &[u32]) -> Option<u64> {
        let Some(first) = left.iter().position(|&n| n > 0) else {
            return Some(0);
        };
        let index = self.index(left);
        if let Some((cost, _)) = &self.memo[index] {
            return Some(*cost);
        }
        // Every instance that holds one task of `first` and any others still left.
        let mut fills = Vec::new();
        let mut take = vec![(first, 1)];
        let mut load = Load::default();
        load.add(&self.shapes[first].class, 1);
        self.fills(left, first, &mut take, load, &mut fills);
        if self.budget.exhausted() {
            // Some fills may be missing: no longer exact.
            return None;
        }
        let mut best: Option<(u64, Pattern)> = None;
        let mut rest = left.to_vec();
        for (price, pattern) in fills {
            if best.as_ref().is_some_and(|(b, _)| price >= *b) {
                continue;
            }
            for &(s, n) in &pattern.take {
                rest[s] -= n;
            }
            let after = self.cost(&rest);
            for &(s, n) in &pattern.take {
                rest[s] += n;
            }
            let total = price + after?;
            if best.as_ref().is_none_or(|(b, _)| total < *b) {
                best = Some((total, pattern));
            }
        }
        let best = best?;
        let cost = best.0;
        self.memo[index] = Some(best);
        Some(cost)
    }

    /// Extends `take` (whose load is `load`) with shapes from `from` on, recording each fill
    /// some type holds with its cheapest such type.
    fn fills(
        &mut self,
        left: &[u32],
        from: usize,
        take: &mut Vec<(usize, u32)>,
        load: Load,
        out: &mut Vec<(u64, Pattern)>,
    ) {
        if self.budget.exhausted() {
            return;
        }
        self.budget.spend(1);
        if let Some(&t) = self.candidates.iter().find(|&&t| self.types[t].holds(&load)) {
            out.push((
                self.types[t].price,
                Pattern {
                    ty: t,
                    take: take.clone(),
                },
            ));
        } else {
            return;
        }
        for s in from..self.shapes.len() {
            let already = take.iter().find(|(x, _)| *x == s).map_or(0, |(_, n)| *n);
            if already >= left[s] {
                continue;
            }
            let mut next = load;
            next.add(&self.shapes[s].class, 1);
            if next.gpus > self.most[0]
                || next.cpu > u64::from(self.most[1])
                || next.mem > u64::from(self.most[2])
            {
                continue;
            }
            match take.last_mut() {
                Some((x, n)) if *x == s => *n += 1,
                _ => take.push((s, 1)),
            }
            self.fills(left, s, take, next, out);
            match take.last_mut() {
                Some((_, n)) if *n > 1 => *n -= 1,
                _ => {
                    take.pop();
                }
            }
        }
    }
}

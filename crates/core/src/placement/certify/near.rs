//! Each instance type's most valuable fills at the LP's duals, not only the best one: the
//! patterns an integer packing close to the LP's optimum is made of (`branch.rs`).
//!
//! Why: the LP's own columns are those column generation needed to *price* the tasks, and a
//! packing made only of them is often far from the cheapest (CPU-skewed 100 tasks, seed 102:
//! the best packing over the LP's columns is 2.3 % above the LP, while the cheapest packing
//! of all, proven with HiGHS over every pattern within its reduced-cost gap, is 0.1 % above
//! it and uses patterns column generation never made). Those patterns all have reduced costs
//! near zero, so they are found here: a depth-first search over the shapes that keeps the
//! `count` most valuable maximal fills worth at least `floor`, pruned by Dantzig's bound on
//! the tightest surrogate resource (`pricing.rs`).

use super::super::model::TypeCap;
use super::column_generation::{dollars, Pattern};
use super::pricing::{fitting, room_of, sizes, worth_pricing, Fractional, MIXES, RESOURCES};
use super::shapes::Shape;
use super::Budget;

/// The `count` most valuable maximal fills of `ty` worth at least `floor` at `duals`, with at
/// most `limit[s]` tasks of shape `s`, most valuable first, searching at most `node_limit`
/// nodes; and the nodes searched.
pub(crate) fn near_fills(
    ty: &TypeCap,
    shapes: &[Shape],
    duals: &[f64],
    limit: &[u32],
    floor: f64,
    count: usize,
    node_limit: u64,
) -> (Vec<Vec<(usize, u32)>>, u64) {
    let room = room_of(ty);
    let items = worth_pricing(ty, shapes, duals, limit);
    let root_work = (MIXES.len() * items.len()) as u64 + 1;
    if items.is_empty() || count == 0 {
        return (Vec::new(), root_work);
    }
    // The tightest surrogate at the root orders the search and bounds every node.
    let fractional = MIXES
        .iter()
        .map(|&mix| Fractional::new(&items, shapes, duals, limit, &room, mix))
        .map(|f| (f.bound(0, f.room(&room)), f))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, f)| f)
        .expect("MIXES is not empty");
    if fractional.bound(0, fractional.room(&room)) < floor {
        return (Vec::new(), root_work);
    }
    let mut search = Near {
        shapes,
        duals,
        limit,
        fractional: &fractional,
        floor,
        count,
        node_limit,
        nodes: 0,
        found: Vec::new(),
        take: Vec::new(),
    };
    search.dfs(0, room, 0.0);
    let fills = search.found.into_iter().map(|(_, take)| take).collect();
    (fills, search.nodes + root_work)
}

/// `pool` plus, for each of `candidates`, its [`near_fills`] (`count` of them, `node_limit`
/// nodes) worth at least its price less `gap` at `duals`, with at most `limit[s]` tasks of
/// shape `s`; sorted, without repeats. The searches' nodes are charged to `budget`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn with_near_fills(
    mut pool: Vec<Pattern>,
    types: &[TypeCap],
    candidates: &[usize],
    shapes: &[Shape],
    duals: &[f64],
    limit: &[u32],
    gap: f64,
    (count, node_limit): (usize, u64),
    budget: &mut Budget,
) -> Vec<Pattern> {
    for &t in candidates {
        let floor = dollars(types[t].price) - gap;
        let (fills, nodes) = near_fills(&types[t], shapes, duals, limit, floor, count, node_limit);
        budget.spend(nodes);
        pool.extend(fills.into_iter().map(|take| Pattern { ty: t, take }));
    }
    pool.sort();
    pool.dedup();
    pool
}

struct Near<'a> {
    shapes: &'a [Shape],
    duals: &'a [f64],
    limit: &'a [u32],
    fractional: &'a Fractional,
    floor: f64,
    count: usize,
    node_limit: u64,
    nodes: u64,
    /// The fills kept, most valuable first (ties: found first).
    found: Vec<(f64, Vec<(usize, u32)>)>,
    take: Vec<(usize, u32)>,
}

impl Near<'_> {
    /// What a fill must be worth to be kept now.
    fn cutoff(&self) -> f64 {
        if self.found.len() == self.count {
            self.found[self.count - 1].0
        } else {
            self.floor
        }
    }

    fn dfs(&mut self, k: usize, room: [u64; RESOURCES], value: f64) {
        self.nodes += 1;
        let order = &self.fractional.order;
        if k == order.len() {
            if value >= self.cutoff() && !self.take.is_empty() && self.maximal(&room) {
                self.keep(value);
            }
            return;
        }
        let bound = value + self.fractional.bound(k, self.fractional.room(&room));
        if bound < self.cutoff() || self.nodes >= self.node_limit {
            return;
        }
        let s = order[k];
        let size = sizes(&self.shapes[s]);
        let most = fitting(&self.shapes[s], &room, self.limit[s]);
        for n in (0..=most).rev() {
            let mut left = room;
            for d in 0..RESOURCES {
                left[d] -= n * size[d];
            }
            if n > 0 {
                self.take.push((s, n as u32));
            }
            self.dfs(k + 1, left, value + n as f64 * self.duals[s]);
            if n > 0 {
                self.take.pop();
            }
        }
    }

    /// Whether no task of a shape worth something still fits in `room`: a fill that could
    /// take one more is never cheaper to run than the fill with it.
    fn maximal(&self, room: &[u64; RESOURCES]) -> bool {
        !self.fractional.order.iter().any(|&s| {
            let taken = self.take.iter().find(|t| t.0 == s).map_or(0, |t| t.1);
            let size = sizes(&self.shapes[s]);
            taken < self.limit[s] && (0..RESOURCES).all(|d| size[d] <= room[d])
        })
    }

    fn keep(&mut self, value: f64) {
        let mut take = self.take.clone();
        take.sort_unstable();
        let at = self.found.partition_point(|(v, _)| *v >= value);
        self.found.insert(at, (value, take));
        self.found.truncate(self.count);
    }
}

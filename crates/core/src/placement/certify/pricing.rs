//! The pricing problem: for one instance type and the master's duals, the fill of one
//! instance worth the most (a small bounded knapsack over task shapes: GPUs, CPU, memory and
//! task slots), and a proven upper bound on it when the search is cut short.
//!
//! Bounds drop all but one resource: what remains is a fractional knapsack, solved exactly
//! by taking shapes in order of value per unit of that resource (Dantzig's bound), which can
//! only over-estimate. At the root every resource's bound is computed and the smallest kept:
//! when even it cannot beat the price, the type is done without a search (most types, most
//! rounds). Otherwise a depth-first branch and bound runs over the shapes in order of value
//! per unit of that tightest resource, bounding each node by its fractional knapsack (prefix
//! sums and a binary search) and by the best value per unit of the other resources. When the
//! node budget runs out, the largest bound of any abandoned subtree is kept as the ceiling, so
//! the Farley bound built on it stays valid.

use super::super::model::TypeCap;
use super::lagrange::{best_gpu_table, GpuRoomTable, GpuTable, CPU, MEMORY};
use super::shapes::Shape;

/// Steps charged per shape for a GPU × CPU or GPU × memory table (`lagrange.rs`).
const LAGRANGE_WORK: usize = 200;

/// The best fill found and what no fill of this type can beat.
#[derive(Debug, Clone)]
pub(crate) struct Priced {
    /// The best fills found worth more than the threshold, best first (at most
    /// [`improving_fills`]).
    pub improving: Vec<Vec<(usize, u32)>>,
    pub upper: f64,
    /// The most valuable fill found.
    pub best: f64,
    /// Whether the search ran out of nodes (so `upper` may be far above `best`).
    pub out_of_nodes: bool,
    pub nodes: u64,
}

/// Fills returned per type and round, at most: one per [`SHAPES_PER_FILL`] shapes, between
/// [`FEWEST_FILLS`] and [`MOST_FILLS`]. Column generation over a hundred shapes and more
/// converges in fewer rounds with more columns per round (mixed and memory-heavy fleets of 400
/// tasks: a tighter bound within the same steps, and packings 0.1–0.5 % cheaper from the
/// richer columns); on fleets of a few dozen shapes it converges anyway, and twelve columns
/// per round only moved the packings rounded from them (100 tasks: 0.04–0.07 % dearer).
fn improving_fills(shapes: usize) -> usize {
    (shapes / SHAPES_PER_FILL).clamp(FEWEST_FILLS, MOST_FILLS)
}
const SHAPES_PER_FILL: usize = 10;
const FEWEST_FILLS: usize = 3;
const MOST_FILLS: usize = 12;

/// GPUs, CPU units, memory MiB, task slots.
pub(super) const RESOURCES: usize = 4;

/// Tasks of `shape` that fit in `room` (every resource counted), at most `limit`.
pub(super) fn fitting(shape: &Shape, room: &[u64; RESOURCES], limit: u32) -> u64 {
    let size = sizes(shape);
    (0..RESOURCES)
        .map(|r| room[r] / size[r].max(1))
        .min()
        .unwrap_or(0)
        .min(u64::from(limit))
}

/// What an empty instance of `ty` holds of each resource.
pub(super) fn room_of(ty: &TypeCap) -> [u64; RESOURCES] {
    [
        u64::from(ty.gpus),
        u64::from(ty.cpu),
        u64::from(ty.mem),
        u64::from(ty.slots),
    ]
}

/// What one task of `shape` takes of each resource.
pub(super) fn sizes(shape: &Shape) -> [u64; RESOURCES] {
    let c = &shape.class;
    [u64::from(c.gpus), u64::from(c.cpu), u64::from(c.mem), 1]
}

/// Finds the most valuable fill of `ty` with at most `limit[s]` tasks of shape `s`, each
/// worth `duals[s]`, searching at most `node_limit` nodes; `price` is the value a fill must
/// beat to matter (the search stops at the root when no fill can).
pub(crate) fn price(
    ty: &TypeCap,
    shapes: &[Shape],
    duals: &[f64],
    limit: &[u32],
    threshold: f64,
    node_limit: u64,
) -> Priced {
    let room = room_of(ty);
    let items = worth_pricing(ty, shapes, duals, limit);
    let at_root = Priced {
        improving: Vec::new(),
        upper: 0.0,
        best: 0.0,
        out_of_nodes: false,
        nodes: (MIXES.len() * items.len()) as u64 + 1,
    };
    if items.is_empty() {
        return at_root;
    }
    // The tightest mix of resources at the root (see `MIXES`). Most types, most rounds, end
    // here: as soon as one mix proves that no fill beats the threshold, the others cannot
    // matter (a ceiling at or below the price adds nothing to Farley's `θ`), so they are
    // not sorted.
    let mut mixes: Vec<(f64, Fractional)> = Vec::with_capacity(MIXES.len());
    let mut root_bounds = [0.0f64; MIXES.len()];
    for (m, &mix) in MIXES.iter().enumerate() {
        let fractional = Fractional::new(&items, shapes, duals, limit, &room, mix);
        let bound = fractional.bound(0, fractional.room(&room));
        root_bounds[m] = bound;
        if bound <= threshold {
            return Priced {
                upper: bound,
                ..at_root
            };
        }
        mixes.push((bound, fractional));
    }
    // Tightest first, ties in `MIXES` order.
    mixes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let root = mixes[0].0;
    let mut mixes: Vec<Fractional> = mixes.into_iter().map(|(_, f)| f).collect();
    let fractional = mixes.remove(0);
    // The other mixes bound a node too, over the shapes still undecided there.
    mixes.truncate(SECONDARY_MIXES);
    let order = &fractional.order;
    let n = order.len();
    let mut position = vec![usize::MAX; shapes.len()];
    for (k, &s) in order.iter().enumerate() {
        position[s] = k;
    }
    let most: Vec<u64> = order
        .iter()
        .map(|&s| fitting(&shapes[s], &room, limit[s]))
        .collect();
    let room3 = [room[0], room[1], room[2]];
    let gpu_table = best_gpu_table(order, &most, shapes, duals, room3);
    let mut root = root.min(gpu_table.bound(0, room3));
    let nodes = (MIXES.len() * items.len() + LAGRANGE_WORK * n) as u64;
    if root <= threshold {
        // Proven already: the GPU × CPU table could only lower a ceiling that is reported
        // as the threshold anyway.
        return Priced {
            upper: threshold,
            nodes,
            ..at_root
        };
    }
    // GPUs kept whole with CPU or memory, whichever binds harder alone at the root (the
    // fractional bound of that resource alone is the smaller), the other priced at the `λ`
    // just found: CPU-hungry tasks need the GPU × CPU table, memory-hungry ones the GPU ×
    // memory one (see `lagrange.rs`). `MIXES[r]` is resource `r` alone.
    let (resource, lambda_other) = if root_bounds[MEMORY] < root_bounds[CPU] {
        (MEMORY, gpu_table.lambda[0])
    } else {
        (CPU, gpu_table.lambda[1])
    };
    let whole = GpuRoomTable::new(order, &most, shapes, duals, room3, resource, lambda_other);
    root = root.min(whole.bound(0, room3));
    if root <= threshold * (1.0 + SLACK) {
        return Priced {
            upper: root.max(threshold),
            nodes,
            ..at_root
        };
    }
    // Suffix maxima of value per unit of every resource, for the other resources' bounds.
    let mut density = vec![[0.0f64; RESOURCES]; n + 1];
    for k in (0..n).rev() {
        let size = sizes(&shapes[order[k]]);
        let v = duals[order[k]];
        for d in 0..RESOURCES {
            density[k][d] = density[k + 1][d].max(v / size[d].max(1) as f64);
        }
    }
    let mut search = Search {
        shapes,
        duals,
        limit,
        fractional: &fractional,
        secondary: &mixes,
        whole: &whole,
        gpu_table: &gpu_table,
        position: &position,
        density: &density,
        node_limit,
        floor: threshold,
        relaxed: 0.0,
        nodes: 0,
        cut: false,
        out_of_nodes: false,
        abandoned: 0.0,
        best: 0.0,
        improving: Vec::new(),
        fills: improving_fills(shapes.len()),
        take: Vec::new(),
    };
    search.dfs(0, room, 0.0);
    let upper = if search.cut {
        search.abandoned.max(search.best)
    } else {
        search.best
    }
    .max(search.relaxed);
    Priced {
        improving: search.improving.into_iter().rev().collect(),
        upper: upper.min(root),
        best: search.best,
        out_of_nodes: search.out_of_nodes,
        nodes: search.nodes + nodes,
    }
}

/// The shapes a fill of `ty` can use: admitted, with tasks left and a positive value.
pub(crate) fn worth_pricing(ty: &TypeCap, shapes: &[Shape], duals: &[f64], limit: &[u32]) -> Vec<usize> {
    (0..shapes.len())
        .filter(|&s| limit[s] > 0 && duals[s] > 0.0 && ty.admits(&shapes[s].class))
        .collect()
}

/// Weights of the surrogate resources tried at the root: each resource alone (`MIXES[r]` is
/// resource `r` alone, which `price` relies on), and mixes of two or three. Any non-negative
/// mix gives a valid bound (a packing that fits every resource fits their weighted sum); the
/// best mix approaches the knapsack's LP relaxation, and mixes matter where GPUs and CPU bind
/// together.
pub(super) const MIXES: [[f64; RESOURCES]; 8] = [
    [1.0, 0.0, 0.0, 0.0],
    [0.0, 1.0, 0.0, 0.0],
    [0.0, 0.0, 1.0, 0.0],
    [0.0, 0.0, 0.0, 1.0],
    [0.5, 0.5, 0.0, 0.0],
    [0.5, 0.0, 0.5, 0.0],
    [0.0, 0.5, 0.5, 0.0],
    [1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0, 0.0],
];

/// Shapes in order of value per unit of one surrogate resource (a weighted mix of the real
/// ones, each measured as a fraction of the instance), with prefix sums of size and value
/// (every shape at the most it can take) for Dantzig's bound on any suffix.
pub(super) struct Fractional {
    pub(super) order: Vec<usize>,
    /// The surrogate's weight per unit of each real resource.
    weight: [f64; RESOURCES],
    prefix_size: Vec<f64>,
    prefix_value: Vec<f64>,
}

impl Fractional {
    pub(super) fn new(
        items: &[usize],
        shapes: &[Shape],
        duals: &[f64],
        limit: &[u32],
        room: &[u64; RESOURCES],
        mix: [f64; RESOURCES],
    ) -> Fractional {
        let mut weight = [0.0; RESOURCES];
        for d in 0..RESOURCES {
            weight[d] = mix[d] / room[d].max(1) as f64;
        }
        // A shape can never take more than the whole instance holds of any resource.
        let most = |s: usize| fitting(&shapes[s], room, limit[s]);
        let surrogate = |s: usize| {
            let size = sizes(&shapes[s]);
            (0..RESOURCES).map(|d| weight[d] * size[d] as f64).sum::<f64>()
        };
        // (value per unit, shape, surrogate size, tasks at most), computed once per shape.
        let mut keyed: Vec<(f64, usize, f64, u64)> = items
            .iter()
            .map(|&s| (s, most(s)))
            .filter(|&(_, most)| most > 0)
            .map(|(s, most)| {
                let w = surrogate(s);
                let unit = if w > 0.0 { duals[s] / w } else { f64::INFINITY };
                (unit, s, w, most)
            })
            .collect();
        keyed.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let order: Vec<usize> = keyed.iter().map(|k| k.1).collect();
        let mut prefix_size = vec![0.0f64; order.len() + 1];
        let mut prefix_value = vec![0.0f64; order.len() + 1];
        for (k, &(_, s, w, most)) in keyed.iter().enumerate() {
            prefix_size[k + 1] = prefix_size[k] + most as f64 * w;
            prefix_value[k + 1] = prefix_value[k] + most as f64 * duals[s];
        }
        Fractional {
            order,
            weight,
            prefix_size,
            prefix_value,
        }
    }

    /// The surrogate room of an instance with `room` left of each resource.
    pub(super) fn room(&self, room: &[u64; RESOURCES]) -> f64 {
        (0..RESOURCES).map(|d| self.weight[d] * room[d] as f64).sum()
    }

    /// The most the shapes from position `k` on can be worth in `room` surrogate units,
    /// fractionally.
    pub(super) fn bound(&self, k: usize, room: f64) -> f64 {
        let n = self.order.len();
        if k >= n {
            return 0.0;
        }
        let start = self.prefix_size[k];
        // The first position past the longest prefix (from k) that still fits whole.
        let end = self.prefix_size[k..].partition_point(|&p| p - start <= room) + k - 1;
        let value = self.prefix_value[end] - self.prefix_value[k];
        if end >= n {
            return value;
        }
        let left = room - (self.prefix_size[end] - start);
        let width = self.prefix_size[end + 1] - self.prefix_size[end];
        if width <= 0.0 {
            return f64::INFINITY;
        }
        value + left * (self.prefix_value[end + 1] - self.prefix_value[end]) / width
    }
}

impl Fractional {
    /// Like [`Fractional::bound`], over the shapes whose search position is `k` or later:
    /// `O(shapes)`, for mixes other than the one that orders the search.
    fn bound_from(&self, k: usize, mut room: f64, position: &[usize]) -> f64 {
        let mut value = 0.0;
        for (j, &s) in self.order.iter().enumerate() {
            if position[s] < k {
                continue;
            }
            let size = self.prefix_size[j + 1] - self.prefix_size[j];
            let worth = self.prefix_value[j + 1] - self.prefix_value[j];
            if size <= room {
                room -= size;
                value += worth;
            } else {
                if size > 0.0 {
                    value += worth * room / size;
                }
                return value;
            }
        }
        value
    }
}

/// Mixes besides the search's own that bound each node.
const SECONDARY_MIXES: usize = 3;

struct Search<'a> {
    shapes: &'a [Shape],
    duals: &'a [f64],
    limit: &'a [u32],
    fractional: &'a Fractional,
    secondary: &'a [Fractional],
    whole: &'a GpuRoomTable,
    gpu_table: &'a GpuTable,
    position: &'a [usize],
    density: &'a [[f64; RESOURCES]],
    node_limit: u64,
    /// The value a fill must beat to matter to the caller.
    floor: f64,
    /// The largest bound of a subtree pruned only thanks to [`SLACK`].
    relaxed: f64,
    nodes: u64,
    cut: bool,
    out_of_nodes: bool,
    abandoned: f64,
    best: f64,
    improving: Vec<Vec<(usize, u32)>>,
    /// Improving fills after which the search stops.
    fills: usize,
    take: Vec<(usize, u32)>,
}

/// Subtrees whose bound is within this fraction of the best fill (or of the value the caller
/// needs beaten) are not searched: proving a knapsack optimal among many near-ties is most of
/// the work, and the Farley bound loses at most this fraction for it.
const SLACK: f64 = 2e-4;

impl Search<'_> {
    /// Whether a subtree with this bound can be skipped; remembers what skipping it costs.
    fn prune(&mut self, bound: f64) -> bool {
        if bound <= self.best * (1.0 + 1e-12) {
            return true;
        }
        if bound <= self.best.max(self.floor) * (1.0 + SLACK) {
            self.relaxed = self.relaxed.max(bound);
            return true;
        }
        false
    }

    fn dfs(&mut self, k: usize, room: [u64; RESOURCES], value: f64) {
        self.nodes += 1;
        if value > self.best {
            self.best = value;
            if value > self.floor {
                self.improving.push(self.take.clone());
                if self.improving.len() == self.fills {
                    // Enough columns for this round: the master moves on sooner, and the
                    // round's ceiling (what was left unsearched) only matters in the last
                    // round, which finds none and so searches to the end.
                    self.cut = true;
                }
            }
        }
        let order = &self.fractional.order;
        if k == order.len() {
            return;
        }
        let mut bound = value + self.fractional.bound(k, self.fractional.room(&room));
        for (&left, &per_unit) in room.iter().zip(&self.density[k]) {
            bound = bound.min(value + left as f64 * per_unit);
        }
        if self.prune(bound) {
            return;
        }
        let room3 = [room[0], room[1], room[2]];
        bound = bound.min(value + self.gpu_table.bound(k, room3));
        bound = bound.min(value + self.whole.bound(k, room3));
        if self.prune(bound) {
            return;
        }
        for mix in self.secondary {
            bound = bound.min(value + mix.bound_from(k, mix.room(&room), self.position));
            if self.prune(bound) {
                return;
            }
        }
        if self.nodes >= self.node_limit {
            self.cut = true;
            self.out_of_nodes = true;
            self.abandoned = self.abandoned.max(bound);
            return;
        }
        let s = order[k];
        let size = sizes(&self.shapes[s]);
        let most = fitting(&self.shapes[s], &room, self.limit[s]);
        for count in (0..=most).rev() {
            let mut left = room;
            for d in 0..RESOURCES {
                left[d] -= count * size[d];
            }
            if count > 0 {
                self.take.push((s, count as u32));
            }
            self.dfs(k + 1, left, value + count as f64 * self.duals[s]);
            if count > 0 {
                self.take.pop();
            }
            if self.cut {
                // Every subtree not fully searched keeps this node's bound as its ceiling.
                self.abandoned = self.abandoned.max(bound);
                return;
            }
        }
    }
}

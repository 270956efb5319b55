//! Bounds for the pricing knapsack that keep GPUs and one more resource whole: a table over
//! the shapes still undecided, by GPUs left and CPU (or memory) left, in buckets.
//!
//! The fractional bounds in `pricing.rs` let a fill take 3.7 tasks of the best shape; on an
//! instance with 8 GPUs and CPU-hungry tasks that over-estimates by 5–20 %, and proving a fill
//! optimal then takes hundreds of thousands of nodes. Here `F[k][g][c]` is the best value of
//! shapes `k…` in `g` GPUs and `c` buckets of the resource kept whole, each shape's size
//! rounded *down* to whole buckets. Rounding down only loosens the bound, never breaks it: a
//! fill that fits `room` units has `Σ ⌊size/bucket⌋ ≤ ⌊room/bucket⌋`. The other resource and
//! task slots are left to the other bounds, or priced at a Lagrangian multiplier (`λ` per unit,
//! valid for any `λ ≥ 0`: on a fill that fits, `λ·(room − used)` is non-negative). The table is
//! built once per search, backwards along the search order, in
//! `O(shapes × GPUs × buckets × copies)`.
//!
//! Which resource to keep whole depends on the fleet: with CPU-hungry tasks the GPU × CPU
//! table is tight; with memory-hungry ones (a g4dn.metal on a mixed fleet, tasks of 10–90 GiB
//! each) it is as loose as the fractional bound (1.6× the price at the LP's own duals, where
//! the best fill is worth exactly the price), and the GPU × memory table is what proves fills
//! (1.1× there; exactly the price on the g4dn.12xlarge).

use super::shapes::Shape;

/// Buckets per instance: one bucket is 1/64 of the instance's CPU (1.5 vCPU on 96) or memory.
pub(crate) const BUCKETS: u64 = 64;

/// The resources a [`GpuRoomTable`] can keep whole besides GPUs, as indices into a room of
/// (GPUs, CPU units, memory MiB): CPU units…
pub(crate) const CPU: usize = 1;
/// …or memory MiB.
pub(crate) const MEMORY: usize = 2;

/// `F`, flattened: position × (GPUs + 1) × (buckets + 1).
pub(crate) struct GpuRoomTable {
    /// [`CPU`] or [`MEMORY`]: what the buckets measure.
    resource: usize,
    /// The other of the two is priced at this much per unit (a Lagrangian multiplier, `≥ 0`).
    lambda_other: f64,
    gpus: usize,
    cells: usize,
    bucket: u64,
    f: Vec<f64>,
}

/// A shape's size in `resource` ([`CPU`] or [`MEMORY`]).
fn size_in(shape: &Shape, resource: usize) -> u64 {
    let c = &shape.class;
    u64::from(if resource == CPU { c.cpu } else { c.mem })
}

impl GpuRoomTable {
    /// The table over the shapes in `order`, with at most `most[k]` tasks of the shape at
    /// position `k`, on an instance with `room` = (GPUs, CPU units, memory MiB), keeping
    /// `resource` whole and pricing the other at `lambda_other`.
    pub(crate) fn new(
        order: &[usize],
        most: &[u64],
        shapes: &[Shape],
        duals: &[f64],
        room: [u64; 3],
        resource: usize,
        lambda_other: f64,
    ) -> GpuRoomTable {
        let other = CPU + MEMORY - resource;
        let gpus = room[0] as usize;
        let bucket = room[resource].div_ceil(BUCKETS).max(1);
        let cells = (room[resource] / bucket) as usize;
        let (gw, cw) = (gpus + 1, cells + 1);
        let layer = gw * cw;
        let n = order.len();
        let mut f = vec![0.0f64; (n + 1) * layer];
        for k in (0..n).rev() {
            let shape = &shapes[order[k]];
            let worth = duals[order[k]] - lambda_other * size_in(shape, other) as f64;
            let (g, u) = (
                shape.class.gpus as usize,
                (size_in(shape, resource) / bucket) as usize,
            );
            let (here, next) = f.split_at_mut((k + 1) * layer);
            let here = &mut here[k * layer..];
            let next = &next[..layer];
            here.copy_from_slice(next);
            if worth <= 0.0 {
                continue;
            }
            for copies in 1..=most[k] as usize {
                let (dg, dc) = (copies * g, copies * u);
                if dg > gpus || dc > cells {
                    break;
                }
                let gain = copies as f64 * worth;
                for gl in dg..gw {
                    // Row `gl − dg` of the next layer, shifted by `dc` buckets, onto row `gl`:
                    // whole slices, so the loop compiles to vector maxima.
                    let from = &next[(gl - dg) * cw..(gl - dg) * cw + (cw - dc)];
                    let to = &mut here[gl * cw + dc..(gl + 1) * cw];
                    for (cell, &rest) in to.iter_mut().zip(from) {
                        let candidate = gain + rest;
                        if candidate > *cell {
                            *cell = candidate;
                        }
                    }
                }
            }
        }
        GpuRoomTable {
            resource,
            lambda_other,
            gpus,
            cells,
            bucket,
            f,
        }
    }

    /// The bound at search position `k` with `room` = (GPUs, CPU units, memory) left.
    pub(crate) fn bound(&self, k: usize, room: [u64; 3]) -> f64 {
        let other = CPU + MEMORY - self.resource;
        let g = (room[0] as usize).min(self.gpus);
        let c = ((room[self.resource] / self.bucket) as usize).min(self.cells);
        let cw = self.cells + 1;
        self.lambda_other * room[other] as f64 + self.f[(k * (self.gpus + 1) + g) * cw + c]
    }
}

/// `F[k][g]` of whole-GPU fills with CPU and memory both priced (`λ = (per CPU unit, per
/// MiB)`): cheap enough (GPUs + 1 cells per shape) to search `λ` with, and a bound of its own.
pub(crate) struct GpuTable {
    pub lambda: [f64; 2],
    width: usize,
    f: Vec<f64>,
}

impl GpuTable {
    fn new(
        order: &[usize],
        most: &[u64],
        shapes: &[Shape],
        duals: &[f64],
        gpus: usize,
        lambda: [f64; 2],
    ) -> GpuTable {
        let width = gpus + 1;
        let n = order.len();
        let mut f = vec![0.0f64; (n + 1) * width];
        for k in (0..n).rev() {
            let c = &shapes[order[k]].class;
            let worth = duals[order[k]] - lambda[0] * f64::from(c.cpu) - lambda[1] * f64::from(c.mem);
            let g = c.gpus as usize;
            for room in 0..width {
                let mut best = f[(k + 1) * width + room];
                let mut copies = 1;
                while worth > 0.0 && copies as u64 <= most[k] && copies * g <= room {
                    best = best.max(copies as f64 * worth + f[(k + 1) * width + room - copies * g]);
                    copies += 1;
                }
                f[k * width + room] = best;
            }
        }
        GpuTable { lambda, width, f }
    }

    /// The bound at search position `k` with `room` = (GPUs, CPU units, memory) left.
    pub(crate) fn bound(&self, k: usize, room: [u64; 3]) -> f64 {
        let g = (room[0] as usize).min(self.width - 1);
        self.lambda[0] * room[1] as f64 + self.lambda[1] * room[2] as f64 + self.f[k * self.width + g]
    }
}

/// Golden-section steps per coordinate of `λ` (the root bound is convex in it): the search
/// interval shrinks to 0.618¹⁸ ≈ 0.02 % of the range, each step one evaluation.
const SECTIONS: usize = 18;

/// `1 / φ`: where golden-section search places its probes.
const INVERSE_GOLDEN: f64 = 0.618_033_988_749_894_8;

/// The root value `F[0][gpus]` of the [`GpuTable`] for `lambda`, without the table: what the
/// `λ` search evaluates dozens of times per pricing.
///
/// At the root the shapes' order does not matter, only how many GPUs each takes: a fill with
/// `j` tasks of `g` GPUs is best with the `j` most valuable such tasks. So each GPU count
/// keeps its most valuable tasks (at most as many as fit), and a small knapsack over GPU
/// counts combines them: `O(shapes)` instead of `O(shapes × GPUs × copies)`.
fn gpu_root(
    order: &[usize],
    most: &[u64],
    shapes: &[Shape],
    duals: &[f64],
    room: [u64; 3],
    lambda: [f64; 2],
) -> f64 {
    let gpus = (room[0] as usize).min(MAX_GPUS);
    // Per GPU count `g` (1 ..= gpus): the values of the best `gpus / g` tasks, best first.
    let mut best = [[0.0f64; MAX_GPUS]; MAX_GPUS + 1];
    let mut held = [0usize; MAX_GPUS + 1];
    // Tasks that take no GPU: all of them fit.
    let mut free = 0.0;
    for (k, &s) in order.iter().enumerate() {
        let c = &shapes[s].class;
        let worth = duals[s] - lambda[0] * f64::from(c.cpu) - lambda[1] * f64::from(c.mem);
        if worth <= 0.0 {
            continue;
        }
        let g = c.gpus as usize;
        if g == 0 {
            free += most[k] as f64 * worth;
            continue;
        }
        if g > gpus {
            continue;
        }
        let cap = gpus / g;
        let list = &mut best[g];
        for _ in 0..most[k].min(cap as u64) {
            // Insert `worth` into the sorted list, dropping its smallest when full.
            let n = held[g];
            if n == cap && list[n - 1] >= worth {
                break;
            }
            let mut i = n.min(cap - 1);
            while i > 0 && list[i - 1] < worth {
                list[i] = list[i - 1];
                i -= 1;
            }
            list[i] = worth;
            held[g] = (n + 1).min(cap);
        }
    }
    // `f[r]`: the best value in `r` GPUs from the GPU counts combined so far.
    let mut f = [0.0f64; MAX_GPUS + 1];
    for g in 1..=gpus {
        if held[g] == 0 {
            continue;
        }
        let before = f;
        for r in g..=gpus {
            let mut value = 0.0;
            for j in 1..=held[g].min(r / g) {
                value += best[g][j - 1];
                let candidate = before[r - j * g] + value;
                if candidate > f[r] {
                    f[r] = candidate;
                }
            }
        }
    }
    lambda[0] * room[1] as f64 + lambda[1] * room[2] as f64 + free + f[gpus]
}

/// GPUs the quick root handles (the largest GPU types rnd knows have 8).
const MAX_GPUS: usize = 16;

/// Searches `λ` (CPU, then memory, then CPU again) for the smallest root bound of a
/// [`GpuTable`], and returns that table.
pub(crate) fn best_gpu_table(
    order: &[usize],
    most: &[u64],
    shapes: &[Shape],
    duals: &[f64],
    room: [u64; 3],
) -> GpuTable {
    let gpus = room[0] as usize;
    if gpus > MAX_GPUS {
        // Not a GPU type rnd knows: no search, the plain table (still a valid bound).
        return GpuTable::new(order, most, shapes, duals, gpus, [0.0, 0.0]);
    }
    let root = |lambda: [f64; 2]| gpu_root(order, most, shapes, duals, room, lambda);
    // Past the highest value per unit, every shape is worth nothing: the search range.
    let top = |d: usize| {
        order
            .iter()
            .map(|&s| {
                let c = &shapes[s].class;
                duals[s] / f64::from(if d == 0 { c.cpu } else { c.mem }.max(1))
            })
            .fold(0.0, f64::max)
    };
    let mut lambda = [0.0, 0.0];
    let mut best = root(lambda);
    for d in [0, 1, 0] {
        let (mut lo, mut hi) = (0.0, top(d));
        let at = |x: f64| {
            let mut l = lambda;
            l[d] = x;
            l
        };
        let mut a = hi - INVERSE_GOLDEN * (hi - lo);
        let mut b = lo + INVERSE_GOLDEN * (hi - lo);
        let (mut fa, mut fb) = (root(at(a)), root(at(b)));
        for _ in 0..SECTIONS {
            if fa <= fb {
                hi = b;
                (b, fb) = (a, fa);
                a = hi - INVERSE_GOLDEN * (hi - lo);
                fa = root(at(a));
            } else {
                lo = a;
                (a, fa) = (b, fb);
                b = lo + INVERSE_GOLDEN * (hi - lo);
                fb = root(at(b));
            }
        }
        let candidate = at((lo + hi) / 2.0);
        let value = root(candidate);
        if value < best {
            best = value;
            lambda = candidate;
        }
    }
    GpuTable::new(order, most, shapes, duals, gpus, lambda)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::super::model::{Class, TypeCap};
    use super::super::tests::brute_force;
    use super::*;

    proptest! {
        /// The `λ` search evaluates `gpu_root` instead of building whole tables: the two must
        /// agree, or the search would pick `λ` for a bound it does not use. Shapes repeat GPU
        /// counts, with more copies than fit, so the per-count lists fill up and drop tasks.
        #[test]
        fn the_quick_root_is_the_tables_root(
            raw in prop::collection::vec((1u32..5, 1u32..64, 1u32..256, 0.0f64..2.0, 1u64..5), 1..12),
            gpus in 1u64..9,
            // Per CPU unit and per MiB: small enough that many shapes keep a positive worth.
            lambda in (0.0f64..1e-4, 0.0f64..1e-5),
        ) {
            let shapes: Vec<Shape> = raw
                .iter()
                .map(|&(g, c, m, _, _)| Shape {
                    class: Class { gpus: g, gpu_mem: 0, cpu: c * 256, mem: m * 1024 },
                    demand: 1,
                    members: Vec::new(),
                })
                .collect();
            let duals: Vec<f64> = raw.iter().map(|r| r.3).collect();
            let most: Vec<u64> = raw.iter().map(|r| r.4).collect();
            let order: Vec<usize> = (0..shapes.len()).rev().collect();
            let room = [gpus, 96 * 1024, 768 * 1024];
            let lambda = [lambda.0, lambda.1];
            let table = GpuTable::new(&order, &most, &shapes, &duals, gpus as usize, lambda);
            let root = gpu_root(&order, &most, &shapes, &duals, room, lambda);
            let whole = table.bound(0, room);
            // Equal up to the order of the additions.
            prop_assert!((root - whole).abs() <= 1e-12 * whole.abs().max(1.0), "{} against {}", root, whole);
        }

        /// Whatever the other resource is priced at, the GPU × CPU and GPU × memory tables'
        /// bounds are never below the best fill that fits every resource (found by trying them
        /// all), at the root or at any later position: rounding down to buckets may only
        /// loosen them.
        #[test]
        fn the_gpu_room_tables_never_bound_below_the_best_fill(
            // CPU units and MiB that are not whole buckets, on an instance where they bind.
            raw in prop::collection::vec((1u32..3, 1u32..20_000, 1u32..60_000, 0.0f64..2.0, 1u64..4), 1..6),
            gpus in 1u64..9,
            // Per unit: at most about one task's worth over the whole instance, or nothing.
            lambda_other in prop_oneof![Just(0.0f64), 0.0f64..1e-5],
        ) {
            // Each shape's demand is the most the table may take of it.
            let shapes: Vec<Shape> = raw
                .iter()
                .map(|&(g, c, m, _, most)| Shape {
                    class: Class { gpus: g, gpu_mem: 0, cpu: c, mem: m },
                    demand: most as u32,
                    members: Vec::new(),
                })
                .collect();
            let duals: Vec<f64> = raw.iter().map(|r| r.3).collect();
            let most: Vec<u64> = raw.iter().map(|r| r.4).collect();
            let order: Vec<usize> = (0..shapes.len()).collect();
            // Slots never bind: the table leaves them to the other bounds.
            let ty = TypeCap {
                name: "t".to_string(),
                gpus: gpus as u32,
                gpu_mem: 0,
                cpu: 32 * 1024,
                mem: 96 * 1024,
                slots: 64,
                price: 1,
            };
            let room = [gpus, u64::from(ty.cpu), u64::from(ty.mem)];
            for resource in [CPU, MEMORY] {
                let table = GpuRoomTable::new(&order, &most, &shapes, &duals, room, resource, lambda_other);
                for k in 0..=order.len() {
                    let best = brute_force(&ty, &shapes[k..], &duals[k..]);
                    prop_assert!(
                        table.bound(k, room) >= best - 1e-9,
                        "resource {}, position {}: {} below {}", resource, k, table.bound(k, room), best
                    );
                }
            }
        }
    }
}

//! A bound for the pricing knapsack that keeps GPUs and CPU whole: a table over the shapes
//! still undecided, by GPUs left and CPU left (in buckets).
//!
//! The fractional bounds in `pricing.rs` let a fill take 3.7 tasks of the best shape; on an
//! instance with 8 GPUs and CPU-hungry tasks that over-estimates by 5–20 %, and proving a fill
//! optimal then takes hundreds of thousands of nodes. Here `F[k][g][c]` is the best value of
//! shapes `k…` in `g` GPUs and `c` CPU buckets, each shape's CPU rounded *down* to whole
//! buckets. Rounding down only loosens the bound, never breaks it: a fill that fits `room` CPU
//! units has `Σ ⌊cpu/bucket⌋ ≤ ⌊room/bucket⌋`. Memory and task slots are left to the other
//! bounds, or priced at a Lagrangian multiplier (`λ` per MiB, valid for any `λ ≥ 0`: on a
//! fill that fits, `λ·(room − used)` is non-negative). The table is built once per search, backwards along the search order, in
//! `O(shapes × GPUs × buckets × copies)`.

use super::shapes::Shape;

/// CPU buckets per instance: one bucket is 1/64 of the instance's CPU (1.5 vCPU on 96).
pub(crate) const BUCKETS: u64 = 64;

/// `F`, flattened: position × (GPUs + 1) × (buckets + 1).
pub(crate) struct GpuCpuTable {
    /// Memory is priced at this much per MiB (a Lagrangian multiplier, `≥ 0`).
    lambda_mem: f64,
    gpus: usize,
    cpus: usize,
    bucket: u64,
    f: Vec<f64>,
}

impl GpuCpuTable {
    /// The table over the shapes in `order`, with at most `most[k]` tasks of the shape at
    /// position `k`, on an instance with `room` = (GPUs, CPU units).
    pub(crate) fn new(
        order: &[usize],
        most: &[u64],
        shapes: &[Shape],
        duals: &[f64],
        room: [u64; 2],
        lambda_mem: f64,
    ) -> GpuCpuTable {
        let gpus = room[0] as usize;
        let bucket = room[1].div_ceil(BUCKETS).max(1);
        let cpus = (room[1] / bucket) as usize;
        let (gw, cw) = (gpus + 1, cpus + 1);
        let layer = gw * cw;
        let n = order.len();
        let mut f = vec![0.0f64; (n + 1) * layer];
        for k in (0..n).rev() {
            let c = &shapes[order[k]].class;
            let worth = duals[order[k]] - lambda_mem * f64::from(c.mem);
            let (g, u) = (c.gpus as usize, (u64::from(c.cpu) / bucket) as usize);
            let (here, next) = f.split_at_mut((k + 1) * layer);
            let here = &mut here[k * layer..];
            let next = &next[..layer];
            here.copy_from_slice(next);
            if worth <= 0.0 {
                continue;
            }
            for copies in 1..=most[k] as usize {
                let (dg, dc) = (copies * g, copies * u);
                if dg > gpus || dc > cpus {
                    break;
                }
                let gain = copies as f64 * worth;
                for gl in dg..gw {
                    for cl in dc..cw {
                        let candidate = gain + next[(gl - dg) * cw + (cl - dc)];
                        let cell = &mut here[gl * cw + cl];
                        if candidate > *cell {
                            *cell = candidate;
                        }
                    }
                }
            }
        }
        GpuCpuTable {
            lambda_mem,
            gpus,
            cpus,
            bucket,
            f,
        }
    }

    /// The bound at search position `k` with `room` = (GPUs, CPU units, memory) left.
    pub(crate) fn bound(&self, k: usize, room: [u64; 3]) -> f64 {
        let g = (room[0] as usize).min(self.gpus);
        let c = ((room[1] / self.bucket) as usize).min(self.cpus);
        let cw = self.cpus + 1;
        self.lambda_mem * room[2] as f64 + self.f[(k * (self.gpus + 1) + g) * cw + c]
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

/// Ternary steps per coordinate of `λ` (the root bound is convex in it).
const SECTIONS: usize = 20;

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
    let root = |lambda: [f64; 2]| GpuTable::new(order, most, shapes, duals, gpus, lambda).bound(0, room);
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
        for _ in 0..SECTIONS {
            let (mut a, mut b) = (lambda, lambda);
            a[d] = lo + (hi - lo) / 3.0;
            b[d] = hi - (hi - lo) / 3.0;
            if root(a) <= root(b) {
                hi = b[d];
            } else {
                lo = a[d];
            }
        }
        let mut candidate = lambda;
        candidate[d] = (lo + hi) / 2.0;
        let value = root(candidate);
        if value < best {
            best = value;
            lambda = candidate;
        }
    }
    GpuTable::new(order, most, shapes, duals, gpus, lambda)
}

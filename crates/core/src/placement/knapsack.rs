//! Best fill of one instance: which tasks, of those still unplaced, give the most value.
//!
//! A small multi-dimensional bounded knapsack (GPUs, CPU, memory, task slots). An instance
//! holds at most 8 GPUs and every task takes at least one, so a depth-first branch and bound
//! over task classes is fast. Two bounds prune it: the best value per free unit of each
//! resource (dropping all but one constraint can only raise the optimum), and the fractional
//! knapsack on a *surrogate* size, a weighted sum of GPUs, CPU and memory (adding up
//! constraints can only raise it too). The classes are tried in order of value per unit of
//! that size, so the first fills the search reaches are the greedy's on it.
//!
//! The weights are GPUs alone unless, at the root, some mix of GPUs with CPU or memory
//! bounds the fill at least [`SURROGATE_MARGIN`] lower: then CPU or memory binds, and
//! ordering by value per GPU sends the search first into fills of CPU-hungry tasks that
//! leave GPUs idle. On CPU-skewed fleets of 400 tasks that one change took plans from 1.7 %
//! to 1.2 % above the bound on average, and at 2,000 tasks from 4.4 % to 1.7 %, where the
//! node limit cut the old order's search short of any balanced fill.
use super::model::{Class, Load, TypeCap};

/// Search nodes per call before settling for the best fill found so far (searches with
/// standalone costs as values, which are coarse, mostly end far sooner; with repriced values
/// the limit binds on large fleets, and 12 000 keeps a 400-task plan well under 50 ms). The
/// result is still a valid fill and still deterministic.
pub(crate) const NODE_LIMIT: u32 = 12_000;

/// How much lower (as a fraction) a mix's bound must be than GPUs alone's for the search to
/// order by it: below that the fleet is GPU-bound, and value per GPU orders it as well (2 %:
/// at 0 %, training fleets of 2,000 tasks, where memory sometimes bounds a little lower,
/// came out 0.4 % dearer).
const SURROGATE_MARGIN: f64 = 0.02;

/// The mixes tried, as weights on the free GPUs, CPU and memory (each resource counted as a
/// fraction of what is free, so a weight of 1 makes filling it worth as much as filling the
/// GPUs).
const SURROGATES: [[f64; 3]; 11] = [
    [1.0, 0.0, 0.0],
    [1.0, 1.0, 0.0],
    [1.0, 0.0, 1.0],
    [1.0, 1.0, 1.0],
    [1.0, 3.0, 0.0],
    [1.0, 0.0, 3.0],
    [1.0, 0.3, 0.0],
    [1.0, 0.0, 0.3],
    [1.0, 3.0, 3.0],
    [1.0, 1.0, 3.0],
    [1.0, 3.0, 1.0],
];

/// How `best_fill` orders its search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// By value per unit of the mix of GPUs, CPU and memory that binds (see the module docs).
    Binding,
    /// By value per GPU, whatever binds: the order before the mixes, which on small fleets
    /// sometimes leads the greedy to a cheaper packing (`pack.rs` tries both there).
    PerGpu,
}

/// The best fill found: its total value and how many tasks of each class (by class index).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Fill {
    pub value: f64,
    pub take: Vec<(usize, u32)>,
}

/// The most valuable set of tasks that fits in `ty` on top of `base` (what is already on the
/// instance), taking at most `avail[i]` tasks of class `i`, each worth `values[i]`.
pub(crate) fn best_fill(
    ty: &TypeCap,
    classes: &[Class],
    avail: &[u32],
    values: &[f64],
    base: Load,
    search_order: Order,
    dominators: &[Vec<usize>],
) -> Fill {
    let mut order: Vec<usize> = (0..classes.len())
        .filter(|&i| avail[i] > 0 && values[i] > 0.0 && ty.admits(&classes[i]))
        .collect();
    let weights = match search_order {
        Order::Binding => surrogate(ty, classes, avail, values, base, &order),
        Order::PerGpu => gpus_alone(ty, base),
    };
    let size = |c: &Class| weighted(&weights, c);
    // Best value per unit of the surrogate size first; ties by index keep it stable.
    order.sort_by(|&a, &b| {
        let da = values[a] / size(&classes[a]);
        let db = values[b] / size(&classes[b]);
        db.total_cmp(&da).then(a.cmp(&b))
    });
    let n = order.len();
    // Suffix maxima of value per unit of each resource, for the bound.
    let mut dens = vec![[0.0f64; 4]; n + 1];
    for k in (0..n).rev() {
        let c = &classes[order[k]];
        let v = values[order[k]];
        let here = [
            v / f64::from(c.gpus),
            if c.cpu == 0 {
                f64::INFINITY
            } else {
                v / f64::from(c.cpu)
            },
            if c.mem == 0 {
                f64::INFINITY
            } else {
                v / f64::from(c.mem)
            },
            v,
        ];
        for r in 0..4 {
            dens[k][r] = dens[k + 1][r].max(here[r]);
        }
    }
    let mut pos_of = vec![usize::MAX; classes.len()];
    for (pos, &i) in order.iter().enumerate() {
        pos_of[i] = pos;
    }
    let mut search = Search {
        dominators,
        pos_of: &pos_of,
        ty,
        classes,
        avail,
        values,
        order: &order,
        dens: &dens,
        weights,
        take: vec![0; n],
        best: Fill::default(),
        nodes: 0,
        node_limit: NODE_LIMIT,
    };
    search.dfs(0, base, 0.0);
    search.best
}

struct Search<'a> {
    dominators: &'a [Vec<usize>],
    pos_of: &'a [usize],
    ty: &'a TypeCap,
    classes: &'a [Class],
    avail: &'a [u32],
    values: &'a [f64],
    order: &'a [usize],
    dens: &'a [[f64; 4]],
    /// The surrogate's weights per unit of GPUs, CPU and memory.
    weights: [f64; 3],
    take: Vec<u32>,
    best: Fill,
    nodes: u32,
    node_limit: u32,
}

impl Search<'_> {
    fn dfs(&mut self, k: usize, load: Load, value: f64) {
        self.nodes += 1;
        if value > self.best.value + tolerance(self.best.value) {
            self.best.value = value;
            self.best.take = (0..k)
                .filter(|&j| self.take[j] > 0)
                .map(|j| (self.order[j], self.take[j]))
                .collect();
        }
        if k == self.order.len() || self.nodes > self.node_limit {
            return;
        }
        let ty = self.ty;
        let free = [
            f64::from(ty.gpus - load.gpus),
            ty.cpu as f64 - load.cpu as f64,
            ty.mem as f64 - load.mem as f64,
            f64::from(ty.slots - load.tasks),
        ];
        let d = &self.dens[k];
        let per_unit = (0..4).map(|r| free[r] * d[r]).fold(f64::INFINITY, f64::min);
        let floor = self.best.value + tolerance(self.best.value);
        // The cheap bound first: the surrogate knapsack's loop only runs when it could still
        // prune.
        let room = self.weights[0] * free[0] + self.weights[1] * free[1] + self.weights[2] * free[2];
        if value + per_unit <= floor || value + self.surrogate_bound(k, room) <= floor {
            return;
        }
        let i = self.order[k];
        let c = self.classes[i];
        // Skip a class while a class that dominates it, already decided, is not used up.
        let open_dominator = self.dominators[i].iter().any(|&a| {
            let pos = self.pos_of[a];
            pos < k && self.take[pos] < self.avail[a]
        });
        if open_dominator {
            self.take[k] = 0;
            self.dfs(k + 1, load, value);
            return;
        }
        let fit_cpu = if c.cpu == 0 {
            u64::MAX
        } else {
            (u64::from(ty.cpu) - load.cpu) / u64::from(c.cpu)
        };
        let fit_mem = if c.mem == 0 {
            u64::MAX
        } else {
            (u64::from(ty.mem) - load.mem) / u64::from(c.mem)
        };
        let most = u64::from(self.avail[i])
            .min(u64::from((ty.gpus - load.gpus) / c.gpus))
            .min(fit_cpu)
            .min(fit_mem)
            .min(u64::from(ty.slots - load.tasks)) as u32;
        for t in (0..=most).rev() {
            let mut next = load;
            next.add(&c, t);
            self.take[k] = t;
            self.dfs(k + 1, next, value + self.values[i] * f64::from(t));
        }
        self.take[k] = 0;
    }
}

impl Search<'_> {
    /// Fractional knapsack on the surrogate size over classes `k..`, which are in order of
    /// value per unit of it. Every task's size is at least its GPUs' share of the free GPUs,
    /// so it ends within a few dozen steps.
    fn surrogate_bound(&self, k: usize, mut room: f64) -> f64 {
        let mut bound = 0.0;
        for &i in &self.order[k..] {
            if room <= 0.0 {
                break;
            }
            let size = weighted(&self.weights, &self.classes[i]);
            let n = f64::from(self.avail[i]).min(room / size);
            bound += n * self.values[i];
            room -= n * size;
        }
        bound
    }
}

/// A class's surrogate size under `weights` (per unit of GPUs, CPU and memory).
fn weighted(weights: &[f64; 3], c: &Class) -> f64 {
    weights[0] * f64::from(c.gpus) + weights[1] * f64::from(c.cpu) + weights[2] * f64::from(c.mem)
}

/// The weights of GPUs alone, per free GPU of `ty` on top of `base`: the first of
/// [`SURROGATES`], and the whole of [`Order::PerGpu`].
fn gpus_alone(ty: &TypeCap, base: Load) -> [f64; 3] {
    [1.0 / f64::from(ty.gpus - base.gpus).max(1.0), 0.0, 0.0]
}

/// The weights per unit of GPUs, CPU and memory of the mix in [`SURROGATES`] whose
/// fractional knapsack bounds the fill of `ty` (on top of `base`) with the classes `admitted`
/// lowest, GPUs alone unless another is [`SURROGATE_MARGIN`] lower.
fn surrogate(
    ty: &TypeCap,
    classes: &[Class],
    avail: &[u32],
    values: &[f64],
    base: Load,
    admitted: &[usize],
) -> [f64; 3] {
    let free = [
        f64::from(ty.gpus - base.gpus).max(1.0),
        (ty.cpu as f64 - base.cpu as f64).max(1.0),
        (ty.mem as f64 - base.mem as f64).max(1.0),
    ];
    let mut densities: Vec<(f64, usize)> = Vec::with_capacity(admitted.len());
    let mut best = (f64::INFINITY, gpus_alone(ty, base));
    for (k, mix) in SURROGATES.iter().enumerate() {
        let weights = [mix[0] / free[0], mix[1] / free[1], mix[2] / free[2]];
        densities.clear();
        densities.extend(
            admitted
                .iter()
                .map(|&i| (values[i] / weighted(&weights, &classes[i]), i)),
        );
        let room = mix.iter().sum();
        let bound = fractional(&mut densities, room, |i| {
            (weighted(&weights, &classes[i]), f64::from(avail[i]), values[i])
        });
        // GPUs alone (the first) keeps the search unless a mix is well below it.
        let bound = if k == 0 {
            bound * (1.0 - SURROGATE_MARGIN)
        } else {
            bound
        };
        if bound < best.0 {
            best = (bound, weights);
        }
    }
    best.1
}

/// The fractional knapsack's value with `room` over items given as `(density, item)`, where
/// `item` says each item's size, count and value. Only the densest few are sorted unless the
/// room outlasts them: this runs for every mix on every fill, over hundreds of classes.
fn fractional(densities: &mut [(f64, usize)], mut room: f64, item: impl Fn(usize) -> (f64, f64, f64)) -> f64 {
    const DENSEST: usize = 24;
    let denser = |a: &(f64, usize), b: &(f64, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    let top = DENSEST.min(densities.len());
    if densities.len() > top {
        densities.select_nth_unstable_by(top, denser);
    }
    densities[..top].sort_unstable_by(denser);
    let mut bound = 0.0;
    for k in 0..densities.len() {
        if room <= 0.0 {
            break;
        }
        if k == top {
            densities[top..].sort_unstable_by(denser);
        }
        let (size, count, value) = item(densities[k].1);
        let n = count.min(room / size);
        bound += n * value;
        room -= n * size;
    }
    bound
}

/// For each class, the classes that dominate it: worth at least as much under `values` and
/// needing no more GPUs, GPU memory, CPU or memory (identical classes: the lower index
/// dominates). Some optimal fill never takes a class while a dominating one is still
/// available (swap one for the other), so `best_fill` skips such branches.
pub(crate) fn dominators(classes: &[Class], values: &[f64]) -> Vec<Vec<usize>> {
    (0..classes.len())
        .map(|b| {
            let cb = &classes[b];
            (0..classes.len())
                .filter(|&a| {
                    let ca = &classes[a];
                    let no_more = ca.gpus <= cb.gpus
                        && ca.gpu_mem <= cb.gpu_mem
                        && ca.cpu <= cb.cpu
                        && ca.mem <= cb.mem;
                    let same = ca == cb && values[a] == values[b];
                    a != b && no_more && values[a] >= values[b] && (!same || a < b)
                })
                .collect()
        })
        .collect()
}

/// Improvements smaller than this are rounding noise, not a better fill.
fn tolerance(value: f64) -> f64 {
    value.abs() * 1e-12 + 1e-9
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A type with `gpus` GPUs, `vcpu` vCPU and `gib` GiB for tasks, and room for 8 of them.
    fn ty(gpus: u32, vcpu: u32, gib: u32) -> TypeCap {
        TypeCap {
            name: format!("t{gpus}-{vcpu}-{gib}"),
            gpus,
            gpu_mem: 24_576,
            cpu: vcpu * 1024,
            mem: gib * 1024,
            slots: 8,
            price: 1_000_000_000,
        }
    }

    /// The most valuable fill, by trying every count of every class.
    fn brute_force(ty: &TypeCap, classes: &[Class], avail: &[u32], values: &[f64], base: Load) -> f64 {
        fn go(k: usize, load: Load, ty: &TypeCap, classes: &[Class], avail: &[u32], values: &[f64]) -> f64 {
            if k == classes.len() {
                return 0.0;
            }
            let mut best = 0.0f64;
            for n in 0..=avail[k] {
                let mut next = load;
                next.add(&classes[k], n);
                if !ty.holds(&next) {
                    break;
                }
                best = best.max(f64::from(n) * values[k] + go(k + 1, next, ty, classes, avail, values));
            }
            best
        }
        go(0, base, ty, classes, avail, values)
    }

    fn class((gpus, vcpu, gib): (u32, u32, u32)) -> Class {
        Class {
            gpus,
            gpu_mem: 0,
            cpu: vcpu * 1024,
            mem: gib * 1024,
        }
    }

    /// Tasks worth the most per GPU but taking half the CPU each: GPUs alone bound the fill
    /// at 8 × 10, a mix with CPU near the optimum (one such task and seven light ones, 52),
    /// so the search orders by the mix; with CPU to spare, by GPUs alone.
    #[test]
    fn a_cpu_bound_fill_is_searched_by_a_mix_and_a_gpu_bound_one_by_gpus() {
        let classes = [class((1, 48, 8)), class((1, 4, 8))];
        let values = [10e9, 6e9];
        let avail = [8, 8];
        let tight = ty(8, 96, 512);
        let weights = surrogate(&tight, &classes, &avail, &values, Load::default(), &[0, 1]);
        assert!(weights[1] > 0.0, "{weights:?}");
        let fill = best_fill(
            &tight,
            &classes,
            &avail,
            &values,
            Load::default(),
            Order::Binding,
            &dominators(&classes, &values),
        );
        assert_eq!(fill.take, vec![(1, 7), (0, 1)]);
        let roomy = ty(8, 512, 512);
        let weights = surrogate(&roomy, &classes, &avail, &values, Load::default(), &[0, 1]);
        assert_eq!(weights, [1.0 / 8.0, 0.0, 0.0]);
    }

    proptest! {
        /// On fleets small enough for the node limit never to bind, the search finds the
        /// optimum in either order, whichever surrogate bound the root chose (a bound that cut off a
        /// better fill would show here), and its fill fits and takes only what is available.
        #[test]
        fn the_best_fill_is_the_optimum_and_fits(
            shape in (prop_oneof![Just(1u32), Just(4), Just(8)], 8u32..200, 16u32..800),
            raw in prop::collection::vec(((1u32..4), (1u32..64), (1u32..200), (0u32..4), (0.1f64..10.0)), 1..6),
            on_it in prop::collection::vec(0usize..6, 0..3),
            order in prop_oneof![Just(Order::Binding), Just(Order::PerGpu)],
        ) {
            let ty = ty(shape.0, shape.1, shape.2);
            let classes: Vec<Class> = raw.iter().map(|r| class((r.0, r.1, r.2))).collect();
            let avail: Vec<u32> = raw.iter().map(|r| r.3).collect();
            let values: Vec<f64> = raw.iter().map(|r| r.4 * 1e9).collect();
            // Tasks already on the instance, when they fit.
            let mut base = Load::default();
            for &i in &on_it {
                let mut next = base;
                next.add(&classes[i % classes.len()], 1);
                if ty.holds(&next) {
                    base = next;
                }
            }
            let dominated_by = dominators(&classes, &values);
            let fill = best_fill(&ty, &classes, &avail, &values, base, order, &dominated_by);
            let mut load = base;
            let mut value = 0.0;
            for &(i, n) in &fill.take {
                prop_assert!(n <= avail[i]);
                load.add(&classes[i], n);
                value += f64::from(n) * values[i];
            }
            prop_assert!(ty.holds(&load), "the fill does not fit: {fill:?}");
            let best = brute_force(&ty, &classes, &avail, &values, base);
            prop_assert!((value - best).abs() <= 1e-6 * best.max(1.0), "fill {value}, optimum {best}");
        }

        /// Sorting only the densest items gives the same bound as sorting them all.
        #[test]
        fn the_partly_sorted_fractional_knapsack_is_the_fractional_knapsack(
            items in prop::collection::vec(((0.1f64..5.0), (1u32..4), (0.1f64..10.0)), 1..80),
            room in 0.0f64..300.0,
        ) {
            let item = |i: usize| (items[i].0, f64::from(items[i].1), items[i].2);
            let mut densities: Vec<(f64, usize)> = (0..items.len()).map(|i| (items[i].2 / items[i].0, i)).collect();
            let fast = fractional(&mut densities.clone(), room, item);
            densities.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let mut left = room;
            let mut slow = 0.0;
            for &(_, i) in &densities {
                let (size, count, value) = item(i);
                let n = count.min(left / size).max(0.0);
                slow += n * value;
                left -= n * size;
            }
            prop_assert!((fast - slow).abs() <= 1e-9 * slow.max(1.0), "{fast} against {slow}");
        }
    }
}

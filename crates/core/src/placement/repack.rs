//! Ruin and recreate: take a few instances, repack their tasks *exactly*, keep it if cheaper.
//!
//! The greedy in `pack.rs` is myopic: it takes the best-value fills first and can leave
//! awkward leftovers (on 20-task CPU-heavy fleets it ends up to 5 % above the optimum). Here
//! a fixed pseudo-random sequence (same every run) picks 2–5 instances at a time; their tasks
//! are repacked optimally by dynamic programming over "how many tasks of each class are
//! left", which is small for a handful of instances, and the result replaces them when it
//! costs less. Sets whose table would be too big are skipped.
//!
//! `repack_worst` picks its groups instead of drawing them: given what each task is worth
//! (the configuration LP's duals, from `certify`), the instances whose price most exceeds
//! their tasks' worth, in pairs and triples.

use super::model::{cheapest_holding, Bin, Class, Load, TypeCap};

/// Neighbourhoods tried per plan, at most.
const TRIES: usize = 300;
/// Search steps (sub-vectors enumerated, plus type checks for each new one) spent per plan,
/// at most, for plans of up to 64 instances; larger plans get proportionally less, since their greedy passes already took
/// most of the time budget (a 400-task plan should take well under 50 ms).
const WORK_BUDGET: u64 = 1_000_000;
/// Largest count-vector table the exact repack builds.
const MAX_STATES: usize = 1024;

/// Improves `bins` by exact repacking of small groups of instances.
pub(crate) fn ruin_and_recreate(classes: &[Class], types: &[TypeCap], bins: &mut Vec<Bin>) {
    let mut rng = SplitMix(0x0005_EED0_F00D);
    let mut work = 0u64;
    let budget = WORK_BUDGET * 64 / (bins.len() as u64).max(64);
    for _ in 0..TRIES {
        if work > budget {
            break;
        }
        if bins.len() < 2 {
            return;
        }
        let k = (2 + rng.below(4)).min(bins.len());
        let mut picked: Vec<usize> = Vec::with_capacity(k);
        while picked.len() < k {
            let i = rng.below(bins.len());
            if !picked.contains(&i) {
                picked.push(i);
            }
        }
        repack_group(classes, types, bins, picked, &mut work);
    }
    bins.sort();
}

/// Instances the guided search draws its groups from.
const WORST: usize = 24;

/// Ruin and recreate guided by what each task is worth (`values`, per class, in
/// nano-dollars per hour like prices; e.g. the configuration LP's duals): a packing costs the
/// tasks' worth plus, per instance, how much its price exceeds its tasks' worth, so the
/// instances where that excess is largest are where money is lost. Every pair and triple of
/// the [`WORST`] such instances is repacked exactly, in order, starting over after each
/// saving, until `budget` steps are spent. Random groups (above) rarely hit the few
/// instances that lose money on a fleet of a hundred; these do.
pub(crate) fn repack_worst(
    classes: &[Class],
    types: &[TypeCap],
    values: &[f64],
    bins: &mut Vec<Bin>,
    budget: u64,
) {
    let mut work = 0u64;
    'start_over: loop {
        let mut excess: Vec<(f64, usize)> = bins
            .iter()
            .enumerate()
            .map(|(b, bin)| {
                let worth: f64 = bin.items.iter().map(|&i| values[i]).sum();
                (types[bin.ty].price as f64 - worth, b)
            })
            .collect();
        excess.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let worst: Vec<usize> = excess.iter().take(WORST).map(|&(_, b)| b).collect();
        for (a, &first) in worst.iter().enumerate() {
            for (b, &second) in worst.iter().enumerate().skip(a + 1) {
                // The pair alone, then with each later instance as a third.
                let thirds = std::iter::once(None).chain(worst[b + 1..].iter().copied().map(Some));
                for third in thirds {
                    if work > budget {
                        break 'start_over;
                    }
                    let group: Vec<usize> =
                        [Some(first), Some(second), third].into_iter().flatten().collect();
                    if repack_group(classes, types, bins, group, &mut work) {
                        continue 'start_over;
                    }
                }
            }
        }
        break;
    }
    bins.sort();
}

/// Repacks the tasks of instances `picked` exactly and replaces them when that costs less;
/// whether it did.
fn repack_group(
    classes: &[Class],
    types: &[TypeCap],
    bins: &mut Vec<Bin>,
    mut picked: Vec<usize>,
    work: &mut u64,
) -> bool {
    let old: u64 = picked.iter().map(|&i| types[bins[i].ty].price).sum();
    let items: Vec<usize> = picked
        .iter()
        .flat_map(|&i| bins[i].items.iter().copied())
        .collect();
    let Some((new_cost, new_bins)) = exact_repack(classes, types, &items, work) else {
        return false;
    };
    if new_cost >= old {
        return false;
    }
    picked.sort_unstable_by(|a, b| b.cmp(a));
    for i in picked {
        bins.swap_remove(i);
    }
    bins.extend(new_bins);
    true
}

/// The cheapest packing of `items` (class indices), or `None` when the table is too big.
///
/// Dynamic programming over count vectors ("how many tasks of each class are left"), in
/// mixed radix. For each state, the instance holding a task of the first class left is
/// chosen among the sub-vectors that fit some type, enumerated depth-first with the load
/// pruned against the largest capacity of any type: an instance has at most 8 GPUs and every
/// task takes one, so there are few such sub-vectors, far fewer than all patterns. Each
/// sub-vector's cheapest type is computed once and remembered.
fn exact_repack(
    classes: &[Class],
    types: &[TypeCap],
    items: &[usize],
    work: &mut u64,
) -> Option<(u64, Vec<Bin>)> {
    let mut present: Vec<usize> = items.to_vec();
    present.sort_unstable();
    present.dedup();
    let counts: Vec<usize> = present
        .iter()
        .map(|c| items.iter().filter(|i| *i == c).count())
        .collect();
    let radix: Vec<usize> = counts.iter().map(|n| n + 1).collect();
    let states = radix
        .iter()
        .try_fold(1usize, |n, &r| n.checked_mul(r).filter(|&n| n <= MAX_STATES))?;
    let mut stride = Vec::with_capacity(radix.len());
    let mut step = 1;
    for &r in &radix {
        stride.push(step);
        step *= r;
    }
    let most = Load {
        gpus: types.iter().map(|t| t.gpus).max().unwrap_or(0),
        gpu_mem: types.iter().map(|t| t.gpu_mem).max().unwrap_or(0),
        cpu: types.iter().map(|t| u64::from(t.cpu)).max().unwrap_or(0),
        mem: types.iter().map(|t| u64::from(t.mem)).max().unwrap_or(0),
        tasks: types.iter().map(|t| t.slots).max().unwrap_or(0),
    };
    let mut enumerator = Enumerator {
        classes,
        types,
        present: &present,
        stride: &stride,
        most,
        cheapest: vec![UNKNOWN; states],
        left: vec![0; present.len()],
        work: 0,
    };
    let mut best = vec![u64::MAX; states];
    let mut arg = vec![0usize; states];
    best[0] = 0;
    for s in 1..states {
        let mut rest = s;
        for (d, &r) in radix.iter().enumerate() {
            enumerator.left[d] = rest % r;
            rest /= r;
        }
        let first = enumerator.left.iter().position(|&n| n > 0).unwrap_or(0);
        // Every packing has an instance holding a task of the first class left.
        let mut load = Load::default();
        load.add(&classes[present[first]], 1);
        let mut found = (u64::MAX, 0);
        enumerator.subsets(first, stride[first], load, 1, s, &best, &mut found);
        best[s] = found.0;
        arg[s] = found.1;
    }
    *work += enumerator.work;
    let mut s = states - 1;
    if best[s] == u64::MAX {
        return None;
    }
    let mut bins = Vec::new();
    while s > 0 {
        let p = arg[s];
        let mut bin_items = Vec::new();
        let mut rest = p;
        for (&c, &r) in present.iter().zip(&radix) {
            bin_items.extend(std::iter::repeat_n(c, rest % r));
            rest /= r;
        }
        bins.push(Bin {
            ty: enumerator.cheapest[p] as usize,
            items: bin_items,
        });
        s -= p;
    }
    Some((best[states - 1], bins))
}

/// Not yet computed / no type holds it, in `Enumerator::cheapest`.
const UNKNOWN: u32 = u32::MAX;
const NONE: u32 = u32::MAX - 1;

struct Enumerator<'a> {
    classes: &'a [Class],
    types: &'a [TypeCap],
    present: &'a [usize],
    stride: &'a [usize],
    /// The largest capacity of any type, per resource: no instance holds more.
    most: Load,
    cheapest: Vec<u32>,
    left: Vec<usize>,
    work: u64,
}

impl Enumerator<'_> {
    /// Tries every sub-vector `p` of `left` that extends the one chosen so far (classes
    /// before `d` decided; class `d` has `taken` tasks in it, `p` its index, `load` its
    /// load), as the instance taken out of state `s`; keeps the cheapest in `found`.
    #[allow(clippy::too_many_arguments)]
    fn subsets(
        &mut self,
        d: usize,
        p: usize,
        load: Load,
        taken: usize,
        s: usize,
        best: &[u64],
        found: &mut (u64, usize),
    ) {
        self.work += 1;
        // More of class d, if it still fits the largest instance.
        if taken < self.left[d] {
            let mut more = load;
            more.add(&self.classes[self.present[d]], 1);
            if fits(&self.most, &more) {
                self.subsets(d, p + self.stride[d], more, taken + 1, s, best, found);
            }
        }
        // Or close class d and move on to the next class (with none of it yet).
        if let Some(next) = (d + 1..self.left.len()).find(|&e| self.left[e] > 0) {
            self.subsets_from(next, p, load, s, best, found);
            return;
        }
        self.consider(p, &load, s, best, found);
    }

    /// Class `d` is next: take none of it (and move on) or some.
    #[allow(clippy::too_many_arguments)]
    fn subsets_from(
        &mut self,
        d: usize,
        p: usize,
        load: Load,
        s: usize,
        best: &[u64],
        found: &mut (u64, usize),
    ) {
        let mut more = load;
        more.add(&self.classes[self.present[d]], 1);
        if fits(&self.most, &more) {
            self.subsets(d, p + self.stride[d], more, 1, s, best, found);
        }
        match (d + 1..self.left.len()).find(|&e| self.left[e] > 0) {
            Some(next) => self.subsets_from(next, p, load, s, best, found),
            None => self.consider(p, &load, s, best, found),
        }
    }

    fn consider(&mut self, p: usize, load: &Load, s: usize, best: &[u64], found: &mut (u64, usize)) {
        let rest = best[s - p];
        if rest == u64::MAX {
            return;
        }
        if self.cheapest[p] == UNKNOWN {
            self.work += self.types.len() as u64;
            self.cheapest[p] = cheapest_holding(self.types, load).map_or(NONE, |t| t as u32);
        }
        let t = self.cheapest[p];
        if t == NONE {
            return;
        }
        let value = self.types[t as usize].price + rest;
        if value < found.0 {
            *found = (value, p);
        }
    }
}

fn fits(most: &Load, load: &Load) -> bool {
    load.gpus <= most.gpus
        && load.gpu_mem <= most.gpu_mem
        && load.cpu <= most.cpu
        && load.mem <= most.mem
        && load.tasks <= most.tasks
}

/// SplitMix64: a fixed, seeded sequence so the search is the same on every run.
pub(crate) struct SplitMix(pub(crate) u64);

impl SplitMix {
    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::demand::AllowList;
    use super::super::model::{cheapest_holding, priced_allowed_types};
    use super::*;
    use crate::catalog::Catalog;

    fn types() -> Vec<TypeCap> {
        priced_allowed_types(Catalog::builtin(), &AllowList::all(), "us-east-1")
    }

    /// Every task of `classes` alone on the cheapest type that holds it.
    fn alone(classes: &[Class], types: &[TypeCap]) -> Vec<Bin> {
        classes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut load = Load::default();
                load.add(c, 1);
                let ty = cheapest_holding(types, &load).expect("some type holds every test task");
                Bin { ty, items: vec![i] }
            })
            .collect()
    }

    fn cost(types: &[TypeCap], bins: &[Bin]) -> u64 {
        bins.iter().map(|b| types[b.ty].price).sum()
    }

    proptest! {
        /// Whatever the values say, the guided repack keeps every task exactly once, on a
        /// type that holds its instance's load, and never raises the cost.
        #[test]
        fn guided_repack_keeps_every_task_and_never_costs_more(
            raw in prop::collection::vec((1u32..=2, 2u32..40, 4u32..96), 1..12),
            worth in prop::collection::vec(0.0f64..1.5, 12),
        ) {
            let types = types();
            let classes: Vec<Class> = raw
                .iter()
                .map(|&(gpus, vcpu, gib)| Class { gpus, gpu_mem: 0, cpu: vcpu * 1024, mem: gib * 1024 })
                .collect();
            let mut bins = alone(&classes, &types);
            let values: Vec<f64> = bins.iter().zip(&worth).map(|(b, w)| types[b.ty].price as f64 * w).collect();
            let before = cost(&types, &bins);
            repack_worst(&classes, &types, &values, &mut bins, 400_000);
            prop_assert!(cost(&types, &bins) <= before);
            let mut items: Vec<usize> = bins.iter().flat_map(|b| b.items.iter().copied()).collect();
            items.sort_unstable();
            prop_assert_eq!(items, (0..classes.len()).collect::<Vec<_>>());
            for bin in &bins {
                prop_assert!(types[bin.ty].holds(&Load::of(&classes, &bin.items)));
            }
        }
    }

    /// Two small tasks, each alone on a four-GPU instance and worth less than it costs: the
    /// pair is repacked as cheaply as it can be (two small instances, or one shared).
    #[test]
    fn lone_tasks_on_dear_instances_are_repacked_as_cheaply_as_possible() {
        let types = types();
        let task = Class {
            gpus: 1,
            gpu_mem: 0,
            cpu: 2 * 1024,
            mem: 8 * 1024,
        };
        let classes = vec![task, task];
        let four = types.iter().position(|t| t.gpus == 4).expect("a four-GPU type");
        let mut bins = vec![
            Bin {
                ty: four,
                items: vec![0],
            },
            Bin {
                ty: four,
                items: vec![1],
            },
        ];
        let mut both = Load::default();
        both.add(&task, 2);
        let shared = types[cheapest_holding(&types, &both).expect("a type holds both")].price;
        let cheapest = shared.min(cost(&types, &alone(&classes, &types)));
        assert!(cheapest < 2 * types[four].price);
        repack_worst(&classes, &types, &[0.0, 0.0], &mut bins, 400_000);
        assert_eq!(cost(&types, &bins), cheapest);
    }
}

//! Ruin and recreate: take a few instances, repack their tasks *exactly*, keep it if cheaper.
//!
//! The greedy in `pack.rs` is myopic: it takes the best-value fills first and can leave
//! awkward leftovers (on 20-task CPU-heavy fleets it ends up to 5 % above the optimum). Here
//! a fixed pseudo-random sequence (same every run) picks 2–5 instances at a time; their tasks
//! are repacked optimally by dynamic programming over "how many tasks of each class are
//! left", which is small for a handful of instances, and the result replaces them when it
//! costs less. Sets whose table would be too big are skipped.

use super::model::{cheapest_holding, Bin, Class, Load, TypeCap};

/// Neighbourhoods tried per plan, at most.
const TRIES: usize = 300;
/// Pattern checks (table cells × patterns) spent per plan, at most, for plans of up to 64
/// instances; larger plans get proportionally less, since their greedy passes already took
/// most of the time budget (a 400-task plan should take well under 50 ms).
const WORK_BUDGET: u64 = 4_000_000;
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
        let old: u64 = picked.iter().map(|&i| types[bins[i].ty].price).sum();
        let items: Vec<usize> = picked
            .iter()
            .flat_map(|&i| bins[i].items.iter().copied())
            .collect();
        let Some((new_cost, new_bins)) = exact_repack(classes, types, &items, &mut work) else {
            continue;
        };
        if new_cost < old {
            picked.sort_unstable_by(|a, b| b.cmp(a));
            for i in picked {
                bins.swap_remove(i);
            }
            bins.extend(new_bins);
        }
    }
    bins.sort();
}

/// The cheapest packing of `items` (class indices), or `None` when the table is too big.
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
    let digits = |mut s: usize| -> Vec<usize> {
        radix
            .iter()
            .map(|&r| {
                let d = s % r;
                s /= r;
                d
            })
            .collect()
    };
    // Each count vector that fits one instance, with its cheapest type.
    let mut patterns: Vec<(usize, Vec<usize>, usize)> = Vec::new();
    for s in 1..states {
        let count = digits(s);
        let mut load = Load::default();
        for (&c, &n) in present.iter().zip(&count) {
            load.add(&classes[c], n as u32);
        }
        if let Some(t) = cheapest_holding(types, &load) {
            patterns.push((s, count, t));
        }
    }
    *work += (states * (patterns.len() + types.len())) as u64;
    let mut best = vec![u64::MAX; states];
    let mut arg = vec![usize::MAX; states];
    best[0] = 0;
    for s in 1..states {
        let left = digits(s);
        // Some instance holds a task of the first class left: only try those patterns.
        let first = left.iter().position(|&n| n > 0).unwrap_or(0);
        for (k, (p, count, t)) in patterns.iter().enumerate() {
            if count[first] == 0 || count.iter().zip(&left).any(|(a, b)| a > b) || best[s - p] == u64::MAX {
                continue;
            }
            let value = types[*t].price + best[s - p];
            if value < best[s] {
                best[s] = value;
                arg[s] = k;
            }
        }
    }
    let mut s = states - 1;
    if best[s] == u64::MAX {
        return None;
    }
    let mut bins = Vec::new();
    while s > 0 {
        let (p, count, t) = &patterns[arg[s]];
        let mut bin_items = Vec::new();
        for (&c, &n) in present.iter().zip(count) {
            bin_items.extend(std::iter::repeat_n(c, n));
        }
        bins.push(Bin {
            ty: *t,
            items: bin_items,
        });
        s -= p;
    }
    Some((best[states - 1], bins))
}

/// SplitMix64: a fixed, seeded sequence so the search is the same on every run.
struct SplitMix(u64);

impl SplitMix {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

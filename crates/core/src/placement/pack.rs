//! The GPU packer: greedy by savings ratio over whole-instance fills, then local repair.
//!
//! Each task is worth its *standalone cost*: the price of the cheapest allowed type that can
//! hold it alone (what it would cost without sharing). For every type, the knapsack in
//! `knapsack.rs` finds the fill of one instance worth the most; the packer launches the type
//! whose best fill has the highest value ÷ price (the most money saved per dollar spent),
//! repeats that fill while it is still available, and starts over. A fill's value can only
//! fall as tasks are placed, so a type's last computed ratio is an upper bound and most
//! types need no recomputation (lazy greedy). `improve.rs` then right-sizes and merges.
//! Types that another type beats on price and every capacity are never considered.
//!
//! Standalone costs are a coarse guess at what each task is worth, so the packer then runs
//! more passes ([`REPRICE_ROUNDS`], or [`SMALL_REPRICE_ROUNDS`] for small fleets) in which
//! each task is worth a running average of what it actually paid in the previous pass (its
//! share under `cost.rs`): a sequential value correction, which steers tasks that ended up
//! in half-empty instances into earlier, better fills. Every pass's packing is repaired
//! (`improve.rs`, then the moves and swaps of `exchange.rs`), the cheapest is kept, and
//! `repack.rs` finally repacks small groups of its instances exactly. On the benchmark fleets
//! of up to 400 tasks (`benches/RESULTS.md`) plans, after `certify/`, end up on average
//! within 0.27 % of a proven lower bound, and at most 1.5 % above it.
//!
//! Each fill is searched in order of value per unit of whichever mix of GPUs, CPU and memory
//! binds (`knapsack.rs`). On fleets of at most [`SMALL_FLEET`] tasks the passes run a second
//! time in order of value per GPU, as before those mixes: either can end up cheaper there, and
//! passes on small fleets are cheap.
//!
//! Ties are broken by type order (cheaper, then name) and class order (service order), so
//! the same input always gives the same packing.

use super::cost::split_price;
use super::dominance::dominated;
use super::exchange::exchange;
use super::improve::improve;
use super::knapsack::{best_fill, dominators, Fill, Order};
use super::model::{Bin, Class, Load, TypeCap};
use super::repack::ruin_and_recreate;

/// Packs `counts[i]` tasks of each class onto instances of `types`, starting from `seed`
/// (instances already running, e.g. from the previous placement), whose free capacity is
/// used first because it is already paid for.
///
/// Every class with tasks must be admitted by at least one type (the caller checks this
/// with `fit::check_gpu_fit` first).
pub(crate) fn pack(classes: &[Class], counts: &[u32], types: &[TypeCap], seed: Vec<Bin>) -> Vec<Bin> {
    let standalone: Vec<f64> = classes
        .iter()
        .map(|c| types.iter().find(|t| t.admits(c)).map_or(0.0, |t| t.price as f64))
        .collect();
    let tasks: u32 = counts.iter().sum();
    let (rounds, orders): (usize, &[Order]) = if tasks <= SMALL_FLEET {
        (SMALL_REPRICE_ROUNDS, &[Order::Binding, Order::PerGpu])
    } else {
        (REPRICE_ROUNDS, &[Order::Binding])
    };
    let mut candidates = Vec::new();
    for &order in orders {
        candidates.push(pack_with(
            classes,
            counts,
            types,
            seed.clone(),
            &standalone,
            order,
        ));
        let mut values = standalone.clone();
        for _ in 0..rounds {
            let last = candidates.last().map(Vec::as_slice).unwrap_or_default();
            let paid = average_shares(classes, types, last, &standalone);
            // Half what the task paid, half what it was worth before: values settle instead
            // of swinging between passes.
            for (v, p) in values.iter_mut().zip(&paid) {
                *v = 0.5 * *v + 0.5 * p;
            }
            candidates.push(pack_with(classes, counts, types, seed.clone(), &values, order));
        }
    }
    // Every pass is repaired, and the cheapest result kept (the earliest on ties): a pass
    // that is dearer before repair can end up cheaper after it. The exact repacking is the
    // dearest repair, so only the winner gets it.
    let mut best: Option<(u64, Vec<Bin>)> = None;
    for bins in candidates {
        let bins = repair(classes, types, bins, seed.len(), false);
        let total = cost(types, &bins);
        if best.as_ref().is_none_or(|(c, _)| total < *c) {
            best = Some((total, bins));
        }
    }
    let best = best.map(|(_, bins)| bins).unwrap_or_default();
    repair(classes, types, best, seed.len(), true)
}

/// Finishes a partial packing: `bins` (new instances, e.g. rounded from the LP) are kept,
/// the tasks they leave out are packed greedily at standalone values, and everything is
/// repaired as a fresh packing is (`certify` uses it).
pub(crate) fn complete(classes: &[Class], counts: &[u32], types: &[TypeCap], mut bins: Vec<Bin>) -> Vec<Bin> {
    let standalone: Vec<f64> = classes
        .iter()
        .map(|c| types.iter().find(|t| t.admits(c)).map_or(0.0, |t| t.price as f64))
        .collect();
    let mut remaining = counts.to_vec();
    for bin in &bins {
        for &i in &bin.items {
            remaining[i] -= 1;
        }
    }
    let dominated_by = dominators(classes, &standalone);
    greedy(
        classes,
        types,
        &standalone,
        &mut remaining,
        &mut bins,
        Order::Binding,
        &dominated_by,
    );
    let bins = repair(classes, types, bins, 0, false);
    repair(classes, types, bins, 0, true)
}

/// A fresh packing whose greedy values each task at `values` (e.g. the configuration LP's
/// duals, so the fills it prefers are the LP's patterns), repaired as any packing is.
pub(crate) fn pack_valued(classes: &[Class], counts: &[u32], types: &[TypeCap], values: &[f64]) -> Vec<Bin> {
    let bins = pack_with(classes, counts, types, Vec::new(), values, Order::Binding);
    let bins = repair(classes, types, bins, 0, false);
    repair(classes, types, bins, 0, true)
}

/// Local repair of the instances after the first `seeded` ones: seeded instances are
/// running, so they keep their type and their tasks (new tasks may fill their free room);
/// only the instances this packing launches move, so adding a service never moves another
/// service's running tasks. `exact` adds the exact repacking of small groups (`repack.rs`).
fn repair(classes: &[Class], types: &[TypeCap], mut bins: Vec<Bin>, seeded: usize, exact: bool) -> Vec<Bin> {
    let mut launched = bins.split_off(seeded.min(bins.len()));
    if exact {
        ruin_and_recreate(classes, types, &mut launched);
    }
    improve(classes, types, &mut launched);
    exchange(classes, types, &mut launched);
    improve(classes, types, &mut launched);
    bins.extend(launched);
    bins
}

/// Extra greedy passes that value each task at (a running average of) what it paid in the
/// previous pass. Their values are fine-grained, which makes exact fills expensive to prove;
/// they search with the full [`NODE_LIMIT`](super::knapsack::NODE_LIMIT) all the same,
/// because on 400-task CPU-skewed fleets a fifth of that left them no better than the first
/// pass.
const REPRICE_ROUNDS: usize = 1;

/// Fleets of at most this many GPU tasks get [`SMALL_REPRICE_ROUNDS`] passes instead, in both
/// search orders: their passes are cheap, and more starting points for the repair pay off
/// there (on the 100-task hungry fleets, both orders: 0.40–0.53 % above the bound on average,
/// the binding order alone 0.43–0.56 %).
const SMALL_FLEET: u32 = 200;
const SMALL_REPRICE_ROUNDS: usize = 3;

fn cost(types: &[TypeCap], bins: &[Bin]) -> u64 {
    bins.iter().map(|b| types[b.ty].price).sum()
}

/// Each class's average share of its instances' prices in `bins` (see `cost.rs`); classes
/// without tasks there keep their standalone value.
fn average_shares(classes: &[Class], types: &[TypeCap], bins: &[Bin], standalone: &[f64]) -> Vec<f64> {
    let mut paid = vec![0u64; classes.len()];
    let mut tasks = vec![0u64; classes.len()];
    for bin in bins {
        for (&i, share) in bin
            .items
            .iter()
            .zip(split_price(&types[bin.ty], classes, &bin.items))
        {
            paid[i] += share;
            tasks[i] += 1;
        }
    }
    (0..classes.len())
        .map(|i| {
            if tasks[i] == 0 {
                standalone[i]
            } else {
                paid[i] as f64 / tasks[i] as f64
            }
        })
        .collect()
}

fn pack_with(
    classes: &[Class],
    counts: &[u32],
    types: &[TypeCap],
    seed: Vec<Bin>,
    values: &[f64],
    order: Order,
) -> Vec<Bin> {
    let dominated_by = dominators(classes, values);
    let mut remaining = counts.to_vec();
    let mut bins = seed;
    // Seeded tasks are already placed (`seed_bins` never seeds more than `counts`).
    for bin in &bins {
        for &i in &bin.items {
            remaining[i] -= 1;
        }
    }
    for bin in &mut bins {
        let load = Load::of(classes, &bin.items);
        let fill = best_fill(
            &types[bin.ty],
            classes,
            &remaining,
            values,
            load,
            order,
            &dominated_by,
        );
        take(&fill, &mut remaining, &mut bin.items);
    }
    let mut launched = Vec::new();
    greedy(
        classes,
        types,
        values,
        &mut remaining,
        &mut launched,
        order,
        &dominated_by,
    );
    improve(classes, types, &mut launched);
    bins.extend(launched);
    bins
}

/// Launches instances until no task remains.
pub(crate) fn greedy(
    classes: &[Class],
    types: &[TypeCap],
    values: &[f64],
    remaining: &mut [u32],
    bins: &mut Vec<Bin>,
    order: Order,
    dominated_by: &[Vec<usize>],
) {
    // A type another type beats on price and every capacity is never worth launching: park
    // it from the start, so its knapsack is never solved (this halves the work on the
    // built-in catalog, where e.g. g6 dominates most of g5).
    let parked = || {
        Some(Fill {
            value: -1.0,
            take: Vec::new(),
        })
    };
    let mut cache: Vec<Option<Fill>> = (0..types.len())
        .map(|t| if dominated(types, t) { parked() } else { None })
        .collect();
    while remaining.iter().any(|&r| r > 0) {
        let chosen = loop {
            // The type with the highest ratio as last computed (uncomputed types first).
            let mut pick: Option<(usize, f64)> = None;
            for (t, entry) in cache.iter().enumerate() {
                let ratio = match entry {
                    None => f64::INFINITY,
                    Some(fill) => fill.value / types[t].price as f64,
                };
                if pick.is_none_or(|(_, best)| ratio > best) {
                    pick = Some((t, ratio));
                }
            }
            let Some((t, _)) = pick else { break None };
            // Still fresh when its fill is still available: values only fall, so it stays best.
            if let Some(fill) = &cache[t] {
                if !fill.take.is_empty() && fill.take.iter().all(|&(i, n)| remaining[i] >= n) {
                    break Some(t);
                }
                if fill.take.is_empty() {
                    // Nothing left this type can hold; park it below every real ratio.
                    cache[t] = Some(Fill {
                        value: -1.0,
                        take: Vec::new(),
                    });
                    if cache
                        .iter()
                        .all(|c| c.as_ref().is_some_and(|f| f.take.is_empty()))
                    {
                        break None;
                    }
                    continue;
                }
            }
            cache[t] = Some(best_fill(
                &types[t],
                classes,
                remaining,
                values,
                Load::default(),
                order,
                dominated_by,
            ));
        };
        let Some(t) = chosen else { break };
        let fill = cache[t].clone().unwrap_or_default();
        let repeats = fill
            .take
            .iter()
            .map(|&(i, n)| remaining[i] / n)
            .min()
            .unwrap_or(0);
        for _ in 0..repeats {
            let mut bin = Bin {
                ty: t,
                items: Vec::new(),
            };
            take(&fill, remaining, &mut bin.items);
            bins.push(bin);
        }
    }
    // Defensive: anything a type admits but the search never placed goes alone.
    for (i, r) in remaining.iter_mut().enumerate() {
        while *r > 0 {
            let Some(t) = types.iter().position(|t| t.admits(&classes[i])) else {
                break;
            };
            bins.push(Bin {
                ty: t,
                items: vec![i],
            });
            *r -= 1;
        }
    }
}

fn take(fill: &Fill, remaining: &mut [u32], items: &mut Vec<usize>) {
    for &(i, n) in &fill.take {
        remaining[i] -= n;
        items.extend(std::iter::repeat_n(i, n as usize));
    }
    items.sort_unstable();
}

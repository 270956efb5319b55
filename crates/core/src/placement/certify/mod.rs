//! Certified packing: a proven lower bound on what any packing of the GPU tasks costs (the
//! configuration LP, by column generation), and an integer packing built from the LP's
//! columns that replaces the greedy packer's when it is cheaper.
//!
//! Every plan can then say how far it is from the cheapest possible packing: "no packing of
//! these tasks on the allowed types costs less than $Y". The bound is exact arithmetic's
//! business only through Farley's argument (`column_generation.rs`), so the simplex may be
//! approximate and the search budgets may cut anything short: the bound stays valid, it only
//! gets weaker. All work is counted in steps (pivots × rows, search nodes), never time, so
//! the same input gives the same plan on every machine.
//!
//! The LP is solved twice: first with the types that hold many tasks relaxed in the master
//! (`fractional.rs`: their pricing knapsack cannot be proven, their relaxation can, and costs
//! about 0.02 %), then from the patterns found with every type whose pricing is provable
//! priced exactly again; when that ends no better than the relaxed LP because a type's
//! pricing got stuck far from a proof, a third time over its columns with only those types
//! relaxed, for the bound alone. Fleets with many shapes are merged down first (`merge.rs`);
//! past 160 shapes the relaxed LP's dual is also climbed over the real classes (`ascent.rs`),
//! and past 400, when that beats the merged LP, its values guide the packing instead.
//!
//! The packing is the cheapest of the greedy's, the greedy re-run at the LP's duals, a dive
//! from the LP's columns (`rounding.rs`) and, on fleets of up to 200 tasks still more than
//! 0.3 % above the LP, a branch and bound over the LP's columns and every type's most
//! valuable fills at its duals (`near.rs`, `branch.rs`, then `count_branch.rs` on instance
//! counts per type over the same pool); then its worst instances at the
//! duals are repacked exactly (`repack.rs`), and on fleets of up to 1,000 tasks the 24 worst
//! are freed and packed again by the same branch and bound (`rebranch.rs`).

mod ascent;
mod branch;
mod column_generation;
mod count_branch;
mod exact;
mod fractional;
mod lagrange;
mod merge;
mod near;
mod pricing;
mod rebranch;
mod resources;
mod rounding;
mod shapes;
mod simplex;
#[cfg(test)]
mod tests;

use super::dominance::undominated;
use super::model::{Bin, Class, TypeCap};
use super::pack::{complete, pack_valued};
use super::repack::repack_worst;
use ascent::{ascent, Climbed};
use column_generation::{dollars, Configurations, Pattern};
use merge::merge;
use shapes::{coarse_shapes, Shape};

/// Work for the lower bound, in steps. Fleets of 100 tasks converge well within it; on
/// CPU- and memory-hungry fleets of 400 it still binds, and what more of it buys is a
/// better bound and better duals for the packings built from them (2.5 M → 6 M: 400 tasks
/// 0.14–0.34 % closer to the bound, about 30–45 ms more per plan).
const BOUND_STEPS: u64 = 6_000_000;
/// Work for the lower bound with the types that hold many tasks relaxed, in steps.
const RELAXED_STEPS: u64 = 1_250_000;
/// Shapes the relaxed LP runs on at most (more are merged): its simplex takes about 15
/// pivots per row, each of `rows²/64` steps, so past this many rows it cannot finish within
/// [`RELAXED_STEPS`] (a 400-shape fleet needs about 14 M).
const RELAXED_ROWS: usize = 160;
/// Work for the LP with the types whose exact pricing got stuck relaxed again, in steps
/// (mixed 400-task fleets: it converges in about 1.1 M; 3 M raised their bounds 0.02 % more).
const AGAIN_STEPS: u64 = 1_500_000;
/// Work for solving a small fleet exactly (`exact.rs`), in steps (fills tried).
const EXACT_STEPS: u64 = 2_000_000;
/// Work for the relaxed LP's dual over the real classes (`ascent.rs`), in steps (one per
/// resource, type and class per iteration: about 800 iterations of a 2,000-task fleet).
const ASCENT_STEPS: u64 = 60_000_000;
/// Work for the resource bound (`resources.rs`), in steps: a few dozen pivots.
const RESOURCE_STEPS: u64 = 1_000_000;
/// Work for the integer packing built from the LP's columns, in steps.
const DIVE_STEPS: u64 = 1_000_000;
/// Work for the branch and bound over near-optimal patterns (`branch.rs`), in steps,
/// finding those fills included (the hungry 100-task fleets: 2 M found nothing more than 1 M,
/// 0.5 M kept half the gain on CPU-skewed ones).
const BRANCH_STEPS: u64 = 1_000_000;
/// Work for the branch and bound on instance counts per type (`count_branch.rs`), in steps,
/// after `branch.rs`'s (the 30 hungry 100-task fleets: 0.313 → 0.292 % above the bound on
/// average, about 40 ms more a plan on the 19 that reach it; 2 M steps found nothing more,
/// and either search alone with both budgets did worse than the two).
const COUNT_BRANCH_STEPS: u64 = 1_000_000;
/// Fleets of at most this many tasks get the branch and bound: on 400-task fleets its dives
/// are a hundred instances deep, and 2 M steps found nothing there.
const BRANCH_TASKS: u32 = 200;
/// Work for freeing the worst instances of a larger fleet and packing their tasks again
/// (`rebranch.rs`), in steps per window (the hungry 400-task fleets: one window 0.09–0.19 %
/// cheaper on average, about 40–60 ms more a plan; 2 M steps kept two thirds of that).
const REBRANCH_STEPS: u64 = 3_000_000;
/// Windows tried (a second: CPU-skewed 400 0.10 % cheaper again, worst 1.42 → 1.21 %, about
/// 40–60 ms more; two windows of 12 did worse than one of 24).
const REBRANCH_ROUNDS: usize = 2;
/// Fleets of more tasks than [`BRANCH_TASKS`] and at most this many get that instead: past it
/// the freed tasks' LP has hundreds of rows.
const REBRANCH_TASKS: u32 = 1000;
/// The branch and bound runs when the best packing so far is more than this fraction above
/// the LP: below it, on the benchmark's 100-task fleets, it found nothing (0.2 % and 0.4 %
/// lost a little on mixed and memory-heavy ones), and it is where its time went (inference
/// and training 100 tasks: 83 and 77 ms a plan with it always on, 26 and 11 ms with this).
const BRANCH_GAP: f64 = 0.003;
/// Fills per type in the branch and bound's pool (`near.rs`): the most valuable at the LP's
/// duals (HiGHS over the 30 best per type found the proven cheapest packing of CPU-skewed
/// 100, seed 102).
const NEAR_FILLS: usize = 30;
/// Search nodes per type for those fills.
const NEAR_NODES: u64 = 50_000;
/// Work for repacking the instances the LP's duals say lose the most (`repack.rs`), in steps.
const GUIDED_REPACK_STEPS: u64 = 400_000;

/// A work budget in steps.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    left: u64,
}

impl Budget {
    pub(crate) fn new(steps: u64) -> Budget {
        Budget { left: steps }
    }
    pub(crate) fn spend(&mut self, steps: u64) {
        self.left = self.left.saturating_sub(steps);
    }
    pub(crate) fn left(&self) -> u64 {
        self.left
    }
    pub(crate) fn exhausted(&self) -> bool {
        self.left == 0
    }
}

/// The packing to run and what no packing of the same tasks can cost less than.
#[derive(Debug, Clone)]
pub(crate) struct Certified {
    pub bins: Vec<Bin>,
    /// Nano-dollars per hour, rounded down; never above the packing's cost.
    pub lower_bound: u64,
}

/// Bounds what packing `counts[i]` tasks of each class on `types` can cost, and returns the
/// cheapest of `incumbent` (the greedy packer's result), the exact optimum of a small fleet,
/// the greedy run again with the LP's duals as task values, a packing rounded from the LP,
/// and, on small fleets, the branch and bound's, whichever is cheapest, with the instances
/// the duals say lose the most repacked exactly.
pub(crate) fn certify(
    classes: &[Class],
    counts: &[u32],
    types: &[TypeCap],
    incumbent: Vec<Bin>,
) -> Certified {
    let incumbent_cost = cost(types, &incumbent);
    let (shapes, exact) = coarse_shapes(classes, counts, types);
    if shapes.is_empty() {
        return Certified {
            bins: incumbent,
            lower_bound: incumbent_cost,
        };
    }
    let candidates = candidates_for(&shapes, types);
    let seed = patterns_of(&incumbent, classes, &shapes);
    let demand: Vec<u32> = shapes.iter().map(|s| s.demand).collect();
    let mut budget = Budget::new(BOUND_STEPS);
    // First with the types that hold many tasks relaxed (`fractional.rs`): that LP converges
    // in a few rounds where the exact one needs hundreds, and loses little. Then again from
    // the patterns found, with every type whose exact pricing can be proven priced exactly,
    // for what the relaxation lost. Past [`RELAXED_ROWS`] shapes the relaxed LP runs on the
    // shapes merged down to that many (a weaker bound, but one it can finish).
    let relaxed = holds_many(&shapes, types);
    let any_relaxed = candidates.iter().any(|&t| relaxed[t]);
    let merged = shapes.len() > RELAXED_ROWS;
    let in_master = if merged { vec![false; types.len()] } else { relaxed };
    let mut configurations = Configurations::new(&shapes, types, candidates.clone(), seed, in_master);
    let mut bound = 0.0f64;
    if any_relaxed && merged {
        bound = merged_relaxed_bound(&shapes, classes, types, &incumbent, incumbent_cost);
    } else if any_relaxed {
        bound = configurations.solve(&demand, dollars(incumbent_cost), &mut Budget::new(RELAXED_STEPS));
        configurations = configurations.tightened(&demand, &mut budget);
    }
    // Past [`RELAXED_ROWS`] shapes the relaxed LP ran on merged shapes: its dual climbed over
    // the real classes gives away nothing to merging.
    let climbed = merged.then(|| {
        let mut budget = Budget::new(ASCENT_STEPS);
        ascent(
            classes,
            counts,
            types,
            &candidates,
            dollars(incumbent_cost),
            &mut budget,
        )
    });
    if let Some(climbed) = climbed
        .as_ref()
        .filter(|c| !exact && any_relaxed && c.bound >= bound)
    {
        // Past 400 shapes the exact LP would run on merged shapes too, and on the benchmark's
        // 2,000-task fleets it never beat the climbed bound when the merged relaxed LP did
        // not: it is skipped, and the climbed duals value the tasks instead.
        return certify_climbed(classes, counts, types, incumbent, climbed);
    }
    let relaxed_bound = bound;
    let mut bound = bound.max(configurations.solve(&demand, dollars(incumbent_cost), &mut budget));
    // When a type's pricing stays far from a proof (an 8-GPU type with memory-bound tasks:
    // ceilings 1.30× its price, fills found 1.0–1.06×), Farley's `θ` holds the exact LP's
    // bound below the relaxed one however many rounds it gets. The LP with only those types
    // relaxed again converges in a fraction of the steps and bounds every packing too. The
    // packing still comes from the exact LP's columns and duals.
    if !configurations.stuck.is_empty() && bound <= relaxed_bound {
        let mut again = configurations.relaxing(&configurations.stuck);
        bound = bound.max(again.solve(&demand, dollars(incumbent_cost), &mut Budget::new(AGAIN_STEPS)));
    }
    let coarse = resources::resource_bound(&shapes, types, &mut Budget::new(RESOURCE_STEPS));
    let bound = bound.max(coarse).max(climbed.map_or(0.0, |c| c.bound));
    let lower_bound = nanos_below(bound);
    // Within a millionth: the greedy packing is the cheapest, give or take rounding.
    if incumbent_cost - lower_bound.min(incumbent_cost) <= incumbent_cost / 1_000_000 {
        return Certified {
            bins: incumbent,
            lower_bound,
        };
    }
    // A small fleet the LP cannot certify is solved exactly instead.
    if exact {
        let mut budget = Budget::new(EXACT_STEPS);
        if let Some((optimum, patterns)) = exact::cheapest(&shapes, types, &candidates, &mut budget) {
            let bins = if optimum < incumbent_cost {
                bins_of(&patterns, &shapes, counts)
            } else {
                incumbent
            };
            return Certified {
                bins,
                lower_bound: optimum,
            };
        }
    }
    // The greedy again, valuing each task at its shape's dual (nano-dollars, as prices are).
    // The exact master's duals: the relaxed one's give worse packings (CPU-skewed 100 tasks:
    // 0.59 % against 0.48 % above the bound).
    let duals = configurations.duals();
    let mut values = vec![0.0; classes.len()];
    for (shape, &dual) in shapes.iter().zip(&duals) {
        for &(i, _) in &shape.members {
            values[i] = dual.max(0.0) * 1e9;
        }
    }
    // Patterns of merged shapes may not hold the real tasks: no rounding from them, only the
    // repack (their duals still say which instances lose money).
    if !exact {
        let mut bins = incumbent;
        repack_worst(classes, types, &values, &mut bins, GUIDED_REPACK_STEPS);
        return Certified { bins, lower_bound };
    }
    let valued = pack_valued(classes, counts, types, &values);
    // What the LP costs and its columns, before the dive re-solves it for fewer tasks.
    let lp = configurations.master.objective();
    let pool = configurations.columns();
    let mut budget = Budget::new(DIVE_STEPS);
    let (chosen, _) = rounding::dive(&mut configurations, &demand, &mut budget);
    let rounded = complete(classes, counts, types, bins_of(&chosen, &shapes, counts));
    // The cheapest of the three, the greedy's on ties (it moved nothing to get there).
    let mut bins = incumbent;
    for candidate in [valued, rounded] {
        if cost(types, &candidate) < cost(types, &bins) {
            bins = candidate;
        }
    }
    // Small fleets: a branch and bound over the LP's columns and every type's most valuable
    // fills at its duals, for a packing the dive's greedy choices missed.
    let best = cost(types, &bins);
    let gap = dollars(best) - lp;
    if gap > BRANCH_GAP * dollars(best) && demand.iter().sum::<u32>() <= BRANCH_TASKS {
        if let Some(patterns) = branched(&shapes, types, &candidates, pool, &demand, &duals, best, gap) {
            let candidate = complete(classes, counts, types, bins_of(&patterns, &shapes, counts));
            if cost(types, &candidate) < best {
                bins = candidate;
            }
        }
    }
    // The duals price every task, so the instances that cost most above what their tasks are
    // worth are where the packing loses money: those are repacked exactly.
    repack_worst(classes, types, &values, &mut bins, GUIDED_REPACK_STEPS);
    // Larger fleets still far from the LP: their worst instances freed and packed again.
    let tasks: u32 = demand.iter().sum();
    if tasks > BRANCH_TASKS
        && tasks <= REBRANCH_TASKS
        && cost(types, &bins) as f64 > (1.0 + BRANCH_GAP) * lp * 1e9
    {
        // After a window that saved nothing, the next worst instances; after one that did, the
        // worst again (the ranking has changed).
        let mut skip = 0;
        for _ in 0..REBRANCH_ROUNDS {
            let mut budget = Budget::new(REBRANCH_STEPS);
            if !rebranch::rebranch(
                classes,
                types,
                &shapes,
                &candidates,
                &duals,
                &mut bins,
                &mut budget,
                skip,
            ) {
                skip += rebranch::WINDOW;
            }
        }
    }
    Certified { bins, lower_bound }
}

/// A packing from `branch.rs` over `pool` plus each candidate type's most valuable fills at
/// `duals` worth at least its price less `gap` (what the best packing so far costs above
/// the LP), cheaper than `best` nano-dollars per hour.
#[allow(clippy::too_many_arguments)]
fn branched(
    shapes: &[Shape],
    types: &[TypeCap],
    candidates: &[usize],
    pool: Vec<Pattern>,
    demand: &[u32],
    duals: &[f64],
    best: u64,
    gap: f64,
) -> Option<Vec<Pattern>> {
    let mut budget = Budget::new(BRANCH_STEPS);
    let fills = (NEAR_FILLS, NEAR_NODES);
    let pool = near::with_near_fills(
        pool,
        types,
        candidates,
        shapes,
        duals,
        demand,
        gap,
        fills,
        &mut budget,
    );
    let by_patterns = branch::cheapest(shapes, types, candidates, pool.clone(), demand, best, &mut budget);
    // Then on instance counts per type, from the best packing so far: it finds what
    // branching on patterns cannot reach, and misses what its dives and endgames find.
    let best = by_patterns
        .as_ref()
        .map_or(best, |patterns| patterns.iter().map(|p| types[p.ty].price).sum());
    let mut budget = Budget::new(COUNT_BRANCH_STEPS);
    count_branch::cheapest(shapes, types, candidates, pool, demand, best, &mut budget).or(by_patterns)
}

/// The cheapest of `incumbent` and the greedy run with the climbed duals as task values, its
/// worst instances at those duals repacked exactly, certified by the climbed bound.
fn certify_climbed(
    classes: &[Class],
    counts: &[u32],
    types: &[TypeCap],
    incumbent: Vec<Bin>,
    climbed: &Climbed,
) -> Certified {
    let mut bins = incumbent;
    let valued = pack_valued(classes, counts, types, &climbed.values);
    if cost(types, &valued) < cost(types, &bins) {
        bins = valued;
    }
    repack_worst(classes, types, &climbed.values, &mut bins, GUIDED_REPACK_STEPS);
    let lower_bound = nanos_below(climbed.bound);
    Certified {
        lower_bound: lower_bound.min(cost(types, &bins)),
        bins,
    }
}

/// A bound in dollars per hour as nano-dollars, rounded down, less a billionth for
/// floating-point error: never above what was proven.
fn nanos_below(dollars: f64) -> u64 {
    ((dollars * (1.0 - 1e-9)) * 1e9).floor().max(0.0) as u64
}

/// The types worth pricing for `shapes`: undominated, and admitting at least one of them.
fn candidates_for(shapes: &[Shape], types: &[TypeCap]) -> Vec<usize> {
    undominated(types)
        .into_iter()
        .filter(|&t| shapes.iter().any(|s| types[t].admits(&s.class)))
        .collect()
}

/// The relaxed LP's bound on `shapes` merged down to [`RELAXED_ROWS`] shapes: merged tasks are
/// never bigger than the real ones, so it bounds every real packing too.
fn merged_relaxed_bound(
    shapes: &[Shape],
    classes: &[Class],
    types: &[TypeCap],
    incumbent: &[Bin],
    incumbent_cost: u64,
) -> f64 {
    let few = merge(shapes.to_vec(), RELAXED_ROWS);
    let demand: Vec<u32> = few.iter().map(|s| s.demand).collect();
    let seed = patterns_of(incumbent, classes, &few);
    let relaxed = holds_many(&few, types);
    let mut configurations = Configurations::new(&few, types, candidates_for(&few, types), seed, relaxed);
    configurations.solve(&demand, dollars(incumbent_cost), &mut Budget::new(RELAXED_STEPS))
}

/// Tasks an instance must be able to hold for its type to be relaxed at first.
const MANY_TASKS: u64 = 4;

/// Per type, whether it can hold [`MANY_TASKS`] of the smallest tasks it admits (each
/// resource counted alone): the types whose exact pricing is a hard knapsack.
fn holds_many(shapes: &[Shape], types: &[TypeCap]) -> Vec<bool> {
    types
        .iter()
        .map(|t| {
            let admitted: Vec<&Class> = shapes.iter().map(|s| &s.class).filter(|c| t.admits(c)).collect();
            // How many of the smallest admitted task fit, in this resource alone.
            let fit = |room: u32, need: fn(&Class) -> u32| {
                admitted.iter().map(|c| room / need(c).max(1)).max().unwrap_or(0)
            };
            let most = fit(t.gpus, |c| c.gpus)
                .min(fit(t.cpu, |c| c.cpu))
                .min(fit(t.mem, |c| c.mem))
                .min(t.slots);
            u64::from(most) >= MANY_TASKS
        })
        .collect()
}

fn cost(types: &[TypeCap], bins: &[Bin]) -> u64 {
    bins.iter().map(|b| types[b.ty].price).sum()
}

/// The greedy packer's instances as patterns over shapes (seed columns for the master).
fn patterns_of(bins: &[Bin], classes: &[Class], shapes: &[Shape]) -> Vec<Pattern> {
    let shape_of = shape_of(classes.len(), shapes);
    let mut patterns: Vec<Pattern> = bins.iter().map(|bin| pattern_of(bin, &shape_of)).collect();
    patterns.sort();
    patterns.dedup();
    patterns
}

/// Per class, the shape its tasks have.
pub(super) fn shape_of(classes: usize, shapes: &[Shape]) -> Vec<usize> {
    let mut shape_of = vec![usize::MAX; classes];
    for (s, shape) in shapes.iter().enumerate() {
        for &(i, _) in &shape.members {
            shape_of[i] = s;
        }
    }
    shape_of
}

/// One instance as a pattern over shapes (`shape_of` from [`shape_of`]).
pub(super) fn pattern_of(bin: &Bin, shape_of: &[usize]) -> Pattern {
    let mut take: Vec<(usize, u32)> = Vec::new();
    for &i in &bin.items {
        let s = shape_of[i];
        match take.iter_mut().find(|(t, _)| *t == s) {
            Some((_, n)) => *n += 1,
            None => take.push((s, 1)),
        }
    }
    take.sort_unstable();
    Pattern { ty: bin.ty, take }
}

/// Patterns over shapes back to instances of concrete classes: each shape's tasks are handed
/// out in class order.
fn bins_of(patterns: &[Pattern], shapes: &[Shape], counts: &[u32]) -> Vec<Bin> {
    let mut left: Vec<u32> = counts.to_vec();
    patterns
        .iter()
        .map(|p| {
            let mut items = Vec::new();
            for &(s, n) in &p.take {
                let mut n = n;
                for &(i, _) in &shapes[s].members {
                    while n > 0 && left[i] > 0 {
                        items.push(i);
                        left[i] -= 1;
                        n -= 1;
                    }
                }
            }
            items.sort_unstable();
            Bin { ty: p.ty, items }
        })
        .collect()
}

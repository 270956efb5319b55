//! Column generation for the configuration LP, and the Farley lower bound it proves.
//!
//! The configuration LP: a *pattern* is one instance type and how many tasks of each shape
//! share it; choose how many of each pattern to run so that every task is covered, at least
//! cost. Its optimum lower-bounds every packing. The master (`simplex.rs`) solves it over the
//! patterns found so far; the pricing problem (`pricing.rs`) looks, per instance type, for a
//! pattern whose tasks are worth more, at the master's duals `π`, than the type's price.
//!
//! Types that hold many tasks can be *relaxed*: instead of patterns, the master buys their
//! instances fractionally and spreads tasks over their GPUs, CPU, memory and slots as it
//! likes (one column per instance bought, one per task shape placed, four rows per type).
//! Every pattern is such a spread, so the LP stays a relaxation; see `fractional.rs` for why.
//!
//! Farley's bound makes every round's answer a proof, however far from converged: with
//! `θ = max(1, max over types of (best fill value ÷ price))`, `π / θ` is a feasible dual for
//! *every* pattern, so `Σ demand × π / θ` is at most the LP optimum, hence at most the cost
//! of any packing. The best such value over all rounds is the bound. When no search finds a
//! better pattern but some ran out of nodes far from a proof, `θ` stays above 1 though the LP
//! has converged: one longer search per type at the master's duals then proves what it can.

use std::collections::BTreeSet;

use super::super::model::TypeCap;
use super::fractional::{ceiling, RESOURCES};
use super::pricing::price;
use super::shapes::Shape;
use super::simplex::{Column, Master};
use super::Budget;

/// One column of the master as a packing pattern: an instance type and tasks per shape.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Pattern {
    pub ty: usize,
    pub take: Vec<(usize, u32)>,
}

impl Pattern {
    /// This instance holding only the tasks still unplaced (`left` per shape), none of a
    /// shape with none left: so that no task is placed twice.
    pub(crate) fn trimmed(&self, left: &[u32]) -> Pattern {
        let take = self
            .take
            .iter()
            .map(|&(s, n)| (s, n.min(left[s])))
            .filter(|&(_, n)| n > 0)
            .collect();
        Pattern { ty: self.ty, take }
    }
}

/// The master and the patterns behind its columns (`patterns[j]` is column `j`; the
/// relaxation's columns have empty patterns).
pub(crate) struct Configurations<'a> {
    pub shapes: &'a [Shape],
    pub types: &'a [TypeCap],
    /// The types worth pricing: no other type is as cheap and at least as big.
    pub candidates: Vec<usize>,
    pub master: Master,
    pub patterns: Vec<Pattern>,
    known: BTreeSet<Pattern>,
    /// Per type, whether the master holds its relaxation (and its patterns are not priced).
    relaxed: Vec<bool>,
    /// Exactly priced types whose search, in some round, left a ceiling more than [`STUCK`]
    /// above both its best fill and its price: while they are priced so, Farley's `θ` keeps
    /// the bound far below the LP (`certify` solves it again with them relaxed).
    pub stuck: Vec<usize>,
    /// Whether a converged LP's bound is worth a longer search ([`PROOF_NODES`]): not when
    /// only its columns and duals are wanted (`rebranch.rs`).
    pub prove: bool,
}

/// Search nodes per pricing problem.
const PRICING_NODES: u64 = 20_000;
/// Search nodes per type for the proof once column generation has converged.
const PROOF_NODES: u64 = 200_000;
/// The proof is tried when the bound is more than this fraction below the master's
/// objective: closer, it has little to gain, and on inference fleets (whose bounds it never
/// raised) it cost 2–5 ms a plan.
const PROOF_GAP: f64 = 1e-3;

/// A column enters only when it is worth this fraction more than its price.
const IMPROVING: f64 = 1e-9;

/// What an artificial column costs (dollars per hour): it starts the basis of a relaxed type's
/// resource row, and the simplex drives it out at once.
const ARTIFICIAL: f64 = 1e7;

pub(crate) fn dollars(nanos: u64) -> f64 {
    nanos as f64 / 1e9
}

impl<'a> Configurations<'a> {
    /// A master with every shape alone on its cheapest type (so it is feasible at once),
    /// plus `seed` patterns (e.g. the greedy packer's instances), plus the relaxation of every
    /// type marked in `relaxed`.
    pub(crate) fn new(
        shapes: &'a [Shape],
        types: &'a [TypeCap],
        candidates: Vec<usize>,
        seed: Vec<Pattern>,
        relaxed: Vec<bool>,
    ) -> Self {
        let relaxed_types: Vec<usize> = candidates.iter().copied().filter(|&t| relaxed[t]).collect();
        let mut patterns = Vec::with_capacity(shapes.len() + seed.len());
        let mut singleton_costs = Vec::with_capacity(shapes.len() + RESOURCES * relaxed_types.len());
        for (s, shape) in shapes.iter().enumerate() {
            let ty = types
                .iter()
                .position(|t| t.admits(&shape.class))
                .expect("every task fits some allowed type (checked before packing)");
            singleton_costs.push(dollars(types[ty].price));
            patterns.push(Pattern {
                ty,
                take: vec![(s, 1)],
            });
        }
        // The resource rows' artificial columns (their patterns are empty).
        for _ in 0..RESOURCES * relaxed_types.len() {
            singleton_costs.push(ARTIFICIAL);
            patterns.push(Pattern {
                ty: 0,
                take: Vec::new(),
            });
        }
        let master = Master::new(&singleton_costs);
        let known = patterns.iter().cloned().collect();
        let mut configurations = Configurations {
            shapes,
            types,
            candidates,
            master,
            patterns,
            known,
            relaxed: vec![false; types.len()],
            stuck: Vec::new(),
            prove: true,
        };
        for (k, &t) in relaxed_types.iter().enumerate() {
            configurations.relax(t, shapes.len() + RESOURCES * k);
        }
        for pattern in seed {
            configurations.add(pattern);
        }
        configurations
    }

    /// Adds type `t`'s relaxation with its resource rows starting at `row`: rows
    /// `room_r × bought − Σ_s size_sr × placed_s ≥ 0`, each scaled to the type's room.
    fn relax(&mut self, t: usize, row: usize) {
        let ty = &self.types[t];
        let room = [ty.gpus, ty.cpu, ty.mem, ty.slots].map(f64::from);
        self.relaxed[t] = true;
        let empty = Pattern {
            ty: t,
            take: Vec::new(),
        };
        self.master.add(Column {
            cost: dollars(ty.price),
            entries: (0..RESOURCES).map(|r| (row + r, 1.0)).collect(),
        });
        self.patterns.push(empty.clone());
        for (s, shape) in self.shapes.iter().enumerate() {
            if !ty.admits(&shape.class) {
                continue;
            }
            let c = &shape.class;
            let size = [c.gpus, c.cpu, c.mem, 1].map(f64::from);
            let mut entries = vec![(s, 1.0)];
            entries.extend((0..RESOURCES).map(|r| (row + r, -size[r] / room[r])));
            self.master.add(Column { cost: 0.0, entries });
            self.patterns.push(empty.clone());
        }
    }

    /// The master's columns as patterns, without the relaxation's (whose patterns are empty):
    /// what a packing can be built from.
    pub(crate) fn columns(&self) -> Vec<Pattern> {
        self.patterns
            .iter()
            .filter(|p| !p.take.is_empty())
            .cloned()
            .collect()
    }

    /// Adds a pattern unless it is already a column; whether it was added.
    pub(crate) fn add(&mut self, pattern: Pattern) -> bool {
        if pattern.take.is_empty() || !self.known.insert(pattern.clone()) {
            return false;
        }
        self.master.add(Column {
            cost: dollars(self.types[pattern.ty].price),
            entries: pattern.take.iter().map(|&(s, n)| (s, f64::from(n))).collect(),
        });
        self.patterns.push(pattern);
        true
    }

    /// The same patterns with only the relaxed types whose exact pricing, at the master's
    /// duals and for `demand`, runs out of nodes far from a proof still relaxed: the others
    /// are priced exactly from here on, which is what the relaxation lost.
    pub(crate) fn tightened(&self, demand: &[u32], budget: &mut Budget) -> Configurations<'a> {
        let duals = self.duals();
        let relaxed = (0..self.types.len())
            .map(|t| self.relaxed[t] && !self.provable(t, &duals, demand, budget))
            .collect();
        self.rebuilt(relaxed)
    }

    /// Whether type `t`'s exact pricing at `duals` ends within its nodes or near a proof.
    fn provable(&self, t: usize, duals: &[f64], demand: &[u32], budget: &mut Budget) -> bool {
        let ty = &self.types[t];
        let threshold = dollars(ty.price) * (1.0 + IMPROVING);
        let priced = price(ty, self.shapes, duals, demand, threshold, PRICING_NODES);
        budget.spend(priced.nodes);
        !unproven(priced.out_of_nodes, priced.upper, priced.best, threshold)
    }

    /// A new master over the same patterns with `more` types relaxed too.
    pub(crate) fn relaxing(&self, more: &[usize]) -> Configurations<'a> {
        let mut relaxed = self.relaxed.clone();
        for &t in more {
            relaxed[t] = true;
        }
        self.rebuilt(relaxed)
    }

    /// A new master over the same patterns with the types in `relaxed` relaxed.
    fn rebuilt(&self, relaxed: Vec<bool>) -> Configurations<'a> {
        let seed = self.patterns[self.shapes.len()..]
            .iter()
            .filter(|p| !p.take.is_empty())
            .cloned()
            .collect();
        Configurations::new(self.shapes, self.types, self.candidates.clone(), seed, relaxed)
    }

    /// The master's right-hand side: the demand, then 0 for the relaxation's rows.
    fn rhs(&self, demand: &[u32]) -> Vec<f64> {
        let rows = self.master.rows();
        let mut b: Vec<f64> = demand.iter().map(|&d| f64::from(d)).collect();
        b.resize(rows, 0.0);
        b
    }

    /// The shapes' duals (non-negative), without the relaxation's rows.
    pub(crate) fn duals(&self) -> Vec<f64> {
        let mut duals = self.master.duals();
        duals.truncate(self.shapes.len());
        duals.iter().map(|p| p.max(0.0)).collect()
    }

    /// Solves the LP for `demand` (tasks per shape) by column generation, from the singleton
    /// basis, until no pattern improves, the bound reaches `enough`, or the budget runs out.
    /// Returns the best Farley bound seen, in dollars per hour.
    pub(crate) fn solve(&mut self, demand: &[u32], enough: f64, budget: &mut Budget) -> f64 {
        let b = self.rhs(demand);
        self.master.reset(&b);
        let mut bound: f64 = 0.0;
        // The duals with the best bound so far: the stability centre (see `SMOOTHING`).
        let mut centre: Option<Vec<f64>> = None;
        loop {
            let steps = self.master.optimize(budget.left());
            budget.spend(steps);
            let duals = self.duals();
            let smoothed: Option<Vec<f64>> = centre.as_ref().map(|c| {
                c.iter()
                    .zip(&duals)
                    .map(|(c, d)| SMOOTHING * c + (1.0 - SMOOTHING) * d)
                    .collect()
            });
            let mut added = false;
            // Price at the smoothed duals; when that finds nothing that improves the master
            // (Wentges' mispricing), at the master's own.
            for at in smoothed.iter().chain(std::iter::once(&duals)) {
                let (round_bound, found, stuck) = self.price_all(at, demand, budget, PRICING_NODES);
                for t in stuck {
                    if !self.stuck.contains(&t) {
                        self.stuck.push(t);
                    }
                }
                if round_bound > bound {
                    bound = round_bound;
                    centre = Some(at.clone());
                }
                for pattern in found {
                    let worth: f64 = pattern.take.iter().map(|&(s, n)| f64::from(n) * duals[s]).sum();
                    let improves = worth > dollars(self.types[pattern.ty].price) * (1.0 + IMPROVING);
                    added |= self.add(pattern) && improves;
                }
                if added || bound >= enough || budget.exhausted() {
                    break;
                }
            }
            let short_of_master = bound < self.master.objective() * (1.0 - PROOF_GAP);
            if self.prove && !added && short_of_master && bound < enough && !budget.exhausted() {
                // Converged: no type has a fill worth more than its price that the searches
                // found. What keeps the bound below the master is a type whose search ran out
                // of nodes far from a proof; a longer search at the master's duals, once,
                // may prove it.
                let (proven, _, _) = self.price_all(&duals, demand, budget, PROOF_NODES);
                bound = bound.max(proven);
            }
            if !added || bound >= enough || budget.exhausted() {
                return bound;
            }
        }
    }

    /// Re-solves the master over the columns it has, for `demand`, without pricing, from the
    /// basis it has (the dive changes the demand a little at a time).
    pub(crate) fn resolve(&mut self, demand: &[u32], budget: &mut Budget) {
        let b = self.rhs(demand);
        let steps = self.master.reoptimize(&b, budget.left());
        budget.spend(steps);
    }

    /// Prices every candidate type at `duals`: the Farley bound they prove, the patterns
    /// worth adding, and the exactly priced types left [`STUCK`]. A relaxed type's ceiling is
    /// its knapsack's LP relaxation; an exact type's is its search's, or that LP's when the
    /// search ran out of nodes far from a proof.
    fn price_all(
        &self,
        duals: &[f64],
        demand: &[u32],
        budget: &mut Budget,
        nodes: u64,
    ) -> (f64, Vec<Pattern>, Vec<usize>) {
        let value: f64 = demand.iter().zip(duals).map(|(&d, p)| f64::from(d) * p).sum();
        let mut theta: f64 = 1.0;
        let mut found = Vec::new();
        let mut stuck = Vec::new();
        for &t in &self.candidates {
            let ty = &self.types[t];
            let cost = dollars(ty.price);
            let threshold = cost * (1.0 + IMPROVING);
            let mut upper = f64::INFINITY;
            let mut unproven = true;
            if !self.relaxed[t] {
                let priced = price(ty, self.shapes, duals, demand, threshold, nodes);
                budget.spend(priced.nodes);
                upper = priced.upper;
                for take in priced.improving {
                    found.push(Pattern { ty: t, take });
                }
                unproven = self::unproven(priced.out_of_nodes, upper, priced.best, threshold);
                if upper > priced.best.max(cost) * (1.0 + STUCK) {
                    stuck.push(t);
                }
            }
            if unproven {
                // Both ceilings are proven: the smaller holds.
                upper = upper.min(ceiling(ty, self.shapes, duals, demand, budget));
            }
            theta = theta.max(upper / cost);
        }
        (value / theta, found, stuck)
    }
}

/// Whether a search that found `best` and proved `upper` is far from a proof.
fn unproven(out_of_nodes: bool, upper: f64, best: f64, threshold: f64) -> bool {
    out_of_nodes && upper > best.max(threshold) * (1.0 + UNPROVEN)
}

/// A type whose search leaves a ceiling this fraction above both its best fill and its price
/// is stuck (see [`Configurations::stuck`]). On the mixed 400-task fleets the type it catches
/// stays 30 % above its price round after round, with fills of 1.0–1.06× found; any threshold
/// from 5 to 20 % caught the same types.
const STUCK: f64 = 0.1;

/// When a type's search runs out of nodes with its ceiling more than this fraction above its
/// best fill (or its price), its LP relaxation's ceiling is tried too.
const UNPROVEN: f64 = 1e-3;

/// Wentges smoothing: pricing at a mix of the best duals so far (this much) and the master's
/// latest steadies the duals' zig-zag, which is what makes column generation converge slowly.
const SMOOTHING: f64 = 0.5;

//! Column generation for the configuration LP, and the Farley lower bound it proves.
//!
//! The configuration LP: a *pattern* is one instance type and how many tasks of each shape
//! share it; choose how many of each pattern to run so that every task is covered, at least
//! cost. Its optimum lower-bounds every packing. The master (`simplex.rs`) solves it over the
//! patterns found so far; the pricing problem (`pricing.rs`) looks, per instance type, for a
//! pattern whose tasks are worth more, at the master's duals `π`, than the type's price.
//!
//! Farley's bound makes every round's answer a proof, however far from converged: with
//! `θ = max(1, max over types of (best fill value ÷ price))`, `π / θ` is a feasible dual for
//! *every* pattern, so `Σ demand × π / θ` is at most the LP optimum, hence at most the cost
//! of any packing. The best such value over all rounds is the bound.

use std::collections::BTreeSet;

use super::super::model::TypeCap;
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

/// The master and the patterns behind its columns (`patterns[j]` is column `j`).
pub(crate) struct Configurations<'a> {
    pub shapes: &'a [Shape],
    pub types: &'a [TypeCap],
    /// The types worth pricing: no other type is as cheap and at least as big.
    pub candidates: Vec<usize>,
    pub master: Master,
    pub patterns: Vec<Pattern>,
    known: BTreeSet<Pattern>,
}

/// Search nodes per pricing problem.
const PRICING_NODES: u64 = 20_000;

/// A column enters only when it is worth this fraction more than its price.
const IMPROVING: f64 = 1e-9;

pub(crate) fn dollars(nanos: u64) -> f64 {
    nanos as f64 / 1e9
}

impl<'a> Configurations<'a> {
    /// A master with every shape alone on its cheapest type (so it is feasible at once),
    /// plus `seed` patterns (e.g. the greedy packer's instances).
    pub(crate) fn new(
        shapes: &'a [Shape],
        types: &'a [TypeCap],
        candidates: Vec<usize>,
        seed: Vec<Pattern>,
    ) -> Self {
        let mut patterns = Vec::with_capacity(shapes.len() + seed.len());
        let mut singleton_costs = Vec::with_capacity(shapes.len());
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
        let master = Master::new(&singleton_costs);
        let known = patterns.iter().cloned().collect();
        let mut configurations = Configurations {
            shapes,
            types,
            candidates,
            master,
            patterns,
            known,
        };
        for pattern in seed {
            configurations.add(pattern);
        }
        configurations
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

    /// Solves the LP for `demand` (tasks per shape) by column generation, from the singleton
    /// basis, until no pattern improves, the bound reaches `enough`, or the budget runs out.
    /// Returns the best Farley bound seen, in dollars per hour.
    pub(crate) fn solve(&mut self, demand: &[u32], enough: f64, budget: &mut Budget) -> f64 {
        let b: Vec<f64> = demand.iter().map(|&d| f64::from(d)).collect();
        self.master.reset(&b);
        let mut bound: f64 = 0.0;
        // The duals with the best bound so far: the stability centre (see `SMOOTHING`).
        let mut centre: Option<Vec<f64>> = None;
        loop {
            let steps = self.master.optimize(budget.left());
            budget.spend(steps);
            let duals: Vec<f64> = self.master.duals().iter().map(|p| p.max(0.0)).collect();
            let smoothed: Option<Vec<f64>> = centre.as_ref().map(|c| {
                c.iter()
                    .zip(&duals)
                    .map(|(c, d)| SMOOTHING * c + (1.0 - SMOOTHING) * d)
                    .collect()
            });
            let mut added = false;
            // Price at the smoothed duals; when that finds nothing, at the master's own.
            for at in smoothed.iter().chain(std::iter::once(&duals)) {
                let (round_bound, found) = self.price_all(at, &b, demand, budget);
                if round_bound > bound {
                    bound = round_bound;
                    centre = Some(at.clone());
                }
                for pattern in found {
                    added |= self.add(pattern);
                }
                if added || bound >= enough || budget.exhausted() {
                    break;
                }
            }
            if !added || bound >= enough || budget.exhausted() {
                return bound;
            }
        }
    }

    /// Re-solves the master over the columns it has, for `demand`, without pricing.
    pub(crate) fn resolve(&mut self, demand: &[u32], budget: &mut Budget) {
        let b: Vec<f64> = demand.iter().map(|&d| f64::from(d)).collect();
        self.master.reset(&b);
        let steps = self.master.optimize(budget.left());
        budget.spend(steps);
    }

    /// Prices every candidate type at `duals`: the Farley bound they prove and the patterns
    /// worth adding.
    fn price_all(
        &self,
        duals: &[f64],
        b: &[f64],
        demand: &[u32],
        budget: &mut Budget,
    ) -> (f64, Vec<Pattern>) {
        let value: f64 = b.iter().zip(duals).map(|(d, p)| d * p).sum();
        let mut theta: f64 = 1.0;
        let mut found = Vec::new();
        for &t in &self.candidates {
            let ty = &self.types[t];
            let cost = dollars(ty.price);
            let priced = price(
                ty,
                self.shapes,
                duals,
                demand,
                cost * (1.0 + IMPROVING),
                PRICING_NODES,
            );
            budget.spend(priced.nodes);
            theta = theta.max(priced.upper / cost);
            for take in priced.improving {
                found.push(Pattern { ty: t, take });
            }
        }
        (value / theta, found)
    }
}

/// Wentges smoothing: pricing at a mix of the best duals so far (this much) and the master's
/// latest steadies the duals' zig-zag, which is what makes column generation converge slowly.
const SMOOTHING: f64 = 0.5;

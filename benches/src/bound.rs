//! A proven lower bound on the hourly cost: the LP relaxation of the configuration model,
//! solved by column generation with good_lp and the pure-Rust microlp simplex.
//!
//! Configuration model: a *pattern* is one instance type plus a set of tasks that fit on it;
//! choose how many of each pattern to run so that every task is covered, at least cost. Its
//! LP relaxation lower-bounds every packing. We solve the dual, `max Σ nᵢ πᵢ` subject to
//! `Σ aᵢₚ πᵢ ≤ cₚ` for the patterns found so far, and price new patterns with an exact
//! knapsack per type. At any step, with θ = max over types of (best pattern value ÷ price),
//! π/θ is feasible for *every* pattern, so `Σ nᵢ πᵢ / θ` is a valid bound (Farley) whatever
//! the solver's accuracy; we report the best such bound seen.

use good_lp::{constraint, default_solver, variable, variables, Expression, Solution, SolverModel};
use rnd_core::placement::ServiceDemand;

use crate::capacity::Cap;
use crate::pricing::price_type;

/// Fills worth at most this fraction above their price are not searched for; the bound
/// accounts for them (it can be this much below the true LP value, i.e. 0.0001 %).
const PRICING_SLACK: f64 = 1e-6;

/// Iterations of column generation before settling for the Farley bound reached so far.
const MAX_ROUNDS: usize = 200;

/// The lower bound (dollars per hour) and the number of column-generation rounds used.
pub fn lower_bound(services: &[ServiceDemand], caps: &[Cap]) -> (f64, usize) {
    let (b, r, _) = lower_bound_columns(services, caps);
    (b, r)
}

/// Patterns: price, (class index among GPU services with replicas, count).
pub type Columns = Vec<(f64, Vec<(usize, u32)>)>;

/// [`lower_bound`], plus the columns generated.
pub fn lower_bound_columns(services: &[ServiceDemand], caps: &[Cap]) -> (f64, usize, Columns) {
    let classes: Vec<&ServiceDemand> = services.iter().filter(|s| s.gpus > 0 && s.replicas > 0).collect();
    if classes.is_empty() {
        return (0.0, 0, Vec::new());
    }
    // Start from every task alone on its cheapest type, so the dual is bounded.
    let mut patterns: Vec<(f64, Vec<(usize, u32)>)> = classes
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let cap = caps
                .iter()
                .find(|c| c.holds(&[*s]))
                .expect("every task fits some type");
            (cap.price, vec![(i, 1)])
        })
        .collect();
    let mut best_bound: f64 = 0.0;
    for round in 1..=MAX_ROUNDS {
        let pi = solve_dual(&classes, &patterns);
        let z: f64 = classes
            .iter()
            .zip(&pi)
            .map(|(s, p)| f64::from(s.replicas) * p)
            .sum();
        let mut theta: f64 = 1.0;
        let mut added = 0;
        for cap in caps {
            // Only fills worth more than the price matter: prune everything below it.
            let (upper, (value, take)) = price_type(cap, &classes, &pi, cap.price * (1.0 + PRICING_SLACK));
            if std::env::var("RND_BOUND_DEBUG").is_ok() && upper / cap.price > 1.01 {
                eprintln!(
                    "  {} ub/price {:.4} found {:.4}",
                    cap.name,
                    upper / cap.price,
                    value / cap.price
                );
            }
            theta = theta.max(upper / cap.price);
            if value > cap.price * (1.0 + PRICING_SLACK) {
                patterns.push((cap.price, take));
                added += 1;
            }
        }
        best_bound = best_bound.max(z / theta);
        if std::env::var("RND_BOUND_DEBUG").is_ok() {
            eprintln!(
                "round {round}: z {z:.3} theta {theta:.5} bound {:.3} added {added}",
                z / theta
            );
        }
        if added == 0 {
            return (best_bound, round, patterns);
        }
    }
    (best_bound, MAX_ROUNDS, patterns)
}

fn solve_dual(classes: &[&ServiceDemand], patterns: &[(f64, Vec<(usize, u32)>)]) -> Vec<f64> {
    let mut vars = variables!();
    let pi: Vec<_> = classes.iter().map(|_| vars.add(variable().min(0.0))).collect();
    let objective: Expression = classes
        .iter()
        .zip(&pi)
        .map(|(s, &p)| f64::from(s.replicas) * p)
        .sum();
    let mut model = vars.maximise(objective).using(default_solver);
    for (price, take) in patterns {
        let lhs: Expression = take.iter().map(|&(i, n)| f64::from(n) * pi[i]).sum();
        model = model.with(constraint!(lhs <= *price));
    }
    let solution = model
        .solve()
        .expect("the dual LP is feasible (π = 0) and bounded");
    pi.iter().map(|&p| solution.value(p).max(0.0)).collect()
}

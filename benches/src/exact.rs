//! The exact optimum for small fleets, by dynamic programming over how many tasks of each
//! service are still unplaced. Used as the lower bound when it is computable: for a fleet of
//! 20 tasks the LP bound can sit several per cent below every integer packing.
//!
//! State: a count vector (tasks left per service), indexed in mixed radix. A *pattern* is a
//! nonzero count vector that fits one instance, priced at the cheapest type holding it.
//! `best[s] = min over patterns p ≤ s containing the first service left in s of
//! price(p) + best[s − p]`: every packing has an instance holding that service's task, so
//! restricting to such patterns loses nothing and avoids counting orders.

use rnd_core::placement::ServiceDemand;

use crate::capacity::Cap;

/// The cheapest packing's hourly cost, or `None` when there are more than `max_states`
/// count vectors (the table would be too big).
pub fn exact_optimum(services: &[ServiceDemand], caps: &[Cap], max_states: usize) -> Option<f64> {
    let classes: Vec<&ServiceDemand> = services.iter().filter(|s| s.gpus > 0 && s.replicas > 0).collect();
    let radix: Vec<usize> = classes.iter().map(|s| s.replicas as usize + 1).collect();
    let states = radix
        .iter()
        .try_fold(1usize, |n, &r| n.checked_mul(r).filter(|&n| n <= max_states))?;
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
    let max_gpus = caps.iter().map(|c| c.gpus).max().unwrap_or(0) as usize;
    // Every pattern: a count vector that fits one instance, with its cheapest type's price.
    let mut patterns: Vec<(usize, Vec<usize>, f64)> = Vec::new();
    for s in 1..states {
        let count = digits(s);
        let gpus: usize = count.iter().zip(&classes).map(|(n, c)| n * c.gpus as usize).sum();
        if gpus > max_gpus {
            continue;
        }
        let set: Vec<&ServiceDemand> = count
            .iter()
            .zip(&classes)
            .flat_map(|(&n, &c)| std::iter::repeat_n(c, n))
            .collect();
        if let Some(cap) = caps.iter().find(|c| c.holds(&set)) {
            patterns.push((s, count, cap.price));
        }
    }
    let mut best = vec![f64::INFINITY; states];
    best[0] = 0.0;
    for s in 1..states {
        let left = digits(s);
        let first = left.iter().position(|&n| n > 0).unwrap_or(0);
        let mut value = f64::INFINITY;
        for (p, count, price) in &patterns {
            if count[first] == 0 || count.iter().zip(&left).any(|(a, b)| a > b) {
                continue;
            }
            value = value.min(price + best[s - p]);
        }
        best[s] = value;
    }
    Some(best[states - 1])
}

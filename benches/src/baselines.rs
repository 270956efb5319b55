//! Two simple packers to compare against: first-fit decreasing, and a Karpenter-like greedy.

use rnd_core::placement::ServiceDemand;

use crate::capacity::Cap;

/// Every task (replica) of every GPU service, largest first (GPUs, then CPU, then memory).
fn tasks_decreasing(services: &[ServiceDemand]) -> Vec<&ServiceDemand> {
    let mut tasks: Vec<&ServiceDemand> = services
        .iter()
        .filter(|s| s.gpus > 0)
        .flat_map(|s| std::iter::repeat_n(s, s.replicas as usize))
        .collect();
    tasks.sort_by(|a, b| {
        (b.gpus, b.cpu_units, b.memory_mib, b.gpu_memory_mib)
            .cmp(&(a.gpus, a.cpu_units, a.memory_mib, a.gpu_memory_mib))
            .then_with(|| a.name.cmp(&b.name))
    });
    tasks
}

/// First-fit decreasing: each task goes on the first open instance with room, else on a new
/// instance of the cheapest type that holds it alone. Returns the hourly cost.
pub fn first_fit_decreasing(services: &[ServiceDemand], caps: &[Cap]) -> f64 {
    let mut bins: Vec<(usize, Vec<&ServiceDemand>)> = Vec::new();
    for task in tasks_decreasing(services) {
        let open = bins.iter_mut().find(|(t, set)| {
            let mut trial = set.clone();
            trial.push(task);
            caps[*t].holds(&trial)
        });
        match open {
            Some((_, set)) => set.push(task),
            None => {
                let t = caps
                    .iter()
                    .position(|c| c.holds(&[task]))
                    .expect("every task fits some type");
                bins.push((t, vec![task]));
            }
        }
    }
    bins.iter().map(|(t, _)| caps[*t].price).sum()
}

/// Karpenter-like: pile tasks onto one pending node while some type (up to the largest) can
/// still hold them all; when the next task would not fit even the largest, launch the cheapest
/// type that holds the pile and start a new one. Returns the hourly cost.
pub fn karpenter_like(services: &[ServiceDemand], caps: &[Cap]) -> f64 {
    let mut cost = 0.0;
    let mut pile: Vec<&ServiceDemand> = Vec::new();
    let launch = |pile: &[&ServiceDemand]| {
        caps.iter()
            .find(|c| c.holds(pile))
            .map(|c| c.price)
            .expect("pile fits by construction")
    };
    for task in tasks_decreasing(services) {
        let mut trial = pile.clone();
        trial.push(task);
        if caps.iter().any(|c| c.holds(&trial)) {
            pile = trial;
        } else {
            cost += launch(&pile);
            pile = vec![task];
        }
    }
    if !pile.is_empty() {
        cost += launch(&pile);
    }
    cost
}

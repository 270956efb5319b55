//! Stable routes: which load balancer and rule priority each routed service gets.
//!
//! An application load balancer holds at most 100 listener rules, so services are spread over
//! as many balancers as needed. A service keeps the balancer and priority it already has; a new
//! service takes the lowest free priority on the first balancer with room. So adding or removing
//! one service never moves another.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// Listener rules per load balancer (AWS quota "Rules per Application Load Balancer").
pub const MAX_RULES_PER_LOAD_BALANCER: usize = 100;

/// Where one routed service's rule lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RouteSlot {
    /// 1-based index of the load balancer.
    pub load_balancer: u32,
    /// Listener rule priority on that balancer's HTTPS listener.
    pub priority: u32,
}

/// Assign slots to `routed` services (any order), keeping every slot in `existing` that belongs
/// to a service still routed.
pub fn assign_routes(routed: &[&str], existing: &BTreeMap<String, RouteSlot>) -> BTreeMap<String, RouteSlot> {
    let mut assigned = BTreeMap::new();
    let mut used: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
    let mut sorted: Vec<&str> = routed.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    for service in &sorted {
        if let Some(slot) = existing.get(*service) {
            let taken = used.entry(slot.load_balancer).or_default();
            // Two services claiming one slot (hand edits, or a crash mid-change): the first by
            // name keeps it, the other is treated as new.
            if taken.len() < MAX_RULES_PER_LOAD_BALANCER && taken.insert(slot.priority) {
                assigned.insert(service.to_string(), *slot);
            }
        }
    }
    for service in sorted {
        if assigned.contains_key(service) {
            continue;
        }
        let mut balancer = 1;
        loop {
            let taken = used.entry(balancer).or_default();
            if taken.len() < MAX_RULES_PER_LOAD_BALANCER {
                let priority = (1..).find(|p| !taken.contains(p)).unwrap_or(1);
                taken.insert(priority);
                assigned.insert(
                    service.to_string(),
                    RouteSlot {
                        load_balancer: balancer,
                        priority,
                    },
                );
                break;
            }
            balancer += 1;
        }
    }
    assigned
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("svc{i:04}")).collect()
    }

    #[test]
    fn spreads_over_balancers_of_one_hundred() {
        let services = names(250);
        let refs: Vec<&str> = services.iter().map(String::as_str).collect();
        let slots = assign_routes(&refs, &BTreeMap::new());
        let on = |lb| slots.values().filter(|s| s.load_balancer == lb).count();
        assert_eq!((on(1), on(2), on(3)), (100, 100, 50));
    }

    #[test]
    fn adding_or_removing_one_moves_nobody_else() {
        let services = names(150);
        let refs: Vec<&str> = services.iter().map(String::as_str).collect();
        let before = assign_routes(&refs, &BTreeMap::new());
        let removed: Vec<&str> = refs.iter().copied().filter(|s| *s != "svc0003").collect();
        let after_remove = assign_routes(&removed, &before);
        for s in &removed {
            assert_eq!(before[*s], after_remove[*s]);
        }
        let mut added = removed.clone();
        added.push("aaa-new");
        let after_add = assign_routes(&added, &after_remove);
        for s in &removed {
            assert_eq!(after_remove[*s], after_add[*s]);
        }
        // The newcomer reuses the freed slot.
        assert_eq!(after_add["aaa-new"], before["svc0003"]);
    }
}

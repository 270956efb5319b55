//! Stability: start from what is running now, and keep it unless a fresh packing is cheaper.
//!
//! The planning step passes the placement currently deployed. Its instances are kept with the
//! tasks of services that still exist (up to each service's new replica count, dropping tasks
//! whose grown demand no longer fits); new tasks fill their free room first, and only the rest
//! is packed as usual. That plan is used unless a packing from scratch is more than
//! [`KEEP_PREVIOUS_WITHIN_PERCENT`] cheaper: moving a GPU task means a cold start (image pull,
//! model load), and the planner says the cost of both before anything changes. On the
//! benchmark's CPU-skewed fleets a fresh packing is often 1–2 % cheaper but moves a third of
//! the tasks, which is why the threshold is 2 % rather than 1 %.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::{Bin, Class, Load, TypeCap};
use super::report::{CapacityPlan, TaskRef};

/// A fresh packing must save more than this share of the kept plan's hourly cost to replace it.
pub const KEEP_PREVIOUS_WITHIN_PERCENT: u64 = 2;

/// The placement currently deployed: which tasks share which instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousPlacement {
    /// Running instances.
    pub instances: Vec<PreviousInstance>,
}

/// One running instance and its tasks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousInstance {
    /// EC2 instance type.
    pub instance_type: String,
    /// Tasks on it (only the service name matters: replicas are interchangeable).
    pub tasks: Vec<TaskRef>,
}

impl From<&CapacityPlan> for PreviousPlacement {
    fn from(plan: &CapacityPlan) -> PreviousPlacement {
        PreviousPlacement {
            instances: plan
                .instances
                .iter()
                .map(|i| PreviousInstance {
                    instance_type: i.instance_type.clone(),
                    tasks: i.tasks.clone(),
                })
                .collect(),
        }
    }
}

/// The previous instances as seed bins: types still allowed and priced, tasks of GPU services
/// that still exist, at most `counts[class]` tasks per class, and only what still fits.
pub(crate) fn seed_bins(
    previous: &PreviousPlacement,
    class_of_service: &BTreeMap<&str, usize>,
    classes: &[Class],
    counts: &[u32],
    types: &[TypeCap],
) -> Vec<Bin> {
    let mut left = counts.to_vec();
    let mut bins = Vec::new();
    for instance in &previous.instances {
        let Some(ty) = types.iter().position(|t| t.name == instance.instance_type) else {
            continue;
        };
        let mut items = Vec::new();
        let mut load = Load::default();
        for task in &instance.tasks {
            let Some(&i) = class_of_service.get(task.service.as_str()) else {
                continue;
            };
            let mut next = load;
            next.add(&classes[i], 1);
            if left[i] > 0 && types[ty].holds(&next) {
                left[i] -= 1;
                load = next;
                items.push(i);
            }
        }
        if !items.is_empty() {
            items.sort_unstable();
            bins.push(Bin { ty, items });
        }
    }
    bins
}

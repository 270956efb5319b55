//! Plans that would undo most of a platform at once. Removing a manifest is how a service is
//! undeployed, so one or two removals are ordinary; most or all services going in one plan is
//! more often a mistake (a wrong `--dir`, a botched merge, a moved folder) than an intention, and
//! it takes every log and URL with it. Frontends refuse such a plan unless the run says so.

use std::fmt;

use super::diff::Action;
use super::observed::ObservedState;
use super::resource::ResourceKind;
use super::Plan;

/// More removals than this are never ordinary, whatever the platform's size.
const ORDINARY_REMOVALS: usize = 2;

/// A plan removing more than half of the deployed services, and more than two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MassRemoval {
    /// The services the plan removes, by name.
    pub removed: Vec<String>,
    /// How many services are deployed now.
    pub deployed: usize,
}

impl fmt::Display for MassRemoval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "this plan removes {} of the {} deployed services at once ({})",
            self.removed.len(),
            self.deployed,
            self.removed.join(", ")
        )
    }
}

/// Whether `plan`, made against `observed`, removes most of the platform's services.
pub fn mass_removal(plan: &Plan, observed: &ObservedState) -> Option<MassRemoval> {
    let deployed = observed
        .of_platform(&plan.platform)
        .filter(|r| r.kind == ResourceKind::EcsService)
        .count();
    let removed: Vec<String> = plan
        .graph
        .operations()
        .filter(|op| op.action == Action::Delete && op.id.kind == ResourceKind::EcsService)
        .filter_map(|op| op.service.clone())
        .collect();
    (removed.len() > ORDINARY_REMOVALS && removed.len() * 2 > deployed)
        .then_some(MassRemoval { removed, deployed })
}

//! What an apply did: an outcome per operation and per service.

use std::collections::BTreeMap;

use rnd_core::plan::diff::{Action, ResourceChange};

/// What happened to one operation.
#[derive(Debug, Clone, PartialEq)]
pub enum OperationResult {
    Done,
    Failed(String),
    /// Not attempted: an operation it depends on failed.
    Skipped {
        failed_dependency: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct OperationOutcome {
    pub address: String,
    pub action: Action,
    pub service: Option<String>,
    pub result: OperationResult,
}

/// What happened to one service's operations, together.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceOutcome {
    /// Every operation succeeded (not waited for, or nothing to wait for).
    Applied,
    /// Every operation succeeded and the ECS service reached a steady state.
    Stable,
    Failed {
        errors: Vec<String>,
    },
}

/// What a service's settling means for its outcome.
pub(super) fn stability_outcome(service: &str, state: &super::stability::Stability) -> ServiceOutcome {
    match state {
        super::stability::Stability::Stable => ServiceOutcome::Stable,
        super::stability::Stability::Failed(reason) => ServiceOutcome::Failed {
            errors: vec![format!("ecs_service.{service}: {reason}")],
        },
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApplyReport {
    /// In topological order.
    pub operations: Vec<OperationOutcome>,
    /// Every service the plan touched.
    pub services: BTreeMap<String, ServiceOutcome>,
}

impl ApplyReport {
    pub(super) fn new(changes: &[ResourceChange], results: Vec<Option<OperationResult>>) -> Self {
        let operations: Vec<OperationOutcome> = changes
            .iter()
            .zip(results)
            .map(|(c, r)| OperationOutcome {
                address: c.address.clone(),
                action: c.action,
                service: c.service.clone(),
                // The schedule ends every operation (done, failed or skipped): `None` cannot remain.
                result: r.unwrap_or(OperationResult::Skipped {
                    failed_dependency: String::new(),
                }),
            })
            .collect();
        let services = super::services_of(changes)
            .into_iter()
            .map(|(service, indices)| {
                let errors: Vec<String> = indices
                    .iter()
                    .filter_map(|&i| match &operations[i].result {
                        OperationResult::Done => None,
                        OperationResult::Failed(e) => Some(format!("{}: {e}", operations[i].address)),
                        OperationResult::Skipped { failed_dependency } => Some(format!(
                            "{}: skipped, {failed_dependency} failed",
                            operations[i].address
                        )),
                    })
                    .collect();
                let outcome = if errors.is_empty() {
                    ServiceOutcome::Applied
                } else {
                    ServiceOutcome::Failed { errors }
                };
                (service, outcome)
            })
            .collect();
        ApplyReport { operations, services }
    }

    /// Record how an applied service settled; `false` (and no change) when its operations had
    /// already decided its outcome.
    pub(super) fn set_stability(&mut self, service: &str, state: super::stability::Stability) -> bool {
        let outcome = stability_outcome(service, &state);
        if self.services.get(service) == Some(&ServiceOutcome::Applied) {
            self.services.insert(service.to_string(), outcome);
            true
        } else {
            false
        }
    }

    /// Every operation succeeded, and no service failed to become stable.
    pub fn succeeded(&self) -> bool {
        self.operations.iter().all(|o| o.result == OperationResult::Done)
            && !self
                .services
                .values()
                .any(|s| matches!(s, ServiceOutcome::Failed { .. }))
    }

    pub fn count(&self, matches: impl Fn(&OperationResult) -> bool) -> usize {
        self.operations.iter().filter(|o| matches(&o.result)).count()
    }

    /// The operations that did not succeed, for messages.
    pub fn failures(&self) -> Vec<&OperationOutcome> {
        self.operations
            .iter()
            .filter(|o| o.result != OperationResult::Done)
            .collect()
    }
}

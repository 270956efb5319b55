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

/// The operation that failed and held up `address` (following skipped operations back to the
/// one that failed), with AWS's error.
fn root_cause<'a>(operations: &'a [OperationOutcome], address: &'a str) -> Option<(&'a str, &'a str)> {
    let mut address = address;
    // A skip chain is at most as long as the plan; the bound guards against a malformed one.
    for _ in 0..=operations.len() {
        match &operations.iter().find(|o| o.address == address)?.result {
            OperationResult::Failed(error) => return Some((address, error)),
            OperationResult::Skipped { failed_dependency } if !failed_dependency.is_empty() => {
                address = failed_dependency;
            }
            _ => return None,
        }
    }
    None
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
                        OperationResult::Skipped { failed_dependency } => {
                            Some(match root_cause(&operations, failed_dependency) {
                                // What AWS said where it went wrong first, so a service held up by a
                                // shared resource reads "certificate not found", not only "skipped".
                                Some((root, error)) => format!(
                                    "{}: not attempted, because {root} failed: {error}",
                                    operations[i].address
                                ),
                                None => format!(
                                    "{}: not attempted, because {failed_dependency} failed",
                                    operations[i].address
                                ),
                            })
                        }
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

#[cfg(test)]
mod tests {
    use rnd_core::plan::resource::{ResourceId, ResourceKind};

    use super::*;

    fn change(kind: ResourceKind, name: &str, service: Option<&str>) -> ResourceChange {
        let id = ResourceId::new(kind, name);
        ResourceChange {
            address: format!("{}.{name}", kind.as_str()),
            id,
            action: Action::Create,
            service: service.map(str::to_string),
            changes: Vec::new(),
            desired: None,
            observed: None,
            adopts: None,
        }
    }

    #[test]
    fn a_service_held_up_by_a_shared_failure_carries_aws_s_error() {
        let changes = [
            change(ResourceKind::Listener, "research-alb-0-https", None),
            change(ResourceKind::ListenerRule, "research-api", Some("api")),
            change(ResourceKind::EcsService, "research-api", Some("api")),
        ];
        let results = vec![
            Some(OperationResult::Failed(
                "CertificateNotFound: Certificate 'arn:aws:acm:…' not found".into(),
            )),
            Some(OperationResult::Skipped {
                failed_dependency: "listener.research-alb-0-https".into(),
            }),
            // Skipped for the rule, which was itself skipped: the cause is still the listener.
            Some(OperationResult::Skipped {
                failed_dependency: "listener_rule.research-api".into(),
            }),
        ];
        let report = ApplyReport::new(&changes, results);
        let ServiceOutcome::Failed { errors } = &report.services["api"] else {
            panic!("api failed: {:?}", report.services);
        };
        assert_eq!(errors.len(), 2);
        for error in errors {
            assert!(
                error.contains(
                    "not attempted, because listener.research-alb-0-https failed: CertificateNotFound"
                ),
                "{error}"
            );
        }
    }
}

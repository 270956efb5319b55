//! `apply`: carry out a plan's operations in dependency order, several at a time.
//!
//! Each operation is idempotent: a creation adopts a same-named resource left by a crashed run,
//! an update converges whatever is there, a deletion of something already gone is done. A
//! failed operation fails only the operations that depend on it, transitively; the rest of the
//! plan goes on, and the report says what happened to each operation and each service.

mod auto_scaling_group;
mod cluster;
mod context;
mod ecs_service;
mod iam;
mod launch_template;
mod load_balancer;
mod log_group;
mod report;
mod security_group;
mod stability;
mod target_group;
mod task_definition;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use rnd_core::plan::diff::{Action, ResourceChange};
use rnd_core::plan::observed::ObservedState;
use rnd_core::plan::resource::ResourceKind;
use rnd_core::plan::spec::Spec;
use rnd_core::plan::Plan;
use tokio::task::JoinSet;

use self::context::Context;
pub use self::report::{ApplyReport, OperationOutcome, OperationResult, ServiceOutcome};
use crate::events::{Event, EventSink};
use crate::lock::LockLost;
use crate::network::DefaultNetwork;
use crate::{AwsError, Clients};

/// How an apply runs.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Operations in flight at once.
    pub concurrency: usize,
    /// One operation, its own retries for eventual consistency included.
    pub operation_timeout: Duration,
    /// Wait at most this long, after the operations, for the services created or updated to
    /// reach a steady state; `None` returns as soon as AWS accepted every change.
    pub wait_for_stable: Option<Duration>,
    /// Time between two looks at the services while waiting.
    pub poll_interval: Duration,
    /// The run's lock, when it holds one: once lost, no further operation starts.
    pub lock_lost: Option<LockLost>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            concurrency: 10,
            operation_timeout: Duration::from_secs(15 * 60),
            wait_for_stable: None,
            poll_interval: Duration::from_secs(15),
            lock_lost: None,
        }
    }
}

/// Why operations were skipped after the run lost its lock.
const LOCK_LOST: &str = "the apply lock (lost: another run may have taken over)";

/// Carry out `plan`, made against `observed`. Fails as a whole only when nothing could start
/// (the default network could not be read); otherwise the report holds every outcome.
pub async fn apply(
    clients: &Clients,
    plan: &Plan,
    observed: &ObservedState,
    options: ApplyOptions,
    events: EventSink,
) -> Result<ApplyReport, AwsError> {
    let graph = &plan.graph;
    let order = graph.topological_order();
    events(Event::RunStarted {
        platform: plan.platform.clone(),
        operations: order.len(),
    });
    let network = DefaultNetwork::load(clients).await?;
    let ctx = Arc::new(Context::new(
        clients.clone(),
        &plan.platform,
        &plan.region,
        network,
        observed,
    ));

    // Positions in topological order, and who waits for whom.
    let changes: Vec<ResourceChange> = order.iter().map(|n| graph.change(*n).clone()).collect();
    let position: HashMap<&str, usize> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.address.as_str(), i))
        .collect();
    let mut waiting_on = vec![0usize; changes.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); changes.len()];
    for (i, node) in order.iter().enumerate() {
        for dep in graph.depends_on(*node) {
            if let Some(&d) = position.get(dep) {
                waiting_on[i] += 1;
                dependents[d].push(i);
            }
        }
    }

    let mut results: Vec<Option<OperationResult>> = vec![None; changes.len()];
    // Ready operations, started in topological order so runs are reproducible.
    let mut ready: std::collections::BTreeSet<usize> =
        (0..changes.len()).filter(|i| waiting_on[*i] == 0).collect();
    let mut running = JoinSet::new();
    let concurrency = options.concurrency.max(1);
    let lock_lost = || options.lock_lost.as_ref().is_some_and(LockLost::is_lost);
    loop {
        while running.len() < concurrency && !lock_lost() {
            let Some(i) = ready.pop_first() else { break };
            let change = changes[i].clone();
            let ctx = Arc::clone(&ctx);
            let events = Arc::clone(&events);
            let timeout = options.operation_timeout;
            events(Event::OperationStarted {
                address: change.address.clone(),
                action: change.action,
            });
            running.spawn(async move {
                let outcome = match tokio::time::timeout(timeout, run(&ctx, &change)).await {
                    Ok(result) => result,
                    Err(_) => Err(AwsError::Timeout {
                        resource: change.address.clone(),
                        seconds: timeout.as_secs(),
                    }),
                };
                (i, outcome)
            });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (i, outcome) = match joined {
            Ok(done) => done,
            // A panic in an operation is a bug; the run cannot tell which one, so it stops.
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        let change = &changes[i];
        match outcome {
            Ok(()) => {
                tracing::info!(address = %change.address, action = ?change.action, "done");
                events(Event::OperationFinished {
                    address: change.address.clone(),
                    action: change.action,
                });
                results[i] = Some(OperationResult::Done);
                for &d in &dependents[i] {
                    waiting_on[d] -= 1;
                    if waiting_on[d] == 0 && results[d].is_none() {
                        ready.insert(d);
                    }
                }
            }
            Err(err) => {
                tracing::warn!(address = %change.address, error = %err, "failed");
                events(Event::OperationFailed {
                    address: change.address.clone(),
                    action: change.action,
                    error: err.to_string(),
                });
                results[i] = Some(OperationResult::Failed(err.to_string()));
                skip_dependents(i, &changes, &dependents, &mut results, &mut ready, &events);
            }
        }
    }
    if lock_lost() {
        // Another run may own the platform now: whatever did not start is left to the next run.
        for (i, result) in results.iter_mut().enumerate() {
            if result.is_none() {
                events(Event::OperationSkipped {
                    address: changes[i].address.clone(),
                    failed_dependency: LOCK_LOST.to_string(),
                });
                *result = Some(OperationResult::Skipped {
                    failed_dependency: LOCK_LOST.to_string(),
                });
            }
        }
    }
    let mut report = ApplyReport::new(&changes, results);
    // Services whose outcome event already went out while waiting for stability.
    let mut reported = std::collections::BTreeSet::new();
    if let Some(timeout) = options.wait_for_stable {
        let waiting: BTreeMap<String, String> = changes
            .iter()
            .zip(&report.operations)
            .filter(|(c, o)| {
                c.id.kind == ResourceKind::EcsService
                    && c.action != Action::Delete
                    && o.result == OperationResult::Done
            })
            .filter_map(|(c, _)| match c.desired.as_ref().map(|d| &d.spec) {
                Some(Spec::EcsService(spec)) => Some((c.id.name.clone(), spec.cluster.clone())),
                _ => None,
            })
            .collect();
        let names: BTreeMap<String, Option<String>> = changes
            .iter()
            .filter(|c| c.id.kind == ResourceKind::EcsService)
            .map(|c| (c.id.name.clone(), c.service.clone()))
            .collect();
        let service_of = |ecs_name: &str| {
            names
                .get(ecs_name)
                .cloned()
                .flatten()
                .unwrap_or_else(|| ecs_name.to_string())
        };
        // Each service is told the moment it settles: a failed one gets its report while the
        // others are still rolling out.
        let settled = stability::wait(
            &ctx,
            waiting,
            timeout,
            options.poll_interval,
            |ecs_name, state| {
                let service = service_of(ecs_name);
                if report.services.get(&service) == Some(&ServiceOutcome::Applied) {
                    events(outcome_event(
                        &service,
                        &report::stability_outcome(&service, state),
                    ));
                }
            },
        )
        .await;
        for (ecs_name, state) in settled {
            let service = service_of(&ecs_name);
            if report.set_stability(&service, state) {
                reported.insert(service);
            }
        }
    }
    for (service, outcome) in report.services.iter().filter(|(s, _)| !reported.contains(*s)) {
        events(outcome_event(service, outcome));
    }
    events(Event::RunFinished {
        succeeded: report.count(|r| matches!(r, OperationResult::Done)),
        failed: report.count(|r| matches!(r, OperationResult::Failed(_))),
        skipped: report.count(|r| matches!(r, OperationResult::Skipped { .. })),
    });
    Ok(report)
}

/// The event that tells how a service's part of the run ended.
fn outcome_event(service: &str, outcome: &ServiceOutcome) -> Event {
    let service = service.to_string();
    match outcome {
        ServiceOutcome::Applied => Event::ServiceApplied { service },
        ServiceOutcome::Stable => Event::ServiceStable { service },
        ServiceOutcome::Failed { errors } => Event::ServiceFailed {
            service,
            errors: errors.clone(),
        },
    }
}

/// Mark everything that (transitively) waits for `failed` as skipped.
fn skip_dependents(
    failed: usize,
    changes: &[ResourceChange],
    dependents: &[Vec<usize>],
    results: &mut [Option<OperationResult>],
    ready: &mut std::collections::BTreeSet<usize>,
    events: &EventSink,
) {
    let mut stack: Vec<(usize, usize)> = dependents[failed].iter().map(|&d| (d, failed)).collect();
    while let Some((i, because)) = stack.pop() {
        if results[i].is_some() {
            continue;
        }
        let dependency = changes[because].address.clone();
        events(Event::OperationSkipped {
            address: changes[i].address.clone(),
            failed_dependency: dependency.clone(),
        });
        results[i] = Some(OperationResult::Skipped {
            failed_dependency: dependency,
        });
        ready.remove(&i);
        stack.extend(dependents[i].iter().map(|&d| (d, i)));
    }
}

/// One operation.
async fn run(ctx: &Context, change: &ResourceChange) -> Result<(), AwsError> {
    let deleting = matches!(change.action, Action::Delete | Action::Replace);
    // Task definitions are never replaced in place: the new revision is registered beside the
    // old one, which its own delete operation deregisters once the service has moved.
    let replace_by_delete =
        change.action == Action::Replace && change.id.kind != ResourceKind::TaskDefinition;
    if change.action == Action::Delete || replace_by_delete {
        if let Some(have) = &change.observed {
            delete(ctx, change.id.kind, have).await?;
        }
    }
    if deleting && change.action == Action::Delete {
        return Ok(());
    }
    let Some(want) = &change.desired else {
        return Ok(());
    };
    let have = change.observed.as_ref();
    match &want.spec {
        Spec::Cluster(s) => cluster::ensure_cluster(ctx, want, s).await,
        Spec::ClusterCapacityProviders(s) => cluster::ensure_attachment(ctx, want, s).await,
        Spec::CapacityProvider(s) => cluster::ensure_provider(ctx, want, s).await,
        Spec::SecurityGroup(s) => security_group::ensure(ctx, want, s).await,
        Spec::LoadBalancer(s) => load_balancer::ensure(ctx, want, s).await,
        Spec::Listener(s) => load_balancer::ensure_listener(ctx, want, s).await,
        Spec::IamRole(s) => iam::ensure_role(ctx, want, s).await,
        Spec::InstanceProfile(s) => iam::ensure_instance_profile(ctx, want, s).await,
        Spec::LaunchTemplate(s) => launch_template::ensure(ctx, want, s).await,
        Spec::AutoScalingGroup(s) => auto_scaling_group::ensure(ctx, want, s).await,
        Spec::LogGroup(s) => log_group::ensure(ctx, want, s).await,
        Spec::TaskDefinition(s) => task_definition::ensure(ctx, want, s).await,
        Spec::TargetGroup(s) => target_group::ensure(ctx, want, s).await,
        Spec::ListenerRule(s) => target_group::ensure_rule(ctx, want, s).await,
        Spec::EcsService(s) => ecs_service::ensure(ctx, want, s, have).await,
    }
}

async fn delete(
    ctx: &Context,
    kind: ResourceKind,
    have: &rnd_core::plan::observed::ObservedResource,
) -> Result<(), AwsError> {
    match kind {
        ResourceKind::EcsCluster => cluster::delete_cluster(ctx, have).await,
        ResourceKind::ClusterCapacityProviders => cluster::delete_attachment(ctx, have).await,
        ResourceKind::CapacityProvider => cluster::delete_provider(ctx, have).await,
        ResourceKind::SecurityGroup => security_group::delete(ctx, have).await,
        ResourceKind::LoadBalancer => load_balancer::delete(ctx, have).await,
        ResourceKind::Listener => load_balancer::delete_listener(ctx, have).await,
        ResourceKind::IamRole => iam::delete_role(ctx, have).await,
        ResourceKind::InstanceProfile => iam::delete_instance_profile(ctx, have).await,
        ResourceKind::LaunchTemplate => launch_template::delete(ctx, have).await,
        ResourceKind::AutoScalingGroup => auto_scaling_group::delete(ctx, have).await,
        ResourceKind::LogGroup => log_group::delete(ctx, have).await,
        ResourceKind::TaskDefinition => task_definition::delete(ctx, have).await,
        ResourceKind::TargetGroup => target_group::delete(ctx, have).await,
        ResourceKind::ListenerRule => target_group::delete_rule(ctx, have).await,
        ResourceKind::EcsService => ecs_service::delete(ctx, have).await,
    }
}

/// A deletion that finds nothing to delete is done.
fn gone(err: AwsError) -> Result<(), AwsError> {
    if err.is_not_found() || err.code_is(&["NotActive", "InvalidLaunchTemplateName"]) {
        Ok(())
    } else {
        Err(err)
    }
}

/// Services named in the plan, with the addresses of their operations.
pub(crate) fn services_of(changes: &[ResourceChange]) -> BTreeMap<String, Vec<usize>> {
    let mut services: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, c) in changes.iter().enumerate() {
        if let Some(s) = &c.service {
            services.entry(s.clone()).or_default().push(i);
        }
    }
    services
}

//! `apply`: carry out a plan's operations in dependency order, several at a time.
//!
//! Each operation is idempotent: a creation adopts a same-named resource left by a crashed run,
//! an update converges whatever is there, a deletion of something already gone is done. A
//! failed operation fails only the operations that depend on it, transitively; the rest of the
//! plan goes on, and the report says what happened to each operation and each service.
//!
//! What starts when, and what is skipped and why, is decided by the core's
//! `rnd_core::plan::schedule::Schedule`, a state machine tested without AWS; `apply` only
//! drives it: it runs what the schedule starts and tells it how each operation ended and
//! whether the lock was lost.

pub(crate) mod alarm;
mod auto_scaling_group;
mod cluster;
mod context;
mod dns_record;
mod ecs_service;
mod iam;
mod lambda_permission;
mod launch_template;
mod load_balancer;
mod log_group;
mod report;
mod scale_in;
mod security_group;
mod stability;
pub(crate) mod target_group;
mod task_definition;
mod warm_pool;

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use rnd_core::plan::diff::{Action, ResourceChange};
use rnd_core::plan::observed::ObservedState;
use rnd_core::plan::resource::ResourceKind;
use rnd_core::plan::schedule::{Schedule, SkipReason, Step};
use rnd_core::plan::spec::Spec;
use rnd_core::plan::Plan;
use tokio::task::JoinSet;

use self::context::Context;
pub use self::ecs_service::DEPLOYMENT_FAILED;
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
    // The schedule names operations by their position in this order.
    let changes: Vec<ResourceChange> = graph
        .topological_order()
        .iter()
        .map(|n| graph.change(*n).clone())
        .collect();
    events(Event::RunStarted {
        platform: plan.platform.clone(),
        operations: changes.len(),
    });
    let network = DefaultNetwork::load(clients).await?;
    let ctx = Arc::new(Context::new(
        clients.clone(),
        &plan.platform,
        &plan.region,
        network,
        observed,
        changes
            .iter()
            .filter(|c| c.adopts.is_some())
            .map(|c| c.id.clone())
            .collect(),
    ));
    let limit = NonZeroUsize::new(options.concurrency).unwrap_or(NonZeroUsize::MIN);
    let schedule = Schedule::for_graph(graph, limit);
    let results = run_operations(&ctx, &changes, schedule, &options, &events).await;
    let mut report = ApplyReport::new(&changes, results);
    let reported = match options.wait_for_stable {
        Some(timeout) => wait_for_stability(&ctx, &changes, &mut report, timeout, &options, &events).await,
        None => BTreeSet::new(),
    };
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

/// Drive `schedule` (the core decides what starts and what is skipped; this only runs
/// operations and reports how they ended) until every operation has ended. The outcomes are in
/// `changes`' order.
async fn run_operations(
    ctx: &Arc<Context>,
    changes: &[ResourceChange],
    mut schedule: Schedule,
    options: &ApplyOptions,
    events: &EventSink,
) -> Vec<Option<OperationResult>> {
    let mut results: Vec<Option<OperationResult>> = vec![None; changes.len()];
    let mut running = JoinSet::new();
    loop {
        while let Some(step) = next_step(&mut schedule, options.lock_lost.as_ref()) {
            match step {
                Step::Start(i) => {
                    events(Event::OperationStarted {
                        address: changes[i].address.clone(),
                        action: changes[i].action,
                    });
                    let (ctx, change) = (Arc::clone(ctx), changes[i].clone());
                    let timeout = options.operation_timeout;
                    let lost = options.lock_lost.clone().unwrap_or_default();
                    running.spawn(async move {
                        // A lost lease stops the operation at its next step, not after its retries.
                        let outcome = match lost.unless_lost(run_with_timeout(&ctx, &change, timeout)).await {
                            Some(outcome) => outcome,
                            None => Err(AwsError::Missing {
                                resource: change.address.clone(),
                                message: "stopped: the apply lock was lost, so another run may be changing \
                                          the platform; the next apply finishes this operation"
                                    .into(),
                            }),
                        };
                        (i, outcome)
                    });
                }
                Step::Skip { operation, reason } => {
                    results[operation] = Some(skipped(changes, operation, reason, events));
                }
            }
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        // A panic in an operation is a bug; the run cannot tell which one, so it stops.
        let (i, outcome) = joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        results[i] = Some(ended(i, &changes[i], outcome, &mut schedule, events));
    }
    debug_assert!(
        schedule.is_finished(),
        "nothing runs, so every operation has ended"
    );
    results
}

/// The schedule's next step, told first whether the lock is still held: checked before every
/// step, so that nothing starts once the lease is gone.
fn next_step(schedule: &mut Schedule, lock_lost: Option<&LockLost>) -> Option<Step> {
    if lock_lost.is_some_and(LockLost::is_lost) {
        schedule.lock_lost();
    }
    schedule.poll()
}

async fn run_with_timeout(ctx: &Context, change: &ResourceChange, timeout: Duration) -> Result<(), AwsError> {
    match tokio::time::timeout(timeout, run(ctx, change)).await {
        Ok(result) => result,
        Err(_) => Err(AwsError::Timeout {
            resource: change.address.clone(),
            seconds: timeout.as_secs(),
        }),
    }
}

/// Tell the schedule and the frontends how a started operation ended.
fn ended(
    i: usize,
    change: &ResourceChange,
    outcome: Result<(), AwsError>,
    schedule: &mut Schedule,
    events: &EventSink,
) -> OperationResult {
    match outcome {
        Ok(()) => {
            tracing::info!(address = %change.address, action = ?change.action, "done");
            events(Event::OperationFinished {
                address: change.address.clone(),
                action: change.action,
            });
            schedule.succeeded(i);
            OperationResult::Done
        }
        Err(err) => {
            tracing::warn!(address = %change.address, error = %err, "failed");
            events(Event::OperationFailed {
                address: change.address.clone(),
                action: change.action,
                error: err.to_string(),
            });
            schedule.failed(i);
            OperationResult::Failed(err.to_string())
        }
    }
}
/// Tell the frontends that an operation will not run, and why.
fn skipped(changes: &[ResourceChange], i: usize, reason: SkipReason, events: &EventSink) -> OperationResult {
    // The direct dependency, so that a chain of skips can be followed back to the failure.
    let failed_dependency = match reason {
        SkipReason::Dependency { dependency, .. } => changes[dependency].address.clone(),
        SkipReason::LockLost => LOCK_LOST.to_string(),
    };
    events(Event::OperationSkipped {
        address: changes[i].address.clone(),
        failed_dependency: failed_dependency.clone(),
    });
    OperationResult::Skipped { failed_dependency }
}

/// Wait for the ECS services created or updated to settle, telling each service's outcome the
/// moment it does: a failed one gets its report while the others are still rolling out. Returns
/// the services whose outcome event already went out.
async fn wait_for_stability(
    ctx: &Context,
    changes: &[ResourceChange],
    report: &mut ApplyReport,
    timeout: Duration,
    options: &ApplyOptions,
    events: &EventSink,
) -> BTreeSet<String> {
    let names = service_names(changes);
    let service_of = |ecs_name: &str| {
        names
            .get(ecs_name)
            .cloned()
            .flatten()
            .unwrap_or_else(|| ecs_name.to_string())
    };
    let settled = stability::wait(
        ctx,
        services_to_wait_for(changes, report),
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
    let mut reported = BTreeSet::new();
    for (ecs_name, state) in settled {
        if matches!(state, stability::Stability::Failed(_)) {
            ecs_service::mark_deployment_failed(ctx, &ecs_name).await;
        }
        let service = service_of(&ecs_name);
        if report.set_stability(&service, state) {
            reported.insert(service);
        }
    }
    reported
}

/// ECS services created or updated successfully, by ECS name, with their cluster.
fn services_to_wait_for(changes: &[ResourceChange], report: &ApplyReport) -> BTreeMap<String, String> {
    changes
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
        .collect()
}

/// The manifest service each ECS service belongs to, by ECS name.
fn service_names(changes: &[ResourceChange]) -> BTreeMap<String, Option<String>> {
    changes
        .iter()
        .filter(|c| c.id.kind == ResourceKind::EcsService)
        .map(|c| (c.id.name.clone(), c.service.clone()))
        .collect()
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
        Spec::DnsRecord(s) => dns_record::ensure(ctx, want, s, have).await,
        Spec::WakeTargetGroup(s) => target_group::ensure_wake(ctx, want, s).await,
        Spec::Alarm(s) => alarm::ensure(ctx, want, s).await,
        Spec::LambdaPermission(s) => lambda_permission::ensure(ctx, want, s).await,
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
        ResourceKind::DnsRecord => dns_record::delete(ctx, have).await,
        ResourceKind::Alarm => alarm::delete(ctx, have).await,
        ResourceKind::LambdaPermission => lambda_permission::delete(ctx, have).await,
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

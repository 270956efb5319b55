//! What a service that sleeps when idle adds (its wake target group and idle alarm), and what
//! the platform adds once any service sleeps (the two statements letting the load balancer and
//! CloudWatch invoke rnd's Lambda function). See `docs/design/scale-to-zero.md`.

use std::collections::BTreeMap;

use super::{DesiredInputs, DesiredState};
use crate::manifest::idle::format_minutes;
use crate::manifest::Manifest;
use crate::plan::naming::Names;
use crate::plan::observed::TAG_PLATFORM;
use crate::plan::resource::{ResourceId, ResourceKind};
use crate::plan::spec::*;
use crate::platform::ScaleToZero;
use crate::sleep::IdleAlarm;

/// Who invokes the function for a wake target group, and for an idle alarm.
pub const LOAD_BALANCER_PRINCIPAL: &str = "elasticloadbalancing.amazonaws.com";
pub const ALARM_PRINCIPAL: &str = "lambda.alarms.cloudwatch.amazonaws.com";

/// The function's ARN parts a permission's source ARNs are built from.
struct FunctionPlace<'a> {
    partition: &'a str,
    region: &'a str,
    account: &'a str,
}

fn function_place(function_arn: &str) -> FunctionPlace<'_> {
    // Validated by `platform::scale_to_zero` (arn:PARTITION:lambda:REGION:ACCOUNT:function:…).
    let mut parts = function_arn.split(':').skip(1);
    let partition = parts.next().unwrap_or("aws");
    let region = parts.nth(1).unwrap_or_default();
    let account = parts.next().unwrap_or_default();
    FunctionPlace {
        partition,
        region,
        account,
    }
}

/// Whether `manifest` sleeps when idle on this platform: it asks to (`idle_after`), is routed
/// (a request must reach the balancer to wake it) and the platform names the function.
pub(super) fn sleeps<'a>(inputs: &'a DesiredInputs, manifest: &Manifest) -> Option<&'a ScaleToZero> {
    let route = manifest.route.as_ref()?;
    route.idle_after_minutes?;
    inputs.repository.platform.scale_to_zero.as_ref()
}

/// One sleeping service, as its wake pieces need it.
pub(super) struct Sleeper<'a> {
    pub service: &'a str,
    pub idle_after_minutes: u32,
    pub scale_to_zero: &'a ScaleToZero,
    /// The service's own target group and the balancer its route is on.
    pub target_group: &'a str,
    pub load_balancer: &'a str,
}

/// The service's wake target group and idle alarm; returns the wake group's name, for the
/// listener rule.
pub(super) fn add_wake(
    state: &mut DesiredState,
    tags: &BTreeMap<String, String>,
    names: &Names,
    sleeper: Sleeper,
) -> String {
    let Sleeper {
        service,
        idle_after_minutes,
        scale_to_zero,
        target_group,
        load_balancer,
    } = sleeper;
    let wake_group = names.wake_target_group(service);
    state.add(
        tags,
        Some(service),
        ResourceId::new(ResourceKind::TargetGroup, &wake_group),
        Spec::WakeTargetGroup(WakeTargetGroupSpec {
            function_arn: scale_to_zero.function_arn.clone(),
            permission: names.wake_permission(),
            target_type: "lambda".into(),
        }),
    );
    let alarm = IdleAlarm::for_idle_minutes(idle_after_minutes);
    state.add(
        tags,
        Some(service),
        ResourceId::new(ResourceKind::Alarm, names.idle_alarm(service)),
        Spec::Alarm(AlarmSpec {
            action: scale_to_zero.function_arn.clone(),
            evaluation_periods: alarm.periods as u32,
            load_balancer: load_balancer.to_string(),
            period_seconds: alarm.period as u32,
            target_group: target_group.to_string(),
            wake_target_group: wake_group.clone(),
        }),
    );
    wake_group
}

/// The manifest's `idle_after` as the ECS service's spec records it.
pub(super) fn idle_after_text(minutes: u32) -> String {
    format_minutes(minutes)
}

/// The two statements of the function's policy, when any service of the platform sleeps.
///
/// One per platform, not one per service: a function's resource policy holds at most 20 KB
/// (about 50 statements), which per-service statements would exhaust at a few dozen sleeping
/// services. The source ARNs match the platform's names with a wildcard (`ArnLike`): every
/// wake group `<platform>-…-wake` and every alarm `<platform>-…-idle`. A platform whose name
/// starts another's (`research`, `research-x`) lets the other's groups and alarms invoke the
/// function too; the function acts only on resources tagged for a platform it serves.
pub(super) fn add_permissions(
    state: &mut DesiredState,
    tags: &BTreeMap<String, String>,
    inputs: &DesiredInputs,
    names: &Names,
) {
    let platform = &inputs.repository.platform;
    let Some(scale_to_zero) = &platform.scale_to_zero else {
        return;
    };
    if !inputs
        .repository
        .manifests
        .iter()
        .any(|m| sleeps(inputs, m).is_some())
    {
        return;
    }
    let FunctionPlace {
        partition,
        region,
        account,
    } = function_place(&scale_to_zero.function_arn);
    let p = &platform.name;
    let statements = [
        (
            names.wake_permission(),
            LOAD_BALANCER_PRINCIPAL,
            format!(
                "arn:{partition}:elasticloadbalancing:{region}:{account}:targetgroup/{p}-*{}/*",
                crate::manifest::idle::WAKE_SUFFIX
            ),
        ),
        (
            names.idle_permission(),
            ALARM_PRINCIPAL,
            format!("arn:{partition}:cloudwatch:{region}:{account}:alarm:{p}-*-idle"),
        ),
    ];
    // Statements take no tags: they are planned with rnd's platform tag only, which observing
    // gives every statement with the platform's id.
    let tags: BTreeMap<String, String> = tags
        .iter()
        .filter(|(k, _)| *k == TAG_PLATFORM)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (statement_id, principal, source_arn) in statements {
        state.add(
            &tags,
            None,
            ResourceId::new(ResourceKind::LambdaPermission, statement_id),
            Spec::LambdaPermission(LambdaPermissionSpec {
                function_arn: scale_to_zero.function_arn.clone(),
                principal: principal.to_string(),
                source_account: account.to_string(),
                source_arn,
            }),
        );
    }
}

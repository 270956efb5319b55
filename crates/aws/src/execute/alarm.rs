//! Idle alarms of services that sleep when idle: `PutMetricAlarm` with metric math over the
//! request counts of the service's target group and its wake group.
//!
//! `PutMetricAlarm` overwrites an alarm of the same name without a word, so an alarm that is
//! not known as the platform's is looked up first and its tags decide (`may_take_over`).

use aws_sdk_cloudwatch::types::{
    ComparisonOperator, Dimension, Metric, MetricDataQuery, MetricStat, StandardUnit,
};
use rnd_core::plan::observed::ObservedResource;
use rnd_core::plan::resource::{DesiredResource, ResourceKind};
use rnd_core::plan::spec::AlarmSpec;

use super::context::Context;
use crate::{tags, AwsError};

/// What CloudWatch calls each metric of the alarm, and the expression it alarms on.
pub(crate) const SERVED: &str = "served";
pub(crate) const WOKEN: &str = "woken";
pub(crate) const REQUESTS: &str = "FILL(served,0)+FILL(woken,0)";

/// `app/<name>/<id>` of a balancer ARN, `targetgroup/<name>/<id>` of a group ARN: the values
/// of the metrics' `LoadBalancer` and `TargetGroup` dimensions.
pub(crate) fn dimension_value(arn: &str) -> &str {
    match arn.find(":loadbalancer/") {
        Some(i) => &arn[i + ":loadbalancer/".len()..],
        None => arn.rsplit(':').next().unwrap_or(arn),
    }
}

pub(super) async fn ensure(ctx: &Context, want: &DesiredResource, spec: &AlarmSpec) -> Result<(), AwsError> {
    let name = &want.id.name;
    let cloudwatch = &ctx.clients.cloudwatch;
    let existing = match ctx.known(ResourceKind::Alarm, name) {
        Some(arn) => Some(arn),
        None => {
            let found = alarm_arn(ctx, name).await?;
            if let Some(arn) = &found {
                let tags = alarm_tags(ctx, name, arn).await?;
                ctx.may_take_over(ResourceKind::Alarm, name, &tags, true)?;
            }
            found
        }
    };
    let load_balancer = ctx.require(ResourceKind::LoadBalancer, &spec.load_balancer)?;
    let metric = |id: &str, group: &str| -> Result<MetricDataQuery, AwsError> {
        let group = ctx.require(ResourceKind::TargetGroup, group)?;
        let dimension = |key: &str, value: &str| Dimension::builder().name(key).value(value).build();
        Ok(MetricDataQuery::builder()
            .id(id)
            .return_data(false)
            .metric_stat(
                MetricStat::builder()
                    .metric(
                        Metric::builder()
                            .namespace("AWS/ApplicationELB")
                            .metric_name("RequestCount")
                            .dimensions(dimension("LoadBalancer", dimension_value(&load_balancer)))
                            .dimensions(dimension("TargetGroup", dimension_value(&group)))
                            .build(),
                    )
                    .period(spec.period_seconds as i32)
                    .stat("Sum")
                    .unit(StandardUnit::Count)
                    .build(),
            )
            .build())
    };
    let queries = vec![
        metric(SERVED, &spec.target_group)?,
        metric(WOKEN, &spec.wake_target_group)?,
        MetricDataQuery::builder()
            .id("requests")
            .expression(REQUESTS)
            .label("requests")
            .return_data(true)
            .build(),
    ];
    cloudwatch
        .put_metric_alarm()
        .alarm_name(name)
        .alarm_description("rnd: no request for the service's idle_after; puts it to sleep")
        .set_metrics(Some(queries))
        .comparison_operator(ComparisonOperator::LessThanThreshold)
        .threshold(1.0)
        .evaluation_periods(spec.evaluation_periods as i32)
        .datapoints_to_alarm(spec.evaluation_periods as i32)
        // A balancer publishes nothing while no request flows: no data is idleness.
        .treat_missing_data("breaching")
        .alarm_actions(&spec.action)
        .set_tags(Some(tags::cloudwatch(&want.tags)))
        .send()
        .await
        .map_err(|e| AwsError::call("PutMetricAlarm", name, e))?;
    let arn = match existing {
        Some(arn) => {
            // Tags given to PutMetricAlarm only apply to a new alarm.
            cloudwatch
                .tag_resource()
                .resource_arn(&arn)
                .set_tags(Some(tags::cloudwatch(&want.tags)))
                .send()
                .await
                .map_err(|e| AwsError::call("TagResource", name, e))?;
            arn
        }
        None => alarm_arn(ctx, name)
            .await?
            .ok_or_else(|| AwsError::missing(format!("alarm.{name}"), "created but not listed"))?,
    };
    ctx.remember(ResourceKind::Alarm, name, &arn);
    Ok(())
}

async fn alarm_arn(ctx: &Context, name: &str) -> Result<Option<String>, AwsError> {
    let out = ctx
        .clients
        .cloudwatch
        .describe_alarms()
        .alarm_names(name)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeAlarms", name, e))?;
    Ok(out
        .metric_alarms()
        .iter()
        .find(|a| a.alarm_name() == Some(name))
        .and_then(|a| a.alarm_arn())
        .map(str::to_string))
}

pub(crate) async fn alarm_tags(ctx: &Context, name: &str, arn: &str) -> Result<tags::Tags, AwsError> {
    let out = ctx
        .clients
        .cloudwatch
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::call("ListTagsForResource", name, e))?;
    Ok(tags::from_cloudwatch(out.tags()))
}

pub(super) async fn delete(ctx: &Context, have: &ObservedResource) -> Result<(), AwsError> {
    let result = ctx
        .clients
        .cloudwatch
        .delete_alarms()
        .alarm_names(&have.name)
        .send()
        .await;
    ctx.forget(ResourceKind::Alarm, &have.name);
    match result {
        Ok(_) => Ok(()),
        Err(e) => super::gone(AwsError::call("DeleteAlarms", &have.name, e)),
    }
}

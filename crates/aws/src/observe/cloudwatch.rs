//! Idle alarms, under the platform's prefix `<platform>-`: their settings from
//! `DescribeAlarms` (a hundred per call), their tags from the Tagging API (`tagging.rs`), or
//! one call each for an alarm it does not list yet.

use rnd_core::plan::observed::ObservedResource;
use rnd_core::plan::resource::ResourceKind;
use serde_json::Value;

use super::tagging::Tagged;
use super::{is_ours, resource, set};
use crate::{tags, AwsError, Clients};

pub(super) async fn alarms(
    clients: &Clients,
    platform: &str,
    tagged: &Tagged,
) -> Result<Vec<ObservedResource>, AwsError> {
    let prefix = format!("{platform}-");
    let mut found = Vec::new();
    let mut pages = clients
        .cloudwatch
        .describe_alarms()
        .alarm_name_prefix(&prefix)
        .max_records(100)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("DescribeAlarms", &prefix, e))?;
        found.extend(page.metric_alarms().iter().cloned());
    }
    let observed = super::bounded(found, 8, |alarm| async move {
        let name = alarm.alarm_name().unwrap_or_default().to_string();
        let arn = alarm.alarm_arn().unwrap_or_default().to_string();
        let tags = match tagged.get(&arn) {
            Some(tags) => tags.clone(),
            None => tags::from_cloudwatch(
                clients
                    .cloudwatch
                    .list_tags_for_resource()
                    .resource_arn(&arn)
                    .send()
                    .await
                    .map_err(|e| AwsError::call("ListTagsForResource", &name, e))?
                    .tags(),
            ),
        };
        let mut r = resource(ResourceKind::Alarm, &name, Some(arn), tags);
        set(
            &mut r.attributes,
            "action",
            alarm.alarm_actions().first().cloned(),
        );
        set(
            &mut r.attributes,
            "evaluation_periods",
            alarm.evaluation_periods(),
        );
        for query in alarm.metrics() {
            let Some(stat) = query.metric_stat() else { continue };
            let attribute = match query.id() {
                Some(crate::execute::alarm::SERVED) => "target_group",
                Some(crate::execute::alarm::WOKEN) => "wake_target_group",
                _ => continue,
            };
            set(&mut r.attributes, "period_seconds", stat.period());
            let dimension = |key: &str| {
                stat.metric()
                    .map(|m| m.dimensions())
                    .unwrap_or_default()
                    .iter()
                    .find(|d| d.name() == Some(key))
                    .and_then(|d| d.value())
                    // `targetgroup/<name>/<id>`, `app/<name>/<id>`: the name is the middle.
                    .and_then(|v| v.split('/').nth(1))
                    .map(|n| Value::from(n.to_string()))
            };
            set(&mut r.attributes, attribute, dimension("TargetGroup"));
            set(&mut r.attributes, "load_balancer", dimension("LoadBalancer"));
        }
        Ok(r)
    })
    .await?;
    Ok(observed
        .into_iter()
        .filter(|r| is_ours(&r.tags, platform))
        .collect())
}

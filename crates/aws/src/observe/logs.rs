//! Log groups, under rnd's prefix `/rnd/<platform>/`.

use rnd_core::plan::observed::ObservedResource;
use rnd_core::plan::resource::ResourceKind;

use super::{resource, set};
use crate::{AwsError, Clients};

pub(super) async fn log_groups(clients: &Clients, platform: &str) -> Result<Vec<ObservedResource>, AwsError> {
    let prefix = format!("/rnd/{platform}/");
    let mut groups = Vec::new();
    let mut pages = clients
        .logs
        .describe_log_groups()
        .log_group_name_prefix(&prefix)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("DescribeLogGroups", &prefix, e))?;
        for g in page.log_groups() {
            let Some(name) = g.log_group_name() else { continue };
            // `arn` ends with `:*`; the tagging calls want the plain ARN.
            let arn = g
                .log_group_arn()
                .map(str::to_string)
                .or_else(|| g.arn().map(|a| a.trim_end_matches(":*").to_string()));
            groups.push((name.to_string(), arn, g.retention_in_days()));
        }
    }
    // CloudWatch Logs has no batch tag call: one per group, a few at a time.
    super::bounded(groups, 8, |(name, arn, retention)| async move {
        let tags = match &arn {
            Some(arn) => clients
                .logs
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
                .map_err(|e| AwsError::call("ListTagsForResource", &name, e))?
                .tags()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .collect(),
            None => Default::default(),
        };
        let mut r = resource(ResourceKind::LogGroup, name, arn, tags);
        set(&mut r.attributes, "retention_days", retention);
        Ok(r)
    })
    .await
}

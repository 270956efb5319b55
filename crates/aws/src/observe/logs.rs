//! Log groups, under rnd's prefix `/rnd/<platform>/`.
//!
//! CloudWatch Logs reads tags one group at a time; the Resource Groups Tagging API returns the
//! tags of a hundred groups per call, so it is asked first (`tagging.rs`). It is eventually
//! consistent (a group tagged a moment ago may not be listed yet), so a group it does not list
//! still gets its own tag call: batched in the steady state, never wrong right after a change.

use std::collections::BTreeMap;

use rnd_core::plan::kept::STORED_BYTES;
use rnd_core::plan::observed::ObservedResource;
use rnd_core::plan::resource::ResourceKind;

use super::tagging::{plain_arn, Tagged};
use super::{resource, set};
use crate::{AwsError, Clients};

pub(super) async fn log_groups(
    clients: &Clients,
    platform: &str,
    tagged: &Tagged,
) -> Result<Vec<ObservedResource>, AwsError> {
    let groups = described(clients, platform).await?;
    let groups: Vec<(Described, Option<BTreeMap<String, String>>)> = groups
        .into_iter()
        .map(|g| {
            let known = g.1.as_ref().and_then(|a| tagged.get(a)).cloned();
            (g, known)
        })
        .collect();
    super::bounded(groups, 8, |((name, arn, retention, stored), known)| async move {
        let tags = match (known, &arn) {
            (Some(tags), _) => tags,
            (None, Some(arn)) => own_tags(clients, &name, arn).await?,
            (None, None) => BTreeMap::new(),
        };
        let mut r = resource(ResourceKind::LogGroup, name, arn, tags);
        set(&mut r.attributes, "retention_days", retention);
        // How much it holds: a kept group of a removed service goes once it is empty.
        set(&mut r.attributes, STORED_BYTES, stored);
        Ok(r)
    })
    .await
}

type Described = (String, Option<String>, Option<i32>, Option<i64>);

/// Every group under the platform's prefix: name, plain ARN, retention, stored bytes.
async fn described(clients: &Clients, platform: &str) -> Result<Vec<Described>, AwsError> {
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
            let arn = g.log_group_arn().or(g.arn()).map(|a| plain_arn(a).to_string());
            groups.push((name.to_string(), arn, g.retention_in_days(), g.stored_bytes()));
        }
    }
    Ok(groups)
}

async fn own_tags(clients: &Clients, name: &str, arn: &str) -> Result<BTreeMap<String, String>, AwsError> {
    Ok(clients
        .logs
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::call("ListTagsForResource", name, e))?
        .tags()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .collect())
}

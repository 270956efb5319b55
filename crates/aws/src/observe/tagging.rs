//! The Resource Groups Tagging API: the platform's tags on many kinds at once, a hundred
//! resources per call, where the kinds' own services read tags a few resources per call.
//!
//! Only ever a hint. It is eventually consistent (a resource tagged a moment ago may be missing,
//! one deleted a moment ago may linger) and blind to some kinds (listener rules, launch
//! templates, auto-scaling groups, IAM roles), so every kind is still listed by its own service,
//! which says what exists; this only spares the per-resource reads of what the listing finds
//! here, and whatever it does not find is read the old way.

use std::collections::BTreeMap;

use aws_sdk_resourcegroupstagging::types::TagFilter;
use rnd_core::plan::observed::TAG_PLATFORM;

use crate::tags::Tags;
use crate::{AwsError, Clients};

/// Always: log groups (CloudWatch Logs has no other batched tag read) and alarms (CloudWatch
/// reads tags one alarm at a time).
pub(super) const ALWAYS: [&str; 2] = ["logs", "cloudwatch:alarm"];
/// The kinds whose per-resource reads an expectation can spare.
pub(super) const EXPECTABLE: [&str; 3] = [
    "ecs:service",
    "ecs:task-definition",
    "elasticloadbalancing:targetgroup",
];

/// Tags by ARN (log groups' ARNs without their trailing `:*`).
#[derive(Debug, Default)]
pub(crate) struct Tagged(BTreeMap<String, Tags>);

impl Tagged {
    pub fn get(&self, arn: &str) -> Option<&Tags> {
        self.0.get(plain_arn(arn))
    }
}

/// Every resource of `types` tagged `rnd:platform=<platform>`, in one paginated listing.
pub(super) async fn tagged(clients: &Clients, platform: &str, types: &[&str]) -> Result<Tagged, AwsError> {
    let mut found = BTreeMap::new();
    let mut pages = clients
        .tagging
        .get_resources()
        .set_resource_type_filters(Some(types.iter().map(|t| t.to_string()).collect()))
        .tag_filters(TagFilter::builder().key(TAG_PLATFORM).values(platform).build())
        // The largest pages AWS allows. Both limits, because a page ends at whichever comes
        // first and rnd's resources carry four or five tags each: 500 tags is ~100 resources
        // (moto applies its default of 100 tags even when only the resource limit is given).
        .resources_per_page(100)
        .tags_per_page(500)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("GetResources", platform, e))?;
        for mapping in page.resource_tag_mapping_list() {
            let Some(arn) = mapping.resource_arn() else {
                continue;
            };
            let tags = mapping
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect();
            found.insert(plain_arn(arn).to_string(), tags);
        }
    }
    Ok(Tagged(found))
}

/// A log group's ARN without the `:*` that `arn` (as opposed to `logGroupArn`) ends with: the
/// form the tagging calls use. Other ARNs never end so.
pub(super) fn plain_arn(arn: &str) -> &str {
    arn.trim_end_matches(":*")
}

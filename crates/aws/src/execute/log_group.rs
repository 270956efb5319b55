//! Log groups: created with their tags, retention set on every apply.

use rnd_core::plan::kept::TAG_REMOVED;
use rnd_core::plan::observed::ObservedResource;
use rnd_core::plan::resource::{DesiredResource, ResourceKind};
use rnd_core::plan::spec::LogGroupSpec;

use super::context::Context;
use crate::tags::Tags;
use crate::AwsError;

pub(super) async fn ensure(
    ctx: &Context,
    want: &DesiredResource,
    spec: &LogGroupSpec,
) -> Result<(), AwsError> {
    let name = &want.id.name;
    let logs = &ctx.clients.logs;
    let created = logs
        .create_log_group()
        .log_group_name(name)
        .set_tags(Some(want.tags.clone().into_iter().collect()))
        .send()
        .await;
    let mut adopted = false;
    if let Err(e) = created {
        let err = AwsError::call("CreateLogGroup", name, e);
        if !err.code_is(&["ResourceAlreadyExists"]) {
            return Err(err);
        }
        adopted = true;
    }
    let arn = arn_of(ctx, name).await?;
    let known = ctx.known(ResourceKind::LogGroup, name).is_some();
    if adopted && !known {
        // Already there but not observed: its tags say whether it may be used (before any
        // change to it).
        let existing: Tags = logs
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
            .map_err(|e| AwsError::call("ListTagsForResource", name, e))?
            .tags()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect();
        ctx.may_take_over(ResourceKind::LogGroup, name, &existing, true)?;
    }
    logs.put_retention_policy()
        .log_group_name(name)
        .retention_in_days(spec.retention_days as i32)
        .send()
        .await
        .map_err(|e| AwsError::call("PutRetentionPolicy", name, e))?;
    if adopted || known {
        logs.tag_resource()
            .resource_arn(&arn)
            .set_tags(Some(want.tags.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| AwsError::call("TagResource", name, e))?;
        // A kept group whose service came back is the service's again.
        if !want.tags.contains_key(TAG_REMOVED) {
            logs.untag_resource()
                .resource_arn(&arn)
                .tag_keys(TAG_REMOVED)
                .send()
                .await
                .map_err(|e| AwsError::call("UntagResource", name, e))?;
        }
    }
    ctx.remember(ResourceKind::LogGroup, name, &arn);
    Ok(())
}

async fn arn_of(ctx: &Context, name: &str) -> Result<String, AwsError> {
    let out = ctx
        .clients
        .logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeLogGroups", name, e))?;
    out.log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name))
        .and_then(|g| {
            g.log_group_arn()
                .map(str::to_string)
                .or_else(|| g.arn().map(|a| a.trim_end_matches(":*").to_string()))
        })
        .ok_or_else(|| AwsError::missing(format!("log_group.{name}"), "created but not listed"))
}

pub(super) async fn delete(ctx: &Context, have: &ObservedResource) -> Result<(), AwsError> {
    match ctx
        .clients
        .logs
        .delete_log_group()
        .log_group_name(&have.name)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => super::gone(AwsError::call("DeleteLogGroup", &have.name, e)),
    }
}

//! IAM roles (trust, managed policies, one inline policy) and instance profiles.

use std::collections::BTreeSet;

use rnd_core::plan::observed::ObservedResource;
use rnd_core::plan::resource::{DesiredResource, ResourceKind};
use rnd_core::plan::spec::{IamRoleSpec, InstanceProfileSpec};
use serde_json::json;

use super::context::Context;
use crate::observe::iam_names::{path, INLINE_POLICY};
use crate::{tags, AwsError};

fn trust_policy(service: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": service },
            "Action": "sts:AssumeRole",
        }],
    })
    .to_string()
}

fn policy_arn(name: &str) -> String {
    format!("arn:aws:iam::aws:policy/{name}")
}

pub(super) async fn ensure_role(
    ctx: &Context,
    want: &DesiredResource,
    spec: &IamRoleSpec,
) -> Result<(), AwsError> {
    let name = &want.id.name;
    let iam = &ctx.clients.iam;
    let trust = trust_policy(&spec.assumed_by);
    let created = iam
        .create_role()
        .role_name(name)
        .path(path(&ctx.platform))
        .assume_role_policy_document(&trust)
        .description(format!("rnd {}", ctx.platform))
        .set_tags(Some(tags::iam(&want.tags)))
        .send()
        .await;
    let arn = match created {
        Ok(out) => out.role().map(|r| r.arn().to_string()),
        Err(e) => {
            let err = AwsError::call("CreateRole", name, e);
            if !err.code_is(&["EntityAlreadyExists"]) {
                return Err(err);
            }
            let existing = iam
                .get_role()
                .role_name(name)
                .send()
                .await
                .map_err(|e| AwsError::call("GetRole", name, e))?;
            if let Some(role) = existing.role() {
                let in_place = role.path() == path(&ctx.platform);
                ctx.may_take_over(
                    ResourceKind::IamRole,
                    name,
                    &tags::from_iam(role.tags()),
                    in_place,
                )?;
            }
            iam.update_assume_role_policy()
                .role_name(name)
                .policy_document(&trust)
                .send()
                .await
                .map_err(|e| AwsError::call("UpdateAssumeRolePolicy", name, e))?;
            iam.tag_role()
                .role_name(name)
                .set_tags(Some(tags::iam(&want.tags)))
                .send()
                .await
                .map_err(|e| AwsError::call("TagRole", name, e))?;
            let role = iam
                .get_role()
                .role_name(name)
                .send()
                .await
                .map_err(|e| AwsError::call("GetRole", name, e))?;
            role.role().map(|r| r.arn().to_string())
        }
    };
    let arn = arn.ok_or_else(|| AwsError::missing(format!("iam_role.{name}"), "no ARN returned"))?;
    ctx.remember(ResourceKind::IamRole, name, &arn);

    let attached = attached_policies(ctx, name).await?;
    let wanted: BTreeSet<String> = spec.managed_policies.iter().map(|p| policy_arn(p)).collect();
    for extra in attached.difference(&wanted) {
        iam.detach_role_policy()
            .role_name(name)
            .policy_arn(extra)
            .send()
            .await
            .map_err(|e| AwsError::call("DetachRolePolicy", name, e))?;
    }
    for missing in wanted.difference(&attached) {
        iam.attach_role_policy()
            .role_name(name)
            .policy_arn(missing)
            .send()
            .await
            .map_err(|e| AwsError::call("AttachRolePolicy", name, e))?;
    }
    match &spec.inline_policy {
        Some(document) => {
            iam.put_role_policy()
                .role_name(name)
                .policy_name(INLINE_POLICY)
                .policy_document(document.to_string())
                .send()
                .await
                .map_err(|e| AwsError::call("PutRolePolicy", name, e))?;
        }
        None => delete_inline_policy(ctx, name).await?,
    }
    remove_other_inline_policies(ctx, name).await
}

/// A role rnd owns holds exactly the permissions its spec lists: an inline policy rnd did not
/// write (an adopted role's, or one added by hand) goes.
async fn remove_other_inline_policies(ctx: &Context, role: &str) -> Result<(), AwsError> {
    let iam = &ctx.clients.iam;
    let mut others = Vec::new();
    let mut pages = iam.list_role_policies().role_name(role).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("ListRolePolicies", role, e))?;
        others.extend(
            page.policy_names()
                .iter()
                .filter(|p| *p != INLINE_POLICY)
                .cloned(),
        );
    }
    for policy in others {
        iam.delete_role_policy()
            .role_name(role)
            .policy_name(&policy)
            .send()
            .await
            .map_err(|e| AwsError::call("DeleteRolePolicy", format!("{role} ({policy})"), e))?;
    }
    Ok(())
}

async fn attached_policies(ctx: &Context, role: &str) -> Result<BTreeSet<String>, AwsError> {
    let mut arns = BTreeSet::new();
    let mut pages = ctx
        .clients
        .iam
        .list_attached_role_policies()
        .role_name(role)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("ListAttachedRolePolicies", role, e))?;
        arns.extend(
            page.attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn())
                .map(str::to_string),
        );
    }
    Ok(arns)
}

async fn delete_inline_policy(ctx: &Context, role: &str) -> Result<(), AwsError> {
    let result = ctx
        .clients
        .iam
        .delete_role_policy()
        .role_name(role)
        .policy_name(INLINE_POLICY)
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(e) => super::gone(AwsError::call("DeleteRolePolicy", role, e)),
    }
}

pub(super) async fn delete_role(ctx: &Context, have: &ObservedResource) -> Result<(), AwsError> {
    let name = &have.name;
    let iam = &ctx.clients.iam;
    let attached = match attached_policies(ctx, name).await {
        Ok(a) => a,
        Err(err) => return super::gone(err),
    };
    for arn in attached {
        iam.detach_role_policy()
            .role_name(name)
            .policy_arn(&arn)
            .send()
            .await
            .map_err(|e| AwsError::call("DetachRolePolicy", name, e))?;
    }
    delete_inline_policy(ctx, name).await?;
    // IAM refuses to delete a role still in an instance profile.
    let profiles = iam
        .list_instance_profiles_for_role()
        .role_name(name)
        .send()
        .await
        .map_err(|e| AwsError::call("ListInstanceProfilesForRole", name, e))?;
    for p in profiles.instance_profiles() {
        iam.remove_role_from_instance_profile()
            .instance_profile_name(p.instance_profile_name())
            .role_name(name)
            .send()
            .await
            .map_err(|e| AwsError::call("RemoveRoleFromInstanceProfile", name, e))?;
    }
    let result = iam.delete_role().role_name(name).send().await;
    ctx.forget(ResourceKind::IamRole, name);
    match result {
        Ok(_) => Ok(()),
        Err(e) => super::gone(AwsError::call("DeleteRole", name, e)),
    }
}

pub(super) async fn ensure_instance_profile(
    ctx: &Context,
    want: &DesiredResource,
    spec: &InstanceProfileSpec,
) -> Result<(), AwsError> {
    let name = &want.id.name;
    let iam = &ctx.clients.iam;
    let created = iam
        .create_instance_profile()
        .instance_profile_name(name)
        .path(path(&ctx.platform))
        .set_tags(Some(tags::iam(&want.tags)))
        .send()
        .await;
    if let Err(e) = created {
        let err = AwsError::call("CreateInstanceProfile", name, e);
        if !err.code_is(&["EntityAlreadyExists"]) {
            return Err(err);
        }
        let existing = iam
            .get_instance_profile()
            .instance_profile_name(name)
            .send()
            .await
            .map_err(|e| AwsError::call("GetInstanceProfile", name, e))?;
        if let Some(profile) = existing.instance_profile() {
            let in_place = profile.path() == path(&ctx.platform);
            ctx.may_take_over(
                ResourceKind::InstanceProfile,
                name,
                &tags::from_iam(profile.tags()),
                in_place,
            )?;
        }
        iam.tag_instance_profile()
            .instance_profile_name(name)
            .set_tags(Some(tags::iam(&want.tags)))
            .send()
            .await
            .map_err(|e| AwsError::call("TagInstanceProfile", name, e))?;
    }
    let profile = iam
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
        .map_err(|e| AwsError::call("GetInstanceProfile", name, e))?;
    let profile = profile
        .instance_profile()
        .ok_or_else(|| AwsError::missing(format!("instance_profile.{name}"), "not returned"))?;
    let mut has_role = false;
    for role in profile.roles() {
        if role.role_name() == spec.role {
            has_role = true;
            continue;
        }
        iam.remove_role_from_instance_profile()
            .instance_profile_name(name)
            .role_name(role.role_name())
            .send()
            .await
            .map_err(|e| AwsError::call("RemoveRoleFromInstanceProfile", name, e))?;
    }
    if !has_role {
        iam.add_role_to_instance_profile()
            .instance_profile_name(name)
            .role_name(&spec.role)
            .send()
            .await
            .map_err(|e| AwsError::call("AddRoleToInstanceProfile", name, e))?;
    }
    ctx.remember(ResourceKind::InstanceProfile, name, profile.arn());
    Ok(())
}

pub(super) async fn delete_instance_profile(ctx: &Context, have: &ObservedResource) -> Result<(), AwsError> {
    let name = &have.name;
    let iam = &ctx.clients.iam;
    let profile = match iam
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
    {
        Ok(p) => p,
        Err(e) => return super::gone(AwsError::call("GetInstanceProfile", name, e)),
    };
    for role in profile.instance_profile().map(|p| p.roles()).unwrap_or_default() {
        iam.remove_role_from_instance_profile()
            .instance_profile_name(name)
            .role_name(role.role_name())
            .send()
            .await
            .map_err(|e| AwsError::call("RemoveRoleFromInstanceProfile", name, e))?;
    }
    let result = iam
        .delete_instance_profile()
        .instance_profile_name(name)
        .send()
        .await;
    ctx.forget(ResourceKind::InstanceProfile, name);
    match result {
        Ok(_) => Ok(()),
        Err(e) => super::gone(AwsError::call("DeleteInstanceProfile", name, e)),
    }
}

//! IAM roles and instance profiles, under rnd's path `/rnd/<platform>/`.
//!
//! IAM has no batch describe of roles by path, but `GetAccountAuthorizationDetails` returns
//! every role of the account with its trust policy, policies and tags, a page of up to a
//! thousand at a time: a few calls per account instead of three per role (IAM's request rate is
//! low). It reads the whole account's roles, so rnd's policy needs that permission, and the
//! roles outside `/rnd/<platform>/` are dropped here.

use aws_sdk_iam::types::{EntityType, RoleDetail};
use rnd_core::plan::observed::ObservedResource;
use rnd_core::plan::resource::ResourceKind;
use serde_json::Value;

use super::{resource, set};
use crate::{tags, AwsError, Clients};

/// The one inline policy rnd writes on a role.
pub(crate) const INLINE_POLICY: &str = "rnd";

/// rnd's IAM path for a platform: listing by path finds exactly its roles.
pub(crate) fn path(platform: &str) -> String {
    format!("/rnd/{platform}/")
}

pub(super) async fn observe(clients: &Clients, platform: &str) -> Result<Vec<ObservedResource>, AwsError> {
    let (roles, profiles) = tokio::try_join!(roles(clients, platform), instance_profiles(clients, platform))?;
    Ok([roles, profiles].concat())
}

async fn roles(clients: &Clients, platform: &str) -> Result<Vec<ObservedResource>, AwsError> {
    let ours = path(platform);
    let mut found = Vec::new();
    let mut pages = clients
        .iam
        .get_account_authorization_details()
        .filter(EntityType::Role)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("GetAccountAuthorizationDetails", &ours, e))?;
        for role in page.role_detail_list() {
            if role.path() == Some(ours.as_str()) {
                found.push(observed_role(role));
            }
        }
    }
    Ok(found)
}

/// One role as the snapshot holds it: who may assume it, its managed and inline policies.
fn observed_role(role: &RoleDetail) -> ObservedResource {
    let name = role.role_name().unwrap_or_default();
    let mut r = resource(
        ResourceKind::IamRole,
        name,
        role.arn().map(str::to_string),
        tags::from_iam(role.tags()),
    );
    let trust = role.assume_role_policy_document().and_then(policy_document);
    set(
        &mut r.attributes,
        "assumed_by",
        trust.as_ref().and_then(|doc| {
            doc.pointer("/Statement/0/Principal/Service")
                .and_then(|s| s.as_str().or_else(|| s.get(0)?.as_str()))
                .map(str::to_string)
        }),
    );
    let mut managed: Vec<String> = role
        .attached_managed_policies()
        .iter()
        .filter_map(|p| p.policy_arn())
        .filter_map(|arn| arn.split_once(":policy/").map(|(_, name)| name.to_string()))
        .collect();
    managed.sort();
    r.attributes.insert("managed_policies".into(), managed.into());
    let inline = role
        .role_policy_list()
        .iter()
        .find(|p| p.policy_name() == Some(INLINE_POLICY))
        .and_then(|p| p.policy_document());
    set(
        &mut r.attributes,
        "inline_policy",
        inline.and_then(policy_document),
    );
    r
}

async fn instance_profiles(clients: &Clients, platform: &str) -> Result<Vec<ObservedResource>, AwsError> {
    let mut found = Vec::new();
    let mut pages = clients
        .iam
        .list_instance_profiles()
        .path_prefix(path(platform))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("ListInstanceProfiles", path(platform), e))?;
        found.extend(page.instance_profiles().iter().cloned());
    }
    // The path prefix is a filter AWS applies; checking it here too costs nothing.
    let ours: Vec<String> = found
        .iter()
        .filter(|p| p.path() == path(platform))
        .map(|p| p.instance_profile_name().to_string())
        .collect();
    // GetInstanceProfile returns the tags (the list does not), one profile per call.
    super::bounded(ours, 6, |name| async move {
        let out = clients
            .iam
            .get_instance_profile()
            .instance_profile_name(&name)
            .send()
            .await
            .map_err(|e| AwsError::call("GetInstanceProfile", &name, e))?;
        let profile = out
            .instance_profile()
            .ok_or_else(|| AwsError::missing(format!("instance_profile.{name}"), "not returned"))?;
        let mut r = resource(
            ResourceKind::InstanceProfile,
            &name,
            Some(profile.arn().to_string()),
            tags::from_iam(profile.tags()),
        );
        set(
            &mut r.attributes,
            "role",
            profile.roles().first().map(|role| role.role_name().to_string()),
        );
        Ok(r)
    })
    .await
}

/// IAM returns policy documents URL-encoded; some endpoints return them plain.
pub(crate) fn policy_document(text: &str) -> Option<Value> {
    serde_json::from_str(text)
        .ok()
        .or_else(|| serde_json::from_str(&percent_decode(text)).ok())
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() && text.is_char_boundary(i + 3) => {
                match u8::from_str_radix(&text[i + 1..i + 3], 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_url_encoded_and_plain_documents() {
        let plain = r#"{"Statement":[{"Principal":{"Service":"ecs-tasks.amazonaws.com"}}]}"#;
        let encoded = "%7B%22Statement%22%3A%5B%7B%22Principal%22%3A%7B%22Service%22%3A%22ecs-tasks.amazonaws.com%22%7D%7D%5D%7D";
        assert_eq!(policy_document(plain), policy_document(encoded));
        assert!(policy_document(plain).is_some());
    }
}

//! IAM roles and instance profiles, under rnd's path `/rnd/<platform>/`.
//!
//! IAM has no batch describe: one role's tags, policies and inline policy take three calls,
//! made a few roles at a time.

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
    let mut names = Vec::new();
    let mut pages = clients
        .iam
        .list_roles()
        .path_prefix(path(platform))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("ListRoles", path(platform), e))?;
        names.extend(
            page.roles()
                .iter()
                .filter(|r| r.path() == path(platform))
                .map(|r| {
                    (
                        r.role_name().to_string(),
                        r.arn().to_string(),
                        r.assume_role_policy_document().map(str::to_string),
                    )
                }),
        );
    }
    super::bounded(names, 6, |(name, arn, trust)| async move {
        let (tags, attached, inline) = tokio::try_join!(
            async {
                clients
                    .iam
                    .list_role_tags()
                    .role_name(&name)
                    .send()
                    .await
                    .map_err(|e| AwsError::call("ListRoleTags", &name, e))
            },
            async {
                clients
                    .iam
                    .list_attached_role_policies()
                    .role_name(&name)
                    .send()
                    .await
                    .map_err(|e| AwsError::call("ListAttachedRolePolicies", &name, e))
            },
            async {
                match clients
                    .iam
                    .get_role_policy()
                    .role_name(&name)
                    .policy_name(INLINE_POLICY)
                    .send()
                    .await
                {
                    Ok(out) => Ok(Some(out.policy_document().to_string())),
                    Err(e) => {
                        let err = AwsError::call("GetRolePolicy", &name, e);
                        if err.is_not_found() {
                            Ok(None)
                        } else {
                            Err(err)
                        }
                    }
                }
            },
        )?;
        let mut r = resource(
            ResourceKind::IamRole,
            &name,
            Some(arn),
            tags::from_iam(tags.tags()),
        );
        let trust = trust.as_deref().and_then(policy_document);
        set(
            &mut r.attributes,
            "assumed_by",
            trust.as_ref().and_then(|doc| {
                doc.pointer("/Statement/0/Principal/Service")
                    .and_then(|s| s.as_str().or_else(|| s.get(0)?.as_str()))
                    .map(str::to_string)
            }),
        );
        let mut managed: Vec<String> = attached
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn())
            .filter_map(|arn| arn.split_once(":policy/").map(|(_, name)| name.to_string()))
            .collect();
        managed.sort();
        r.attributes.insert("managed_policies".into(), managed.into());
        set(
            &mut r.attributes,
            "inline_policy",
            inline.as_deref().and_then(policy_document),
        );
        Ok(r)
    })
    .await
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

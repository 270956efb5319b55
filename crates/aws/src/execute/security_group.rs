//! Security groups: created or adopted by name, then their ingress made exactly the spec's.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, Ipv6Range, ResourceType, UserIdGroupPair};
use rnd_core::plan::observed::ObservedResource;
use rnd_core::plan::resource::{DesiredResource, ResourceKind};
use rnd_core::plan::spec::SecurityGroupSpec;

use super::context::Context;
use crate::{retry, tags, AwsError};

/// (protocol, from, to, source as a CIDR or a group id).
type Rule = (String, i32, i32, String);

pub(super) async fn ensure(
    ctx: &Context,
    want: &DesiredResource,
    spec: &SecurityGroupSpec,
) -> Result<(), AwsError> {
    let name = &want.id.name;
    let ec2 = &ctx.clients.ec2;
    let vpc = ctx.network.vpc_id(&spec.vpc)?;
    let id = match ctx.known(ResourceKind::SecurityGroup, name) {
        Some(id) => {
            ec2.create_tags()
                .resources(&id)
                .set_tags(Some(tags::ec2(&want.tags)))
                .send()
                .await
                .map_err(|e| AwsError::call("CreateTags", name, e))?;
            id
        }
        None => create_or_adopt(ctx, want, spec, &vpc).await?,
    };
    ctx.remember(ResourceKind::SecurityGroup, name, &id);

    let mut wanted = BTreeSet::new();
    let mut descriptions = BTreeMap::new();
    for rule in &spec.ingress {
        let source = if rule.source.contains('/') {
            rule.source.clone()
        } else {
            ctx.require(ResourceKind::SecurityGroup, &rule.source)?
        };
        let resolved = (
            rule.protocol.clone(),
            i32::from(rule.from_port),
            i32::from(rule.to_port),
            source,
        );
        descriptions.insert(resolved.clone(), rule.description());
        wanted.insert(resolved);
    }
    let current = current_rules(ctx, name, &id).await?;
    let revoke: Vec<IpPermission> = current
        .iter()
        .filter(|(rule, _)| !wanted.contains(*rule))
        .map(|(rule, description)| permission(rule, description.as_deref()))
        .collect();
    let authorize: Vec<IpPermission> = wanted
        .iter()
        .filter(|rule| !current.contains_key(*rule))
        .map(|r| permission(r, descriptions.get(r).map(String::as_str)))
        .collect();
    if !revoke.is_empty() {
        ec2.revoke_security_group_ingress()
            .group_id(&id)
            .set_ip_permissions(Some(revoke))
            .send()
            .await
            .map_err(|e| AwsError::call("RevokeSecurityGroupIngress", name, e))?;
    }
    if !authorize.is_empty() {
        ec2.authorize_security_group_ingress()
            .group_id(&id)
            .set_ip_permissions(Some(authorize))
            .send()
            .await
            .map_err(|e| AwsError::call("AuthorizeSecurityGroupIngress", name, e))?;
    }
    Ok(())
}

async fn create_or_adopt(
    ctx: &Context,
    want: &DesiredResource,
    spec: &SecurityGroupSpec,
    vpc: &str,
) -> Result<String, AwsError> {
    let name = &want.id.name;
    let ec2 = &ctx.clients.ec2;
    let created = ec2
        .create_security_group()
        .group_name(name)
        .description(&spec.description)
        .vpc_id(vpc)
        .tag_specifications(tags::ec2_spec(ResourceType::SecurityGroup, &want.tags))
        .send()
        .await;
    match created {
        Ok(out) => out
            .group_id()
            .map(str::to_string)
            .ok_or_else(|| AwsError::missing(format!("security_group.{name}"), "no group id returned")),
        Err(e) => {
            let err = AwsError::call("CreateSecurityGroup", name, e);
            if !err.code_is(&["Duplicate"]) {
                return Err(err);
            }
            // Left by a crashed run: adopt it, and give it rnd's tags.
            let found = ec2
                .describe_security_groups()
                .filters(Filter::builder().name("group-name").values(name).build())
                .filters(Filter::builder().name("vpc-id").values(vpc).build())
                .send()
                .await
                .map_err(|e| AwsError::call("DescribeSecurityGroups", name, e))?;
            let group = found.security_groups().first();
            let id = group.and_then(|g| g.group_id()).map(str::to_string).ok_or(err)?;
            // Found in the platform's VPC by name: its tags say whose it is.
            let tags = group.map(|g| tags::from_ec2(g.tags())).unwrap_or_default();
            ctx.may_take_over(ResourceKind::SecurityGroup, name, &tags, true)?;
            ec2.create_tags()
                .resources(&id)
                .set_tags(Some(tags::ec2(&want.tags)))
                .send()
                .await
                .map_err(|e| AwsError::call("CreateTags", name, e))?;
            Ok(id)
        }
    }
}

/// The group's inbound rules as they are, each with its description (revoking a rule names it
/// as it was authorized: the emulator matches the description too, AWS ignores it).
async fn current_rules(
    ctx: &Context,
    name: &str,
    id: &str,
) -> Result<BTreeMap<Rule, Option<String>>, AwsError> {
    let out = ctx
        .clients
        .ec2
        .describe_security_groups()
        .group_ids(id)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeSecurityGroups", name, e))?;
    let mut rules = BTreeMap::new();
    for p in out.security_groups().iter().flat_map(|g| g.ip_permissions()) {
        let protocol = p.ip_protocol().unwrap_or("-1").to_string();
        let (from, to) = (p.from_port().unwrap_or(0), p.to_port().unwrap_or(0));
        let sources = p
            .ip_ranges()
            .iter()
            .filter_map(|r| Some((r.cidr_ip()?, r.description())))
            .chain(
                p.ipv6_ranges()
                    .iter()
                    .filter_map(|r| Some((r.cidr_ipv6()?, r.description()))),
            )
            .chain(
                p.user_id_group_pairs()
                    .iter()
                    .filter_map(|g| Some((g.group_id()?, g.description()))),
            );
        for (source, description) in sources {
            rules.insert(
                (protocol.clone(), from, to, source.to_string()),
                description.map(str::to_string),
            );
        }
    }
    Ok(rules)
}

/// One rule as EC2 takes it, with its description (what it lets in, in words).
fn permission((protocol, from, to, source): &Rule, description: Option<&str>) -> IpPermission {
    let p = IpPermission::builder()
        .ip_protocol(protocol)
        .from_port(*from)
        .to_port(*to);
    let description = description.map(str::to_string);
    if source.contains(':') {
        p.ipv6_ranges(
            Ipv6Range::builder()
                .cidr_ipv6(source)
                .set_description(description)
                .build(),
        )
    } else if source.contains('/') {
        p.ip_ranges(
            IpRange::builder()
                .cidr_ip(source)
                .set_description(description)
                .build(),
        )
    } else {
        p.user_id_group_pairs(
            UserIdGroupPair::builder()
                .group_id(source)
                .set_description(description)
                .build(),
        )
    }
    .build()
}

pub(super) async fn delete(ctx: &Context, have: &ObservedResource) -> Result<(), AwsError> {
    let Some(id) = have
        .arn
        .clone()
        .or_else(|| ctx.known(ResourceKind::SecurityGroup, &have.name))
    else {
        return Ok(());
    };
    // Network interfaces of stopped tasks and deleted balancers release the group minutes later.
    let result = retry::eventually(
        Duration::from_secs(600),
        |e| e.code_is(&["DependencyViolation"]),
        || async {
            ctx.clients
                .ec2
                .delete_security_group()
                .group_id(&id)
                .send()
                .await
                .map_err(|e| AwsError::call("DeleteSecurityGroup", &have.name, e))
        },
    )
    .await;
    ctx.forget(ResourceKind::SecurityGroup, &have.name);
    match result {
        Ok(_) => Ok(()),
        Err(err) => super::gone(err),
    }
}

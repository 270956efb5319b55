//! Application load balancers and their listeners.

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Certificate, FixedResponseActionConfig, LoadBalancerAttribute,
    LoadBalancerSchemeEnum, LoadBalancerTypeEnum, ProtocolEnum, RedirectActionConfig,
    RedirectActionStatusCodeEnum,
};
use rnd_core::plan::observed::ObservedResource;
use rnd_core::plan::resource::{DesiredResource, ResourceKind};
use rnd_core::plan::spec::{ListenerSpec, LoadBalancerSpec};

use super::context::Context;
use crate::{tags, AwsError};

pub(super) async fn ensure(
    ctx: &Context,
    want: &DesiredResource,
    spec: &LoadBalancerSpec,
) -> Result<(), AwsError> {
    let name = &want.id.name;
    let elb = &ctx.clients.elb;
    let subnets = ctx.network.subnet_ids(&spec.subnets)?;
    let group = ctx.require(ResourceKind::SecurityGroup, &spec.security_group)?;
    // Looked up by name before creating: a balancer left by a crashed run is adopted with
    // whatever settings it has, which the calls below then correct.
    let existing = match ctx.known(ResourceKind::LoadBalancer, name) {
        Some(arn) => Some(arn),
        None => match find(ctx, name).await? {
            Some(arn) => {
                let existing = elb_tags(ctx, name, &arn).await?;
                ctx.may_take_over(ResourceKind::LoadBalancer, name, &existing, true)?;
                Some(arn)
            }
            None => None,
        },
    };
    let arn = match existing {
        Some(arn) => {
            elb.set_security_groups()
                .load_balancer_arn(&arn)
                .security_groups(&group)
                .send()
                .await
                .map_err(|e| AwsError::call("SetSecurityGroups", name, e))?;
            elb.set_subnets()
                .load_balancer_arn(&arn)
                .set_subnets(Some(subnets))
                .send()
                .await
                .map_err(|e| AwsError::call("SetSubnets", name, e))?;
            add_tags(ctx, name, &arn, &want.tags).await?;
            arn
        }
        None => {
            let created = elb
                .create_load_balancer()
                .name(name)
                .r#type(LoadBalancerTypeEnum::Application)
                .scheme(LoadBalancerSchemeEnum::from(spec.scheme.as_str()))
                .set_subnets(Some(subnets))
                .security_groups(&group)
                .set_tags(Some(tags::elb(&want.tags)))
                .send()
                .await;
            match created {
                Ok(out) => out
                    .load_balancers()
                    .first()
                    .and_then(|lb| lb.load_balancer_arn())
                    .map(str::to_string)
                    .ok_or_else(|| AwsError::missing(format!("load_balancer.{name}"), "no ARN returned"))?,
                Err(e) => {
                    // Created by a concurrent run between the lookup and now.
                    let err = AwsError::call("CreateLoadBalancer", name, e);
                    if !err.code_is(&["DuplicateLoadBalancerName"]) {
                        return Err(err);
                    }
                    let arn = find(ctx, name).await?.ok_or(err)?;
                    let existing = elb_tags(ctx, name, &arn).await?;
                    ctx.may_take_over(ResourceKind::LoadBalancer, name, &existing, true)?;
                    add_tags(ctx, name, &arn, &want.tags).await?;
                    arn
                }
            }
        }
    };
    ctx.remember(ResourceKind::LoadBalancer, name, &arn);
    elb.modify_load_balancer_attributes()
        .load_balancer_arn(&arn)
        .attributes(
            LoadBalancerAttribute::builder()
                .key("idle_timeout.timeout_seconds")
                .value(spec.idle_timeout_seconds.to_string())
                .build(),
        )
        .attributes(
            LoadBalancerAttribute::builder()
                .key("routing.http.drop_invalid_header_fields.enabled")
                .value(spec.drop_invalid_header_fields.to_string())
                .build(),
        )
        .send()
        .await
        .map_err(|e| AwsError::call("ModifyLoadBalancerAttributes", name, e))?;
    Ok(())
}

async fn find(ctx: &Context, name: &str) -> Result<Option<String>, AwsError> {
    match ctx.clients.elb.describe_load_balancers().names(name).send().await {
        Ok(out) => Ok(out
            .load_balancers()
            .first()
            .and_then(|lb| lb.load_balancer_arn())
            .map(str::to_string)),
        Err(e) => {
            let err = AwsError::call("DescribeLoadBalancers", name, e);
            if err.is_not_found() {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

pub(super) async fn add_tags(
    ctx: &Context,
    name: &str,
    arn: &str,
    tags: &tags::Tags,
) -> Result<(), AwsError> {
    ctx.clients
        .elb
        .add_tags()
        .resource_arns(arn)
        .set_tags(Some(tags::elb(tags)))
        .send()
        .await
        .map_err(|e| AwsError::call("AddTags", name, e))?;
    Ok(())
}

pub(super) async fn delete(ctx: &Context, have: &ObservedResource) -> Result<(), AwsError> {
    let Some(arn) = have.arn.clone() else {
        return Ok(());
    };
    let result = ctx
        .clients
        .elb
        .delete_load_balancer()
        .load_balancer_arn(&arn)
        .send()
        .await;
    ctx.forget(ResourceKind::LoadBalancer, &have.name);
    match result {
        Ok(_) => Ok(()),
        Err(e) => super::gone(AwsError::call("DeleteLoadBalancer", &have.name, e)),
    }
}

/// The spec's `fixed-response:404` or `redirect:HTTPS:443` as an ELB action.
fn default_action(text: &str) -> Result<Action, AwsError> {
    let parts: Vec<&str> = text.split(':').collect();
    match parts.as_slice() {
        ["fixed-response", status] => Ok(Action::builder()
            .r#type(ActionTypeEnum::FixedResponse)
            .fixed_response_config(
                FixedResponseActionConfig::builder()
                    .status_code(*status)
                    .content_type("text/plain")
                    .build(),
            )
            .build()),
        ["redirect", protocol, port] => Ok(Action::builder()
            .r#type(ActionTypeEnum::Redirect)
            .redirect_config(
                RedirectActionConfig::builder()
                    .protocol(*protocol)
                    .port(*port)
                    .status_code(RedirectActionStatusCodeEnum::Http301)
                    .build(),
            )
            .build()),
        _ => Err(AwsError::missing(text, "unknown listener default action")),
    }
}

pub(super) async fn ensure_listener(
    ctx: &Context,
    want: &DesiredResource,
    spec: &ListenerSpec,
) -> Result<(), AwsError> {
    let name = &want.id.name;
    let elb = &ctx.clients.elb;
    let lb = ctx.require(ResourceKind::LoadBalancer, &spec.load_balancer)?;
    let tags = tags::with_name(&want.tags, name);
    let action = default_action(&spec.default_action)?;
    let certificates: Option<Vec<Certificate>> = spec
        .certificate_arn
        .as_ref()
        .map(|arn| vec![Certificate::builder().certificate_arn(arn).build()]);
    let existing = match ctx.known(ResourceKind::Listener, name) {
        Some(arn) => Some(arn),
        // A listener left by a crashed run holds the port: find it there.
        None => elb
            .describe_listeners()
            .load_balancer_arn(&lb)
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeListeners", name, e))?
            .listeners()
            .iter()
            .find(|l| l.port() == Some(i32::from(spec.port)))
            .and_then(|l| l.listener_arn())
            .map(str::to_string),
    };
    let arn = match existing {
        Some(arn) => {
            elb.modify_listener()
                .listener_arn(&arn)
                .port(i32::from(spec.port))
                .protocol(ProtocolEnum::from(spec.protocol.as_str()))
                .set_certificates(certificates)
                .set_ssl_policy(spec.ssl_policy.clone())
                .default_actions(action)
                .send()
                .await
                .map_err(|e| AwsError::call("ModifyListener", name, e))?;
            add_tags(ctx, name, &arn, &tags).await?;
            arn
        }
        None => {
            let out = elb
                .create_listener()
                .load_balancer_arn(&lb)
                .port(i32::from(spec.port))
                .protocol(ProtocolEnum::from(spec.protocol.as_str()))
                .set_certificates(certificates)
                .set_ssl_policy(spec.ssl_policy.clone())
                .default_actions(action)
                .set_tags(Some(tags::elb(&tags)))
                .send()
                .await
                .map_err(|e| AwsError::call("CreateListener", name, e))?;
            out.listeners()
                .first()
                .and_then(|l| l.listener_arn())
                .map(str::to_string)
                .ok_or_else(|| AwsError::missing(format!("listener.{name}"), "no ARN returned"))?
        }
    };
    ctx.remember(ResourceKind::Listener, name, &arn);
    Ok(())
}

pub(super) async fn delete_listener(ctx: &Context, have: &ObservedResource) -> Result<(), AwsError> {
    let Some(arn) = have.arn.clone() else {
        return Ok(());
    };
    let result = ctx.clients.elb.delete_listener().listener_arn(&arn).send().await;
    ctx.forget(ResourceKind::Listener, &have.name);
    match result {
        Ok(_) => Ok(()),
        Err(e) => super::gone(AwsError::call("DeleteListener", &have.name, e)),
    }
}

/// The tags of a load balancer or target group, to tell whose it is before using it.
pub(super) async fn elb_tags(ctx: &Context, name: &str, arn: &str) -> Result<crate::tags::Tags, AwsError> {
    let out = ctx
        .clients
        .elb
        .describe_tags()
        .resource_arns(arn)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeTags", name, e))?;
    Ok(out
        .tag_descriptions()
        .first()
        .map(|d| crate::tags::from_elb(d.tags()))
        .unwrap_or_default())
}

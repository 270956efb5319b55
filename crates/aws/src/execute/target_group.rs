//! Target groups and the listener rules that route to them.

use std::time::Duration;

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, AuthenticateCognitoActionConditionalBehaviorEnum,
    AuthenticateCognitoActionConfig, AuthenticateOidcActionConditionalBehaviorEnum,
    AuthenticateOidcActionConfig, ForwardActionConfig, HostHeaderConditionConfig, Matcher,
    PathPatternConditionConfig, ProtocolEnum, RuleCondition, RulePriorityPair, TargetDescription,
    TargetGroupAttribute, TargetGroupTuple, TargetTypeEnum,
};
use rnd_core::plan::observed::ObservedResource;
use rnd_core::plan::resource::{DesiredResource, ResourceKind};
use rnd_core::plan::spec::{ListenerRuleSpec, SignInSpec, TargetGroupSpec, WakeTargetGroupSpec};
use rnd_core::platform::SecretsStore;

use super::context::Context;
use super::load_balancer::add_tags;
use crate::{retry, tags, AwsError};

pub(super) async fn ensure(
    ctx: &Context,
    want: &DesiredResource,
    spec: &TargetGroupSpec,
) -> Result<(), AwsError> {
    let name = &want.id.name;
    let elb = &ctx.clients.elb;
    let matcher = Matcher::builder().http_code(&spec.health_check_matcher).build();
    let arn = match ctx.known(ResourceKind::TargetGroup, name) {
        Some(arn) => {
            elb.modify_target_group()
                .target_group_arn(&arn)
                .health_check_path(&spec.health_check_path)
                .matcher(matcher)
                .send()
                .await
                .map_err(|e| AwsError::call("ModifyTargetGroup", name, e))?;
            add_tags(ctx, name, &arn, &want.tags).await?;
            arn
        }
        None => {
            let created = elb
                .create_target_group()
                .name(name)
                .protocol(ProtocolEnum::from(spec.protocol.as_str()))
                .port(i32::from(spec.port))
                .target_type(TargetTypeEnum::from(spec.target_type.as_str()))
                .vpc_id(ctx.network.vpc_id(&spec.vpc)?)
                .health_check_path(&spec.health_check_path)
                .matcher(matcher.clone())
                .set_tags(Some(tags::elb(&want.tags)))
                .send()
                .await;
            match created {
                Ok(out) => out
                    .target_groups()
                    .first()
                    .and_then(|g| g.target_group_arn())
                    .map(str::to_string)
                    .ok_or_else(|| AwsError::missing(format!("target_group.{name}"), "no ARN returned"))?,
                Err(e) => {
                    let err = AwsError::call("CreateTargetGroup", name, e);
                    if !err.code_is(&["DuplicateTargetGroupName"]) {
                        return Err(err);
                    }
                    let arn = group_arn(ctx, name).await?.ok_or(err)?;
                    let existing = super::load_balancer::elb_tags(ctx, name, &arn).await?;
                    ctx.may_take_over(ResourceKind::TargetGroup, name, &existing, true)?;
                    elb.modify_target_group()
                        .target_group_arn(&arn)
                        .health_check_path(&spec.health_check_path)
                        .matcher(matcher)
                        .send()
                        .await
                        .map_err(|e| AwsError::call("ModifyTargetGroup", name, e))?;
                    add_tags(ctx, name, &arn, &want.tags).await?;
                    arn
                }
            }
        }
    };
    ctx.remember(ResourceKind::TargetGroup, name, &arn);
    let attribute = |key: &str, value: String| TargetGroupAttribute::builder().key(key).value(value).build();
    elb.modify_target_group_attributes()
        .target_group_arn(&arn)
        .attributes(attribute("stickiness.enabled", spec.stickiness.to_string()))
        .attributes(attribute("stickiness.type", "lb_cookie".into()))
        .attributes(attribute(
            "deregistration_delay.timeout_seconds",
            spec.deregistration_delay_seconds.to_string(),
        ))
        .send()
        .await
        .map_err(|e| AwsError::call("ModifyTargetGroupAttributes", name, e))?;
    Ok(())
}

/// A sleeping service's wake group: a `lambda` target group with rnd's function as its one
/// target (registering it needs the balancer's permission to invoke the function, which the
/// plan orders first). Registering a registered target again is a no-op.
pub(super) async fn ensure_wake(
    ctx: &Context,
    want: &DesiredResource,
    spec: &WakeTargetGroupSpec,
) -> Result<(), AwsError> {
    let name = &want.id.name;
    let elb = &ctx.clients.elb;
    let arn = match ctx.known(ResourceKind::TargetGroup, name) {
        Some(arn) => {
            add_tags(ctx, name, &arn, &want.tags).await?;
            arn
        }
        None => {
            let created = elb
                .create_target_group()
                .name(name)
                .target_type(TargetTypeEnum::from(spec.target_type.as_str()))
                .set_tags(Some(tags::elb(&want.tags)))
                .send()
                .await;
            match created {
                Ok(out) => out
                    .target_groups()
                    .first()
                    .and_then(|g| g.target_group_arn())
                    .map(str::to_string)
                    .ok_or_else(|| AwsError::missing(format!("target_group.{name}"), "no ARN returned"))?,
                Err(e) => {
                    let err = AwsError::call("CreateTargetGroup", name, e);
                    if !err.code_is(&["DuplicateTargetGroupName"]) {
                        return Err(err);
                    }
                    let arn = group_arn(ctx, name).await?.ok_or(err)?;
                    let existing = super::load_balancer::elb_tags(ctx, name, &arn).await?;
                    ctx.may_take_over(ResourceKind::TargetGroup, name, &existing, true)?;
                    add_tags(ctx, name, &arn, &want.tags).await?;
                    arn
                }
            }
        }
    };
    ctx.remember(ResourceKind::TargetGroup, name, &arn);
    elb.register_targets()
        .target_group_arn(&arn)
        .targets(TargetDescription::builder().id(&spec.function_arn).build())
        .send()
        .await
        .map_err(|e| AwsError::call("RegisterTargets", name, e))?;
    Ok(())
}

async fn group_arn(ctx: &Context, name: &str) -> Result<Option<String>, AwsError> {
    Ok(ctx
        .clients
        .elb
        .describe_target_groups()
        .names(name)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeTargetGroups", name, e))?
        .target_groups()
        .first()
        .and_then(|g| g.target_group_arn())
        .map(str::to_string))
}

pub(super) async fn delete(ctx: &Context, have: &ObservedResource) -> Result<(), AwsError> {
    let Some(arn) = have.arn.clone() else {
        return Ok(());
    };
    // A service being deleted may hold the group for a little while.
    let result = retry::eventually(
        Duration::from_secs(300),
        |e| e.code_is(&["ResourceInUse"]),
        || async {
            ctx.clients
                .elb
                .delete_target_group()
                .target_group_arn(&arn)
                .send()
                .await
                .map_err(|e| AwsError::call("DeleteTargetGroup", &have.name, e))
        },
    )
    .await;
    ctx.forget(ResourceKind::TargetGroup, &have.name);
    match result {
        Ok(_) => Ok(()),
        Err(err) => super::gone(err),
    }
}

/// The weights of a sleeping service's forward: the service's group and its wake group.
/// Awake is (1, 0); rnd's Lambda function flips them to (0, 1) when the service sleeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Weights {
    pub service: i32,
    pub wake: i32,
}

pub(crate) const AWAKE: Weights = Weights { service: 1, wake: 0 };

/// The forward to the service's group, or to both groups by `weights` for a sleeping service.
pub(crate) fn forward_action(service_group: &str, wake_group: Option<&str>, weights: Weights) -> Action {
    let Some(wake_group) = wake_group else {
        return Action::builder()
            .r#type(ActionTypeEnum::Forward)
            .target_group_arn(service_group)
            .build();
    };
    let tuple = |arn: &str, weight: i32| {
        TargetGroupTuple::builder()
            .target_group_arn(arn)
            .weight(weight)
            .build()
    };
    Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .forward_config(
            ForwardActionConfig::builder()
                .target_groups(tuple(service_group, weights.service))
                .target_groups(tuple(wake_group, weights.wake))
                .build(),
        )
        .build()
}

/// The target groups an action forwards to, whichever way it names them.
pub(crate) fn forwarded_groups(action: &Action) -> Vec<(&str, i32)> {
    let mut groups: Vec<(&str, i32)> = action
        .forward_config()
        .map(|f| {
            f.target_groups()
                .iter()
                .filter_map(|t| Some((t.target_group_arn()?, t.weight().unwrap_or(1))))
                .collect()
        })
        .unwrap_or_default();
    if groups.is_empty() {
        groups.extend(action.target_group_arn().map(|arn| (arn, 1)));
    }
    groups
}

/// The weights the rule `arn` gives the service's and the wake group now; `None` when it does
/// not forward to the wake group yet (then the service is awake).
async fn current_weights(
    ctx: &Context,
    name: &str,
    arn: &str,
    service_group: &str,
    wake_group: &str,
) -> Result<Option<Weights>, AwsError> {
    let out = ctx
        .clients
        .elb
        .describe_rules()
        .rule_arns(arn)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeRules", name, e))?;
    let groups: Vec<(String, i32)> = out
        .rules()
        .iter()
        .flat_map(|r| r.actions())
        .flat_map(|a| forwarded_groups(a).into_iter().map(|(g, w)| (g.to_string(), w)))
        .collect();
    let weight = |group: &str| groups.iter().find(|(g, _)| g == group).map(|(_, w)| *w);
    Ok(match (weight(service_group), weight(wake_group)) {
        (Some(service), Some(wake)) => Some(Weights { service, wake }),
        _ => None,
    })
}

fn rule_conditions(ctx: &Context, spec: &ListenerRuleSpec) -> Result<(Vec<RuleCondition>, Action), AwsError> {
    let mut conditions = Vec::new();
    if let Some(host) = &spec.host {
        conditions.push(
            RuleCondition::builder()
                .field("host-header")
                .host_header_config(HostHeaderConditionConfig::builder().values(host).build())
                .build(),
        );
    }
    if !spec.path_patterns.is_empty() {
        conditions.push(
            RuleCondition::builder()
                .field("path-pattern")
                .path_pattern_config(
                    PathPatternConditionConfig::builder()
                        .set_values(Some(spec.path_patterns.clone()))
                        .build(),
                )
                .build(),
        );
    }
    let target = ctx.require(ResourceKind::TargetGroup, &spec.target_group)?;
    let action = Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .target_group_arn(target)
        .build();
    Ok((conditions, action))
}

pub(super) async fn ensure_rule(
    ctx: &Context,
    want: &DesiredResource,
    spec: &ListenerRuleSpec,
) -> Result<(), AwsError> {
    let name = &want.id.name;
    let elb = &ctx.clients.elb;
    let listener = ctx.require(ResourceKind::Listener, &spec.listener)?;
    let tags = tags::with_name(&want.tags, name);
    let (conditions, forward) = rule_conditions(ctx, spec)?;
    let existing = match ctx.known(ResourceKind::ListenerRule, name) {
        Some(arn) => Some(arn),
        None => adoptable_rule(ctx, name, &listener, spec.priority, &forward).await?,
    };
    let service_group = forward.target_group_arn().unwrap_or_default().to_string();
    let wake_group = match &spec.wake_target_group {
        Some(wake) => Some(ctx.require(ResourceKind::TargetGroup, wake)?),
        None => None,
    };
    // Which group gets the requests is the runtime's: a sleeping service stays asleep.
    let weights = match (&existing, &wake_group) {
        (Some(arn), Some(wake)) => current_weights(ctx, name, arn, &service_group, wake)
            .await?
            .unwrap_or(AWAKE),
        _ => AWAKE,
    };
    let forward = forward_action(&service_group, wake_group.as_deref(), weights);
    let actions = match &spec.sign_in {
        Some(sign_in) => vec![sign_in_action(ctx, sign_in).await?, {
            let mut forward = forward;
            forward.order = Some(2);
            forward
        }],
        None => vec![forward],
    };
    let arn = match existing {
        Some(arn) => {
            elb.modify_rule()
                .rule_arn(&arn)
                .set_conditions(Some(conditions))
                .set_actions(Some(actions))
                .send()
                .await
                .map_err(|e| AwsError::call("ModifyRule", name, e))?;
            // Only a real change: a rule cannot be moved onto the priority it holds.
            let current = elb
                .describe_rules()
                .rule_arns(&arn)
                .send()
                .await
                .map_err(|e| AwsError::call("DescribeRules", name, e))?
                .rules()
                .first()
                .and_then(|r| r.priority())
                .map(str::to_string);
            if current.as_deref() != Some(spec.priority.to_string().as_str()) {
                elb.set_rule_priorities()
                    .rule_priorities(
                        RulePriorityPair::builder()
                            .rule_arn(&arn)
                            .priority(spec.priority as i32)
                            .build(),
                    )
                    .send()
                    .await
                    .map_err(|e| AwsError::call("SetRulePriorities", name, e))?;
            }
            add_tags(ctx, name, &arn, &tags).await?;
            arn
        }
        None => elb
            .create_rule()
            .listener_arn(&listener)
            .priority(spec.priority as i32)
            .set_conditions(Some(conditions))
            .set_actions(Some(actions))
            .set_tags(Some(tags::elb(&tags)))
            .send()
            .await
            .map_err(|e| AwsError::call("CreateRule", name, e))?
            .rules()
            .first()
            .and_then(|r| r.rule_arn())
            .map(str::to_string)
            .ok_or_else(|| AwsError::missing(format!("listener_rule.{name}"), "no ARN returned"))?,
    };
    ctx.remember(ResourceKind::ListenerRule, name, &arn);
    Ok(())
}

/// The sign-in action that comes first in a signed-in route: `authenticate-cognito`, or
/// `authenticate-oidc` with the client secret read from the platform's store now (it goes to
/// Elastic Load Balancing and nowhere else).
async fn sign_in_action(ctx: &Context, sign_in: &SignInSpec) -> Result<Action, AwsError> {
    let oidc = match sign_in {
        SignInSpec::Oidc(oidc) => oidc,
        SignInSpec::Cognito(cognito) => {
            let config = AuthenticateCognitoActionConfig::builder()
                .user_pool_arn(&cognito.user_pool_arn)
                .user_pool_client_id(&cognito.user_pool_client_id)
                .user_pool_domain(&cognito.user_pool_domain)
                .on_unauthenticated_request(AuthenticateCognitoActionConditionalBehaviorEnum::Authenticate)
                .build();
            return Ok(Action::builder()
                .r#type(ActionTypeEnum::AuthenticateCognito)
                .authenticate_cognito_config(config)
                .order(1)
                .build());
        }
    };
    let store = match oidc.client_secret_store.as_str() {
        "secrets_manager" => SecretsStore::SecretsManager,
        _ => SecretsStore::Ssm,
    };
    let secret = crate::secrets::get_value(&ctx.clients, store, &oidc.client_secret_path).await?;
    let config = AuthenticateOidcActionConfig::builder()
        .issuer(&oidc.issuer)
        .authorization_endpoint(&oidc.authorization_endpoint)
        .token_endpoint(&oidc.token_endpoint)
        .user_info_endpoint(&oidc.user_info_endpoint)
        .client_id(&oidc.client_id)
        .client_secret(secret.expose())
        .on_unauthenticated_request(AuthenticateOidcActionConditionalBehaviorEnum::Authenticate)
        .build();
    Ok(Action::builder()
        .r#type(ActionTypeEnum::AuthenticateOidc)
        .authenticate_oidc_config(config)
        .order(1)
        .build())
}

/// A rule left by a crashed run: at our priority and forwarding to our target group.
async fn adoptable_rule(
    ctx: &Context,
    name: &str,
    listener: &str,
    priority: u32,
    action: &Action,
) -> Result<Option<String>, AwsError> {
    let out = ctx
        .clients
        .elb
        .describe_rules()
        .listener_arn(listener)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeRules", name, e))?;
    Ok(out
        .rules()
        .iter()
        .find(|r| {
            r.priority() == Some(priority.to_string().as_str())
                && r.actions().iter().any(|a| {
                    forwarded_groups(a)
                        .iter()
                        .any(|(g, _)| Some(*g) == action.target_group_arn())
                })
        })
        .and_then(|r| r.rule_arn())
        .map(str::to_string))
}

pub(super) async fn delete_rule(ctx: &Context, have: &ObservedResource) -> Result<(), AwsError> {
    let Some(arn) = have.arn.clone() else {
        return Ok(());
    };
    let result = ctx.clients.elb.delete_rule().rule_arn(&arn).send().await;
    ctx.forget(ResourceKind::ListenerRule, &have.name);
    match result {
        Ok(_) => Ok(()),
        Err(e) => super::gone(AwsError::call("DeleteRule", &have.name, e)),
    }
}

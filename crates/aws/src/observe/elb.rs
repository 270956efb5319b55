//! Load balancers, listeners, target groups and listener rules (ELBv2).
//!
//! ELBv2 lists without tags; tags come from `DescribeTags`, 20 ARNs per call, or for target
//! groups from the Tagging API when observing with an expectation (a hundred per call; one
//! group per service makes them the bulk of the tags). Listeners and rules have no name in
//! AWS: rnd keeps its name in their `Name` tag.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{Action, ActionTypeEnum};
use rnd_core::plan::observed::{Expected, ObservedResource};
use rnd_core::plan::resource::ResourceKind;
use serde_json::Value;

use super::tagging::Tagged;
use super::{completed, is_ours, resource, set, Lookup};
use crate::tags::{self, Tags, NAME};
use crate::{AwsError, Clients};

/// `DescribeTags` accepts at most 20 resources per call.
const TAG_BATCH: usize = 20;
/// The largest page `DescribeTargetGroups` and `DescribeRules` return.
const PAGE: i32 = 400;

pub(super) async fn observe(
    clients: &Clients,
    platform: &str,
    lookup: &Lookup,
    expected: &Expected,
    tagged: &Tagged,
) -> Result<Vec<ObservedResource>, AwsError> {
    let (balancers, target_groups) = tokio::try_join!(
        load_balancers(clients, platform, lookup, expected),
        target_groups(clients, platform, lookup, expected, tagged)
    )?;
    let listeners = listeners(clients, platform, &balancers).await?;
    let mut rules = Vec::new();
    for listener in listeners
        .iter()
        .filter(|l| l.attributes.get("protocol") == Some(&"HTTPS".into()))
    {
        if let Some(arn) = &listener.arn {
            rules.extend(rules_of(clients, platform, &listener.name, arn, expected).await?);
        }
    }
    Ok([balancers, target_groups, listeners, rules].concat())
}

async fn tags_of(clients: &Clients, arns: &[String]) -> Result<BTreeMap<String, Tags>, AwsError> {
    let mut all = BTreeMap::new();
    for batch in arns.chunks(TAG_BATCH) {
        let out = clients
            .elb
            .describe_tags()
            .set_resource_arns(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeTags", batch.join(","), e))?;
        for d in out.tag_descriptions() {
            if let Some(arn) = d.resource_arn() {
                all.insert(arn.to_string(), tags::from_elb(d.tags()));
            }
        }
    }
    Ok(all)
}

async fn load_balancers(
    clients: &Clients,
    platform: &str,
    lookup: &Lookup,
    expected: &Expected,
) -> Result<Vec<ObservedResource>, AwsError> {
    let mut found = Vec::new();
    let mut pages = clients.elb.describe_load_balancers().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("DescribeLoadBalancers", platform, e))?;
        found.extend(page.load_balancers().iter().cloned());
    }
    let arns: Vec<String> = found
        .iter()
        .filter_map(|lb| lb.load_balancer_arn().map(str::to_string))
        .collect();
    let tags = tags_of(clients, &arns).await?;
    let ours: Vec<_> = found
        .into_iter()
        .filter_map(|lb| {
            let arn = lb.load_balancer_arn()?.to_string();
            let t = tags.get(&arn)?.clone();
            is_ours(&t, platform).then_some((lb, arn, t))
        })
        .collect();
    super::bounded(ours, 4, |(lb, arn, t)| async move {
        let name = lb.load_balancer_name().unwrap_or_default().to_string();
        let mut r = resource(ResourceKind::LoadBalancer, &name, Some(arn.clone()), t);
        set(
            &mut r.attributes,
            "scheme",
            lb.scheme().map(|s| s.as_str().to_string()),
        );
        let subnets = lb.availability_zones().iter().filter_map(|z| z.subnet_id());
        r.attributes
            .insert("subnets".into(), lookup.network.subnet_names(subnets).into());
        set(
            &mut r.attributes,
            "security_group",
            lb.security_groups().first().map(|g| lookup.group_name(g)),
        );
        // The idle timeout is the only setting its own call reports.
        if let Some(settings) = expected.unchanged(ResourceKind::LoadBalancer, &name, &r.tags) {
            return Ok(completed(r, settings));
        }
        let attributes = clients
            .elb
            .describe_load_balancer_attributes()
            .load_balancer_arn(&arn)
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeLoadBalancerAttributes", &name, e))?;
        let idle = attributes
            .attributes()
            .iter()
            .find(|a| a.key() == Some("idle_timeout.timeout_seconds"))
            .and_then(|a| a.value()?.parse::<u32>().ok());
        set(&mut r.attributes, "idle_timeout_seconds", idle);
        Ok(r)
    })
    .await
}

/// The listeners of the platform's balancers: listed per balancer (`DescribeListeners` takes
/// one), their tags read together, 20 a call, rather than a call per balancer.
async fn listeners(
    clients: &Clients,
    platform: &str,
    balancers: &[ObservedResource],
) -> Result<Vec<ObservedResource>, AwsError> {
    let mut found = Vec::new();
    for lb in balancers {
        let Some(lb_arn) = &lb.arn else { continue };
        let mut pages = clients
            .elb
            .describe_listeners()
            .load_balancer_arn(lb_arn)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| AwsError::call("DescribeListeners", &lb.name, e))?;
            found.extend(page.listeners().iter().map(|l| (lb.name.as_str(), l.clone())));
        }
    }
    let arns: Vec<String> = found
        .iter()
        .filter_map(|(_, l)| l.listener_arn().map(str::to_string))
        .collect();
    let tags = tags_of(clients, &arns).await?;
    let mut observed = Vec::new();
    for (lb_name, l) in found {
        let Some(arn) = l.listener_arn() else { continue };
        let Some(t) = tags.get(arn).filter(|t| is_ours(t, platform)) else {
            continue;
        };
        let Some(name) = t.get(NAME).cloned() else {
            continue;
        };
        let mut r = resource(ResourceKind::Listener, name, Some(arn.to_string()), t.clone());
        r.attributes.insert("load_balancer".into(), lb_name.into());
        set(&mut r.attributes, "port", l.port());
        set(
            &mut r.attributes,
            "protocol",
            l.protocol().map(|p| p.as_str().to_string()),
        );
        set(
            &mut r.attributes,
            "certificate_arn",
            l.certificates().first().and_then(|c| c.certificate_arn()),
        );
        set(
            &mut r.attributes,
            "default_action",
            l.default_actions().first().and_then(default_action),
        );
        observed.push(r);
    }
    Ok(observed)
}

/// A default action as the spec writes it: `fixed-response:404`, `redirect:HTTPS:443`.
fn default_action(action: &Action) -> Option<String> {
    match action.r#type()? {
        ActionTypeEnum::FixedResponse => Some(format!(
            "fixed-response:{}",
            action.fixed_response_config()?.status_code()?
        )),
        ActionTypeEnum::Redirect => {
            let r = action.redirect_config()?;
            Some(format!("redirect:{}:{}", r.protocol()?, r.port()?))
        }
        other => Some(other.as_str().to_string()),
    }
}

async fn target_groups(
    clients: &Clients,
    platform: &str,
    lookup: &Lookup,
    expected: &Expected,
    tagged: &Tagged,
) -> Result<Vec<ObservedResource>, AwsError> {
    let mut found = Vec::new();
    let mut pages = clients
        .elb
        .describe_target_groups()
        .page_size(PAGE)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::call("DescribeTargetGroups", platform, e))?;
        found.extend(page.target_groups().iter().cloned());
    }
    let mut tags = BTreeMap::new();
    let mut untagged = Vec::new();
    for g in &found {
        let (Some(arn), Some(name)) = (g.target_group_arn(), g.target_group_name()) else {
            continue;
        };
        match tagged.get(arn) {
            // Without an expectation the Tagging API was not asked for target groups.
            Some(t) if !expected.is_empty() => {
                tags.insert(arn.to_string(), t.clone());
            }
            // rnd names its groups `<platform>-<service>`: one the Tagging API does not list
            // is another platform's, or one tagged a moment ago, which `DescribeTags` tells.
            _ if expected.is_empty() || name.starts_with(&format!("{platform}-")) => {
                untagged.push(arn.to_string())
            }
            _ => {}
        }
    }
    tags.extend(tags_of(clients, &untagged).await?);
    let ours: Vec<_> = found
        .into_iter()
        .filter_map(|g| {
            let arn = g.target_group_arn()?.to_string();
            let t = tags.get(&arn)?.clone();
            is_ours(&t, platform).then_some((g, arn, t))
        })
        .collect();
    super::bounded(ours, 8, |(g, arn, t)| async move {
        let name = g.target_group_name().unwrap_or_default().to_string();
        let mut r = resource(ResourceKind::TargetGroup, &name, Some(arn.clone()), t);
        set(
            &mut r.attributes,
            "protocol",
            g.protocol().map(|p| p.as_str().to_string()),
        );
        set(&mut r.attributes, "port", g.port());
        set(
            &mut r.attributes,
            "target_type",
            g.target_type().map(|t| t.as_str().to_string()),
        );
        set(
            &mut r.attributes,
            "vpc",
            g.vpc_id().map(|v| lookup.network.vpc_name(v)),
        );
        set(&mut r.attributes, "health_check_path", g.health_check_path());
        set(
            &mut r.attributes,
            "health_check_matcher",
            g.matcher().and_then(|m| m.http_code()),
        );
        // Stickiness and deregistration delay are read one group per call; the group's hash
        // covers them.
        if let Some(settings) = expected.unchanged(ResourceKind::TargetGroup, &name, &r.tags) {
            return Ok(completed(r, settings));
        }
        let attributes = clients
            .elb
            .describe_target_group_attributes()
            .target_group_arn(&arn)
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeTargetGroupAttributes", &name, e))?;
        let value = |key: &str| {
            attributes
                .attributes()
                .iter()
                .find(|a| a.key() == Some(key))
                .and_then(|a| a.value())
                .map(str::to_string)
        };
        set(
            &mut r.attributes,
            "stickiness",
            value("stickiness.enabled").map(|v| v == "true"),
        );
        set(
            &mut r.attributes,
            "deregistration_delay_seconds",
            value("deregistration_delay.timeout_seconds").and_then(|v| v.parse::<u32>().ok()),
        );
        Ok(r)
    })
    .await
}

async fn rules_of(
    clients: &Clients,
    platform: &str,
    listener_name: &str,
    listener_arn: &str,
    expected: &Expected,
) -> Result<Vec<ObservedResource>, AwsError> {
    // DescribeRules has a marker but no paginator in the SDK model.
    let mut found = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = clients
            .elb
            .describe_rules()
            .listener_arn(listener_arn)
            .page_size(PAGE)
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeRules", listener_name, e))?;
        found.extend(
            page.rules()
                .iter()
                .filter(|r| r.is_default() != Some(true))
                .cloned(),
        );
        match page.next_marker() {
            Some(m) if !m.is_empty() => marker = Some(m.to_string()),
            _ => break,
        }
    }
    let mut observed = Vec::new();
    let mut untold = Vec::new();
    for rule in found {
        let Some(arn) = rule.rule_arn().map(str::to_string) else {
            continue;
        };
        let attributes = rule_attributes(&rule, listener_name);
        // A rule on the platform's own listener that is exactly as planned (its name is its
        // target group's) is the platform's: its tags are the planned ones, and reading them
        // twenty rules a call would be most of a large platform's observe. Anything else is
        // read with its tags.
        let name = attributes
            .get("target_group")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        // "No sign-in" is how observing says a rule has none; the plan of such a rule has no
        // sign-in at all. (A missing sign-in the plan wants still differs: the diff sees it.)
        let mut comparable = attributes.clone();
        for optional in ["sign_in", "wake_target_group"] {
            if comparable.get(optional) == Some(&Value::from("none")) {
                comparable.remove(optional);
            }
        }
        if let Some(tags) = expected.as_planned(ResourceKind::ListenerRule, &name, &comparable) {
            let mut r = resource(ResourceKind::ListenerRule, &name, Some(arn), tags.clone());
            r.attributes = attributes;
            if let Some(settings) = expected.unchanged(ResourceKind::ListenerRule, &name, &r.tags) {
                r = completed(r, settings);
            }
            observed.push(r);
        } else {
            untold.push((arn, attributes));
        }
    }
    let arns: Vec<String> = untold.iter().map(|(arn, _)| arn.clone()).collect();
    let tags = tags_of(clients, &arns).await?;
    for (arn, attributes) in untold {
        let Some(t) = tags.get(&arn).filter(|t| is_ours(t, platform)) else {
            continue;
        };
        let Some(name) = t.get(NAME).cloned() else {
            continue;
        };
        let mut r = resource(ResourceKind::ListenerRule, name, Some(arn), t.clone());
        r.attributes = attributes;
        observed.push(r);
    }
    Ok(observed)
}

/// A rule's settings as the spec names them, from `DescribeRules` alone.
fn rule_attributes(
    rule: &aws_sdk_elasticloadbalancingv2::types::Rule,
    listener_name: &str,
) -> serde_json::Map<String, Value> {
    let mut attributes = serde_json::Map::new();
    attributes.insert("listener".into(), listener_name.into());
    set(
        &mut attributes,
        "priority",
        rule.priority().and_then(|p| p.parse::<u32>().ok()),
    );
    for condition in rule.conditions() {
        match condition.field() {
            Some("host-header") => {
                let values = condition
                    .host_header_config()
                    .map(|c| c.values().to_vec())
                    .unwrap_or_else(|| condition.values().to_vec());
                set(&mut attributes, "host", values.first().cloned());
            }
            Some("path-pattern") => {
                let values = condition
                    .path_pattern_config()
                    .map(|c| c.values().to_vec())
                    .unwrap_or_else(|| condition.values().to_vec());
                attributes.insert("path_patterns".into(), Value::from(values));
            }
            _ => {}
        }
    }
    // A sleeping service's rule forwards to two groups (`ForwardConfig`), its own and its wake
    // group (named with the wake suffix); their weights are the runtime's, never compared.
    let groups: Vec<String> = rule
        .actions()
        .iter()
        .filter(|a| a.r#type() == Some(&ActionTypeEnum::Forward))
        .flat_map(crate::execute::target_group::forwarded_groups)
        .filter_map(|(arn, _)| target_group_name(arn))
        .collect();
    // A service may itself be named `…-wake`: a group is a wake group only beside the group
    // it wakes.
    let wake = groups.iter().find(|g| {
        g.strip_suffix(rnd_core::manifest::idle::WAKE_SUFFIX)
            .is_some_and(|own| groups.iter().any(|o| o == own))
    });
    set(
        &mut attributes,
        "target_group",
        groups.iter().find(|g| Some(*g) != wake).cloned(),
    );
    attributes.insert(
        "wake_target_group".into(),
        wake.map_or(Value::from("none"), |g| Value::from(g.as_str())),
    );
    if let Some(sign_in) = observed_sign_in(rule) {
        attributes.insert("sign_in".into(), sign_in);
    }
    attributes
}

/// `arn:…:targetgroup/<name>/<id>` → `<name>`.
pub(crate) fn target_group_name(arn: &str) -> Option<String> {
    arn.split('/').nth(1).map(str::to_string)
}

/// A rule's sign-in as the spec writes it, so a sign-in removed or changed by hand is planned
/// back: `"none"` without one (the spec has no such value, so a rule that should sign in differs),
/// a Cognito sign-in in full. An OIDC sign-in is left out: the spec names where its client
/// secret is kept, which AWS does not say (observing with an expectation takes it from there).
fn observed_sign_in(rule: &aws_sdk_elasticloadbalancingv2::types::Rule) -> Option<Value> {
    let authenticate = rule.actions().iter().find(|a| {
        matches!(
            a.r#type(),
            Some(ActionTypeEnum::AuthenticateOidc | ActionTypeEnum::AuthenticateCognito)
        )
    });
    let Some(action) = authenticate else {
        return Some(Value::from("none"));
    };
    let cognito = action.authenticate_cognito_config()?;
    Some(serde_json::json!({
        "user_pool_arn": cognito.user_pool_arn().unwrap_or_default(),
        "user_pool_client_id": cognito.user_pool_client_id().unwrap_or_default(),
        "user_pool_domain": cognito.user_pool_domain().unwrap_or_default(),
    }))
}

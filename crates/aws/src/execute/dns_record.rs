//! DNS records: an alias record to a balancer and, beside it, the TXT record that proves it
//! rnd's, always written and deleted together in one Route 53 batch (all or nothing), so a
//! crash never leaves an alias without its proof, nor a proof without its alias.

use aws_sdk_route53::types::{ChangeAction, RrType};
use rnd_core::plan::dns::{ownership_record_name, ownership_value};
use rnd_core::plan::observed::ObservedResource;
use rnd_core::plan::resource::{DesiredResource, ResourceKind};
use rnd_core::plan::spec::DnsRecordSpec;

use super::context::Context;
use crate::route53::{alias_record, as_listed, change, owner_tags, ownership_record, zone_records};
use crate::AwsError;

pub(super) async fn ensure(
    ctx: &Context,
    want: &DesiredResource,
    spec: &DnsRecordSpec,
    have: Option<&ObservedResource>,
) -> Result<(), AwsError> {
    let name = &want.id.name;
    let zone = &spec.hosted_zone;
    // The alias target is the balancer as it is now: a replaced one has a new DNS name.
    let lb_arn = ctx.require(ResourceKind::LoadBalancer, &spec.load_balancer)?;
    let out = ctx
        .clients
        .elb
        .describe_load_balancers()
        .load_balancer_arns(&lb_arn)
        .send()
        .await
        .map_err(|e| AwsError::call("DescribeLoadBalancers", &spec.load_balancer, e))?;
    let lb = out
        .load_balancers()
        .first()
        .ok_or_else(|| AwsError::missing(format!("load_balancer.{}", spec.load_balancer), "not found"))?;
    let (Some(dns_name), Some(canonical_zone)) = (lb.dns_name(), lb.canonical_hosted_zone_id()) else {
        return Err(AwsError::missing(
            format!("load_balancer.{}", spec.load_balancer),
            "has no DNS name yet",
        ));
    };
    // Create only where nothing is; anything already at the name must be the platform's (a
    // crashed run's write) or adopted, as for every other kind.
    let action = if have.is_some() {
        ChangeAction::Upsert
    } else {
        let records = zone_records(&ctx.clients, zone)
            .await?
            .ok_or_else(|| AwsError::missing(format!("hosted zone {zone}"), "does not exist"))?;
        match records.get(&(name.clone(), "A".to_string())) {
            None => ChangeAction::Create,
            Some(_) => {
                let tags = owner_tags(&records, name).unwrap_or_default();
                ctx.may_take_over(ResourceKind::DnsRecord, name, &tags, true)?;
                ChangeAction::Upsert
            }
        }
    };
    let txt_action = if action == ChangeAction::Create {
        ChangeAction::Create
    } else {
        ChangeAction::Upsert
    };
    change(
        &ctx.clients,
        zone,
        name,
        vec![
            (action, alias_record(name, dns_name, canonical_zone)?),
            (txt_action, ownership_record(name, &ownership_value(&want.tags))?),
        ],
    )
    .await
}

/// Delete the alias record and its TXT record, exactly as Route 53 holds them (it deletes
/// nothing given otherwise); nothing there is done, and a record whose TXT record is no
/// longer the platform's is left alone.
pub(super) async fn delete(ctx: &Context, have: &ObservedResource) -> Result<(), AwsError> {
    let name = &have.name;
    let Some(zone) = have.attributes.get("hosted_zone").and_then(|z| z.as_str()) else {
        return Ok(());
    };
    let Some(records) = zone_records(&ctx.clients, zone).await? else {
        return Ok(());
    };
    let tags = owner_tags(&records, name).unwrap_or_default();
    if tags.get(rnd_core::plan::observed::TAG_PLATFORM) != Some(&ctx.platform) {
        return Ok(());
    }
    let mut changes = Vec::new();
    if let Some(alias) = records.get(&(name.clone(), RrType::A.as_str().to_string())) {
        changes.push((ChangeAction::Delete, as_listed(alias, name)));
    }
    let txt_name = ownership_record_name(name);
    if let Some(txt) = records.get(&(txt_name.clone(), RrType::Txt.as_str().to_string())) {
        changes.push((ChangeAction::Delete, as_listed(txt, &txt_name)));
    }
    if changes.is_empty() {
        return Ok(());
    }
    change(&ctx.clients, zone, name, changes).await
}

//! The platform's DNS records: alias records in the hosted zones its balancers name (tag
//! `rnd:hosted-zone`) or the plan expects, each proven the platform's by the TXT record beside
//! it (`rnd_core::plan::dns`). Nothing is called for a platform without a hosted zone.

use std::collections::{BTreeMap, BTreeSet};

use rnd_core::plan::dns::{normalized_name, TAG_HOSTED_ZONE};
use rnd_core::plan::observed::{Expected, ObservedResource, TAG_PLATFORM};
use rnd_core::plan::resource::ResourceKind;

use super::resource;
use crate::route53::{owner_tags, zone_records};
use crate::{AwsError, Clients};

pub(super) async fn observe(
    clients: &Clients,
    platform: &str,
    balancers: &[&ObservedResource],
    expected: &Expected,
) -> Result<Vec<ObservedResource>, AwsError> {
    let mut zones: BTreeSet<String> = balancers
        .iter()
        .filter_map(|lb| lb.tags.get(TAG_HOSTED_ZONE).cloned())
        .collect();
    zones.extend(
        expected
            .wanted()
            .iter()
            .filter(|id| id.kind == ResourceKind::DnsRecord)
            .filter_map(|id| {
                expected
                    .attribute(id, "hosted_zone")?
                    .as_str()
                    .map(str::to_string)
            }),
    );
    if zones.is_empty() {
        return Ok(Vec::new());
    }
    let by_dns_name = balancer_dns_names(clients, balancers).await?;
    let mut found = Vec::new();
    for zone in &zones {
        let Some(records) = zone_records(clients, zone).await? else {
            continue;
        };
        for ((name, kind), set) in &records {
            let Some(alias) = set.alias_target().filter(|_| kind == "A") else {
                continue;
            };
            let Some(tags) = owner_tags(&records, name) else {
                continue;
            };
            if tags.get(TAG_PLATFORM).is_none_or(|p| p != platform) {
                continue;
            }
            let target = alias_dns_name(alias.dns_name());
            let load_balancer = by_dns_name.get(&target).cloned().unwrap_or(target);
            let mut r = resource(ResourceKind::DnsRecord, name, None, tags);
            r.attributes.insert("hosted_zone".into(), zone.clone().into());
            r.attributes.insert("load_balancer".into(), load_balancer.into());
            r.attributes.insert("record_type".into(), "A".into());
            found.push(r);
        }
    }
    Ok(found)
}

/// An alias target's DNS name as a balancer's: Route 53 may list it with `dualstack.`, a
/// trailing dot, in any case.
fn alias_dns_name(listed: &str) -> String {
    let name = normalized_name(listed);
    name.strip_prefix("dualstack.")
        .map(str::to_string)
        .unwrap_or(name)
}

/// Each of `balancers`' DNS names (as an alias target names it), to its rnd name.
async fn balancer_dns_names(
    clients: &Clients,
    balancers: &[&ObservedResource],
) -> Result<BTreeMap<String, String>, AwsError> {
    let names: Vec<String> = balancers.iter().map(|lb| lb.name.clone()).collect();
    let by_name = crate::status::load_balancer_dns(clients, &names).await?;
    Ok(by_name
        .into_iter()
        .map(|(name, dns)| (alias_dns_name(&dns), name))
        .collect())
}

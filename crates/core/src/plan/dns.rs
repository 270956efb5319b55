//! The DNS records that make a platform's URLs answer, each pointing at a load balancer.
//!
//! Which records: host routing needs one wildcard (`*.<domain>`) to the first balancer and,
//! for each service on another balancer, a record for its host (`<service>.<domain>`); a name
//! that exists takes precedence over the wildcard (RFC 4592), so these few records route every
//! host. Services never move between balancers (`routing.rs`), so the records never change as
//! services come and go, except one more or one less for a service beyond the first hundred.
//! Path routing needs the domain itself.
//!
//! Who makes them: with `routing.hosted_zone_id`, rnd keeps them as Route 53 alias records
//! (`ResourceKind::DnsRecord`), planned, applied and removed like any other resource. Route 53
//! records cannot be tagged, so beside each rnd keeps a TXT record (the registry external-dns
//! uses for the same reason) whose text carries the tags: a record without it is not rnd's,
//! and rnd never changes or deletes it. Without a hosted zone, a person creates them once: the
//! plan lists them when it creates a balancer, `rnd status` with each balancer's DNS name.

use std::collections::BTreeMap;

use serde::Serialize;

use super::naming::Names;
use super::routing::RouteSlot;
use crate::platform::{Routing, RoutingMode};

/// Tag on the load balancers of a platform whose records live in a hosted zone: the zone, so
/// the records are still found (and removed) once `hosted_zone_id` leaves `platform.json`.
pub const TAG_HOSTED_ZONE: &str = "rnd:hosted-zone";

/// The first label of the TXT record that says whose a DNS record is.
const OWNERSHIP_LABEL: &str = "_rnd";

/// Time to live of the ownership TXT records, in seconds (only rnd reads them).
pub const OWNERSHIP_TTL: i64 = 300;

/// A DNS record `name` pointing at the load balancer `load_balancer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DnsRecord {
    pub name: String,
    pub load_balancer: String,
}

/// The records for `routes` (service → its balancer and rule); none without routes.
pub fn dns_records(
    platform: &str,
    routing: &Routing,
    routes: &BTreeMap<String, RouteSlot>,
) -> Vec<DnsRecord> {
    if routes.is_empty() {
        return Vec::new();
    }
    let names = Names::new(platform);
    let first = names.load_balancer(1);
    match routing.mode {
        // Path routing on several balancers would name the domain once per balancer; one
        // record can point at one place, the first.
        RoutingMode::Path => vec![DnsRecord {
            name: routing.domain.clone(),
            load_balancer: first,
        }],
        RoutingMode::Host => {
            let mut records = vec![DnsRecord {
                name: format!("*.{}", routing.domain),
                load_balancer: first,
            }];
            let mut beyond: Vec<(u32, &String)> = routes
                .iter()
                .filter(|(_, slot)| slot.load_balancer > 1)
                .map(|(service, slot)| (slot.load_balancer, service))
                .collect();
            beyond.sort();
            records.extend(beyond.into_iter().map(|(index, service)| DnsRecord {
                name: format!("{service}.{}", routing.domain),
                load_balancer: names.load_balancer(index),
            }));
            records
        }
    }
}

/// The name of the TXT record that says whose the record `name` is: `_rnd.<name>`, and for a
/// wildcard `*.<rest>` (a label can only lead with `*`) `_rnd-wildcard.<rest>`.
pub fn ownership_record_name(name: &str) -> String {
    match name.strip_prefix("*.") {
        Some(rest) => format!("{OWNERSHIP_LABEL}-wildcard.{rest}"),
        None => format!("{OWNERSHIP_LABEL}.{name}"),
    }
}

/// The TXT record's value for a record with these tags: rnd's own tags (`rnd:…`) as
/// `key=value` words in one quoted string, as Route 53 writes TXT values.
pub fn ownership_value(tags: &BTreeMap<String, String>) -> String {
    let words: Vec<String> = tags
        .iter()
        .filter(|(k, _)| k.starts_with("rnd:"))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format!("\"{}\"", words.join(" "))
}

/// The tags an ownership TXT value carries (the inverse of [`ownership_value`]); words that
/// are not `rnd:key=value` are ignored.
pub fn ownership_tags(value: &str) -> BTreeMap<String, String> {
    value
        .split(|c: char| c.is_whitespace() || c == '"')
        .filter_map(|word| word.split_once('='))
        .filter(|(k, _)| k.starts_with("rnd:"))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A DNS name as Route 53 lists it (`\052.research.example.com.`) as rnd names it
/// (`*.research.example.com`): no trailing dot, lower case, the wildcard unescaped.
pub fn normalized_name(listed: &str) -> String {
    listed
        .trim_end_matches('.')
        .replace("\\052", "*")
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(slots: &[(&str, u32)]) -> BTreeMap<String, RouteSlot> {
        slots
            .iter()
            .enumerate()
            .map(|(i, (s, lb))| {
                (
                    s.to_string(),
                    RouteSlot {
                        load_balancer: *lb,
                        priority: i as u32 + 1,
                    },
                )
            })
            .collect()
    }

    fn routing(mode: RoutingMode) -> Routing {
        Routing {
            mode,
            domain: "research.example.com".into(),
            scheme: crate::platform::Scheme::InternetFacing,
            allowed_cidrs: crate::platform::EVERYWHERE.map(String::from).to_vec(),
            sign_in: None,
            allow_public_services: true,
            hosted_zone_id: None,
        }
    }

    #[test]
    fn one_balancer_in_host_mode_needs_one_wildcard() {
        let records = dns_records(
            "research",
            &routing(RoutingMode::Host),
            &routes(&[("api", 1), ("chat", 1)]),
        );
        assert_eq!(
            records,
            [DnsRecord {
                name: "*.research.example.com".into(),
                load_balancer: "research-alb-1".into()
            }]
        );
    }

    #[test]
    fn several_balancers_in_host_mode_add_a_record_per_host_beyond_the_first() {
        let records = dns_records(
            "research",
            &routing(RoutingMode::Host),
            &routes(&[("api", 1), ("chat", 2)]),
        );
        let pairs: Vec<(&str, &str)> = records
            .iter()
            .map(|r| (r.name.as_str(), r.load_balancer.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("*.research.example.com", "research-alb-1"),
                ("chat.research.example.com", "research-alb-2")
            ]
        );
    }

    #[test]
    fn path_mode_needs_the_domain_and_no_route_needs_nothing() {
        let records = dns_records("research", &routing(RoutingMode::Path), &routes(&[("api", 1)]));
        assert_eq!(records[0].name, "research.example.com");
        assert!(dns_records("research", &routing(RoutingMode::Host), &BTreeMap::new()).is_empty());
    }

    #[test]
    fn ownership_records_round_trip_their_tags() {
        let tags: BTreeMap<String, String> = [
            ("rnd:platform", "research"),
            ("rnd:hash", "0123abcd"),
            ("team", "infra"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let value = ownership_value(&tags);
        assert_eq!(value, "\"rnd:hash=0123abcd rnd:platform=research\"");
        let back = ownership_tags(&value);
        assert_eq!(back.len(), 2);
        assert_eq!(back["rnd:platform"], "research");
        assert!(ownership_tags("\"google-site-verification=abc\"").is_empty());
        assert_eq!(
            ownership_record_name("*.research.example.com"),
            "_rnd-wildcard.research.example.com"
        );
        assert_eq!(ownership_record_name("api.example.com"), "_rnd.api.example.com");
        assert_eq!(
            normalized_name("\\052.Research.example.com."),
            "*.research.example.com"
        );
    }
}

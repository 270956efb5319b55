//! The DNS records that make a platform's URLs answer. rnd keeps no DNS records, so a person
//! creates these once, each pointing at a load balancer (a CNAME, or a Route 53 alias): host
//! routing on one balancer needs one wildcard (`*.<domain>`), on several one record per host;
//! path routing needs the domain itself. The plan lists them when it creates a balancer;
//! `rnd status` lists them with each balancer's DNS name.

use std::collections::BTreeMap;

use serde::Serialize;

use super::naming::Names;
use super::routing::RouteSlot;
use crate::platform::{Routing, RoutingMode};

/// A DNS record to create by hand: `name` pointing at the load balancer `load_balancer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DnsRecord {
    pub name: String,
    pub load_balancer: String,
}

/// The records for `routes` (service → its balancer and rule), in balancer order.
pub fn dns_records(
    platform: &str,
    routing: &Routing,
    routes: &BTreeMap<String, RouteSlot>,
) -> Vec<DnsRecord> {
    let names = Names::new(platform);
    let mut hosts_by_balancer: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
    for (service, slot) in routes {
        hosts_by_balancer
            .entry(slot.load_balancer)
            .or_default()
            .push(service);
    }
    let one_balancer = hosts_by_balancer.len() == 1;
    let mut records = Vec::new();
    for (index, services) in &hosts_by_balancer {
        let record = |name: String| DnsRecord {
            name,
            load_balancer: names.load_balancer(*index),
        };
        match routing.mode {
            RoutingMode::Path => records.push(record(routing.domain.clone())),
            RoutingMode::Host if one_balancer => records.push(record(format!("*.{}", routing.domain))),
            RoutingMode::Host => {
                records.extend(services.iter().map(|s| record(format!("{s}.{}", routing.domain))))
            }
        }
    }
    // Path routing on several balancers would name the domain once per balancer; one record
    // can point at one place, the first.
    let mut seen = std::collections::BTreeSet::new();
    records.retain(|r| seen.insert(r.name.clone()));
    records
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
    fn several_balancers_in_host_mode_need_a_record_per_host() {
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
                ("api.research.example.com", "research-alb-1"),
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
}

//! The platform's DNS records, when `routing.hosted_zone_id` names the zone rnd keeps them in.

use std::collections::BTreeMap;

use super::{DesiredInputs, DesiredState};
use crate::plan::dns::dns_records;
use crate::plan::resource::{ResourceId, ResourceKind};
use crate::plan::spec::{DnsRecordSpec, Spec};

/// One alias record per name `plan::dns::dns_records` lists. Their tags are rnd's own only: a
/// record carries its tags in its ownership TXT record, which has room for rnd's few words but
/// is no place for a platform's cost-allocation tags (nothing reads tags on records anyway).
pub(super) fn add_dns_records(
    state: &mut DesiredState,
    base_tags: &BTreeMap<String, String>,
    inputs: &DesiredInputs,
) {
    let platform = &inputs.repository.platform;
    let Some(zone) = &platform.routing.hosted_zone_id else {
        return;
    };
    let tags: BTreeMap<String, String> = base_tags
        .iter()
        .filter(|(k, _)| k.starts_with("rnd:"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for record in dns_records(&platform.name, &platform.routing, inputs.routes) {
        state.add(
            &tags,
            None,
            ResourceId::new(ResourceKind::DnsRecord, &record.name),
            Spec::DnsRecord(DnsRecordSpec {
                hosted_zone: zone.clone(),
                load_balancer: record.load_balancer,
                record_type: "A".into(),
            }),
        );
    }
}

//! Route 53 reads and writes shared by observing, the foreign check and the executor: a zone's
//! records, and the pair (alias record, ownership TXT record) that is one rnd DNS record.

use std::collections::BTreeMap;

use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
};
use rnd_core::plan::dns::{normalized_name, ownership_record_name, ownership_tags, OWNERSHIP_TTL};

use crate::{AwsError, Clients};

/// The most records `ListResourceRecordSets` returns per call.
const PAGE: i32 = 300;

/// One zone's records, by rnd's name for them (`normalized_name`) and type; `None` when the
/// zone does not exist (or is another account's).
pub(crate) async fn zone_records(
    clients: &Clients,
    zone: &str,
) -> Result<Option<BTreeMap<(String, String), ResourceRecordSet>>, AwsError> {
    let mut records = BTreeMap::new();
    let (mut next_name, mut next_type) = (None::<String>, None::<RrType>);
    loop {
        let page = clients
            .route53
            .list_resource_record_sets()
            .hosted_zone_id(zone)
            .max_items(PAGE)
            .set_start_record_name(next_name.take())
            .set_start_record_type(next_type.take())
            .send()
            .await;
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                let error = AwsError::call("ListResourceRecordSets", zone, e);
                if error.code_is(&["NoSuchHostedZone"]) {
                    return Ok(None);
                }
                return Err(error);
            }
        };
        for set in page.resource_record_sets() {
            records.insert(
                (normalized_name(set.name()), set.r#type().as_str().to_string()),
                set.clone(),
            );
        }
        if !page.is_truncated() {
            return Ok(Some(records));
        }
        next_name = page.next_record_name().map(str::to_string);
        next_type = page.next_record_type().cloned();
        if next_name.is_none() {
            return Ok(Some(records));
        }
    }
}

/// The text of a TXT record set, its strings joined.
pub(crate) fn txt_text(set: &ResourceRecordSet) -> String {
    set.resource_records()
        .iter()
        .map(|r| r.value())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The tags the ownership TXT record beside `name` carries, if there is one.
pub(crate) fn owner_tags(
    records: &BTreeMap<(String, String), ResourceRecordSet>,
    name: &str,
) -> Option<BTreeMap<String, String>> {
    records
        .get(&(ownership_record_name(name), "TXT".to_string()))
        .map(|set| ownership_tags(&txt_text(set)))
}

/// An alias `A` record `name` to a load balancer's DNS name in its canonical zone.
pub(crate) fn alias_record(
    name: &str,
    dns_name: &str,
    canonical_zone: &str,
) -> Result<ResourceRecordSet, AwsError> {
    let target = AliasTarget::builder()
        .dns_name(dns_name)
        .hosted_zone_id(canonical_zone)
        // The balancer's own health is not the services' behind it.
        .evaluate_target_health(false)
        .build()
        .map_err(|e| AwsError::missing(name, e.to_string()))?;
    ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::A)
        .alias_target(target)
        .build()
        .map_err(|e| AwsError::missing(name, e.to_string()))
}

/// The TXT record that says whose the record `name` is, with `value` (already quoted).
pub(crate) fn ownership_record(name: &str, value: &str) -> Result<ResourceRecordSet, AwsError> {
    let record = ResourceRecord::builder()
        .value(value)
        .build()
        .map_err(|e| AwsError::missing(name, e.to_string()))?;
    ResourceRecordSet::builder()
        .name(ownership_record_name(name))
        .r#type(RrType::Txt)
        .ttl(OWNERSHIP_TTL)
        .resource_records(record)
        .build()
        .map_err(|e| AwsError::missing(name, e.to_string()))
}

/// `set` as rnd names it, for a DELETE: Route 53 deletes only a record set given exactly as it
/// is (values, TTL, alias target), which the listed one is; the name is written as rnd writes
/// it on create (`*` rather than Route 53's `\052`), which Route 53 reads as the same name.
pub(crate) fn as_listed(set: &ResourceRecordSet, name: &str) -> ResourceRecordSet {
    let mut set = set.clone();
    set.name = name.to_string();
    set
}

/// Apply `changes` to `zone` in one batch: Route 53 applies all of them or none.
pub(crate) async fn change(
    clients: &Clients,
    zone: &str,
    record: &str,
    changes: Vec<(ChangeAction, ResourceRecordSet)>,
) -> Result<(), AwsError> {
    let changes = changes
        .into_iter()
        .map(|(action, set)| {
            Change::builder()
                .action(action)
                .resource_record_set(set)
                .build()
                .map_err(|e| AwsError::missing(record, e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let batch = ChangeBatch::builder()
        .comment(format!("rnd: {record}"))
        .set_changes(Some(changes))
        .build()
        .map_err(|e| AwsError::missing(record, e.to_string()))?;
    clients
        .route53
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(batch)
        .send()
        .await
        .map_err(|e| AwsError::call("ChangeResourceRecordSets", record, e))?;
    Ok(())
}

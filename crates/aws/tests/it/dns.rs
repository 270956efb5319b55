//! DNS records kept in a hosted zone, against the emulator's Route 53: the first apply writes
//! the wildcard alias and its ownership TXT record in one batch, the next plan is empty, a
//! replaced balancer takes its record along, a hand-made record at a wanted name stops the plan
//! (and is never touched), and leaving `hosted_zone_id` out removes both records. Needs
//! `scripts/emulator start` (fails otherwise).

use std::collections::BTreeMap;

use crate::support::*;
use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType};
use rnd_aws::{observe, Clients};
use rnd_core::plan::diff::Action;
use rnd_core::plan::resource::ResourceKind;
use rnd_core::plan::{plan, PlanError};
use rnd_core::platform::Scheme;
use rnd_core::repository::Repository;

/// A new public zone named `name`; its id.
async fn zone(clients: &Clients, name: &str) -> String {
    let out = clients
        .route53
        .create_hosted_zone()
        .name(name)
        .caller_reference(unique("ref"))
        .send()
        .await
        .expect("CreateHostedZone");
    let id = out.hosted_zone().unwrap().id();
    id.trim_start_matches("/hostedzone/").to_string()
}

/// The zone's records, as `(name, type)` → (alias DNS name or the values).
async fn records(clients: &Clients, zone: &str) -> BTreeMap<(String, String), String> {
    let out = clients
        .route53
        .list_resource_record_sets()
        .hosted_zone_id(zone)
        .send()
        .await
        .expect("ListResourceRecordSets");
    out.resource_record_sets()
        .iter()
        .filter(|s| matches!(s.r#type(), RrType::A | RrType::Txt))
        .map(|s| {
            let value = match s.alias_target() {
                Some(alias) => alias.dns_name().trim_end_matches('.').to_string(),
                None => s
                    .resource_records()
                    .iter()
                    .map(|r| r.value())
                    .collect::<Vec<_>>()
                    .join(" "),
            };
            let name = s.name().trim_end_matches('.').replace("\\052", "*");
            ((name, s.r#type().as_str().to_string()), value)
        })
        .collect()
}

fn with_zone(repository: &Repository, zone: &str) -> Repository {
    let mut repository = repository.clone();
    repository.platform.routing.hosted_zone_id = Some(zone.to_string());
    repository
}

async fn balancer_dns_name(clients: &Clients, name: &str) -> String {
    let out = clients
        .elb
        .describe_load_balancers()
        .names(name)
        .send()
        .await
        .unwrap();
    out.load_balancers()[0].dns_name().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_are_written_with_their_proof_followed_and_removed() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let platform = &unique("dns");
    let domain = format!("{platform}.example.com");
    let zone = zone(&clients, &domain).await;
    let cert = certificate(&config, &domain).await;
    let plain = repository(platform, &cert, &[("web", routed("web", "v1", 8080))]);
    let repo = with_zone(&plain, &zone);
    let wildcard = format!("*.{domain}");
    let proof = format!("_rnd-wildcard.{domain}");

    // The references check finds the zone and sees that it holds the domain.
    let existing =
        rnd_aws::references::platform_existing(&clients, &rnd_core::platform_references::wanted(&repo))
            .await
            .unwrap();
    assert_eq!(existing.hosted_zone_name.as_deref(), Some(domain.as_str()));

    let (first, report, _) = round(&clients, &repo).await;
    assert!(report.succeeded());
    assert!(first.dns_to_create.is_empty());
    let lb = format!("{platform}-alb-1");
    let written = records(&clients, &zone).await;
    assert_eq!(
        written.get(&(wildcard.clone(), "A".into())),
        Some(&balancer_dns_name(&clients, &lb).await),
        "{written:#?}"
    );
    let txt = &written[&(proof.clone(), "TXT".into())];
    assert!(txt.contains(&format!("rnd:platform={platform}")), "{txt}");
    let (_, remaining) = remaining_changes(&clients, &repo).await;
    assert_eq!(remaining, Vec::<String>::new(), "the records converge");

    // A new scheme replaces the balancer; the alias is written again after it.
    let mut internal = repo.clone();
    internal.platform.routing.scheme = Scheme::Internal;
    let (replaced, report, _) = round(&clients, &internal).await;
    assert!(report.succeeded());
    let action_of = |address: &str| {
        replaced
            .graph
            .operations()
            .find(|op| op.address == address)
            .map(|op| op.action)
    };
    assert_eq!(action_of(&format!("load_balancer.{lb}")), Some(Action::Replace));
    assert_eq!(action_of(&format!("dns_record.{wildcard}")), Some(Action::Update));
    let written = records(&clients, &zone).await;
    assert_eq!(
        written.get(&(wildcard.clone(), "A".into())),
        Some(&balancer_dns_name(&clients, &lb).await)
    );
    assert_eq!(
        remaining_changes(&clients, &internal).await.1,
        Vec::<String>::new()
    );

    // Without the zone in platform.json, both records go; the balancer forgets the zone after.
    let (removal, report, _) = round(&clients, &{
        let mut plain = plain.clone();
        plain.platform.routing.scheme = Scheme::Internal;
        plain
    })
    .await;
    assert!(report.succeeded());
    assert!(removal
        .graph
        .operations()
        .any(|op| op.id.kind == ResourceKind::DnsRecord && op.action == Action::Delete));
    let left = records(&clients, &zone).await;
    assert!(
        !left.contains_key(&(wildcard.clone(), "A".into())) && !left.contains_key(&(proof, "TXT".into())),
        "{left:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_made_record_at_a_wanted_name_stops_the_plan_and_is_left_alone() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let platform = &unique("dnsf");
    let domain = format!("{platform}.example.com");
    let zone = zone(&clients, &domain).await;
    let cert = certificate(&config, &domain).await;
    let repo = with_zone(
        &repository(platform, &cert, &[("web", routed("web", "v1", 8080))]),
        &zone,
    );
    let wildcard = format!("*.{domain}");
    let hand_made = ResourceRecordSet::builder()
        .name(&wildcard)
        .r#type(RrType::A)
        .ttl(60)
        .resource_records(ResourceRecord::builder().value("192.0.2.10").build().unwrap())
        .build()
        .unwrap();
    clients
        .route53
        .change_resource_record_sets()
        .hosted_zone_id(&zone)
        .change_batch(
            ChangeBatch::builder()
                .changes(
                    Change::builder()
                        .action(ChangeAction::Create)
                        .resource_record_set(hand_made)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let observed = observe(&clients, platform).await.unwrap();
    assert!(observed
        .resources
        .iter()
        .all(|r| r.kind != ResourceKind::DnsRecord));
    let first = plan(&repo, &observed).unwrap();
    let creations: Vec<_> = first
        .graph
        .operations()
        .filter_map(|op| op.desired.as_ref())
        .collect();
    let foreign = rnd_aws::foreign(&clients, platform, &creations).await.unwrap();
    let found: Vec<String> = foreign.iter().map(|f| f.id().to_string()).collect();
    assert_eq!(found, [format!("dns_record.{wildcard}")]);
    let crowded = rnd_core::plan::observed::ObservedState { foreign, ..observed };
    let Err(PlanError::Ownership(error)) = plan(&repo, &crowded) else {
        panic!("the plan must refuse to create over the hand-made record");
    };
    assert!(error.to_string().contains(&wildcard), "{error}");
    let left = records(&clients, &zone).await;
    assert_eq!(left[&(wildcard, "A".into())], "192.0.2.10");
}

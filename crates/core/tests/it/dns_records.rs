//! DNS records kept in a hosted zone: with `routing.hosted_zone_id`, the plan creates an alias
//! record per name the routes need, follows a replaced balancer (whose listeners and rules go
//! with it), and removes the records when
//! the zone leaves `platform.json`, in an order that keeps them findable.

use crate::support::examples;
use rnd_core::plan::diff::Action;
use rnd_core::plan::dns::TAG_HOSTED_ZONE;
use rnd_core::plan::observed::ObservedState;
use rnd_core::plan::resource::ResourceKind;
use rnd_core::plan::simulate::simulate_apply;
use rnd_core::plan::{plan, Plan};
use rnd_core::platform::Scheme;
use rnd_core::repository::Repository;

const ZONE: &str = "Z0123456789ABCDEFGHIJ";
const WILDCARD: &str = "dns_record.*.research.example.com";

fn with_zone() -> Repository {
    let mut repository = examples();
    repository.platform.routing.hosted_zone_id = Some(ZONE.into());
    repository
}

/// Where `address` comes in the plan's order of operations.
fn position(plan: &Plan, address: &str) -> usize {
    plan.graph
        .operations()
        .position(|op| op.address == address)
        .unwrap_or_else(|| panic!("{address} is not in the plan"))
}

fn action(plan: &Plan, address: &str) -> Action {
    plan.graph
        .operations()
        .find(|op| op.address == address)
        .unwrap()
        .action
}

#[test]
fn a_hosted_zone_gets_a_wildcard_alias_to_the_first_balancer_once_it_exists() {
    let first = plan(&with_zone(), &ObservedState::default()).unwrap();
    let records: Vec<_> = first
        .graph
        .operations()
        .filter(|op| op.id.kind == ResourceKind::DnsRecord)
        .collect();
    assert_eq!(
        records.len(),
        1,
        "host routing on one balancer needs one wildcard"
    );
    let record = records[0];
    assert_eq!(record.address, WILDCARD);
    let want = record.desired.as_ref().unwrap();
    assert_eq!(want.attributes()["hosted_zone"], ZONE);
    assert_eq!(want.attributes()["load_balancer"], "research-alb-1");
    // Only rnd's tags: they live in the TXT record beside it.
    assert!(want.tags.keys().all(|k| k.starts_with("rnd:")), "{:?}", want.tags);
    assert!(position(&first, WILDCARD) > position(&first, "load_balancer.research-alb-1"));
    let balancer = first
        .graph
        .operations()
        .find(|op| op.address == "load_balancer.research-alb-1")
        .unwrap();
    assert_eq!(balancer.desired.as_ref().unwrap().tags[TAG_HOSTED_ZONE], ZONE);
    assert!(first.dns_to_create.is_empty(), "nothing is left to do by hand");

    let after = simulate_apply(&first, &ObservedState::default());
    assert!(
        !plan(&with_zone(), &after).unwrap().has_changes(),
        "the records converge"
    );
}

#[test]
fn without_a_hosted_zone_the_records_are_to_create_by_hand() {
    let first = plan(&examples(), &ObservedState::default()).unwrap();
    assert!(first
        .graph
        .operations()
        .all(|op| op.id.kind != ResourceKind::DnsRecord));
    assert_eq!(first.dns_to_create.len(), 1);
    assert_eq!(first.dns_to_create[0].name, "*.research.example.com");
}

#[test]
fn a_replaced_balancer_takes_its_record_along() {
    let deployed = simulate_apply(
        &plan(&with_zone(), &ObservedState::default()).unwrap(),
        &ObservedState::default(),
    );
    let mut internal = with_zone();
    internal.platform.routing.scheme = Scheme::Internal;
    let next = plan(&internal, &deployed).unwrap();
    assert_eq!(action(&next, "load_balancer.research-alb-1"), Action::Replace);
    assert_eq!(
        action(&next, WILDCARD),
        Action::Update,
        "the alias is written again"
    );
    assert!(position(&next, WILDCARD) > position(&next, "load_balancer.research-alb-1"));
    // Deleting the balancer deletes its listeners and their rules: they are made again after it.
    let taken_along: Vec<_> = next
        .graph
        .operations()
        .filter(|op| matches!(op.id.kind, ResourceKind::Listener | ResourceKind::ListenerRule))
        .collect();
    assert!(taken_along
        .iter()
        .any(|op| op.id.kind == ResourceKind::ListenerRule));
    for op in &taken_along {
        assert_eq!(op.action, Action::Replace, "{}", op.address);
        assert!(position(&next, &op.address) > position(&next, "load_balancer.research-alb-1"));
    }
    let after = simulate_apply(&next, &deployed);
    assert!(!plan(&internal, &after).unwrap().has_changes());
}

#[test]
fn leaving_the_zone_out_removes_the_records_before_the_balancer_forgets_the_zone() {
    let deployed = simulate_apply(
        &plan(&with_zone(), &ObservedState::default()).unwrap(),
        &ObservedState::default(),
    );
    let next = plan(&examples(), &deployed).unwrap();
    assert_eq!(action(&next, WILDCARD), Action::Delete);
    assert_eq!(action(&next, "load_balancer.research-alb-1"), Action::Update);
    assert!(position(&next, WILDCARD) < position(&next, "load_balancer.research-alb-1"));
    let after = simulate_apply(&next, &deployed);
    assert!(!plan(&examples(), &after).unwrap().has_changes());
}

//! What a service that sleeps when idle adds to the plan (issue 16): gaining `idle_after` adds
//! the platform's two Lambda permissions, the wake target group, the idle alarm and the rule's
//! second target; a re-plan while the service sleeps changes nothing; losing it removes every
//! piece, each after what refers to it.

use crate::support::{applied, sleeping_examples, SLEEP_FUNCTION};
use rnd_core::plan::diff::Action;
use rnd_core::plan::observed::{ObservedState, TAG_ASLEEP_SINCE};
use rnd_core::plan::render::{plan_json, render_text};
use rnd_core::plan::resource::ResourceKind;
use rnd_core::plan::{plan, Plan};
use rnd_core::repository::Repository;
use serde_json::Value;

const SLEEPER: &str = "chat-ui";

/// The examples, on a platform that lets services sleep, with `chat-ui` sleeping after
/// `minutes` (none: it runs always).
fn repository(minutes: Option<u32>) -> Repository {
    sleeping_examples(SLEEPER, minutes)
}

fn position(plan: &Plan, address: &str) -> usize {
    plan.graph
        .operations()
        .position(|op| op.address == address)
        .unwrap_or_else(|| panic!("{address} is not in the plan:\n{}", render_text(plan, false)))
}

fn actions(plan: &Plan) -> Vec<(String, Action)> {
    plan.graph
        .operations()
        .map(|op| (op.address.clone(), op.action))
        .collect()
}

/// The example platform deployed with `chat-ui` running always.
fn deployed_without_sleep() -> ObservedState {
    let (_, after) = applied(&repository(None), &ObservedState::default());
    after
}

#[test]
fn gaining_idle_after_adds_the_wake_pieces_in_order() {
    let before = deployed_without_sleep();
    let (gain, after) = applied(&repository(Some(30)), &before);
    insta::assert_snapshot!("gaining_idle_after", render_text(&gain, false));
    let mut got = actions(&gain);
    got.sort();
    assert_eq!(
        got,
        [
            ("alarm.research-chat-ui-idle".to_string(), Action::Create),
            ("ecs_service.chat-ui".to_string(), Action::Update),
            ("lambda_permission.rnd-research-idle".to_string(), Action::Create),
            ("lambda_permission.rnd-research-wake".to_string(), Action::Create),
            ("listener_rule.research-chat-ui".to_string(), Action::Update),
            ("target_group.research-chat-ui-wake".to_string(), Action::Create),
        ]
    );
    // AWS refuses to register the function in the group before the balancer may invoke it; the
    // rule names the group only once it exists, and the alarm watches both groups.
    let wake_group = position(&gain, "target_group.research-chat-ui-wake");
    assert!(position(&gain, "lambda_permission.rnd-research-wake") < wake_group);
    assert!(wake_group < position(&gain, "listener_rule.research-chat-ui"));
    assert!(wake_group < position(&gain, "alarm.research-chat-ui-idle"));

    let alarm = gain
        .graph
        .operations()
        .find(|op| op.id.kind == ResourceKind::Alarm)
        .and_then(|op| op.desired.as_ref())
        .unwrap();
    assert_eq!(alarm.attributes()["period_seconds"], 60);
    assert_eq!(alarm.attributes()["evaluation_periods"], 30);
    assert_eq!(alarm.attributes()["action"], SLEEP_FUNCTION);
    assert_eq!(alarm.attributes()["load_balancer"], "research-alb-1");

    assert!(
        !plan(&repository(Some(30)), &after).unwrap().has_changes(),
        "gaining idle_after converges"
    );
}

#[test]
fn a_sleeping_service_is_left_asleep_by_a_plan() {
    let (_, mut observed) = applied(&repository(Some(30)), &ObservedState::default());
    // What rnd's Lambda function does when the idle alarm fires: desired count 0, tagged.
    let service = observed
        .resources
        .iter_mut()
        .find(|r| r.kind == ResourceKind::EcsService && r.name == SLEEPER)
        .unwrap();
    service.attributes.insert("desired_count".into(), Value::from(0));
    service
        .tags
        .insert(TAG_ASLEEP_SINCE.into(), "2026-12-05T03:00:00Z".into());
    let again = plan(&repository(Some(30)), &observed).unwrap();
    assert!(!again.has_changes(), "{}", render_text(&again, false));
    // Asleep, it costs nothing now and after the plan: the plan does not wake it.
    let cost = &plan_json(&again)["cost"]["services"];
    let chat = cost
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == SLEEPER)
        .unwrap();
    assert_eq!(
        (chat["hourly_before"].as_f64(), chat["hourly_after"].as_f64()),
        (Some(0.0), Some(0.0))
    );

    // A new version while asleep deploys, and the plan still leaves the count to the runtime.
    let mut newer = repository(Some(30));
    let manifest = newer.manifests.iter_mut().find(|m| m.name == SLEEPER).unwrap();
    manifest.version = "v0.9.1".into();
    let update = plan(&newer, &observed).unwrap();
    let service_update = update
        .graph
        .operations()
        .find(|op| op.address == "ecs_service.chat-ui")
        .expect("the service moves to the new task definition");
    assert!(
        service_update
            .changes
            .iter()
            .all(|c| c.attribute != "desired_count"),
        "{:?}",
        service_update.changes
    );

    // Without `idle_after` the manifest no longer lets it sleep: the plan wakes it.
    let woken = plan(&repository(None), &observed).unwrap();
    let service_update = woken
        .graph
        .operations()
        .find(|op| op.address == "ecs_service.chat-ui")
        .unwrap();
    assert!(service_update
        .changes
        .iter()
        .any(|c| c.attribute == "desired_count"));
}

#[test]
fn losing_idle_after_removes_every_piece_after_what_refers_to_it() {
    let (_, observed) = applied(&repository(Some(30)), &ObservedState::default());
    let (lose, after) = applied(&repository(None), &observed);
    insta::assert_snapshot!("losing_idle_after", render_text(&lose, false));
    let mut got = actions(&lose);
    got.sort();
    assert_eq!(
        got,
        [
            ("alarm.research-chat-ui-idle".to_string(), Action::Delete),
            ("ecs_service.chat-ui".to_string(), Action::Update),
            ("lambda_permission.rnd-research-idle".to_string(), Action::Delete),
            ("lambda_permission.rnd-research-wake".to_string(), Action::Delete),
            ("listener_rule.research-chat-ui".to_string(), Action::Update),
            ("target_group.research-chat-ui-wake".to_string(), Action::Delete),
        ]
    );
    let wake_group = position(&lose, "target_group.research-chat-ui-wake");
    assert!(position(&lose, "listener_rule.research-chat-ui") < wake_group);
    assert!(position(&lose, "alarm.research-chat-ui-idle") < wake_group);
    assert!(wake_group < position(&lose, "lambda_permission.rnd-research-wake"));
    assert!(
        !plan(&repository(None), &after).unwrap().has_changes(),
        "losing idle_after converges"
    );
}

#[test]
fn removing_the_sleeping_manifest_removes_its_pieces() {
    let (_, observed) = applied(&repository(Some(30)), &ObservedState::default());
    let mut gone = repository(Some(30));
    gone.manifests.retain(|m| m.name != SLEEPER);
    let (remove, after) = applied(&gone, &observed);
    for address in [
        "alarm.research-chat-ui-idle",
        "target_group.research-chat-ui-wake",
        "lambda_permission.rnd-research-wake",
        "lambda_permission.rnd-research-idle",
    ] {
        assert!(
            actions(&remove).contains(&(address.to_string(), Action::Delete)),
            "{address}:\n{}",
            render_text(&remove, false)
        );
    }
    assert!(!plan(&gone, &after).unwrap().has_changes());
}

#[test]
fn a_platform_without_scale_to_zero_plans_no_wake_pieces() {
    let mut repository = repository(Some(30));
    repository.platform.scale_to_zero = None;
    let first = plan(&repository, &ObservedState::default()).unwrap();
    assert!(first.graph.operations().all(|op| !matches!(
        op.id.kind,
        ResourceKind::Alarm | ResourceKind::LambdaPermission
    ) && !op.address.ends_with("-wake")));
}

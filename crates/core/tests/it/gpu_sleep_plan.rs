//! What a GPU service that sleeps adds to its instance type's group (issue 16): a warm pool of
//! stopped instances with its warm-up hook, user data that pulls the service's image while an
//! instance warms up, and room in the group for the waker to bring the instances back; while the
//! service sleeps the plan gives its instances to the pool, and a waking service is planned awake.

use crate::support::{applied, sleeping_examples};
use rnd_core::plan::observed::{ObservedState, TAG_ASLEEP_SINCE, TAG_WAKING_SINCE};
use rnd_core::plan::render::{plan_json, render_markdown, render_text};
use rnd_core::plan::resource::ResourceKind;
use rnd_core::plan::spec::{AutoScalingGroupSpec, Spec};
use rnd_core::plan::{plan, Plan};
use rnd_core::repository::Repository;
use serde_json::Value;

const SLEEPER: &str = "whisper";

/// The examples on a platform that sleeps, with the GPU service `whisper` sleeping after
/// `minutes` (none: it runs always).
fn repository(minutes: Option<u32>) -> Repository {
    let repository = sleeping_examples(SLEEPER, minutes);
    assert!(
        repository
            .manifests
            .iter()
            .any(|m| m.name == SLEEPER && m.gpu > 0),
        "whisper runs on a GPU"
    );
    repository
}

/// The group whisper's tasks run on, as the plan wants it.
fn whisper_group(plan: &Plan) -> (String, AutoScalingGroupSpec) {
    let service = plan
        .capacity
        .services
        .iter()
        .find(|s| s.name == SLEEPER)
        .expect("placed");
    let instance_type = match &service.placement {
        rnd_core::placement::Placement::Ec2 { instance_types, .. } => {
            instance_types.keys().next().expect("one type").clone()
        }
        other => panic!("whisper is not on EC2: {other:?}"),
    };
    group_of(plan, &instance_type)
}

fn group_of(plan: &Plan, instance_type: &str) -> (String, AutoScalingGroupSpec) {
    let name = format!("{}-{instance_type}", plan.platform);
    let op = plan
        .graph
        .operations()
        .find(|op| op.id.kind == ResourceKind::AutoScalingGroup && op.id.name == name)
        .unwrap_or_else(|| panic!("{name} is not in the plan:\n{}", render_text(plan, false)));
    match &op.desired.as_ref().expect("wanted").spec {
        Spec::AutoScalingGroup(spec) => (instance_type.to_string(), spec.clone()),
        _ => unreachable!(),
    }
}

#[test]
fn gaining_idle_after_gives_the_type_a_warm_pool_and_pulls_the_image_while_warming() {
    let (_, before) = applied(&repository(None), &ObservedState::default());
    let (gain, after) = applied(&repository(Some(60)), &before);
    insta::assert_snapshot!("gpu_gaining_idle_after", render_text(&gain, false));
    let (instance_type, group) = whisper_group(&gain);
    let pool = group.warm_pool.expect("a warm pool on whisper's type");
    assert_eq!(pool.pool_state, "Stopped");
    // Awake, nothing waits in the pool and the group has no room beyond its instances.
    assert_eq!((pool.min_size, group.max_size), (0, group.desired_capacity));
    let template = gain
        .graph
        .operations()
        .find(|op| op.id.kind == ResourceKind::LaunchTemplate && op.id.name.ends_with(&instance_type))
        .expect("the template changes");
    let Spec::LaunchTemplate(template) = &template.desired.as_ref().unwrap().spec else {
        unreachable!()
    };
    assert!(template.user_data.contains("ECS_WARM_POOLS_CHECK=true"));
    assert!(template
        .user_data
        .contains("docker pull '123456789012.dkr.ecr.us-east-1.amazonaws.com/whisper:v1.4.2'"));
    assert!(template.user_data.contains("--lifecycle-hook-name rnd-warm-up"));
    assert!(
        !plan(&repository(Some(60)), &after).unwrap().has_changes(),
        "gaining idle_after converges"
    );
}

/// `observed` with whisper put to sleep by rnd's Lambda function: desired count 0, tagged.
fn asleep(mut observed: ObservedState, desired_count: u64) -> ObservedState {
    let service = observed
        .resources
        .iter_mut()
        .find(|r| r.kind == ResourceKind::EcsService && r.name == SLEEPER)
        .unwrap();
    service
        .attributes
        .insert("desired_count".into(), Value::from(desired_count));
    service
        .tags
        .insert(TAG_ASLEEP_SINCE.into(), "2026-12-06T03:00:00Z".into());
    observed
}

#[test]
fn asleep_its_instances_go_to_the_pool_and_waking_it_is_planned_awake() {
    let (first, deployed) = applied(&repository(Some(60)), &ObservedState::default());
    let (instance_type, awake) = whisper_group(&first);
    let sleeping = asleep(deployed.clone(), 0);
    let (rest, after) = applied(&repository(Some(60)), &sleeping);
    insta::assert_snapshot!("gpu_asleep", render_text(&rest, false));
    let (_, group) = group_of(&rest, &instance_type);
    let pool = group.warm_pool.expect("still pooled");
    assert!(pool.min_size >= 1, "the pool holds what whisper needs to wake");
    assert_eq!(group.desired_capacity + pool.min_size, awake.desired_capacity);
    assert_eq!(group.max_size, awake.desired_capacity, "room to wake");
    assert!(!plan(&repository(Some(60)), &after).unwrap().has_changes());
    // The pool's stopped instance is priced in every rendering: text, the PR comment, JSON.
    assert!(render_text(&rest, false).contains("warm pools (0 → 1 stopped)"));
    assert!(render_markdown(&rest)
        .contains("| warm pools (0 → 1 stopped instances), volumes only | $0.00 | $2.40 | +$2.40 |"));
    let json = plan_json(&rest);
    assert_eq!(json["cost"]["warm_pools"]["instances_after"], 1);

    // The waker started it (count raised, `rnd:waking-since` beside the sleep mark): planned
    // awake, its instances stay.
    let mut waking = asleep(after, 1);
    waking
        .resources
        .iter_mut()
        .find(|r| r.kind == ResourceKind::EcsService && r.name == SLEEPER)
        .unwrap()
        .tags
        .insert(TAG_WAKING_SINCE.into(), "1800000000".into());
    let during = plan(&repository(Some(60)), &waking).unwrap();
    let (_, group) = group_of(&during, &instance_type);
    assert_eq!(group.desired_capacity, awake.desired_capacity);
}

#[test]
fn losing_idle_after_removes_the_warm_pool() {
    let (_, observed) = applied(&repository(Some(60)), &ObservedState::default());
    let (lose, after) = applied(&repository(None), &observed);
    let (_, group) = whisper_group(&lose);
    assert_eq!(group.warm_pool, None);
    assert!(!render_text(&lose, false).contains("warm_pool") || lose.has_changes());
    assert!(!plan(&repository(None), &after).unwrap().has_changes());
}

#[test]
fn removing_the_sleeping_gpu_manifest_removes_its_warm_pool() {
    let (first, observed) = applied(&repository(Some(60)), &ObservedState::default());
    let (instance_type, _) = whisper_group(&first);
    let asleep_now = asleep(observed, 0);
    let (_, slept) = applied(&repository(Some(60)), &asleep_now);
    let mut gone = repository(Some(60));
    gone.manifests.retain(|m| m.name != SLEEPER);
    let (remove, after) = applied(&gone, &slept);
    // The group stays (at what the remaining services need), without a pool or room to wake.
    let (_, group) = group_of(&remove, &instance_type);
    assert_eq!(group.warm_pool, None);
    assert_eq!(group.max_size, group.desired_capacity);
    assert!(!plan(&gone, &after).unwrap().has_changes());
}

#[test]
fn a_platforms_gpu_root_volume_sizes_the_template_and_prices_the_pool() {
    let mut big = repository(Some(60));
    big.platform.gpu_root_volume_gib = Some(200);
    let (first, deployed) = applied(&big, &ObservedState::default());
    let template = first
        .graph
        .operations()
        .find(|op| op.id.kind == ResourceKind::LaunchTemplate)
        .and_then(|op| op.desired.as_ref())
        .expect("a GPU launch template");
    let Spec::LaunchTemplate(template) = &template.spec else {
        unreachable!()
    };
    assert_eq!(template.root_volume_gib, Some(200));
    // A stopped instance with 200 GiB of gp3: $16 a month.
    let (rest, _) = applied(&big, &asleep(deployed, 0));
    assert!(
        render_text(&rest, false).contains("its 200 GiB root volume"),
        "{}",
        render_text(&rest, false)
    );
    // $16 over a 730-hour month, to the nano-dollar below.
    assert_eq!(plan_json(&rest)["cost"]["warm_pools"]["hourly_each"], 0.021917808);
    // Without the setting the template keeps the AMI's volume (and its spec, so its hash).
    assert_eq!(
        repository(Some(60)).platform.gpu_root_volume_gib,
        None,
        "the examples set none"
    );
}

//! Planning the example repository: the four renderings as snapshots, against an empty account,
//! a fully deployed one, and one with a version bump, a removed service and a resized GPU service.

// Tests stand where a frontend would: they read the repository's fixtures and examples from
// disk and hand the core their bytes (clippy.toml forbids files in the core itself).
#![allow(clippy::disallowed_methods)]

use rnd_core::plan::kept::{keeps_log_group, STORED_BYTES, TAG_REMOVED};
use rnd_core::plan::observed::{ObservedState, TAG_HASH};
use rnd_core::plan::render::{plan_json, render_markdown, render_mermaid, render_text};
use rnd_core::plan::resource::ResourceKind;
use rnd_core::plan::simulate::simulate_apply;
use rnd_core::plan::{plan, Plan};
use std::path::Path;

use crate::support::examples;
use rnd_core::repository::{validate_repository, Repository, SourceFile};

fn snapshot_all(name: &str, plan: &Plan) {
    insta::assert_snapshot!(format!("{name}.text"), render_text(plan, false));
    insta::assert_snapshot!(format!("{name}.markdown"), render_markdown(plan));
    insta::assert_snapshot!(format!("{name}.mermaid"), render_mermaid(plan));
    insta::assert_json_snapshot!(format!("{name}.json"), plan_json(plan));
}

fn deployed(repository: &Repository) -> ObservedState {
    let first = plan(repository, &ObservedState::default()).unwrap();
    simulate_apply(&first, &ObservedState::default())
}

#[test]
fn first_deployment() {
    let repository = examples();
    let plan = plan(&repository, &ObservedState::default()).unwrap();
    snapshot_all("first_deployment", &plan);
}

#[test]
fn fully_deployed_has_no_changes() {
    let repository = examples();
    let observed = deployed(&repository);
    let again = plan(&repository, &observed).unwrap();
    assert!(!again.has_changes(), "{}", render_text(&again, false));
    snapshot_all("fully_deployed", &again);
}

#[test]
fn version_bump_removed_service_and_resized_gpu_service() {
    let mut repository = examples();
    let observed = deployed(&repository);
    repository.manifests.retain(|m| m.name != "chat-ui");
    for m in &mut repository.manifests {
        match m.name.as_str() {
            "catalog-api" => m.version = "v2.4.0".into(),
            "whisper" => {
                m.gpu = 2;
                m.memory_mib = 30 * 1024;
            }
            _ => {}
        }
    }
    let changed = plan(&repository, &observed).unwrap();
    snapshot_all("changed", &changed);
    let converged = simulate_apply(&changed, &observed);
    let again = plan(&repository, &converged).unwrap();
    assert!(!again.has_changes(), "{}", render_text(&again, false));
}

#[test]
fn resources_of_other_platforms_or_untagged_are_never_touched() {
    use rnd_core::plan::observed::ObservedResource;
    use rnd_core::plan::resource::ResourceKind;
    let repository = examples();
    let mut observed = deployed(&repository);
    let stranger = |name: &str, tags: &[(&str, &str)]| ObservedResource {
        kind: ResourceKind::SecurityGroup,
        name: name.into(),
        arn: Some(format!("sg-{name}")),
        revision: None,
        tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        attributes: Default::default(),
    };
    observed.resources.push(stranger("hand-made", &[]));
    observed
        .resources
        .push(stranger("other-team", &[("rnd:platform", "other")]));
    // Same name as one of ours, but not tagged for this platform: not ours either.
    observed
        .resources
        .push(stranger("research-whisper", &[("rnd:platform", "prod")]));
    let again = plan(&repository, &observed).unwrap();
    assert!(!again.has_changes(), "{}", render_text(&again, false));
}

#[test]
fn a_spec_serializes_exactly_like_its_attribute_map() {
    // The diff's fast path relies on it: spec fields are declared in alphabetical order.
    let repository = examples();
    let plan = plan(&repository, &ObservedState::default()).unwrap();
    for op in plan.graph.operations() {
        let want = op.desired.as_ref().unwrap();
        let from_map = serde_json::to_vec(want.attributes()).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&want.json),
            String::from_utf8_lossy(&from_map),
            "{}: declare its spec's fields in alphabetical order",
            op.address
        );
    }
}

#[test]
fn destroy_removes_every_resource_of_the_platform_but_keeps_its_log_groups() {
    let repository = examples();
    let mut observed = deployed(&repository);
    // Every service wrote lines, but the catalog API's have all expired.
    for r in &mut observed.resources {
        if r.kind == ResourceKind::LogGroup {
            let bytes = if r.name.ends_with("/catalog-api") { 0 } else { 4096 };
            r.attributes.insert(STORED_BYTES.into(), bytes.into());
        }
    }
    let destroy = rnd_core::plan::plan_destroy(&repository, &observed).unwrap();
    for op in destroy.graph.operations() {
        if op.id.kind == ResourceKind::LogGroup && !op.id.name.ends_with("/catalog-api") {
            assert!(keeps_log_group(op), "{}", op.address);
        } else {
            assert_eq!(op.action, rnd_core::plan::diff::Action::Delete, "{}", op.address);
        }
    }
    let after = simulate_apply(&destroy, &observed);
    assert!(
        after
            .resources
            .iter()
            .all(|r| r.kind == ResourceKind::LogGroup && r.tags.get(TAG_REMOVED).is_some_and(|v| v == "true")),
        "{:?}",
        after.resources.iter().map(|r| r.address()).collect::<Vec<_>>()
    );
    assert_eq!(after.resources.len(), repository.manifests.len() - 1);
    // Destroying again changes nothing: the kept groups stay until they are empty.
    let again = rnd_core::plan::plan_destroy(&repository, &after).unwrap();
    assert!(!again.has_changes(), "{}", render_text(&again, false));
    assert_eq!(destroy.cost.hourly_after, rnd_core::catalog::Usd::ZERO);
}

/// A plain variable whose name looks like a credential is a warning in validation; in a plan its
/// value is never shown, in any rendering, whether it is new, unchanged or changed.
#[test]
fn a_credential_looking_value_appears_in_no_plan_format() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let platform = SourceFile {
        path: "platform.json".into(),
        bytes: std::fs::read(dir.join("platform.json")).unwrap(),
    };
    let manifest = |password: &str| SourceFile {
        path: "manifests/api.json".into(),
        bytes: format!(
            r#"{{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/api", "version": "v1",
                 "env": {{ "DB_PASSWORD": "{password}", "LOG_LEVEL": "info" }} }}"#
        )
        .into_bytes(),
    };
    let repository = |password: &str| {
        validate_repository(&platform, &[manifest(password)])
            .repository
            .expect("valid, with a warning")
    };
    let first = plan(&repository("canary-one-8f3a"), &ObservedState::default()).unwrap();
    let observed = simulate_apply(&first, &ObservedState::default());
    let changed = plan(&repository("canary-two-91bc"), &observed).unwrap();
    assert!(changed.has_changes(), "a changed credential is still a change");
    for (plan, canary) in [
        (&first, "canary-one-8f3a"),
        (&changed, "canary-one-8f3a"),
        (&changed, "canary-two-91bc"),
    ] {
        let renderings = [
            render_text(plan, false),
            render_markdown(plan),
            render_mermaid(plan),
            plan_json(plan).to_string(),
        ];
        for rendered in renderings {
            assert!(!rendered.contains(canary), "{canary} shown:\n{rendered}");
        }
    }
    assert!(render_text(&changed, false).contains("(sensitive, changed)"));
    assert!(render_text(&first, false).contains("LOG_LEVEL"));
}

#[test]
fn the_expectation_from_nothing_knows_every_deployed_resource_by_its_hash() {
    let repository = examples();
    let observed = deployed(&repository);
    // Computed before observing anything, as a frontend asks for it: an unchanged platform's
    // resources all carry the expected hash, with the expected settings.
    let expected = rnd_core::plan::expected(&repository, &ObservedState::default()).unwrap();
    assert!(expected.len() >= observed.resources.len());
    for r in &observed.resources {
        let settings = expected
            .unchanged(r.kind, &r.name, &r.tags)
            .unwrap_or_else(|| panic!("{} is not expected as deployed", r.address()));
        assert_eq!(settings, &r.attributes, "{}", r.address());
    }
    // Another hash is not vouched for: the observer describes that resource.
    let r = &observed.resources[0];
    let mut tags = r.tags.clone();
    tags.insert(TAG_HASH.to_string(), "0000000000000000".to_string());
    assert!(expected.unchanged(r.kind, &r.name, &tags).is_none());
}

/// Removing one or two manifests is how services are undeployed; removing most of them at once
/// is flagged, so frontends can refuse it unless asked explicitly.
#[test]
fn removing_most_services_at_once_is_a_mass_removal() {
    use rnd_core::plan::removal::mass_removal;
    let all = examples();
    let observed = deployed(&all);
    let count = all.manifests.len();
    assert_eq!(count, 6, "the examples' services");
    let keeping = |n: usize| {
        let mut r = all.clone();
        r.manifests.truncate(n);
        plan(&r, &observed).unwrap()
    };
    // Two removed: ordinary, whatever the size. Three of six: not more than half.
    assert_eq!(mass_removal(&keeping(count - 2), &observed), None);
    assert_eq!(mass_removal(&keeping(count - 3), &observed), None);
    let most = mass_removal(&keeping(count - 4), &observed).expect("four of six");
    assert_eq!((most.removed.len(), most.deployed), (4, 6));
    let all_gone = mass_removal(&keeping(0), &observed).expect("every service");
    assert_eq!(all_gone.removed.len(), 6);
    assert!(all_gone
        .to_string()
        .starts_with("this plan removes 6 of the 6 deployed services"));
}

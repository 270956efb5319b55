//! Ownership: the plan refuses to create over a resource rnd did not make for the platform,
//! adopts one only when told to by name, and never deletes what is not the platform's.

// Tests stand where a frontend would: they read the examples from disk.
#![allow(clippy::disallowed_methods)]

use std::collections::{BTreeMap, BTreeSet};

use crate::support::examples;
use rnd_core::plan::diff::Action;
use rnd_core::plan::observed::{ForeignResource, ObservedState, TAG_PLATFORM};
use rnd_core::plan::render::{plan_json, render_markdown, render_text};
use rnd_core::plan::resource::{ResourceId, ResourceKind};
use rnd_core::plan::simulate::simulate_apply;
use rnd_core::plan::{plan, plan_with, PlanError, PlanOptions};

fn foreign(kind: ResourceKind, name: &str, tags: &[(&str, &str)]) -> ForeignResource {
    ForeignResource {
        kind,
        name: name.to_string(),
        tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        not_adoptable: None,
    }
}

/// A hand-made role, another platform's security group and a target group someone copied
/// rnd's tag onto elsewhere, all under names the examples' first plan creates.
fn crowded() -> ObservedState {
    ObservedState {
        foreign: vec![
            foreign(ResourceKind::IamRole, "research-catalog-api-task", &[]),
            foreign(
                ResourceKind::SecurityGroup,
                "research-chat-ui",
                &[(TAG_PLATFORM, "other")],
            ),
            foreign(
                ResourceKind::TargetGroup,
                "research-notebook",
                &[("team", "infra")],
            ),
        ],
        ..ObservedState::default()
    }
}

#[test]
fn a_plan_creating_over_foreign_resources_fails_naming_each_and_the_ways_out() {
    let Err(PlanError::Ownership(error)) = plan(&examples(), &crowded()) else {
        panic!("the plan must fail on foreign resources");
    };
    assert_eq!(error.conflicts.len(), 3);
    insta::assert_snapshot!(PlanError::Ownership(error).to_string());
}

#[test]
fn adopting_by_name_takes_over_exactly_those_and_says_so() {
    let adopt: BTreeSet<ResourceId> = crowded().foreign.iter().map(ForeignResource::id).collect();
    let options = PlanOptions {
        adopt: adopt.clone(),
        ..PlanOptions::default()
    };
    let p = plan_with(&examples(), &crowded(), options).unwrap();
    let adopted: BTreeSet<ResourceId> = p
        .graph
        .operations()
        .filter(|op| op.adopts.is_some())
        .map(|op| {
            assert_eq!(op.action, Action::Create);
            op.id.clone()
        })
        .collect();
    assert_eq!(adopted, adopt);
    let text = render_text(&p, false);
    assert!(
        text.contains("+ iam_role.research-catalog-api-task (adopt:"),
        "{text}"
    );
    assert!(render_markdown(&p).contains("security_group.research-chat-ui (adopted)"));
    let json = plan_json(&p);
    let adopted_json: Vec<&serde_json::Value> = json["operations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|op| op.get("adopts").is_some())
        .collect();
    assert_eq!(adopted_json.len(), 3);
}

#[test]
fn adopting_what_the_plan_does_not_create_over_a_foreign_resource_is_an_error() {
    let options = PlanOptions {
        adopt: [ResourceId::new(ResourceKind::IamRole, "research-typo-task")].into(),
        ..PlanOptions::default()
    };
    let Err(PlanError::Ownership(error)) = plan_with(&examples(), &ObservedState::default(), options) else {
        panic!("an adoption of nothing must fail");
    };
    assert!(error.conflicts.is_empty());
    insta::assert_snapshot!(PlanError::Ownership(error).to_string());
}

#[test]
fn a_resource_that_cannot_be_adopted_stays_a_conflict_when_asked_to_adopt_it() {
    let mut observed = crowded();
    observed.foreign[0].not_adoptable = Some("it is under the IAM path /".into());
    let options = PlanOptions {
        adopt: observed.foreign.iter().map(ForeignResource::id).collect(),
        ..PlanOptions::default()
    };
    let Err(PlanError::Ownership(error)) = plan_with(&examples(), &observed, options) else {
        panic!("a role that cannot be adopted must still fail the plan");
    };
    assert_eq!(error.conflicts.len(), 1);
    assert!(error.unknown_adoptions.is_empty());
    let text = PlanError::Ownership(error).to_string();
    assert!(
        text.contains("(cannot be adopted: it is under the IAM path /)"),
        "{text}"
    );
}

#[test]
fn foreign_resources_the_plan_does_not_create_change_nothing() {
    // Once deployed, the platform's own role exists and is observed: a foreign record of the
    // same name (as a stale lookup might give) is never a creation, so never a conflict.
    let repository = examples();
    let deployed = simulate_apply(
        &plan(&repository, &ObservedState::default()).unwrap(),
        &ObservedState::default(),
    );
    let mut observed = deployed.clone();
    observed.foreign = crowded().foreign;
    let p = plan(&repository, &observed).unwrap();
    assert!(!p.has_changes(), "{}", render_text(&p, false));
}

#[test]
fn resources_tagged_for_the_platform_but_named_elsewhere_are_never_deleted() {
    let repository = examples();
    let mut observed = simulate_apply(
        &plan(&repository, &ObservedState::default()).unwrap(),
        &ObservedState::default(),
    );
    let tags: BTreeMap<String, String> = [(TAG_PLATFORM.to_string(), "research".to_string())].into();
    for (kind, name) in [
        (ResourceKind::SecurityGroup, "default"),
        (ResourceKind::IamRole, "admin"),
        (ResourceKind::LogGroup, "/aws/lambda/billing"),
        (ResourceKind::EcsCluster, "production"),
        (ResourceKind::TargetGroup, "researchers-api"),
    ] {
        let mut copied = observed.resources[0].clone();
        copied.kind = kind;
        copied.name = name.to_string();
        copied.tags = tags.clone();
        observed.resources.push(copied);
    }
    let p = plan(&repository, &observed).unwrap();
    assert!(!p.has_changes(), "{}", render_text(&p, false));
}

/// A platform named with `-` from before names had to be letters and digits: validation warns,
/// the plan refuses to create it new, and one that exists (its cluster tagged for it) keeps
/// working, every later plan included.
#[test]
fn a_platform_named_with_a_hyphen_keeps_working_only_if_it_already_exists() {
    let mut repository = examples();
    repository.platform.name = "ml-prod".to_string();
    let refused = plan(&repository, &ObservedState::default()).unwrap_err();
    assert!(matches!(refused, PlanError::NewPlatformNameHasHyphen(_)));
    insta::assert_snapshot!(refused.to_string());

    let made_before = ObservedState {
        resources: vec![rnd_core::plan::observed::ObservedResource {
            kind: ResourceKind::EcsCluster,
            name: "ml-prod".to_string(),
            arn: None,
            revision: None,
            tags: BTreeMap::from([(TAG_PLATFORM.to_string(), "ml-prod".to_string())]),
            attributes: Default::default(),
        }],
        ..ObservedState::default()
    };
    let first = plan(&repository, &made_before).expect("an existing platform keeps its name");
    let applied = simulate_apply(&first, &made_before);
    let again = plan(&repository, &applied).unwrap();
    assert_eq!(again.graph.operations().count(), 0);

    // Someone else's resource tagged for a platform with a `-` does not make it exist.
    let tagged_elsewhere = ObservedState {
        resources: vec![rnd_core::plan::observed::ObservedResource {
            name: "someone-elses".to_string(),
            ..made_before.resources[0].clone()
        }],
        ..ObservedState::default()
    };
    assert!(matches!(
        plan(&repository, &tagged_elsewhere),
        Err(PlanError::NewPlatformNameHasHyphen(_))
    ));
}

#[test]
fn validation_warns_about_a_platform_name_with_a_hyphen_and_accepts_it() {
    let (platform, _) = crate::support::example_files();
    let text = String::from_utf8(platform.bytes).unwrap().replacen(
        "\"name\": \"research\"",
        "\"name\": \"ml-prod\"",
        1,
    );
    assert!(text.contains("ml-prod"));
    let validated = rnd_core::platform::validate_platform("platform.json", &text);
    assert_eq!(validated.value.unwrap().name, "ml-prod");
    let codes: Vec<&str> = validated.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["platform/name-has-hyphen"]);
    insta::assert_snapshot!(validated.diagnostics[0].message.clone());
}

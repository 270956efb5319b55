//! GPU capacity never kills running work: when a GPU service is removed while another keeps
//! running on the same instance type, the group shrinks only after the removed service is gone,
//! and the services that stay are placed by binpacking, as the packing counted on.

// Tests stand where a frontend would: they hand the core file bytes.
#![allow(clippy::disallowed_methods)]

use rnd_core::plan::diff::Action;
use rnd_core::plan::observed::ObservedState;
use rnd_core::plan::render::render_text;
use rnd_core::plan::simulate::simulate_apply;
use rnd_core::plan::spec::{Spec, GPU_PLACEMENT_STRATEGY};
use rnd_core::plan::{plan, Plan};
use rnd_core::repository::{validate_repository, Repository, SourceFile};

const PLATFORM: &str = r#"{ "name": "lab", "region": "us-east-1",
    "routing": { "mode": "host", "domain": "lab.example.com" },
    "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/5f1a3c2e-8d4b-4e6f-9a0b-1c2d3e4f5a6b",
    "gpu_instance_types": ["g6"] }"#;

/// Each needs a whole `g6.xlarge` (its one GPU), so two of them need two instances.
const GPU_SERVICE: &str = r#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/model", "version": "v1", "cpu": 2, "memory": 8192, "gpu": 1 }"#;

fn repository(services: &[&str]) -> Repository {
    let file = |path: String, text: &str| SourceFile {
        path,
        bytes: text.as_bytes().to_vec(),
    };
    let manifests: Vec<SourceFile> = services
        .iter()
        .map(|s| file(format!("manifests/{s}.json"), GPU_SERVICE))
        .collect();
    validate_repository(&file("platform.json".into(), PLATFORM), &manifests)
        .repository
        .expect("valid")
}

fn deployed(services: &[&str]) -> ObservedState {
    let first = plan(&repository(services), &ObservedState::default()).unwrap();
    simulate_apply(&first, &ObservedState::default())
}

fn depends_on<'p>(plan: &'p Plan, address: &str) -> Vec<&'p str> {
    let graph = &plan.graph;
    let node = graph
        .topological_order()
        .iter()
        .copied()
        .find(|n| graph.change(*n).address == address)
        .unwrap_or_else(|| panic!("{address} is not in the plan:\n{}", render_text(plan, false)));
    graph.depends_on(node)
}

#[test]
fn a_group_shrinks_only_after_the_service_leaving_it_is_gone() {
    let observed = deployed(&["detector", "ranker"]);
    let after = plan(&repository(&["ranker"]), &observed).unwrap();
    let shrink = "auto_scaling_group.lab-g6.xlarge";
    let change = after
        .graph
        .operations()
        .find(|op| op.address == shrink)
        .expect("the group shrinks");
    assert_eq!(change.action, Action::Update);
    assert!(
        change.changes.iter().any(|c| c.attribute == "desired_capacity"
            && c.before == Some(2.into())
            && c.after == Some(1.into())),
        "{}",
        render_text(&after, false)
    );
    assert!(
        depends_on(&after, shrink).contains(&"ecs_service.detector"),
        "{:?}\n{}",
        depends_on(&after, shrink),
        render_text(&after, false)
    );
    // And in the order of operations, the service goes in an earlier wave than the instance.
    let waves: Vec<Vec<String>> = after
        .graph
        .waves()
        .iter()
        .map(|w| w.iter().map(|n| after.graph.change(*n).address.clone()).collect())
        .collect();
    let wave_of = |address: &str| waves.iter().position(|w| w.iter().any(|a| a == address)).unwrap();
    assert!(wave_of("ecs_service.detector") < wave_of(shrink), "{waves:?}");
}

#[test]
fn growing_a_group_still_comes_before_the_services_that_need_it() {
    let observed = deployed(&["ranker"]);
    let after = plan(&repository(&["detector", "ranker"]), &observed).unwrap();
    let grow = "auto_scaling_group.lab-g6.xlarge";
    assert!(
        !depends_on(&after, grow).contains(&"ecs_service.detector"),
        "{}",
        render_text(&after, false)
    );
}

#[test]
fn gpu_services_are_binpacked() {
    let p = plan(&repository(&["ranker"]), &ObservedState::default()).unwrap();
    for op in p.graph.operations() {
        if let Some(Spec::EcsService(spec)) = op.desired.as_ref().map(|d| &d.spec) {
            assert_eq!(spec.placement_strategy.as_deref(), Some(GPU_PLACEMENT_STRATEGY));
        }
    }
}

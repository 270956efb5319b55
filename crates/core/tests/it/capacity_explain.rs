//! `rnd capacity --explain`: why each GPU service runs on its instance type, checked on fleets
//! whose answer is known by hand, and its wording snapshotted.

use crate::support::{allow, svc};
use rnd_core::catalog::Catalog;
use rnd_core::placement::{explain_gpu_choices, plan_capacity, render_explanations, AllowList};

#[test]
fn a_service_needing_bigger_gpus_is_told_which_cheaper_types_are_too_small() {
    let services = [
        svc("whisper", 1, 2048, 8192, 1, Some(40)),
        svc("api", 1, 512, 1024, 0, None),
    ];
    let allowed = allow(&["g4dn", "g5", "g6", "g6e"]);
    let plan = plan_capacity(&services, &allowed, "us-east-1", None).unwrap();
    let why = explain_gpu_choices(&plan, &services, &allowed, Catalog::builtin());
    assert_eq!(why.len(), 1, "only the GPU service is explained");
    let whisper = &why[0];
    assert_eq!(whisper.chosen, ["g6e.xlarge"]);
    // Every cheaper type misses on GPU memory (16, 24 or 22 GiB per GPU against ≥ 40).
    assert!(!whisper.cheaper_misfits.is_empty());
    assert!(whisper
        .cheaper_misfits
        .iter()
        .all(|(_, _, why)| why.contains("per GPU, needs ≥ 40")));
    assert!(whisper.cheaper_fits.is_empty());
    let next = whisper.next_fit.as_ref().expect("a dearer g6e fits too");
    assert!(next.0.starts_with("g6e."), "{next:?}");
    insta::assert_snapshot!(render_explanations(&why));
}

#[test]
fn the_cheapest_type_that_fits_says_so() {
    let services = [svc("llm", 1, 2048, 8192, 1, None)];
    let allowed = allow(&["g4dn", "g5"]);
    let plan = plan_capacity(&services, &allowed, "us-east-1", None).unwrap();
    let why = explain_gpu_choices(&plan, &services, &allowed, Catalog::builtin());
    assert_eq!(why[0].chosen, ["g4dn.xlarge"]);
    let text = render_explanations(&why);
    assert!(
        text.contains("it is the cheapest allowed type that holds one task"),
        "{text}"
    );
    assert!(
        text.contains("next cheapest that holds a task: g4dn.2xlarge"),
        "{text}"
    );
}

#[test]
fn a_fargate_only_platform_has_nothing_to_explain() {
    let services = [svc("api", 2, 512, 1024, 0, None)];
    let plan = plan_capacity(&services, &AllowList::all(), "us-east-1", None).unwrap();
    let why = explain_gpu_choices(&plan, &services, &AllowList::all(), Catalog::builtin());
    assert!(why.is_empty());
    assert!(render_explanations(&why).starts_with("No GPU service"));
}

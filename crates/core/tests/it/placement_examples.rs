//! Worked examples of placement and cost: small fleets whose best plan is known by hand.

use crate::support::{allow, svc};
use rnd_core::catalog::{Catalog, Usd};
use rnd_core::placement::{
    check_gpu_fit, plan_capacity, render_capacity_text, AllowList, NoFitReason, Placement, PreviousPlacement,
};

#[test]
fn a_small_inference_task_goes_alone_on_the_cheapest_gpu() {
    let plan = plan_capacity(
        &[svc("llm", 2, 2048, 8192, 1, None)],
        &AllowList::all(),
        "us-east-1",
        None,
    )
    .unwrap();
    assert_eq!(plan.instances.len(), 2);
    assert!(plan.instances.iter().all(|i| i.instance_type == "g4dn.xlarge"));
    assert_eq!(plan.total_hourly_cost, Usd::parse("1.052").unwrap());
    assert_eq!(plan.total_monthly_cost, Usd::parse("767.96").unwrap());
    let Placement::Ec2 { instance_type, .. } = &plan.services[0].placement else {
        panic!("not ec2")
    };
    assert_eq!(instance_type.as_deref(), Some("g4dn.xlarge"));
}

#[test]
fn two_gpu_tasks_share_a_four_gpu_instance() {
    let plan = plan_capacity(
        &[svc("train", 2, 4096, 16384, 2, None)],
        &allow(&["g4dn"]),
        "us-east-1",
        None,
    )
    .unwrap();
    assert_eq!(plan.instances.len(), 1);
    assert_eq!(plan.instances[0].instance_type, "g4dn.12xlarge");
    assert_eq!(plan.services[0].hourly_cost, Usd::parse("3.912").unwrap());
}

#[test]
fn cpu_hungry_tasks_share_big_instances_with_small_ones() {
    // Alone, a 20-vCPU task needs g4dn.8xlarge ($2.176); two of them plus two small tasks fit
    // one g4dn.12xlarge ($3.912) instead of $2.176 × 2 + $0.526 × 2 = $5.404.
    let services = [
        svc("big", 2, 20 * 1024, 32768, 1, None),
        svc("small", 2, 2048, 8192, 1, None),
    ];
    let plan = plan_capacity(&services, &allow(&["g4dn"]), "us-east-1", None).unwrap();
    assert_eq!(plan.total_hourly_cost, Usd::parse("3.912").unwrap());
    let shares: Usd = plan.services.iter().map(|s| s.hourly_cost).sum();
    assert_eq!(shares, plan.total_hourly_cost);
}

#[test]
fn fargate_services_get_sized_and_priced() {
    let plan = plan_capacity(
        &[svc("api", 3, 1024, 9 * 1024, 0, None)],
        &AllowList::all(),
        "us-east-1",
        None,
    )
    .unwrap();
    assert_eq!(
        plan.services[0].placement,
        Placement::Fargate {
            cpu: 2048,
            memory: 9216
        }
    );
    assert!(plan.instances.is_empty());
    assert!(plan.instance_counts.iter().all(|c| c.count == 0));
    let each =
        Catalog::builtin()
            .fargate_price("us-east-1")
            .unwrap()
            .hourly(rnd_core::catalog::FargateSize {
                cpu_units: 2048,
                memory_mib: 9216,
            });
    assert_eq!(plan.total_hourly_cost, each * 3);
}

#[test]
fn too_much_gpu_memory_names_the_closest_type() {
    let err = check_gpu_fit(
        &svc("big", 1, 4096, 16384, 4, Some(48)),
        &allow(&["g6e"]),
        "us-east-1",
        Catalog::builtin(),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("service big: needs 4 GPUs with ≥ 48 GiB each"),
        "{text}"
    );
    assert!(
        text.contains("the closest allowed type g6e.12xlarge has 4 GPUs of 44.7 GiB"),
        "{text}"
    );
    assert!(text.contains("GPUs too small"), "{text}");
}

#[test]
fn a_type_without_price_is_never_placed_and_says_why() {
    let err = check_gpu_fit(
        &svc("h200", 1, 4096, 16384, 8, None),
        &allow(&["p5e"]),
        "us-east-1",
        Catalog::builtin(),
    )
    .unwrap_err();
    assert!(matches!(err.reason, NoFitReason::NothingPriced { .. }), "{err}");
    assert!(err.to_string().contains("p5e.48xlarge"), "{err}");
}

#[test]
fn every_unplaceable_service_is_reported() {
    let services = [
        svc("a", 1, 32768, 1024, 0, None),
        svc("b", 1, 1024, 1024, 9, None),
        svc("ok", 1, 256, 512, 0, None),
    ];
    let errors = plan_capacity(&services, &AllowList::all(), "us-east-1", None).unwrap_err();
    let names: Vec<&str> = errors.iter().map(|e| e.service.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
}

#[test]
fn keeping_the_previous_plan_moves_nothing_when_nothing_changed() {
    let services = [
        svc("big", 3, 20 * 1024, 32768, 1, None),
        svc("small", 5, 2048, 8192, 1, None),
    ];
    let first = plan_capacity(&services, &AllowList::all(), "us-east-1", None).unwrap();
    let again = plan_capacity(
        &services,
        &AllowList::all(),
        "us-east-1",
        Some(&PreviousPlacement::from(&first)),
    )
    .unwrap();
    assert_eq!(first, again);
}

#[test]
fn the_text_report_lists_services_instances_and_totals() {
    let services = [
        svc("big", 3, 20 * 1024, 32768, 1, None),
        svc("small", 5, 2048, 8192, 1, None),
    ];
    let plan = plan_capacity(&services, &AllowList::all(), "us-east-1", None).unwrap();
    let text = render_capacity_text(&plan);
    assert!(
        text.contains(
            "1  g4dn.12xlarge (4 × NVIDIA T4 16 GiB)  big#0 big#1 small#0 small#1  $3.9120  $2855.76"
        ),
        "{text}"
    );
    assert!(
        text.contains("53 other allowed instance types run 0 instances."),
        "{text}"
    );
    assert!(
        text.contains("Total: $7.5044 per hour, $5478.21 per month (730 h)\n"),
        "{text}"
    );
    // The certificate closes the report. On 8 tasks the configuration LP is far from whole
    // instances (its bound is 8.45 % lower), so the fleet is solved exactly: this packing is
    // the cheapest.
    assert!(
        text.ends_with(
            "Tasks: $7.5044 per hour; no packing of these tasks on the allowed types costs less (proven cheapest).\n"
        ),
        "{text}"
    );
    assert!(plan.lower_bound_hourly <= plan.total_hourly_cost);
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(json["services"][0]["placement"]["kind"], "ec2");
    assert_eq!(json["instances"][0]["type"], "g4dn.12xlarge");
    assert_eq!(json["instances"][0]["tasks"][0]["service"], "big");
    assert_eq!(json["total_hourly_cost"].as_f64(), Some(7.5044));
    assert_eq!(json["gap_percent"].as_f64(), Some(0.0));
    assert_eq!(json["lower_bound_hourly"].as_f64(), Some(7.5044));
}

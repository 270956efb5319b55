//! Properties of planning over generated platforms, manifest sets and observed snapshots.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use rnd_core::manifest::{Manifest, Route};
use rnd_core::placement::AllowList;
use rnd_core::plan::current::existing_gpu_types;
use rnd_core::plan::desired::{desired_state, DesiredInputs};
use rnd_core::plan::diff::{diff, Action};
use rnd_core::plan::kept::keeps_log_group;
use rnd_core::plan::naming::Names;
use rnd_core::plan::observed::{ObservedResource, ObservedState};
use rnd_core::plan::ownership::in_place;
use rnd_core::plan::planner::{changes, idle_gpu_types};
use rnd_core::plan::render::{plan_json, render_markdown, render_mermaid, render_text};
use rnd_core::plan::resource::ResourceKind;
use rnd_core::plan::simulate::simulate_apply;
use rnd_core::plan::{demand_of, plan, plan_with_fanout, Fanout, Plan, PlanError, PlanOptions};
use rnd_core::platform::SecretsStore as Store;
use rnd_core::platform::{Limits, Notifications, Platform, Routing, RoutingMode, SecretsStore, SlackTarget};
use rnd_core::repository::Repository;

const SERVICE_NAMES: &[&str] = &[
    "api", "chat", "whisper", "llm", "embed", "ocr", "ui", "jobs", "tts", "rank",
];

fn platform() -> impl Strategy<Value = Platform> {
    (
        prop_oneof![Just("research"), Just("ml")],
        prop_oneof![Just(RoutingMode::Host), Just(RoutingMode::Path)],
        proptest::sample::subsequence(vec!["g4dn", "g5", "g6", "g6e"], 0..=4),
        any::<bool>(),
    )
        .prop_map(|(name, mode, gpu_types, secrets_manager)| {
            let store = if secrets_manager {
                SecretsStore::SecretsManager
            } else {
                SecretsStore::Ssm
            };
            a_platform(name, mode, &gpu_types, store)
        })
}

fn a_platform(name: &str, mode: RoutingMode, gpu_types: &[&str], secrets_store: SecretsStore) -> Platform {
    Platform {
        name: name.into(),
        region: "us-east-1".into(),
        network: None,
        routing: Routing {
            mode,
            domain: "research.example.com".into(),
            scheme: rnd_core::platform::Scheme::InternetFacing,
            allowed_cidrs: rnd_core::platform::EVERYWHERE.map(String::from).to_vec(),
            sign_in: None,
            allow_public_services: true,
            hosted_zone_id: None,
        },
        certificate_arn: "arn:aws:acm:us-east-1:123456789012:certificate/abc".into(),
        log_retention_days: 30,
        gpu_instance_types: gpu_types.iter().map(|t| t.to_string()).collect(),
        gpu_root_volume_gib: None,
        limits: Limits::default(),
        notifications: Notifications {
            slack: SlackTarget::WebhookEnv {
                variable: "RND_SLACK_WEBHOOK_URL".into(),
            },
        },
        secrets_store,
        scale_to_zero: None,
        tags: BTreeMap::from([("team".to_string(), "research".to_string())]),
    }
}

fn manifest(name: &'static str) -> impl Strategy<Value = Manifest> {
    (
        prop_oneof![4 => Just(0u32), 2 => Just(1u32), 1 => Just(2u32), 1 => Just(4u32)],
        prop_oneof![Just(256u32), Just(1024), Just(4096)],
        prop_oneof![Just(512u32), Just(2048), Just(8192)],
        proptest::option::of((1024u16..9000, any::<bool>())),
        0u32..3,
        prop_oneof![Just("v1"), Just("v2")],
        proptest::collection::btree_map("[A-Z]{1,4}", "[a-z0-9 ]{0,8}", 0..3),
        proptest::collection::btree_map("S_[A-Z]{1,3}", "[a-z]{1,6}", 0..2),
    )
        .prop_map(
            move |(gpu, cpu_units, memory_mib, route, replicas, version, env, secrets)| Manifest {
                name: name.to_string(),
                image: format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}"),
                version: version.to_string(),
                cpu_units,
                memory_mib,
                gpu,
                gpu_memory_mib: None,
                route: route.map(|(port, websocket)| Route {
                    port,
                    websocket,
                    public: false,
                    health_check: "/".into(),
                    idle_after_minutes: None,
                }),
                replicas,
                env,
                secrets,
            },
        )
}

fn manifests() -> impl Strategy<Value = Vec<Manifest>> {
    proptest::sample::subsequence(SERVICE_NAMES.to_vec(), 0..=SERVICE_NAMES.len())
        .prop_flat_map(|names| names.into_iter().map(manifest).collect::<Vec<_>>())
}

/// A repository, and an observed snapshot left by deploying another manifest set on the same
/// platform, then damaged: resources lost (a crash), a desired count edited behind rnd's back,
/// or every resource applied by an older rnd.
fn scenario() -> impl Strategy<Value = (Repository, ObservedState)> {
    (
        platform(),
        manifests(),
        manifests(),
        proptest::collection::vec(any::<prop::sample::Index>(), 0..4),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(platform, now, before, lost, drift, stale)| {
            let previous = Repository {
                platform: platform.clone(),
                manifests: before,
            };
            let mut observed = match plan(&previous, &ObservedState::default()) {
                Ok(p) => simulate_apply(&p, &ObservedState::default()),
                Err(_) => ObservedState::default(),
            };
            for index in lost {
                if !observed.resources.is_empty() {
                    let i = index.index(observed.resources.len());
                    observed.resources.remove(i);
                }
            }
            if stale {
                // As if an older rnd had applied everything: every hash differs, so every
                // resource is updated at once, with creations and deletions mixed in.
                for r in &mut observed.resources {
                    r.tags.insert("rnd:hash".into(), "0000000000000000".into());
                }
            }
            if drift {
                if let Some(service) = observed
                    .resources
                    .iter_mut()
                    .find(|r| r.kind == ResourceKind::EcsService)
                {
                    service.attributes.insert("desired_count".into(), 7.into());
                }
            }
            (
                Repository {
                    platform,
                    manifests: now,
                },
                observed,
            )
        })
}

/// Plans whose services fit some allowed instance type. A case whose services fit nowhere is
/// rejected (`prop_assume!`), so proptest generates another and counts it: too many rejections
/// fail the run instead of passing it untested. Any other error fails the property.
fn plannable(result: Result<Plan, PlanError>) -> Result<Plan, TestCaseError> {
    prop_assume!(
        !matches!(result, Err(PlanError::Placement(_))),
        "some service fits no allowed capacity"
    );
    result.map_err(|other| TestCaseError::fail(format!("planning failed: {other}")))
}

/// A fanout as unlike the sequential one as the contract allows: small chunks of `size` items
/// (the last one shorter), each on a thread of its own, finishing in whatever order.
struct ThreadPerChunk {
    size: usize,
}

impl Fanout for ThreadPerChunk {
    // A test may start threads; the core may not (clippy.toml), which is why this lives here.
    #[allow(clippy::disallowed_methods, clippy::disallowed_types)]
    fn map_chunks<T: Sync, R: Send>(&self, items: &[T], f: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
        std::thread::scope(|scope| {
            let handles: Vec<_> = items
                .chunks(self.size)
                .map(|chunk| scope.spawn(|| f(chunk)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    }
}

fn rendered(plan: &Plan) -> [String; 4] {
    [
        render_text(plan, false),
        render_markdown(plan),
        render_mermaid(plan),
        plan_json(plan).to_string(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn the_same_input_gives_byte_identical_json((repository, observed) in scenario()) {
        let a = plannable(plan(&repository, &observed))?;
        let b = plan(&repository, &observed).unwrap();
        prop_assert_eq!(plan_json(&a).to_string(), plan_json(&b).to_string());
    }

    #[test]
    fn threads_and_chunks_do_not_change_the_plan((repository, observed) in scenario(), size in 1usize..4) {
        let sequential = plannable(plan(&repository, &observed))?;
        let threaded =
            plan_with_fanout(&repository, &observed, PlanOptions::default(), &ThreadPerChunk { size }).unwrap();
        prop_assert_eq!(rendered(&sequential), rendered(&threaded));
    }

    #[test]
    fn every_dependency_comes_before_its_dependents((repository, observed) in scenario()) {
        let p = plannable(plan(&repository, &observed))?;
        let json = plan_json(&p);
        let mut seen = BTreeSet::new();
        for op in json["operations"].as_array().unwrap() {
            for dep in op["depends_on"].as_array().unwrap() {
                prop_assert!(seen.contains(dep.as_str().unwrap()), "{} before {}", op["id"], dep);
            }
            prop_assert!(seen.insert(op["id"].as_str().unwrap().to_string()), "duplicate id {}", op["id"]);
        }
    }

    #[test]
    fn applying_a_plan_then_planning_again_changes_nothing((repository, observed) in scenario()) {
        let first = plannable(plan(&repository, &observed))?;
        let after = simulate_apply(&first, &observed);
        let second = plan(&repository, &after).unwrap();
        prop_assert!(!second.has_changes(), "{}", render_text(&second, false));
    }

    #[test]
    fn removing_one_manifest_only_deletes_that_service_and_keeps_its_logs((repository, _) in scenario(), pick in any::<prop::sample::Index>()) {
        prop_assume!(!repository.manifests.is_empty());
        let first = plannable(plan(&repository, &ObservedState::default()))?;
        let deployed = simulate_apply(&first, &ObservedState::default());
        let mut smaller = repository.clone();
        let removed = smaller.manifests.remove(pick.index(smaller.manifests.len())).name;
        let p = plan(&smaller, &deployed).unwrap();
        for op in p.graph.operations() {
            match &op.service {
                // Its log group is kept, marked as a removed service's (`plan::kept`).
                Some(s) if *s == removed && op.id.kind == ResourceKind::LogGroup => {
                    prop_assert!(keeps_log_group(op), "{}", op.address)
                }
                Some(s) if *s == removed => prop_assert_eq!(op.action, Action::Delete, "{}", op.address),
                Some(s) => prop_assert!(false, "service {} touched by removing {}: {}", s, removed, op.address),
                None => {} // capacity and foundations may follow (a last GPU user, a balancer's timeout)
            }
        }
    }

    #[test]
    fn adding_one_manifest_touches_no_other_service((repository, _) in scenario(), extra in manifest("newcomer")) {
        let first = plannable(plan(&repository, &ObservedState::default()))?;
        let deployed = simulate_apply(&first, &ObservedState::default());
        let mut bigger = repository.clone();
        bigger.manifests.push(extra);
        let p = plannable(plan(&bigger, &deployed))?;
        for op in p.graph.operations() {
            if let Some(s) = &op.service {
                prop_assert_eq!(s.as_str(), "newcomer", "{}", op.address);
            }
        }
    }

    #[test]
    fn secrets_appear_only_as_references((repository, observed) in scenario()) {
        let p = plannable(plan(&repository, &observed))?;
        let platform = &repository.platform.name;
        let reference = |path: &str| match repository.platform.secrets_store {
            Store::Ssm => format!("ssm:/{path}"),
            Store::SecretsManager => format!("secretsmanager:{path}"),
        };
        let renderings = rendered(&p);
        for m in &repository.manifests {
            let expected: BTreeMap<&str, String> = m
                .secrets
                .iter()
                .map(|(env, secret)| (env.as_str(), reference(&format!("{platform}/{}/{secret}", m.name))))
                .collect();
            for op in p.graph.operations().filter(|op| op.service.as_deref() == Some(m.name.as_str())) {
                let Some(desired) = &op.desired else { continue };
                let attributes = desired.attributes();
                match op.id.kind {
                    // The container gets each secret as a reference to this service's own path,
                    // exactly the manifest's, and never as a plain environment variable.
                    ResourceKind::TaskDefinition => {
                        let secrets: BTreeMap<&str, String> = attributes["secrets"]
                            .as_object()
                            .unwrap()
                            .iter()
                            .map(|(env, r)| (env.as_str(), r.as_str().unwrap().to_string()))
                            .collect();
                        prop_assert_eq!(&secrets, &expected, "{}", op.address);
                        let environment = attributes["environment"].as_object().unwrap();
                        for env in expected.keys() {
                            prop_assert!(!environment.contains_key(*env), "{} in environment of {}", env, op.address);
                        }
                        // A new definition shows every attribute: its references are rendered.
                        if op.action != Action::Delete && op.observed.is_none() {
                            for text in &renderings[..2] {
                                for r in expected.values() {
                                    prop_assert!(text.contains(r.as_str()), "{} not rendered for {}", r, op.address);
                                }
                            }
                        }
                    }
                    // Everything else (the ECS service included: it names the task definition by
                    // family and hash) carries no secret, not even a reference.
                    _ => {
                        let json = serde_json::to_string(attributes).unwrap();
                        for (env, r) in &expected {
                            prop_assert!(!json.contains(r.as_str()), "{} in {}", r, op.address);
                            prop_assert!(!json.contains(&format!("\"{env}\"")), "{} in {}", env, op.address);
                        }
                    }
                }
            }
            // Wherever a secret's variable is rendered (this plan's definitions, old revisions
            // being deleted, updates showing before and after), its value is a reference into the
            // platform's store, never anything else.
            for env in expected.keys() {
                let key = format!("\"{env}\":\"");
                for text in &renderings {
                    for (at, _) in text.match_indices(&key) {
                        let value = &text[at + key.len()..];
                        prop_assert!(
                            value.starts_with(&format!("ssm:/{platform}/"))
                                || value.starts_with(&format!("secretsmanager:{platform}/")),
                            "{} rendered with a value that is no reference: {}",
                            env,
                            &value[..value.len().min(60)]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn resources_not_tagged_for_the_platform_change_nothing((repository, observed) in scenario()) {
        let p = plannable(plan(&repository, &observed))?;
        // The same resources again, with the same kinds and names: once tagged for another
        // platform, once without rnd's platform tag (made by hand, or by another tool).
        let mut crowded = observed.clone();
        for r in &observed.resources {
            let mut elsewhere = r.clone();
            elsewhere.tags.insert("rnd:platform".into(), "elsewhere".into());
            let mut untagged = r.clone();
            untagged.tags.remove("rnd:platform");
            crowded.resources.extend([elsewhere, untagged]);
        }
        let q = plannable(plan(&repository, &crowded))?;
        prop_assert_eq!(rendered(&p), rendered(&q));
    }

    #[test]
    fn no_plan_touches_a_resource_whose_tags_or_name_say_it_is_not_the_platforms(
        (repository, observed) in scenario()
    ) {
        // Beside the platform's own: copies tagged for another platform, copies without the
        // platform tag, and copies carrying its tag under names rnd never gives (tags copied
        // by hand onto something else).
        let platform = repository.platform.name.clone();
        let mut crowded = observed.clone();
        for r in &observed.resources {
            let mut elsewhere = r.clone();
            elsewhere.tags.insert("rnd:platform".into(), "elsewhere".into());
            let mut untagged = r.clone();
            untagged.tags.remove("rnd:platform");
            let mut misplaced = r.clone();
            misplaced.name = format!("x{}", r.name);
            crowded.resources.extend([elsewhere, untagged, misplaced]);
        }
        let p = plannable(plan(&repository, &crowded))?;
        let names = Names::new(&platform);
        for op in p.graph.operations() {
            if let Some(have) = &op.observed {
                prop_assert_eq!(have.tags.get("rnd:platform"), Some(&platform), "{}", op.address);
                prop_assert!(in_place(&names, have.kind, &have.name), "{}", op.address);
            }
        }
    }

    #[test]
    fn the_planner_compares_exactly_the_desired_state((repository, observed) in scenario(), size in 1usize..4) {
        // `plan` never builds the whole desired state: it compares one service at a time, on the
        // fanout's chunks, and the shared resources apart. That must find exactly the changes of
        // the plain statement, the whole desired state diffed against what exists.
        let p = plannable(plan(&repository, &observed))?;
        let platform = &repository.platform;
        let names = Names::new(&platform.name);
        let existing: Vec<&ObservedResource> = observed.of_platform(&platform.name).collect();
        let demands: Vec<_> = repository.manifests.iter().map(demand_of).collect();
        let kept_gpu_types = existing_gpu_types(&existing, &names);
        let idle_gpu_services =
            idle_gpu_types(&demands, &AllowList(platform.gpu_instance_types.clone()), &platform.region);
        let warm_pools = rnd_core::plan::warm::warm_pools(
            &repository,
            &p.capacity,
            &idle_gpu_services,
            &BTreeSet::new(),
            &AllowList(platform.gpu_instance_types.clone()),
        );
        let inputs = DesiredInputs {
            repository: &repository,
            capacity: &p.capacity,
            routes: &p.routes,
            kept_gpu_types: &kept_gpu_types,
            idle_gpu_services: &idle_gpu_services,
            warm_pools: &warm_pools,
        };
        let streamed = changes(&inputs, &existing, &ThreadPerChunk { size });
        let whole = diff(&desired_state(&inputs), &existing);
        prop_assert_eq!(&streamed, &whole);
        // And these are the planner's own inputs: its graph holds the same operations.
        let planned: BTreeSet<&str> = p.graph.operations().map(|op| op.address.as_str()).collect();
        let compared: BTreeSet<&str> = whole.iter().map(|c| c.address.as_str()).collect();
        prop_assert_eq!(planned, compared);
    }
}

#[test]
fn removing_the_last_gpu_service_scales_every_group_to_zero() {
    let repository = |gpu: u32| Repository {
        platform: a_platform("research", RoutingMode::Host, &["g5", "g6"], SecretsStore::Ssm),
        manifests: vec![Manifest {
            name: "llm".into(),
            image: "repo/llm".into(),
            version: "v1".into(),
            cpu_units: 1024,
            memory_mib: 4096,
            gpu,
            gpu_memory_mib: None,
            route: None,
            replicas: 1,
            env: BTreeMap::new(),
            secrets: BTreeMap::new(),
        }],
    };
    let with_gpu = repository(1);
    let deployed = simulate_apply(
        &plan(&with_gpu, &ObservedState::default()).unwrap(),
        &ObservedState::default(),
    );
    let without = plan(&repository(0), &deployed).unwrap();
    let after = simulate_apply(&without, &deployed);
    let groups: Vec<_> = after
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::AutoScalingGroup)
        .collect();
    assert!(!groups.is_empty(), "the group stays, empty");
    for g in groups {
        assert_eq!(g.attributes["desired_capacity"], 0, "{}", g.name);
    }
}

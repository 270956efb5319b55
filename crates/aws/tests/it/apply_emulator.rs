//! Observe and apply against the AWS emulator (moto's server) through the real SDK: a first
//! apply and its convergence, a crashed run's rerun, failure isolation, stability, GPU
//! instances. Needs `scripts/emulator start` (fails otherwise).
//!
//! What the emulator cannot show, and these tests therefore do not claim: moto's ECS does not
//! store a service's capacity provider strategy or deployment configuration (checked here in
//! the requests the SDK sends instead); services never run real tasks; GPU instances never
//! launch.

use std::collections::BTreeMap;

use crate::support::*;
use aws_sdk_ecs::types::{ServiceField, TaskDefinitionField};
use rnd_aws::{apply, events, observe, ApplyOptions, Clients, Event, OperationResult, ServiceOutcome};
use rnd_core::plan::diff::Action;
use rnd_core::plan::observed::{ObservedState, TAG_HASH, TAG_PLATFORM, TAG_SERVICE};
use rnd_core::plan::resource::ResourceKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_apply_creates_the_planned_resources_and_planning_again_finds_nothing_to_do() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let (clients, recorder) = clients_recording(&config);
    let platform = &unique("first");
    let cert = certificate(&config, &format!("{platform}.example.com")).await;
    let repo = repository(
        platform,
        &cert,
        &[
            ("web", routed("web", "v1", 8080)),
            ("jobs", worker("jobs", "v1")),
            ("vision", gpu("vision", "v1", 9000)),
        ],
    );

    let (plan, report, events) = round(&clients, &repo).await;
    let planned: Vec<String> = plan.graph.operations().map(|c| c.address.clone()).collect();
    assert!(plan.graph.operations().all(|c| c.action == Action::Create));
    assert_eq!(report.operations.len(), planned.len());
    assert!(matches!(events.first(), Some(Event::RunStarted { .. })));
    assert!(matches!(
        events.last(),
        Some(Event::RunFinished {
            failed: 0,
            skipped: 0,
            ..
        })
    ));
    for service in ["web", "jobs", "vision"] {
        assert!(
            events.contains(&Event::ServiceApplied {
                service: service.into()
            }),
            "no ServiceApplied event for {service}"
        );
    }

    // Observing finds exactly what was planned, and planning again finds nothing to do.
    let (observed, remaining) = remaining_changes(&clients, &repo).await;
    assert_eq!(
        remaining,
        Vec::<String>::new(),
        "planning again should find nothing to do"
    );
    let mut found: Vec<String> = observed
        .resources
        .iter()
        .map(|r| r.address().replace(":1", ""))
        .collect();
    found.sort();
    let mut expected = planned.clone();
    expected.sort();
    assert_eq!(found, expected);
    for r in &observed.resources {
        assert_eq!(
            r.tags.get(TAG_PLATFORM).map(String::as_str),
            Some(platform.as_str()),
            "{}",
            r.address()
        );
        assert!(r.tags.contains_key(TAG_HASH), "{} has no hash tag", r.address());
        assert_eq!(
            r.tags.get("team").map(String::as_str),
            Some("research"),
            "{}",
            r.address()
        );
    }

    // Checked independently of `observe`, through the SDK.
    let ec2 = &clients.ec2;
    let groups = ec2
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("group-name")
                .values(format!("{platform}-web"))
                .values(format!("{platform}-alb"))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let id_of = |name: &str| {
        groups
            .security_groups()
            .iter()
            .find(|g| g.group_name() == Some(name))
            .and_then(|g| g.group_id())
            .unwrap()
            .to_string()
    };
    let web_group = groups
        .security_groups()
        .iter()
        .find(|g| g.group_name() == Some(&format!("{platform}-web")))
        .unwrap();
    let ingress = web_group.ip_permissions();
    assert_eq!(ingress.len(), 1, "only the container port is open");
    assert_eq!(
        (ingress[0].from_port(), ingress[0].to_port()),
        (Some(8080), Some(8080))
    );
    assert!(ingress[0].ip_ranges().is_empty(), "no CIDR may reach a service");
    assert_eq!(
        ingress[0].user_id_group_pairs()[0].group_id(),
        Some(id_of(&format!("{platform}-alb")).as_str()),
        "only the load balancers' group may reach a service"
    );

    let ecs = &clients.ecs;
    let td = ecs
        .describe_task_definition()
        .task_definition(format!("{platform}-web"))
        .include(TaskDefinitionField::Tags)
        .send()
        .await
        .unwrap();
    let def = td.task_definition().unwrap();
    let container = &def.container_definitions()[0];
    assert_eq!(
        container.image(),
        Some("123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1")
    );
    assert_eq!(container.port_mappings()[0].container_port(), Some(8080));
    assert_eq!(def.requires_compatibilities()[0].as_str(), "FARGATE");
    assert_eq!(
        td.tags()
            .iter()
            .find(|t| t.key() == Some(TAG_SERVICE))
            .and_then(|t| t.value()),
        Some("web")
    );
    let gpu_td = ecs
        .describe_task_definition()
        .task_definition(format!("{platform}-vision"))
        .send()
        .await
        .unwrap();
    let gpu_container = &gpu_td.task_definition().unwrap().container_definitions()[0];
    assert_eq!(gpu_container.resource_requirements()[0].value(), "1");
    let jobs_td = ecs
        .describe_task_definition()
        .task_definition(format!("{platform}-jobs"))
        .send()
        .await
        .unwrap();
    let secret = &jobs_td.task_definition().unwrap().container_definitions()[0].secrets()[0];
    assert_eq!(
        (secret.name(), secret.value_from()),
        ("API_KEY", format!("/{platform}/jobs/api-key").as_str())
    );

    let services = ecs
        .describe_services()
        .cluster(platform)
        .services("web")
        .services("jobs")
        .services("vision")
        .include(ServiceField::Tags)
        .send()
        .await
        .unwrap();
    assert_eq!(services.services().len(), 3);
    let web = services
        .services()
        .iter()
        .find(|s| s.service_name() == Some("web"))
        .unwrap();
    assert_eq!(web.load_balancers()[0].container_port(), Some(8080));
    assert!(web
        .task_definition()
        .unwrap()
        .ends_with(&format!("{platform}-web:1")));
    // The emulator does not store capacity provider strategies: check what was asked for.
    let strategies: BTreeMap<String, serde_json::Value> = recorder
        .requests("CreateService")
        .into_iter()
        .map(|b| {
            (
                b["serviceName"].as_str().unwrap().to_string(),
                b["capacityProviderStrategy"].clone(),
            )
        })
        .collect();
    assert_eq!(
        strategies["web"],
        serde_json::json!([{ "capacityProvider": "FARGATE", "weight": 1, "base": 0 }])
    );
    let wanted_vision = plan
        .graph
        .operations()
        .find(|c| c.address == "ecs_service.vision")
        .and_then(|c| c.desired.as_ref())
        .map(|d| d.attributes()["capacity_providers"].clone())
        .unwrap();
    let (provider, weight) = wanted_vision.as_object().unwrap().iter().next().unwrap();
    assert!(
        provider.starts_with(&format!("{platform}-g")),
        "the GPU service runs on a GPU capacity provider"
    );
    assert_eq!(
        strategies["vision"],
        serde_json::json!([{ "capacityProvider": provider, "weight": weight, "base": 0 }])
    );
    let deployment = &recorder.requests("CreateService")[0]["deploymentConfiguration"];
    assert_eq!(
        deployment["deploymentCircuitBreaker"],
        serde_json::json!({ "enable": true, "rollback": true })
    );

    let elb = &clients.elb;
    let tg = elb
        .describe_target_groups()
        .names(format!("{platform}-web"))
        .send()
        .await
        .unwrap();
    let tg = &tg.target_groups()[0];
    assert_eq!(tg.health_check_path(), Some("/health"));
    let lb = elb
        .describe_load_balancers()
        .names(format!("{platform}-alb-1"))
        .send()
        .await
        .unwrap();
    let listeners = elb
        .describe_listeners()
        .load_balancer_arn(lb.load_balancers()[0].load_balancer_arn().unwrap())
        .send()
        .await
        .unwrap();
    let https = listeners
        .listeners()
        .iter()
        .find(|l| l.port() == Some(443))
        .unwrap();
    assert_eq!(https.certificates()[0].certificate_arn(), Some(cert.as_str()));
    let rules = elb
        .describe_rules()
        .listener_arn(https.listener_arn().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        rules
            .rules()
            .iter()
            .filter(|r| r.is_default() != Some(true))
            .count(),
        2
    );
    let host = format!("web.{platform}.example.com");
    let rule = rules
        .rules()
        .iter()
        .find(|r| {
            r.conditions().iter().any(|c| {
                c.host_header_config()
                    .is_some_and(|h| h.values() == [host.clone()])
            })
        })
        .expect("a host rule for web");
    assert_eq!(rule.actions()[0].target_group_arn(), tg.target_group_arn());

    let logs = clients
        .logs
        .describe_log_groups()
        .log_group_name_prefix(format!("/rnd/{platform}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(logs.log_groups().len(), 3);
    assert!(logs
        .log_groups()
        .iter()
        .all(|g| g.retention_in_days() == Some(14)));
    let role = clients
        .iam
        .get_role()
        .role_name(format!("{platform}-web-task"))
        .send()
        .await
        .unwrap();
    assert_eq!(role.role().unwrap().path(), format!("/rnd/{platform}/"));
    let gpu_type = &plan
        .capacity
        .instance_counts
        .iter()
        .find(|c| c.count > 0)
        .unwrap()
        .instance_type;
    let asg = clients
        .autoscaling
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(format!("{platform}-{gpu_type}"))
        .send()
        .await
        .unwrap();
    let group = &asg.auto_scaling_groups()[0];
    assert_eq!((group.min_size(), group.desired_capacity()), (Some(0), Some(1)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observing_a_platform_that_does_not_exist_finds_nothing() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let observed = observe(&clients, "nothing").await.unwrap();
    assert!(observed.resources.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_after_a_crash_adopts_what_the_first_run_created() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let platform = &unique("crash");
    let cert = certificate(&config, &format!("{platform}.example.com")).await;
    let repo = repository(
        platform,
        &cert,
        &[
            ("web", routed("web", "v1", 8080)),
            ("jobs", worker("jobs", "v1")),
            ("vision", gpu("vision", "v1", 9000)),
        ],
    );
    // Both runs work from the same stale snapshot (an empty account), as a run that crashed
    // before observing its own work would leave the next one: every creation finds its
    // resource already there.
    let empty = ObservedState::default();
    let plan = rnd_core::plan::plan(&repo, &empty).unwrap();
    for run in 1..=2 {
        let report = apply(
            &clients,
            &plan,
            &empty,
            ApplyOptions::default(),
            events::discard(),
        )
        .await
        .unwrap();
        assert!(report.succeeded(), "run {run} failed:\n{:#?}", report.failures());
    }
    let (observed, remaining) = remaining_changes(&clients, &repo).await;
    assert_eq!(
        remaining,
        Vec::<String>::new(),
        "nothing duplicated, nothing left to do"
    );
    let revisions = observed
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::TaskDefinition)
        .count();
    assert_eq!(revisions, 3, "one revision per service, none registered twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_operation_fails_only_what_depends_on_it() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let platform = &unique("fail");
    // A certificate that does not exist: the HTTPS listener cannot be created, so no routed
    // service can get its rule; the worker does not depend on it.
    let missing_cert = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000";
    let repo = repository(
        platform,
        missing_cert,
        &[("web", routed("web", "v1", 8080)), ("jobs", worker("jobs", "v1"))],
    );
    let observed = observe(&clients, platform).await.unwrap();
    let plan = rnd_core::plan::plan(&repo, &observed).unwrap();
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    let report = apply(
        &clients,
        &plan,
        &observed,
        ApplyOptions::default(),
        events::channel(sender),
    )
    .await
    .unwrap();

    let https = format!("listener.{platform}-alb-1-https");
    let result_of = |address: &str| {
        report
            .operations
            .iter()
            .find(|o| o.address == address)
            .map(|o| o.result.clone())
            .unwrap()
    };
    assert!(matches!(result_of(&https), OperationResult::Failed(_)));
    assert!(matches!(
        result_of(&format!("listener_rule.{platform}-web")),
        OperationResult::Skipped { .. }
    ));
    assert!(matches!(
        result_of("ecs_service.web"),
        OperationResult::Skipped { .. }
    ));
    assert_eq!(result_of("ecs_service.jobs"), OperationResult::Done);
    assert_eq!(
        result_of(&format!("listener.{platform}-alb-1-http")),
        OperationResult::Done
    );
    assert_eq!(report.services["jobs"], ServiceOutcome::Applied);
    assert!(matches!(&report.services["web"], ServiceOutcome::Failed { errors } if !errors.is_empty()));

    let mut events = Vec::new();
    while let Ok(e) = receiver.try_recv() {
        events.push(e);
    }
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::OperationFailed { address, .. } if *address == https)));
    assert!(events.contains(&Event::ServiceApplied {
        service: "jobs".into()
    }));
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::ServiceFailed { service, .. } if service == "web")));
}

/// The emulator reports `MOTO_ECS_SERVICE_RUNNING` running tasks and a completed rollout for
/// every service (`scripts/emulator` starts it so); a failed rollout cannot be shown on the same
/// server, as that setting is server-wide.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_for_stability_reports_each_service_stable() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let platform = &unique("stab");
    let cert = certificate(&config, &format!("{platform}.example.com")).await;
    let repo = repository(
        platform,
        &cert,
        &[("web", routed("web", "v1", 8080)), ("jobs", worker("jobs", "v1"))],
    );
    let observed = observe(&clients, platform).await.unwrap();
    let plan = rnd_core::plan::plan(&repo, &observed).unwrap();
    let options = ApplyOptions {
        wait_for_stable: Some(std::time::Duration::from_secs(60)),
        poll_interval: std::time::Duration::from_secs(1),
        ..ApplyOptions::default()
    };
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    let report = apply(&clients, &plan, &observed, options, events::channel(sender))
        .await
        .unwrap();
    assert!(
        report.succeeded(),
        "{:#?}\n(the emulator must run with MOTO_ECS_SERVICE_RUNNING set, as scripts/emulator does)",
        report.services
    );
    assert_eq!(report.services["web"], ServiceOutcome::Stable);
    assert_eq!(report.services["jobs"], ServiceOutcome::Stable);
    let mut stable = Vec::new();
    while let Ok(e) = receiver.try_recv() {
        if let Event::ServiceStable { service } = e {
            stable.push(service);
        }
    }
    stable.sort();
    assert_eq!(stable, ["jobs", "web"]);
}

/// The emulator launches no instances for auto-scaling groups and runs no service tasks; the
/// test registers an instance and starts a task by hand, as the ECS agent and scheduler would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observe_reports_gpu_instances_and_their_tasks() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let platform = &unique("gpus");
    let cert = certificate(&config, &format!("{platform}.example.com")).await;
    let repo = repository(platform, &cert, &[("vision", gpu("vision", "v1", 9000))]);
    let (plan, _, _) = round(&clients, &repo).await;
    let instance_type = plan.capacity.instances[0].instance_type.clone();

    let instance = clients
        .ec2
        .run_instances()
        .image_id("ami-12c6146b")
        .instance_type(aws_sdk_ec2::types::InstanceType::from(instance_type.as_str()))
        .min_count(1)
        .max_count(1)
        .send()
        .await
        .unwrap();
    let instance_id = instance.instances()[0].instance_id().unwrap();
    let document = serde_json::json!({ "instanceId": instance_id, "instanceType": instance_type });
    clients
        .ecs
        .register_container_instance()
        .cluster(platform.as_str())
        .instance_identity_document(document.to_string())
        .send()
        .await
        .unwrap();
    // The emulator gives registered instances less memory than the type has: a small task
    // stands in for the service's (the service a task belongs to is its group).
    clients
        .ecs
        .register_task_definition()
        .family(format!("probe-{platform}"))
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder()
                .name("probe")
                .image("probe")
                .memory(128)
                .cpu(128)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let task = clients
        .ecs
        .run_task()
        .cluster(platform.as_str())
        .task_definition(format!("probe-{platform}"))
        .group("service:vision")
        .launch_type(aws_sdk_ecs::types::LaunchType::Ec2)
        .send()
        .await
        .unwrap();
    assert_eq!(task.tasks().len(), 1, "{:?}", task.failures());

    let (observed, remaining) = remaining_changes(&clients, &repo).await;
    assert_eq!(
        observed.gpu_instances,
        [rnd_core::placement::PreviousInstance {
            instance_type,
            tasks: vec![rnd_core::placement::TaskRef {
                service: "vision".into(),
                replica: 0
            }],
        }]
    );
    assert_eq!(
        remaining,
        Vec::<String>::new(),
        "the running task stays where it is"
    );
}

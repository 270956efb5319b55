//! Changes to a deployed platform against the AWS emulator (moto's server): a removed
//! manifest, a version bump, settings changed in place, the last GPU service gone. Needs
//! `scripts/emulator start` (fails otherwise).

use crate::support::*;
use rnd_aws::{observe, Clients};
use rnd_core::plan::diff::Action;
use rnd_core::plan::resource::ResourceKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_manifest_deletes_exactly_its_resources() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let platform = &unique("rm");
    let cert = certificate(&config, &format!("{platform}.example.com")).await;
    let both = repository(
        platform,
        &cert,
        &[
            ("web", routed("web", "v1", 8080)),
            ("api", routed("api", "v1", 3000)),
        ],
    );
    round(&clients, &both).await;
    let before = observe(&clients, platform).await.unwrap();
    let api_rule = before
        .resources
        .iter()
        .find(|r| r.kind == ResourceKind::ListenerRule && r.name == format!("{platform}-api"))
        .map(|r| r.attributes["priority"].clone());

    let one = repository(platform, &cert, &[("api", routed("api", "v1", 3000))]);
    let (plan, _, _) = round(&clients, &one).await;
    assert!(
        plan.graph
            .operations()
            .all(|c| c.action == Action::Delete && c.service.as_deref() == Some("web")),
        "only web's resources go"
    );

    let (after, remaining) = remaining_changes(&clients, &one).await;
    assert_eq!(remaining, Vec::<String>::new());
    assert!(
        after.resources.iter().all(|r| r.service() != Some("web")),
        "web's resources are gone"
    );
    let api_rule_after = after
        .resources
        .iter()
        .find(|r| r.kind == ResourceKind::ListenerRule && r.name == format!("{platform}-api"))
        .map(|r| r.attributes["priority"].clone());
    assert_eq!(
        api_rule, api_rule_after,
        "the other service keeps its rule priority"
    );
    let gone = clients
        .elb
        .describe_target_groups()
        .names(format!("{platform}-web"))
        .send()
        .await;
    assert!(gone.is_err() || gone.unwrap().target_groups().is_empty());
    let services = clients
        .ecs
        .describe_services()
        .include(aws_sdk_ecs::types::ServiceField::Tags)
        .cluster(platform)
        .services("web")
        .send()
        .await
        .unwrap();
    assert!(services.services().iter().all(|s| s.status() != Some("ACTIVE")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_bump_registers_a_new_revision_and_moves_the_service_to_it() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let platform = &unique("bump");
    let cert = certificate(&config, &format!("{platform}.example.com")).await;
    round(
        &clients,
        &repository(platform, &cert, &[("web", routed("web", "v1", 8080))]),
    )
    .await;

    let bumped = repository(platform, &cert, &[("web", routed("web", "v2", 8080))]);
    let (plan, _, _) = round(&clients, &bumped).await;
    let mut actions: Vec<(String, Action)> = plan
        .graph
        .operations()
        .map(|c| (c.address.clone(), c.action))
        .collect();
    actions.sort();
    assert_eq!(
        actions,
        [
            ("ecs_service.web".to_string(), Action::Update),
            (
                format!("task_definition.{platform}-web").to_string(),
                Action::Replace
            ),
            (
                format!("task_definition.{platform}-web:1").to_string(),
                Action::Delete
            ),
        ]
    );

    let (observed, remaining) = remaining_changes(&clients, &bumped).await;
    assert_eq!(remaining, Vec::<String>::new());
    let revisions: Vec<u32> = observed
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::TaskDefinition)
        .filter_map(|r| r.revision)
        .collect();
    assert_eq!(revisions, [2], "the old revision is deregistered");
    let service = clients
        .ecs
        .describe_services()
        .include(aws_sdk_ecs::types::ServiceField::Tags)
        .cluster(platform)
        .services("web")
        .send()
        .await
        .unwrap();
    assert!(service.services()[0]
        .task_definition()
        .unwrap()
        .ends_with(&format!("{platform}-web:2")));
    let td = clients
        .ecs
        .describe_task_definition()
        .task_definition(format!("{platform}-web:2"))
        .send()
        .await
        .unwrap();
    assert!(td.task_definition().unwrap().container_definitions()[0]
        .image()
        .unwrap()
        .ends_with("web:v2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_settings_are_updated_in_place_and_converge() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let platform = &unique("upd");
    let cert = certificate(&config, &format!("{platform}.example.com")).await;
    round(
        &clients,
        &repository(
            platform,
            &cert,
            &[
                ("web", routed("web", "v1", 8080)),
                ("vision", gpu("vision", "v1", 9000)),
            ],
        ),
    )
    .await;

    // New port and health check, more replicas of both services.
    let web = r#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/web", "version": "v1", "port": 8081,
                   "health_check": "/ready", "replicas": 3 }"#;
    let vision = r#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/vision", "version": "v1", "cpu": 4,
                      "memory": 14336, "gpu": 1, "gpu_memory": 16000, "port": 9000, "replicas": 2 }"#;
    let changed = repository(
        platform,
        &cert,
        &[("web", web.to_string()), ("vision", vision.to_string())],
    );
    let (plan, _, _) = round(&clients, &changed).await;
    let action_of = |address: &str| {
        plan.graph
            .operations()
            .find(|c| c.address == address)
            .map(|c| c.action)
    };
    assert_eq!(
        action_of(&format!("security_group.{platform}-web")),
        Some(Action::Update)
    );
    assert_eq!(
        action_of(&format!("target_group.{platform}-web")),
        Some(Action::Update)
    );
    assert_eq!(action_of("ecs_service.web"), Some(Action::Update));

    let (_, remaining) = remaining_changes(&clients, &changed).await;
    assert_eq!(remaining, Vec::<String>::new());

    let groups = clients
        .ec2
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("group-name")
                .values(format!("{platform}-web"))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let ingress = groups.security_groups()[0].ip_permissions();
    assert_eq!(ingress.len(), 1, "the old port is closed");
    assert_eq!(ingress[0].from_port(), Some(8081));
    let tg = clients
        .elb
        .describe_target_groups()
        .names(format!("{platform}-web"))
        .send()
        .await
        .unwrap();
    assert_eq!(tg.target_groups()[0].health_check_path(), Some("/ready"));
    let service = clients
        .ecs
        .describe_services()
        .include(aws_sdk_ecs::types::ServiceField::Tags)
        .cluster(platform.as_str())
        .services("web")
        .send()
        .await
        .unwrap();
    let service = &service.services()[0];
    assert_eq!(service.desired_count(), 3);
    assert_eq!(service.load_balancers()[0].container_port(), Some(8081));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_the_last_gpu_service_scales_its_group_to_zero() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let platform = &unique("zero");
    let cert = certificate(&config, &format!("{platform}.example.com")).await;
    let (plan, _, _) = round(
        &clients,
        &repository(
            platform,
            &cert,
            &[
                ("web", routed("web", "v1", 8080)),
                ("vision", gpu("vision", "v1", 9000)),
            ],
        ),
    )
    .await;
    let group = format!("{platform}-{}", plan.capacity.instances[0].instance_type);

    let without = repository(platform, &cert, &[("web", routed("web", "v1", 8080))]);
    round(&clients, &without).await;
    let (observed, remaining) = remaining_changes(&clients, &without).await;
    assert_eq!(remaining, Vec::<String>::new());
    assert!(observed.resources.iter().all(|r| r.service() != Some("vision")));
    let asg = clients
        .autoscaling
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(&group)
        .send()
        .await
        .unwrap();
    let asg = &asg.auto_scaling_groups()[0];
    assert_eq!(
        (asg.desired_capacity(), asg.max_size()),
        (Some(0), Some(0)),
        "an unused GPU group stays, at zero instances"
    );
}

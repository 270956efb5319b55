//! `destroy` against the AWS emulator: a platform with Fargate, routed and GPU services goes
//! entirely, foundations included, in AWS's order (the capacity provider detached from the
//! cluster before it is deleted), checked through the SDK rather than through rnd's own
//! observation. Needs `scripts/emulator start` (fails otherwise).

use crate::support::*;
use rnd_aws::{apply, events, observe, ApplyOptions};
use rnd_core::plan::plan_destroy;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_removes_every_resource_foundations_included() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let (clients, recorder) = clients_recording(&config);
    let platform = &unique("gone");
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
    round(&clients, &repo).await;

    let observed = observe(&clients, platform).await.unwrap();
    let plan = plan_destroy(&repo, &observed).unwrap();
    assert_eq!(
        plan.graph.len(),
        observed.resources.len(),
        "one deletion per resource"
    );
    let report = apply(
        &clients,
        &plan,
        &observed,
        ApplyOptions::default(),
        events::discard(),
    )
    .await
    .unwrap();
    assert!(report.succeeded(), "{:#?}", report.failures());
    assert!(observe(&clients, platform).await.unwrap().resources.is_empty());

    // AWS refuses to delete an attached capacity provider: the detach comes first.
    let operations = recorder.operations();
    let detach = operations
        .iter()
        .rposition(|o| o == "PutClusterCapacityProviders")
        .expect("the providers were detached");
    let delete = operations
        .iter()
        .position(|o| o == "DeleteCapacityProvider")
        .expect("the provider was deleted");
    assert!(detach < delete, "deleted before detached: {operations:?}");

    // Independently of rnd's observation: nothing of the platform is left, kind by kind.
    let prefix = format!("{platform}-");
    let clusters = clients
        .ecs
        .describe_clusters()
        .include(aws_sdk_ecs::types::ClusterField::Tags)
        .clusters(platform)
        .send()
        .await
        .unwrap();
    assert!(
        clusters.clusters().iter().all(|c| c.status() == Some("INACTIVE")),
        "{clusters:?}"
    );
    let groups = clients
        .autoscaling
        .describe_auto_scaling_groups()
        .send()
        .await
        .unwrap();
    assert!(
        !groups.auto_scaling_groups().iter().any(|g| g
            .auto_scaling_group_name()
            .is_some_and(|n| n.starts_with(&prefix))),
        "auto-scaling groups left"
    );
    let templates = clients.ec2.describe_launch_templates().send().await.unwrap();
    assert!(
        !templates
            .launch_templates()
            .iter()
            .any(|t| t.launch_template_name().is_some_and(|n| n.starts_with(&prefix))),
        "launch templates left"
    );
    let security_groups = clients
        .ec2
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("tag:rnd:platform")
                .values(platform)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(
        security_groups.security_groups().is_empty(),
        "security groups left"
    );
    let balancers = clients.elb.describe_load_balancers().send().await.unwrap();
    assert!(
        !balancers
            .load_balancers()
            .iter()
            .any(|b| b.load_balancer_name().is_some_and(|n| n.starts_with(&prefix))),
        "load balancers left"
    );
    let target_groups = clients.elb.describe_target_groups().send().await.unwrap();
    assert!(
        !target_groups
            .target_groups()
            .iter()
            .any(|t| t.target_group_name().is_some_and(|n| n.starts_with(&prefix))),
        "target groups left"
    );
    let path = format!("/rnd/{platform}/");
    let roles = clients.iam.list_roles().path_prefix(&path).send().await.unwrap();
    assert!(!roles.roles().iter().any(|r| r.path() == path), "roles left");
    let profiles = clients
        .iam
        .list_instance_profiles()
        .path_prefix(&path)
        .send()
        .await
        .unwrap();
    // The emulator ignores the path prefix for instance profiles: filter here as well.
    assert!(
        !profiles.instance_profiles().iter().any(|p| p.path() == path),
        "instance profiles left"
    );
    let logs = clients
        .logs
        .describe_log_groups()
        .log_group_name_prefix(&path)
        .send()
        .await
        .unwrap();
    assert!(logs.log_groups().is_empty(), "log groups left");
    let definitions = clients
        .ecs
        .list_task_definitions()
        .family_prefix(&prefix)
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .send()
        .await
        .unwrap();
    assert!(
        definitions.task_definition_arns().is_empty(),
        "task definitions left active"
    );
}

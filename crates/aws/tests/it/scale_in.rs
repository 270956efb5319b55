//! GPU scale-in never stops running work: when a GPU service goes while another keeps running on
//! the same type, the instance that runs a task survives and an idle one is terminated, whatever
//! instance the group itself would have picked. Needs `scripts/emulator start`.
//!
//! The emulator launches the group's instances but runs no ECS agent: the test registers the
//! instances with the cluster and starts a task by hand, as the agent and scheduler would.

use std::collections::BTreeSet;

use crate::support::*;

async fn group_instances(clients: &rnd_aws::Clients, group: &str) -> Vec<(String, bool)> {
    let out = clients
        .autoscaling
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(group)
        .send()
        .await
        .unwrap();
    out.auto_scaling_groups()[0]
        .instances()
        .iter()
        .map(|i| {
            (
                i.instance_id().unwrap().to_string(),
                i.protected_from_scale_in().unwrap_or(false),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_gpu_service_terminates_an_idle_instance_never_a_busy_one() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = rnd_aws::Clients::new(&config);
    let platform = &unique("scalein");
    let cert = certificate(&config, &format!("{platform}.example.com")).await;
    let both = repository(
        platform,
        &cert,
        &[
            ("detector", gpu("detector", "v1", 9000)),
            ("ranker", gpu("ranker", "v1", 9001)),
        ],
    );
    let (plan, _, _) = round(&clients, &both).await;
    let instance_type = plan.capacity.instances[0].instance_type.clone();
    assert!(
        plan.capacity.instances.len() == 2 && plan.capacity.instances[1].instance_type == instance_type,
        "two instances of one type: {:?}",
        plan.capacity.instances
    );
    let group = format!("{platform}-{instance_type}");
    let launched = group_instances(&clients, &group).await;
    assert_eq!(launched.len(), 2, "{launched:?}");
    assert!(launched.iter().all(|(_, protected)| *protected), "{launched:?}");

    // Both instances join the cluster; the first one listed (the one the group would pick)
    // runs a task of the service that stays.
    let mut container_instances = Vec::new();
    for (id, _) in &launched {
        let document = serde_json::json!({ "instanceId": id, "instanceType": instance_type });
        let registered = clients
            .ecs
            .register_container_instance()
            .cluster(platform.as_str())
            .instance_identity_document(document.to_string())
            .send()
            .await
            .unwrap();
        container_instances.push(
            registered
                .container_instance()
                .and_then(|c| c.container_instance_arn())
                .unwrap()
                .to_string(),
        );
    }
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
    clients
        .ecs
        .start_task()
        .cluster(platform.as_str())
        .task_definition(format!("probe-{platform}"))
        .container_instances(&container_instances[0])
        .group("service:ranker")
        .send()
        .await
        .unwrap();
    let busy = launched[0].0.clone();

    let one = repository(platform, &cert, &[("ranker", gpu("ranker", "v1", 9001))]);
    let (shrunk, report, _) = round(&clients, &one).await;
    assert!(report.succeeded(), "{report:?}");
    assert!(
        shrunk
            .graph
            .operations()
            .any(|op| op.address == format!("auto_scaling_group.{group}")),
        "the group shrinks"
    );
    let left: BTreeSet<String> = group_instances(&clients, &group)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        left,
        BTreeSet::from([busy]),
        "the busy instance stays, the idle one goes"
    );
}

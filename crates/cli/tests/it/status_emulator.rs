//! `rnd status` against the AWS emulator: each service's running version, the GPU instances
//! that are up with what each runs and costs, and a warning for one that runs no task.

use crate::support::emulator::{certificate, emulator_env, push_images, rnd_with, sdk_config};

/// Registers `instance_id` with `cluster` as the ECS agent would; its container instance ARN.
async fn register(ecs: &aws_sdk_ecs::Client, cluster: &str, instance_id: &str) -> String {
    let document = serde_json::json!({ "instanceId": instance_id, "instanceType": "g4dn.xlarge" });
    ecs.register_container_instance()
        .cluster(cluster)
        .instance_identity_document(document.to_string())
        .send()
        .await
        .expect("register the container instance")
        .container_instance()
        .and_then(|c| c.container_instance_arn())
        .expect("its ARN")
        .to_string()
}

#[test]
fn status_shows_versions_instances_and_an_idle_instance() {
    let env = emulator_env();
    let name = format!("st{}", std::process::id() % 100_000);
    let arn = certificate(&env, "*.status.example.com");
    let platform = format!(
        r#"{{ "name": "{name}", "region": "us-east-1", "gpu_instance_types": ["g4dn.xlarge"],
             "routing": {{ "mode": "host", "domain": "status.example.com" }}, "certificate_arn": "{arn}" }}"#
    );
    let vision =
        br#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo/vision", "version": "v1.4.2",
                      "cpu": 2, "memory": 8192, "gpu": 1, "replicas": 2 }"#;
    let worker = br#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo/worker", "version": "2026-11-30", "cpu": 0.5, "memory": 1024 }"#;
    let dir = crate::support::deployments_dir(
        platform.as_bytes(),
        &[("vision.json", vision), ("worker.json", worker)],
    );
    let d = dir.path().to_str().unwrap();
    push_images(&env, dir.path());
    let applied = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(applied.code, 0, "{}\n{}", applied.stdout, applied.stderr);

    // The emulator runs no ECS agent: register the group's two instances by hand, and start a
    // task of vision on one of them, leaving the other up with nothing to do.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (busy, idle) = runtime.block_on(async {
        let clients = rnd_aws::Clients::new(&sdk_config(&env).await);
        let groups = clients
            .autoscaling
            .describe_auto_scaling_groups()
            .send()
            .await
            .unwrap();
        let mut ids: Vec<String> = groups
            .auto_scaling_groups()
            .iter()
            .filter(|g| {
                g.auto_scaling_group_name()
                    .is_some_and(|n| n.starts_with(&format!("{name}-")))
            })
            .flat_map(|g| {
                g.instances()
                    .iter()
                    .filter_map(|i| i.instance_id().map(str::to_string))
            })
            .collect();
        ids.sort();
        assert_eq!(ids.len(), 2, "one g4dn.xlarge per vision task: {ids:?}");
        let busy_arn = register(&clients.ecs, &name, &ids[0]).await;
        // moto starts no awsvpc task by StartTask (it ignores the network configuration), so
        // the busy instance runs a bridge-mode probe task: what counts here is its task count.
        let probe = format!("{name}-probe");
        clients
            .ecs
            .register_task_definition()
            .family(&probe)
            .network_mode(aws_sdk_ecs::types::NetworkMode::Bridge)
            .container_definitions(
                aws_sdk_ecs::types::ContainerDefinition::builder()
                    .name("probe")
                    .image("busybox")
                    .memory(128)
                    .build(),
            )
            .send()
            .await
            .expect("register the probe task definition");
        register(&clients.ecs, &name, &ids[1]).await;
        clients
            .ecs
            .start_task()
            .cluster(&name)
            .task_definition(&probe)
            .container_instances(busy_arn)
            .send()
            .await
            .expect("start a task on the busy instance");
        (ids[0].clone(), ids[1].clone())
    });

    let status = rnd_with(&env, &["status", "--dir", d]);
    assert_eq!(status.code, 0, "{}\n{}", status.stdout, status.stderr);
    let text = &status.stdout;
    let row = |service: &str| {
        text.lines()
            .find(|l| l.starts_with(service))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row("vision").contains("v1.4.2"), "{text}");
    assert!(row("worker").contains("2026-11-30"), "{text}");
    assert!(text.contains("2 GPU instances up, $767.96 per month:"), "{text}");
    let warning = text
        .lines()
        .find(|l| l.starts_with("warning:"))
        .expect("a warning for the idle instance");
    assert!(
        warning.contains("1 instance runs no task ($383.98 per month for nothing)"),
        "{warning}"
    );
    assert!(warning.contains(&idle) && !warning.contains(&busy), "{warning}");

    let json = rnd_with(&env, &["status", "--dir", d, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let instances = json["instances"].as_array().unwrap();
    assert_eq!(instances.len(), 2);
    let by_id = |id: &str| instances.iter().find(|i| i["instance_id"] == id).unwrap().clone();
    assert_eq!(by_id(&busy)["running_tasks"], 1);
    assert_eq!(by_id(&idle)["running_tasks"], 0);
    assert_eq!(by_id(&idle)["instance_type"], "g4dn.xlarge");
    assert_eq!(json["services"][0]["version"], "v1.4.2");
    // Running now, per month (730 h): the two instances whole (2 × $0.526), the worker's Fargate
    // task (0.5 vCPU × $0.04048 + 1 GB × $0.004445) and the load balancer at its floor
    // ($0.0225 + one LCU-hour at $0.008).
    let running = json["monthly_cost_running"].as_f64().unwrap();
    let expected = (2.0 * 0.526 + 0.5 * 0.04048 + 0.004445 + 0.0225 + 0.008) * 730.0;
    assert!((running - expected).abs() < 1e-6, "{running} != {expected}");

    let destroyed = rnd_with(&env, &["destroy", "--dir", d, "--yes"]);
    assert_eq!(destroyed.code, 0, "{}\n{}", destroyed.stdout, destroyed.stderr);
}

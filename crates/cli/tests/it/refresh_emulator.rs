//! `--refresh` against the AWS emulator: a desired count changed by hand leaves the service's
//! `rnd:hash` as it was, so a plain plan (which trusts the hashes) sees nothing, while `rnd plan
//! --refresh` shows the change and `rnd apply --refresh` puts the manifest's count back.

use crate::support::emulator::{
    certificate, emulator_env, planned_operations, push_images, rnd_with, sdk_config,
};

async fn desired_count(env: &[(String, String)], cluster: &str, service: &str) -> i32 {
    let clients = rnd_aws::Clients::new(&sdk_config(env).await);
    clients
        .ecs
        .describe_services()
        .include(aws_sdk_ecs::types::ServiceField::Tags)
        .cluster(cluster)
        .services(service)
        .send()
        .await
        .unwrap()
        .services()[0]
        .desired_count()
}

#[test]
fn a_hand_changed_desired_count_is_seen_with_refresh_and_put_back() {
    let env = emulator_env();
    let name = format!("rf{}", std::process::id() % 100_000);
    let arn = certificate(&env, "*.refresh.example.com");
    let platform = format!(
        r#"{{ "name": "{name}", "region": "us-east-1",
             "routing": {{ "mode": "host", "domain": "refresh.example.com" }}, "certificate_arn": "{arn}" }}"#
    );
    let worker = br#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo/worker", "version": "v1", "cpu": 0.5, "memory": 1024, "replicas": 2 }"#;
    let dir = crate::support::deployments_dir(platform.as_bytes(), &[("worker.json", worker)]);
    let d = dir.path().to_str().unwrap();
    push_images(&env, dir.path());
    let applied = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(applied.code, 0, "{}\n{}", applied.stdout, applied.stderr);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let service = "worker".to_string();
    runtime.block_on(async {
        let clients = rnd_aws::Clients::new(&sdk_config(&env).await);
        clients
            .ecs
            .update_service()
            .cluster(&name)
            .service(&service)
            .desired_count(5)
            .send()
            .await
            .unwrap();
    });

    let none: Vec<String> = Vec::new();
    assert_eq!(
        planned_operations(&env, d, &[]),
        none,
        "the hashes are as planned"
    );
    assert_eq!(
        planned_operations(&env, d, &["--refresh"]),
        vec![format!("update ecs_service.{service}")]
    );

    let put_back = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0", "--refresh"]);
    assert_eq!(put_back.code, 0, "{}\n{}", put_back.stdout, put_back.stderr);
    assert_eq!(runtime.block_on(desired_count(&env, &name, &service)), 2);
    assert_eq!(planned_operations(&env, d, &["--refresh"]), none);

    let destroyed = rnd_with(&env, &["destroy", "--dir", d, "--yes"]);
    assert_eq!(destroyed.code, 0, "{}\n{}", destroyed.stdout, destroyed.stderr);
}

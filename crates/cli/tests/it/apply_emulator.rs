//! `rnd apply`, `rnd plan`, `rnd observe` and `rnd destroy` end to end, through the real binary,
//! against the AWS emulator (moto's server, started by `scripts/emulator`).

use crate::support::emulator::{certificate, emulator_env, push_images, rnd_with, sdk_config};

/// A lock on `platform` held by another run until the returned guard is dropped.
fn held_lock(env: &[(String, String)], platform: &str) -> impl Drop {
    struct Held(tokio::runtime::Runtime, Option<rnd_aws::Lease>);
    impl Drop for Held {
        fn drop(&mut self) {
            if let Some(lease) = self.1.take() {
                self.0.block_on(lease.release()).expect("release the test lock");
            }
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let lease = runtime.block_on(async {
        let clients = rnd_aws::Clients::new(&sdk_config(env).await);
        rnd_aws::acquire_lock(&clients, platform, "the test holder", &Default::default(), |_| {})
            .await
            .expect("take the lock")
    });
    Held(runtime, Some(lease))
}

#[test]
fn apply_then_plan_then_remove_then_destroy() {
    let env = emulator_env();
    let arn = certificate(&env, "*.cli.example.com");
    let name = format!("cli{}", std::process::id() % 100_000);
    let platform = format!(
        r#"{{ "name": "{name}", "region": "us-east-1",
             "routing": {{ "mode": "host", "domain": "cli.example.com" }},
             "certificate_arn": "{arn}" }}"#
    );
    let api = br#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo/api", "version": "v1", "port": 8080, "health_check": "/healthz" }"#;
    let worker = br#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo/worker", "version": "v1", "cpu": 0.5, "memory": 1024 }"#;
    let dir =
        crate::support::deployments_dir(platform.as_bytes(), &[("api.json", api), ("worker.json", worker)]);
    let d = dir.path().to_str().unwrap();
    // What the release workflow does before anyone deploys: the image tags exist in ECR.
    push_images(&env, dir.path());

    let refused = rnd_with(&env, &["apply", "--dir", d]);
    assert_eq!(
        refused.code, 1,
        "without --yes and without a terminal nothing is applied: {}",
        refused.stderr
    );
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);

    let first = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);
    assert!(
        first.stdout.contains("+ ecs_service.api") && first.stdout.contains("finished:"),
        "{}",
        first.stdout
    );

    // Planning against AWS itself (no --observed) finds nothing left to do.
    let again = rnd_with(&env, &["plan", "--dir", d, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);

    let status = rnd_with(&env, &["status", "--dir", d]);
    assert_eq!(status.code, 0, "{}\n{}", status.stdout, status.stderr);
    assert!(
        status.stdout.contains("AWS matches the manifests."),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains("https://api.cli.example.com/"),
        "{}",
        status.stdout
    );
    // No hosted zone: status says which record makes the URL answer, and where it points.
    let dns = status
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("*.cli.example.com"))
        .unwrap_or_else(|| panic!("a DNS record for the routed hosts: {}", status.stdout));
    assert!(dns.contains("→") && dns.contains(".elb.amazonaws.com"), "{dns}");
    let status = rnd_with(&env, &["status", "--dir", d, "--format", "json"]);
    let status: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(status["pending_operations"], 0);
    let worker = &status["services"][1];
    assert_eq!(worker["service"], "worker");
    assert_eq!(worker["state"]["state"], "deployed");
    assert_eq!(worker["state"]["desired"], 1);
    assert_eq!(worker["placement"]["kind"], "fargate");

    // While another run holds the platform's lock, apply refuses at once and says who.
    let holder = held_lock(&env, &name);
    let blocked = rnd_with(&env, &["apply", "--dir", d, "--yes"]);
    assert_eq!(blocked.code, 1, "{}\n{}", blocked.stdout, blocked.stderr);
    assert!(
        blocked.stderr.contains("held by the test holder since 20"),
        "{}",
        blocked.stderr
    );
    let status = rnd_with(&env, &["status", "--dir", d]);
    assert!(
        status.stdout.contains("the lock is held by the test holder"),
        "{}",
        status.stdout
    );
    drop(holder);

    std::fs::remove_file(dir.path().join("manifests/worker.json")).unwrap();
    let removal = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(removal.code, 0, "{}\n{}", removal.stdout, removal.stderr);
    assert!(
        removal.stdout.contains("- ecs_service.worker"),
        "{}",
        removal.stdout
    );
    assert!(
        !removal.stdout.contains("ecs_service.api"),
        "api untouched: {}",
        removal.stdout
    );

    // A half-edited manifest never keeps a platform alive: destroy reads only platform.json.
    std::fs::write(dir.path().join("manifests/api.json"), b"{ \"image\": ").unwrap();
    let destroyed = rnd_with(&env, &["destroy", "--dir", d, "--yes"]);
    assert_eq!(destroyed.code, 0, "{}\n{}", destroyed.stdout, destroyed.stderr);
    // What is observed now depends on the platform only; the manifest is fixed for `observe`.
    std::fs::write(dir.path().join("manifests/api.json"), api).unwrap();
    let observed = rnd_with(&env, &["observe", "--dir", d]);
    assert_eq!(observed.code, 0, "{}", observed.stderr);
    let snapshot: serde_json::Value = serde_json::from_str(&observed.stdout).unwrap();
    let left: Vec<String> = snapshot["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{}.{}", r["kind"].as_str().unwrap(), r["name"].as_str().unwrap()))
        .collect();
    assert!(left.is_empty(), "destroy left tagged resources behind: {left:?}");
    let again = rnd_with(&env, &["destroy", "--dir", d, "--yes"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stdout.contains("Nothing to destroy: platform"),
        "{}",
        again.stdout
    );
    assert!(
        !again.stdout.contains("matches the manifests"),
        "{}",
        again.stdout
    );
}

/// Removing most services at once is refused unless asked for, and changes nothing until then.
#[test]
fn removing_every_manifest_is_refused_without_allow_mass_removal() {
    let env = emulator_env();
    let arn = certificate(&env, "*.mass.example.com");
    let name = format!("mass{}", std::process::id() % 100_000);
    let platform = format!(
        r#"{{ "name": "{name}", "region": "us-east-1",
             "routing": {{ "mode": "host", "domain": "mass.example.com" }},
             "certificate_arn": "{arn}" }}"#
    );
    let worker =
        br#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo/worker", "version": "v1" }"#;
    let files: Vec<(&str, &[u8])> = vec![("a.json", worker), ("b.json", worker), ("c.json", worker)];
    let dir = crate::support::deployments_dir(platform.as_bytes(), &files);
    let d = dir.path().to_str().unwrap();
    push_images(&env, dir.path());
    let first = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);

    for file in ["a.json", "b.json", "c.json"] {
        std::fs::remove_file(dir.path().join("manifests").join(file)).unwrap();
    }
    let planned = rnd_with(&env, &["plan", "--dir", d]);
    assert!(
        planned
            .stderr
            .contains("this plan removes 3 of the 3 deployed services"),
        "{}",
        planned.stderr
    );
    let refused = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(refused.code, 1, "{}\n{}", refused.stdout, refused.stderr);
    assert!(
        refused.stderr.contains("--allow-mass-removal"),
        "{}",
        refused.stderr
    );
    let still = rnd_with(&env, &["plan", "--dir", d, "--detailed-exitcode"]);
    assert_eq!(
        still.code, 2,
        "nothing was removed: the plan still has the removals"
    );

    let allowed = rnd_with(
        &env,
        &[
            "apply",
            "--dir",
            d,
            "--yes",
            "--wait",
            "0",
            "--allow-mass-removal",
        ],
    );
    assert_eq!(allowed.code, 0, "{}\n{}", allowed.stdout, allowed.stderr);
    let after = rnd_with(&env, &["plan", "--dir", d, "--detailed-exitcode"]);
    assert_eq!(after.code, 0, "{}\n{}", after.stdout, after.stderr);
    let destroyed = rnd_with(&env, &["destroy", "--dir", d, "--yes"]);
    assert_eq!(destroyed.code, 0, "{}", destroyed.stderr);
}

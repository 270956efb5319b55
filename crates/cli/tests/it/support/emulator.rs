//! Reaching the AWS emulator from CLI tests (through `rnd-test-support`): its environment, the
//! `rnd` binary run with it, a stand-in certificate, and images pushed as a release would.

use std::path::Path;
use std::process::Command;

use rnd_test_support::emulator;

use super::Run;

/// The emulator's environment (`AWS_ENDPOINT_URL` and dummy credentials). Fails loudly, saying how
/// to start it, when the emulator is not there.
pub fn emulator_env() -> Vec<(String, String)> {
    emulator::env()
}

fn endpoint(env: &[(String, String)]) -> String {
    emulator::endpoint_in(env)
}

/// Run the `rnd` binary with `env` added to the test's environment.
pub fn rnd_with(env: &[(String, String)], args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_rnd"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("NO_COLOR", "1")
        .output()
        .expect("the rnd binary runs");
    Run {
        code: output.status.code().expect("exit code"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Run the `rnd` binary with `env` and `input` as its standard input.
pub fn rnd_with_stdin(env: &[(String, String)], args: &[&str], input: &[u8]) -> Run {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_rnd"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the rnd binary runs");
    // rnd may refuse before reading its input (a bad argument, a missing store): the pipe is
    // then closed, and what counts is its answer below, not this write.
    match child.stdin.take().unwrap().write_all(input) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        written => written.unwrap(),
    }
    let output = child.wait_with_output().expect("rnd finishes");
    Run {
        code: output.status.code().expect("exit code"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Stand-in for the hand-made certificate: requested in the emulator's ACM; its ARN.
pub fn certificate(env: &[(String, String)], domain: &str) -> String {
    emulator::certificate_blocking(&endpoint(env), domain)
}

/// SDK configuration for the emulator, for tests that call AWS beside the binary.
pub async fn sdk_config(env: &[(String, String)]) -> aws_config::SdkConfig {
    emulator::sdk_config(&endpoint(env)).await
}

/// The ARN of the HTTPS listener on the platform's first load balancer (`<platform>-alb-1`).
pub async fn https_listener_arn(elb: &aws_sdk_elasticloadbalancingv2::Client, platform: &str) -> String {
    let balancers = elb
        .describe_load_balancers()
        .names(format!("{platform}-alb-1"))
        .send()
        .await
        .expect("the platform's first load balancer");
    let lb_arn = balancers.load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_string();
    let listeners = elb
        .describe_listeners()
        .load_balancer_arn(lb_arn)
        .send()
        .await
        .unwrap();
    listeners
        .listeners()
        .iter()
        .find(|l| l.port() == Some(443))
        .and_then(|l| l.listener_arn())
        .expect("the HTTPS listener")
        .to_string()
}

/// What the release workflow does: for every manifest in `dir` whose image is in ECR, create the
/// repository (if needed) and push its `version` tag to the emulator. The image is a minimal
/// manifest with no layers: ECS never pulls in the emulator, only the tag's existence matters.
pub fn push_images(env: &[(String, String)], dir: &Path) {
    let mut images = Vec::new();
    for entry in std::fs::read_dir(dir.join("manifests")).expect("manifests dir") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let manifest: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).unwrap()).expect("manifest JSON");
            let (image, version) = (
                manifest["image"].as_str().unwrap(),
                manifest["version"].as_str().unwrap(),
            );
            images.extend(rnd_core::prerequisites::EcrImage::parse(image, version));
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let ecr = aws_sdk_ecr::Client::new(&sdk_config(env).await);
        for image in images {
            push_image(&ecr, &image.repository, &image.tag).await;
        }
    });
}

/// Push `repository:tag` (creating the repository when it does not exist yet).
pub async fn push_image(ecr: &aws_sdk_ecr::Client, repository: &str, tag: &str) {
    if let Err(e) = ecr.create_repository().repository_name(repository).send().await {
        let e = aws_sdk_ecr::error::DisplayErrorContext(e).to_string();
        assert!(
            e.contains("RepositoryAlreadyExists"),
            "CreateRepository {repository}: {e}"
        );
    }
    // Each tag its own image: the config digest differs per tag.
    let digest = format!("{:064x}", fnv1a(&format!("{repository}:{tag}")));
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 2,
            "digest": format!("sha256:{digest}")
        },
        "layers": []
    });
    if let Err(e) = ecr
        .put_image()
        .repository_name(repository)
        .image_tag(tag)
        .image_manifest(manifest.to_string())
        .send()
        .await
    {
        let e = aws_sdk_ecr::error::DisplayErrorContext(e).to_string();
        assert!(
            e.contains("ImageAlreadyExists"),
            "PutImage {repository}:{tag}: {e}"
        );
    }
}

/// A stable 64-bit hash (FNV-1a) to make per-tag digests without a hashing crate.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `action id` of every operation `rnd plan` (with `extra` arguments) would carry out in `dir`.
pub fn planned_operations(env: &[(String, String)], dir: &str, extra: &[&str]) -> Vec<String> {
    let args = [&["plan", "--dir", dir, "--format", "json"][..], extra].concat();
    let planned = rnd_with(env, &args);
    assert_eq!(planned.code, 0, "{}\n{}", planned.stdout, planned.stderr);
    let json: serde_json::Value = serde_json::from_str(&planned.stdout).expect("plan JSON");
    json["operations"]
        .as_array()
        .expect("operations")
        .iter()
        .map(|op| {
            format!(
                "{} {}",
                op["action"].as_str().unwrap(),
                op["id"].as_str().unwrap()
            )
        })
        .collect()
}

//! The real `rnd-lambda` binary under cargo-lambda's local Lambda runtime (`cargo lambda watch
//! --only-lambda-apis` emulates the Runtime API; `cargo lambda invoke` sends events through it),
//! against the AWS emulator and local stand-ins for GitHub, Lambda's Invoke API and Slack: a
//! forged webhook gets 401, a signed push is handed off and the hand-off deploys, and a failed
//! deployment of the platform's service becomes one Slack notice.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{emulator_env, function_url_request, http, sdk_config};
use rnd_lambda::signature::sign;
use rnd_slack::receiver::Receiver;
use serde_json::{json, Value};

const SECRET: &str = "cargo-lambda-webhook-secret";

/// Kills the process when the test ends, however it ends.
pub(crate) struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn cargo_lambda() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/cargo-lambda");
    assert!(
        path.exists(),
        "cargo-lambda is not installed: no {}. Install it with `scripts/cargo-lambda`.",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Send `event` through cargo-lambda's runtime to the function; its answer.
pub(crate) fn invoke(port: u16, event: &Value) -> Value {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), event.to_string()).unwrap();
    let output = Command::new(cargo_lambda())
        .args([
            "lambda",
            "invoke",
            "_",
            "--invoke-address",
            "127.0.0.1",
            "--invoke-port",
        ])
        .arg(port.to_string())
        .arg("--data-file")
        .arg(file.path())
        .args(["--output-format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "cargo lambda invoke failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|_| panic!("not JSON: {stdout}"))
}

/// cargo-lambda's runtime on a free port, and the function polling it with the emulator's
/// environment and `vars`: the port to invoke, and both processes (stopped when dropped).
pub(crate) fn start(env: &BTreeMap<String, String>, vars: &[(&str, String)]) -> (u16, [Running; 2]) {
    let port = free_port();
    let runtime = Running(
        Command::new(cargo_lambda())
            .args([
                "lambda",
                "watch",
                "--only-lambda-apis",
                "--invoke-address",
                "127.0.0.1",
                "--invoke-port",
            ])
            .arg(port.to_string())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start cargo lambda watch"),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "cargo lambda watch did not listen within 60 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let function = Running(
        Command::new(env!("CARGO_BIN_EXE_rnd-lambda"))
            .envs(env)
            .envs([
                ("AWS_LAMBDA_FUNCTION_VERSION", "1".to_string()),
                ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512".to_string()),
                ("AWS_LAMBDA_RUNTIME_API", format!("http://127.0.0.1:{port}/.rt")),
                ("AWS_LAMBDA_FUNCTION_NAME", "_".to_string()),
            ])
            .envs(vars.iter().map(|(k, v)| (k.to_string(), v.clone())))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the function"),
    );
    (port, [runtime, function])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_under_cargo_lambda_verifies_deploys_and_notifies() {
    let env = emulator_env();
    let config = sdk_config(&env).await;
    let certificate = crate::support::certificate(&config, "cl.example.com").await;
    let name = format!("cl{}", std::process::id() % 100_000);
    let files = BTreeMap::from([
        (
            "platform.json".to_string(),
            crate::support::platform_json(&name, "cl.example.com", &certificate),
        ),
        (
            "manifests/api.json".to_string(),
            r#"{ "image": "repo/api", "version": "v1", "port": 8080 }"#.to_string(),
        ),
    ]);
    let github = crate::support::github("acme/deployments", files).await;
    let slack = Receiver::start(vec![]).await;
    let lambda_api = http::Server::start(|_| (202, "application/json", Vec::new())).await;
    let parameter = format!("/{name}-function/webhook-secret");
    crate::support::put_secure_parameter(&config, &parameter, SECRET).await;

    let (port, _running) = start(
        &env,
        &[
            ("AWS_ENDPOINT_URL_LAMBDA", lambda_api.url()),
            ("RND_REPOSITORY", "acme/deployments".to_string()),
            ("RND_PLATFORM", name.clone()),
            ("RND_WEBHOOK_SECRET_PARAMETER", parameter.clone()),
            ("RND_WAIT", "0".to_string()),
            ("GITHUB_API_URL", github.url()),
            ("RND_SLACK_WEBHOOK_URL", slack.url()),
        ],
    );

    let commit = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c";
    let body = json!({
        "ref": "refs/heads/main",
        "after": commit,
        "repository": { "full_name": "acme/deployments", "default_branch": "main" },
        "head_commit": { "id": commit, "author": { "name": "Grace" } }
    })
    .to_string();
    let forged = sign(b"wrong", body.as_bytes());
    let answer = tokio::task::block_in_place(|| {
        invoke(
            port,
            &function_url_request(
                &body,
                &[("x-github-event", "push"), ("x-hub-signature-256", &forged)],
            ),
        )
    });
    assert_eq!(answer["statusCode"], 401, "{answer}");
    assert!(lambda_api.requests().is_empty());

    let signed = sign(SECRET.as_bytes(), body.as_bytes());
    let answer = tokio::task::block_in_place(|| {
        invoke(
            port,
            &function_url_request(
                &body,
                &[("x-github-event", "push"), ("x-hub-signature-256", &signed)],
            ),
        )
    });
    assert_eq!(answer["statusCode"], 202, "{answer}");
    let handed: Value = serde_json::from_slice(&lambda_api.requests()[0].body).unwrap();

    let deployed = tokio::task::block_in_place(|| invoke(port, &handed));
    assert_eq!(deployed["succeeded"], true, "{deployed}");
    let messages = slack.delivered();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].to_string().contains("Grace"));

    let path = format!(
        "{}/tests/events/deployment_failed.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let event: Value = serde_json::from_str(
        &std::fs::read_to_string(path)
            .unwrap()
            .replace("{{CLUSTER}}", &name)
            .replace("{{SERVICE}}", "api"),
    )
    .unwrap();
    let notified = tokio::task::block_in_place(|| invoke(port, &event));
    assert_eq!(notified["notified"], true, "{notified}");
    assert_eq!(slack.delivered().len(), 3);
}

//! Reaching the AWS emulator from the action's tests: its environment from `target/emulator.env`
//! (written by `scripts/emulator start`) and a stand-in certificate (as the CLI's tests do).

use std::path::Path;

/// The emulator's environment (`AWS_ENDPOINT_URL` and dummy credentials). Fails loudly, saying how
/// to start it, when the emulator is not there.
pub fn emulator_env() -> Vec<(String, String)> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/emulator.env");
    let text = std::fs::read_to_string(&file).unwrap_or_else(|_| {
        panic!(
            "the AWS emulator is not running: no {}. Start it with `scripts/emulator start`.",
            file.display()
        )
    });
    let vars: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let url = endpoint(&vars);
    let address = url.trim_start_matches("http://").trim_end_matches('/');
    assert!(
        std::net::TcpStream::connect(address).is_ok(),
        "the AWS emulator does not answer at {url}"
    );
    vars
}

fn endpoint(env: &[(String, String)]) -> String {
    env.iter()
        .find(|(k, _)| k == "AWS_ENDPOINT_URL")
        .map(|(_, v)| v.clone())
        .expect("AWS_ENDPOINT_URL")
}

/// Stand-in for the hand-made certificate: requested in the emulator's ACM; its ARN.
pub fn certificate(env: &[(String, String)], domain: &str) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        aws_sdk_acm::Client::new(&sdk_config(env).await)
            .request_certificate()
            .domain_name(domain)
            .send()
            .await
            .expect("request a certificate in the emulator")
            .certificate_arn()
            .expect("certificate ARN")
            .to_string()
    })
}

/// SDK configuration for the emulator, for tests that call AWS beside the binary.
pub async fn sdk_config(env: &[(String, String)]) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint(env))
        .region(aws_config::Region::new("us-east-1"))
        .test_credentials()
        .load()
        .await
}

//! Reaching the AWS emulator (moto's server, started by `scripts/emulator start`): its
//! environment from `AWS_ENDPOINT_URL` or `target/emulator.env`, checked to answer, SDK
//! configuration for it, and a stand-in for the hand-made certificate a platform names. A test
//! that needs the emulator fails, saying how to start it, when it is not there: it never passes
//! without it.

use std::path::Path;

/// The file `scripts/emulator start` writes, relative to the workspace.
const ENV_FILE: &str = "../../target/emulator.env";

/// The emulator's environment (`AWS_ENDPOINT_URL`, dummy credentials, region), for tests that run
/// a binary with it. Panics with instructions when the emulator is missing or does not answer.
pub fn env() -> Vec<(String, String)> {
    let vars: Vec<(String, String)> = match std::env::var("AWS_ENDPOINT_URL") {
        Ok(url) => vec![
            ("AWS_ENDPOINT_URL".into(), url),
            ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
            ("AWS_REGION".into(), "us-east-1".into()),
        ],
        Err(_) => {
            let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(ENV_FILE);
            let text = std::fs::read_to_string(&file).unwrap_or_else(|_| {
                panic!(
                    "the AWS emulator is not running: no AWS_ENDPOINT_URL and no {}.\n\
                     Start it with `scripts/emulator start` (and stop it with `scripts/emulator stop`).",
                    file.display()
                )
            });
            text.lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        }
    };
    let url = endpoint_in(&vars);
    let address = url.trim_start_matches("http://").trim_end_matches('/');
    assert!(
        std::net::TcpStream::connect(address).is_ok(),
        "the AWS emulator does not answer at {url}. Start it with `scripts/emulator start`."
    );
    vars
}

/// `AWS_ENDPOINT_URL` of an environment from [`env`].
pub fn endpoint_in(vars: &[(String, String)]) -> String {
    vars.iter()
        .find(|(k, _)| k == "AWS_ENDPOINT_URL")
        .map(|(_, v)| v.clone())
        .expect("the emulator's environment names AWS_ENDPOINT_URL")
}

/// SDK configuration for the emulator at `endpoint`.
pub async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .test_credentials()
        .load()
        .await
}

/// [`sdk_config`] outside a runtime (a test's own, short-lived one).
pub fn sdk_config_blocking(endpoint: &str) -> aws_config::SdkConfig {
    current_thread().block_on(sdk_config(endpoint))
}

/// Stand-in for the hand-made certificate a platform names: requested in the emulator's ACM;
/// its ARN.
pub async fn certificate(config: &aws_config::SdkConfig, domain: &str) -> String {
    aws_sdk_acm::Client::new(config)
        .request_certificate()
        .domain_name(domain)
        .send()
        .await
        .expect("request a certificate in the emulator")
        .certificate_arn()
        .expect("certificate ARN")
        .to_string()
}

/// [`certificate`] outside a runtime.
pub fn certificate_blocking(endpoint: &str, domain: &str) -> String {
    current_thread().block_on(async { certificate(&sdk_config(endpoint).await, domain).await })
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the test's set-up")
}

//! Applying 50 services against the AWS emulator at concurrency 1 and at the default, to show
//! what running operations in parallel buys: wall time of the apply (observe and plan apart),
//! API calls, and the graph's depth (its critical path bounds what parallelism can do).
//!
//! The emulator answers in a few milliseconds of its own (single-threaded) CPU, where AWS takes
//! tens to hundreds of milliseconds per call, mostly waiting. So each size runs twice: as the
//! emulator is, and with a simulated network latency per call (`RND_BENCH_LATENCY_MS`, default
//! 50) added by an HTTP client that waits before passing the request on.
//!
//! Needs the emulator: `scripts/emulator run cargo run -p rnd-benches --features emulator --bin
//! apply_concurrency` (or `AWS_ENDPOINT_URL` pointing at one). A debug build is fine: the time
//! is the emulator's and the waiting between dependent operations, not rnd's own work.

use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use rnd_aws::{apply, events, observe, ApplyOptions, Clients};
use rnd_core::plan::{plan, plan_destroy};
use rnd_core::repository::{validate_repository, SourceFile};

const SERVICES: usize = 50;

fn main() {
    let endpoint = endpoint();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(&endpoint)
            .region(Region::new("us-east-1"))
            .test_credentials()
            .load()
            .await;
        println!("{SERVICES} services against the emulator at {endpoint}");
        let latency: u64 = std::env::var("RND_BENCH_LATENCY_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(50);
        println!("latency/call  concurrency  operations  waves  apply (s)  API calls");
        let default = ApplyOptions::default().concurrency;
        for latency in [0, latency] {
            let config = delayed(&config, Duration::from_millis(latency));
            for concurrency in [1, default] {
                let (operations, waves, took, calls) = measure(&config, concurrency).await;
                println!(
                    "{latency:>9} ms  {concurrency:>11}  {operations:>10}  {waves:>5}  {:>9.1}  {calls:>9}",
                    took.as_secs_f64()
                );
            }
        }
    });
}

/// `config` whose HTTP client waits `latency` before each request.
fn delayed(config: &SdkConfig, latency: Duration) -> SdkConfig {
    // The emulator speaks plain HTTP on the loopback interface: no TLS needed.
    let inner = aws_smithy_http_client::Builder::new().build_http();
    config
        .to_builder()
        .http_client(SharedHttpClient::new(Delayed { inner, latency }))
        .build()
}

/// An HTTP client standing in for the distance to AWS.
#[derive(Debug)]
struct Delayed {
    inner: SharedHttpClient,
    latency: Duration,
}

impl HttpClient for Delayed {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(DelayedConnector {
            inner: self.inner.http_connector(settings, components),
            latency: self.latency,
        })
    }
}

#[derive(Debug)]
struct DelayedConnector {
    inner: SharedHttpConnector,
    latency: Duration,
}

impl HttpConnector for DelayedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (inner, latency) = (self.inner.clone(), self.latency);
        HttpConnectorFuture::new(async move {
            tokio::time::sleep(latency).await;
            inner.call(request).await
        })
    }
}

/// One fresh platform applied at `concurrency`, then destroyed.
async fn measure(config: &SdkConfig, concurrency: usize) -> (usize, usize, Duration, u64) {
    let clients = Clients::new(config);
    let platform = format!("conc{concurrency}x{}", fastrand_suffix());
    let certificate = aws_sdk_acm::Client::new(config)
        .request_certificate()
        .domain_name(format!("*.{platform}.example.com"))
        .send()
        .await
        .expect("a certificate in the emulator")
        .certificate_arn()
        .expect("certificate ARN")
        .to_string();
    let repository = repository(&platform, &certificate);
    let observed = observe(&clients, &platform).await.expect("observe");
    let planned = plan(&repository, &observed).expect("plan");
    clients.calls.take();
    let options = ApplyOptions {
        concurrency,
        ..ApplyOptions::default()
    };
    let start = Instant::now();
    let report = apply(&clients, &planned, &observed, options, events::discard())
        .await
        .expect("apply");
    let took = start.elapsed();
    assert!(report.succeeded(), "{:#?}", report.failures());
    let (calls, _) = clients.calls.totals();

    let observed = observe(&clients, &platform).await.expect("observe");
    let teardown = plan_destroy(&repository, &observed).expect("plan destroy");
    apply(
        &clients,
        &teardown,
        &observed,
        ApplyOptions::default(),
        events::discard(),
    )
    .await
    .expect("destroy");
    (planned.graph.len(), planned.graph.waves().len(), took, calls)
}

/// A suffix no earlier run on the same emulator used.
fn fastrand_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{:x}", nanos % 0xfffff)
}

fn repository(platform: &str, certificate: &str) -> rnd_core::repository::Repository {
    let platform_json = format!(
        r#"{{ "name": "{platform}", "region": "us-east-1", "gpu_instance_types": ["g5"],
             "routing": {{ "mode": "host", "domain": "{platform}.example.com" }},
             "certificate_arn": "{certificate}" }}"#
    );
    let image = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
    let manifests: Vec<SourceFile> = (0..SERVICES)
        .map(|i| {
            let text = match i % 10 {
                0 => format!(r#"{{ "image": "{image}/gpu{i}", "version": "v1", "gpu": 1, "cpu": 4, "memory": 14336, "port": 9000 }}"#),
                1..=3 => format!(r#"{{ "image": "{image}/job{i}", "version": "v1", "cpu": 0.5, "memory": 1024 }}"#),
                _ => format!(r#"{{ "image": "{image}/web{i}", "version": "v1", "port": 8080, "health_check": "/health" }}"#),
            };
            SourceFile {
                path: format!("manifests/svc{i:02}.json"),
                bytes: text.into_bytes(),
            }
        })
        .collect();
    let platform_file = SourceFile {
        path: "platform.json".into(),
        bytes: platform_json.into_bytes(),
    };
    validate_repository(&platform_file, &manifests)
        .repository
        .expect("a valid benchmark repository")
}

/// `AWS_ENDPOINT_URL`, or the file `scripts/emulator start` writes; stops with instructions
/// when neither is there.
fn endpoint() -> String {
    if let Ok(url) = std::env::var("AWS_ENDPOINT_URL") {
        return url;
    }
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/emulator.env");
    let text = std::fs::read_to_string(&file).unwrap_or_else(|_| {
        panic!(
            "no AWS emulator: set AWS_ENDPOINT_URL or run `scripts/emulator start` (writes {})",
            file.display()
        )
    });
    text.lines()
        .find_map(|l| l.strip_prefix("AWS_ENDPOINT_URL="))
        .expect("AWS_ENDPOINT_URL in the emulator file")
        .to_string()
}

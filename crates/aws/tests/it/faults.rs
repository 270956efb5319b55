//! Faults against the AWS emulator: throttled calls, and runs killed part-way. Needs
//! `scripts/emulator start` (fails otherwise).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::support::*;
use aws_sdk_ecs::config::interceptors::{
    BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextMut,
};
use aws_sdk_ecs::config::{ConfigBag, Intercept, RuntimeComponents, SharedInterceptor};
use aws_sdk_ecs::error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use rnd_aws::{apply, configured, events, observe, ApplyOptions, ClientOptions, Clients, Event};

/// Throttles three calls in ten, of every AWS service, as AWS does when an account calls too
/// fast: the request is not carried out (it is sent to a path the emulator serves nothing at)
/// and the answer is the service's own throttling error in its own protocol, so the SDK's retry
/// strategy is exercised on real requests.
#[derive(Debug, Clone, Default)]
struct Throttle {
    seen: Arc<AtomicUsize>,
    throttled: Arc<AtomicUsize>,
}

/// Whether the current attempt was throttled.
#[derive(Debug, Clone, Copy)]
struct Throttled(bool);

impl Storable for Throttled {
    type Storer = StoreReplace<Self>;
}

impl Intercept for Throttle {
    fn name(&self) -> &'static str {
        "test throttling"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let throttle = self.seen.fetch_add(1, Ordering::SeqCst) % 10 < 3;
        cfg.interceptor_state().store_put(Throttled(throttle));
        if throttle {
            self.throttled.fetch_add(1, Ordering::SeqCst);
            let request = context.request_mut();
            let origin = request.uri().split('/').take(3).collect::<Vec<_>>().join("/");
            request.set_uri(format!("{origin}/rnd-test-throttled"))?;
        }
        Ok(())
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if !cfg.load::<Throttled>().is_some_and(|t| t.0) {
            return Ok(());
        }
        let service = cfg
            .load::<Metadata>()
            .map(|m| m.service().to_string())
            .unwrap_or_default();
        let response = context.response_mut();
        // Each protocol says "slow down" its own way.
        let (status, content_type, body) = match service.as_str() {
            "EC2" => (
                503u16,
                "text/xml",
                "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>t</RequestID></Response>",
            ),
            "IAM" | "Auto Scaling" | "Elastic Load Balancing v2" => (
                400,
                "text/xml",
                "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>t</RequestId></ErrorResponse>",
            ),
            _ => {
                response.headers_mut().insert("x-amzn-errortype", "ThrottlingException");
                (
                    400,
                    "application/x-amz-json-1.1",
                    r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
                )
            }
        };
        *response.status_mut() = status.try_into()?;
        response.headers_mut().insert("content-type", content_type);
        response.headers_mut().remove("content-length");
        *response.body_mut() = SdkBody::from(body);
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_calls_are_retried_until_the_apply_converges() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let options = ClientOptions {
        initial_backoff: std::time::Duration::from_millis(20),
        ..ClientOptions::default()
    };
    let config = configured(&config, &options);
    let throttle = Throttle::default();
    let clients = Clients::with_interceptors(&config, &[SharedInterceptor::new(throttle.clone())]);
    let platform = &unique("thr");
    let cert = certificate(&config, &format!("{platform}.example.com")).await;
    let repo = repository(
        platform,
        &cert,
        &[("web", routed("web", "v1", 8080)), ("jobs", worker("jobs", "v1"))],
    );
    round(&clients, &repo).await;
    let (_, remaining) = remaining_changes(&clients, &repo).await;
    assert_eq!(remaining, Vec::<String>::new());
    let (throttled, seen) = (
        throttle.throttled.load(Ordering::SeqCst),
        throttle.seen.load(Ordering::SeqCst),
    );
    assert!(
        throttled >= 30,
        "the test throttled too little to show anything: {throttled} of {seen}"
    );
    println!("{throttled} of {seen} attempts throttled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_at_any_point_is_completed_by_the_next_one() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    // Early (foundations half made), halfway, and late (services being created).
    for (numerator, denominator) in [(1, 6), (1, 2), (5, 6)] {
        killed_then_rerun(&config, &clients, numerator, denominator).await;
    }
}

/// Kill a first apply (drop it, with its operations in flight) once `numerator/denominator`
/// of its operations finished; the next run must converge with nothing orphaned or doubled.
async fn killed_then_rerun(
    config: &aws_config::SdkConfig,
    clients: &Clients,
    numerator: usize,
    denominator: usize,
) {
    let platform = &unique("kill");
    let cert = certificate(config, &format!("{platform}.example.com")).await;
    let repo = repository(
        platform,
        &cert,
        &[
            ("web", routed("web", "v1", 8080)),
            ("api", routed("api", "v1", 3000)),
            ("jobs", worker("jobs", "v1")),
            ("vision", gpu("vision", "v1", 9000)),
        ],
    );
    let observed = observe(clients, platform).await.unwrap();
    let plan = rnd_core::plan::plan(&repo, &observed).unwrap();
    let total = plan.graph.len();
    let kill_after = (total * numerator / denominator).max(1);

    let finished = Arc::new(AtomicUsize::new(0));
    let kill = Arc::new(tokio::sync::Notify::new());
    let sink: events::EventSink = {
        let (finished, kill) = (Arc::clone(&finished), Arc::clone(&kill));
        Arc::new(move |e| {
            if matches!(e, Event::OperationFinished { .. })
                && finished.fetch_add(1, Ordering::SeqCst) + 1 == kill_after
            {
                kill.notify_one();
            }
        })
    };
    tokio::select! {
        _ = apply(clients, &plan, &observed, ApplyOptions::default(), sink) => {
            panic!("the run should have been killed before finishing")
        }
        _ = kill.notified() => {}
    }
    let partial = observe(clients, platform).await.unwrap();
    assert!(!partial.resources.is_empty(), "the killed run created something");
    assert!(
        partial.resources.len() < total,
        "killed after {kill_after} of {total}, yet it finished"
    );

    // The next run observes what the killed one left, and finishes the job: exactly the
    // planned resources exist, each once (a doubled task definition would be a revision more).
    round(clients, &repo).await;
    let (observed, remaining) = remaining_changes(clients, &repo).await;
    assert_eq!(
        remaining,
        Vec::<String>::new(),
        "killed after {kill_after} of {total}"
    );
    assert_eq!(
        observed.resources.len(),
        total,
        "killed after {kill_after} of {total}"
    );
}

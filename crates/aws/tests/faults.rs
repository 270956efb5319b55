//! Faults against the AWS emulator: throttled calls, and a run killed halfway. Needs
//! `scripts/emulator start` (fails otherwise).

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use aws_sdk_ecs::config::interceptors::{
    BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextMut,
};
use aws_sdk_ecs::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_ecs::error::BoxError;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use rnd_aws::{apply, configured, events, observe, ApplyOptions, ClientOptions, Clients, Event};
use support::*;

/// Throttles every `every`-th ECS request as AWS does when an account calls too fast: the
/// request is not carried out (it is turned into a harmless `ListClusters` before it is signed
/// and sent) and the answer is AWS's throttling error, so the SDK's retry strategy is
/// exercised on real requests.
#[derive(Debug, Clone)]
struct Throttle {
    every: usize,
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
        let throttle = self.seen.fetch_add(1, Ordering::SeqCst) % self.every == 0;
        cfg.interceptor_state().store_put(Throttled(throttle));
        if throttle {
            self.throttled.fetch_add(1, Ordering::SeqCst);
            let request = context.request_mut();
            request
                .headers_mut()
                .insert("x-amz-target", "AmazonEC2ContainerServiceV20141113.ListClusters");
            request.headers_mut().insert("content-length", "2");
            *request.body_mut() = SdkBody::from("{}");
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
        let response = context.response_mut();
        *response.status_mut() = 400u16.try_into()?;
        response
            .headers_mut()
            .insert("x-amzn-errortype", "ThrottlingException");
        response
            .headers_mut()
            .insert("content-type", "application/x-amz-json-1.1");
        *response.body_mut() =
            SdkBody::from(r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.to_string());
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
    let throttle = Throttle {
        every: 3,
        seen: Arc::default(),
        throttled: Arc::default(),
    };
    let mut clients = Clients::new(&config);
    clients.ecs = aws_sdk_ecs::Client::from_conf(
        aws_sdk_ecs::config::Builder::from(&config)
            .interceptor(throttle.clone())
            .build(),
    );
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
    assert!(
        throttle.throttled.load(Ordering::SeqCst) >= 5,
        "the test throttled too little to show anything"
    );
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

//! Every AWS call of a platform's life — plan, apply (a service sleeping when idle among the
//! rest), a version bump and a removal, a restart,
//! the lock, secrets set and deleted, logs, status, destroy — is allowed by the policy `rnd permissions` generates for
//! its mode, and the same calls with a second platform's names are denied. Each call is
//! recorded as IAM sees it (action, resource ARN, condition keys; `support::iam`) and evaluated
//! by a maintained IAM policy simulator (`scripts/iam-check`), not a matcher of our own.
//! Needs `scripts/emulator start` and Node.js.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::support::iam::{
    as_another_platform, evaluate, iam_requests, simulator_data_gap, IamRecorder, IamRequest, Place,
};
use crate::support::*;
use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;
use rnd_aws::sleep::{put_to_sleep, release, wake, Patience, ServiceRef, SleepOutcome, WakeOutcome};
use rnd_aws::{observe, secrets, ApiOperation, ApplyOptions, Clients};
use rnd_core::permissions::{policy, Mode, Scope};
use rnd_core::plan::{plan, plan_destroy};
use rnd_core::platform::SecretsStore;
use rnd_core::repository::Repository;

fn granted(repository: &Repository, mode: Mode) -> BTreeSet<String> {
    policy(&Scope::new(&repository.platform), mode)
        .actions()
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// The IAM actions of the calls `calls` holds that `granted` lacks.
fn missing(calls: &BTreeMap<ApiOperation, u64>, granted: &BTreeSet<String>) -> Vec<String> {
    calls
        .keys()
        .filter_map(|op| match op.iam_action() {
            Some(action) if granted.contains(&action) => None,
            Some(action) => Some(action),
            None => Some(format!("unknown service {op}")),
        })
        .collect()
}

struct Recorded {
    clients: Clients,
    recorder: IamRecorder,
    repository: Repository,
}

impl Recorded {
    /// The calls since the last check, as IAM requests; each must be allowed by `mode`'s
    /// policy, and denied when made with another platform's names.
    fn check(&self, mode: Mode) -> Vec<IamRequest> {
        let calls = self.clients.calls.take();
        assert!(!calls.is_empty(), "the counter saw no call");
        assert_eq!(
            missing(&calls, &granted(&self.repository, mode)),
            Vec::<String>::new()
        );
        let platform = &self.repository.platform;
        let place = Place {
            region: &platform.region,
            platform: &platform.name,
        };
        let requests: Vec<IamRequest> = self
            .recorder
            .take()
            .iter()
            .flat_map(|sent| iam_requests(sent, &place))
            .collect();
        let document = policy(&Scope::new(platform), mode);
        let (gaps, judged): (Vec<IamRequest>, Vec<IamRequest>) =
            requests.iter().cloned().partition(simulator_data_gap);
        for gap in &gaps {
            let target_groups = format!(
                "arn:aws:elasticloadbalancing:{}:*:targetgroup/{}-*/*",
                platform.region, platform.name
            );
            assert!(
                document
                    .statement
                    .iter()
                    .any(|s| s.action.contains(&gap.action) && s.resource.contains(&target_groups)),
                "{gap:?} is not granted"
            );
        }
        let others = as_another_platform(&judged, &platform.name, "zzother");
        assert!(!others.is_empty());
        let document = serde_json::to_value(document).unwrap();
        if let Err(failures) = evaluate(&document, &judged, &others) {
            panic!(
                "--for {} does not decide these as expected:\n{failures}",
                mode.name()
            );
        }
        requests
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_of_a_platforms_life_is_allowed_to_its_mode_and_denied_for_another_platform() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    // As patient as rnd's own clients (8 attempts): moto's IAM answers 500 when a role is
    // created by a parallel test while it lists roles ("dictionary changed size during
    // iteration"), and the SDK's default 3 attempts once all landed inside one such burst.
    let config = config
        .to_builder()
        .retry_config(
            aws_config::retry::RetryConfig::standard()
                .with_max_attempts(8)
                .with_initial_backoff(std::time::Duration::from_millis(200)),
        )
        .build();
    let recorder = IamRecorder::default();
    let clients = Clients::with_interceptors(&config, &[SharedInterceptor::new(recorder.clone())]);
    let platform = &unique("perm");
    let cert = certificate(&config, &format!("{platform}.example.com")).await;
    let manifests = [
        ("web", routed("web", "v1", 8080)),
        ("jobs", worker("jobs", "v1")),
        // A GPU service that sleeps: a warm pool and its hook on its group.
        (
            "model",
            gpu("model", "v1", 9000).replacen('{', r#"{ "idle_after": "1h","#, 1),
        ),
        // Sleeps when idle: its alarm, wake group and the function's statements.
        (
            "demo",
            routed("demo", "v1", 8000).replace("\"port\"", "\"idle_after\": \"30m\", \"port\""),
        ),
    ];
    let function_arn = lambda_function(&clients, &config, &format!("rnd-{platform}")).await;
    // The platform keeps its DNS records in a zone of its own domain.
    let zone = clients
        .route53
        .create_hosted_zone()
        .name(format!("{platform}.example.com"))
        .caller_reference(unique("ref"))
        .send()
        .await
        .unwrap()
        .hosted_zone()
        .unwrap()
        .id()
        .trim_start_matches("/hostedzone/")
        .to_string();
    let with_zone = |mut repository: Repository| {
        repository.platform.routing.hosted_zone_id = Some(zone.clone());
        repository.platform.scale_to_zero = Some(rnd_core::platform::ScaleToZero {
            function_arn: function_arn.clone(),
        });
        repository
    };
    let repo = with_zone(repository(platform, &cert, &manifests));
    let bumped = with_zone(repository(
        platform,
        &cert,
        &[("web", routed("web", "v2", 8080)), ("jobs", worker("jobs", "v1"))],
    ));
    clients.calls.take();
    recorder.take();
    let recorded = Recorded {
        clients,
        recorder,
        repository: repo.clone(),
    };
    let clients = &recorded.clients;

    // What a pull request's job does: observe (both ways), look up names, plan.
    let observed = observe(clients, platform).await.unwrap();
    let first = plan(&repo, &observed).unwrap();
    same_plan_with_expectation(clients, &repo, &first).await;
    let creations: Vec<_> = first
        .graph
        .operations()
        .filter_map(|op| op.desired.as_ref())
        .collect();
    rnd_aws::foreign(clients, platform, &creations).await.unwrap();
    let referenced = rnd_core::platform_references::wanted(&repo);
    rnd_aws::references::platform_existing(clients, &referenced)
        .await
        .unwrap();
    rnd_aws::references::existing(clients, &rnd_core::prerequisites::wanted(&repo))
        .await
        .unwrap();
    recorded.check(Mode::Plan);

    // Apply, under the lock; then a version bump and a removal.
    let lease = rnd_aws::lock::acquire(clients, platform, "test", &Default::default(), |_| {})
        .await
        .unwrap();
    round(clients, &repo).await;
    // rnd's function puts the GPU service to sleep, gives its instance back and wakes it (what
    // ECS does meanwhile is played with unrecorded clients).
    let ecs = Clients::new(&config);
    let (_, _, _, instances) = crate::gpu_sleep::gpu_group(&ecs, platform).await;
    let (_, task) = crate::gpu_sleep::task_on(&ecs, platform, &instances[0]).await;
    let model = ServiceRef {
        platform: platform.to_string(),
        service: "model".into(),
    };
    let SleepOutcome::Slept { occupied, .. } = put_to_sleep(clients, &model, "2026-12-06T03:00:00Z")
        .await
        .unwrap()
    else {
        panic!("model sleeps")
    };
    ecs.ecs
        .stop_task()
        .cluster(platform)
        .task(&task)
        .send()
        .await
        .unwrap();
    let now = Patience {
        checks: 1,
        between: std::time::Duration::ZERO,
    };
    assert_eq!(release(clients, &model, &occupied, now).await.unwrap(), 1);
    assert!(matches!(
        wake(clients, &model, 1_800_000_000).await.unwrap(),
        WakeOutcome::Starting { started: true, .. }
    ));
    round(clients, &bumped).await;
    assert!(rnd_aws::restart::restart(clients, platform, "web").await.unwrap());
    lease.release().await.unwrap();
    let calls = clients.calls.snapshot();
    let mut apply = granted(&repo, Mode::Apply);
    let requests = recorded.check(Mode::Apply);
    for expected in [
        "iam:PassRole",
        "ecs:TagResource",
        "ec2:CreateTags",
        "elasticloadbalancing:AddTags",
        "route53:ChangeResourceRecordSets",
        // A service sleeping when idle, then removed.
        "lambda:AddPermission",
        "lambda:RemovePermission",
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:DeleteAlarms",
        "elasticloadbalancing:RegisterTargets",
        // A GPU service sleeping: its group's warm pool and hook, its instance back and forth.
        "autoscaling:PutWarmPool",
        "autoscaling:PutLifecycleHook",
        "autoscaling:TerminateInstanceInAutoScalingGroup",
        "autoscaling:SetDesiredCapacity",
    ] {
        assert!(
            requests.iter().any(|r| r.action == expected),
            "no {expected} recorded"
        );
    }
    // The check bites: without one action the apply needs, it names that action.
    apply.remove("ecs:CreateService");
    assert_eq!(missing(&calls, &apply), ["ecs:CreateService"]);

    // A person sets a secret; anyone with the plan policy lists them and reads logs and status.
    let value = rnd_aws::SecretValue::new("s3cr3t-value".to_string());
    secrets::set(
        clients,
        SecretsStore::Ssm,
        &format!("{platform}/web/TOKEN"),
        platform,
        "web",
        &value,
    )
    .await
    .unwrap();
    let spare = format!("{platform}/web/SPARE");
    secrets::set(clients, SecretsStore::Ssm, &spare, platform, "web", &value)
        .await
        .unwrap();
    assert!(secrets::delete(clients, SecretsStore::Ssm, &spare).await.unwrap());
    recorded.check(Mode::Secrets);
    secrets::list_under(clients, SecretsStore::Ssm, &format!("{platform}/"))
        .await
        .unwrap();
    let tasks = rnd_aws::service_logs::service_tasks(clients, platform, "web")
        .await
        .unwrap();
    let streams: Vec<String> = tasks.iter().map(|t| format!("web/web/{}", t.id)).collect();
    rnd_aws::service_logs::read_lines(
        clients,
        &format!("/rnd/{platform}/web"),
        rnd_aws::service_logs::Streams::Only(&streams),
        0,
        10,
    )
    .await
    .unwrap();
    rnd_aws::status::live_services(clients, platform, &["web".to_string()])
        .await
        .unwrap();
    recorded.check(Mode::Plan);

    // Destroy.
    let observed = observe(clients, platform).await.unwrap();
    let destroy = plan_destroy(&bumped, &observed).unwrap();
    let sink = Arc::new(|_| {}) as rnd_aws::events::EventSink;
    let report = rnd_aws::apply(clients, &destroy, &observed, ApplyOptions::default(), sink)
        .await
        .unwrap();
    assert!(report.succeeded(), "{:#?}", report.failures());
    recorded.check(Mode::Apply);
}

//! A service that sleeps when idle, against the emulator (issue 16): the apply creates the
//! platform's two statements in the function's policy, the wake target group with the function
//! registered, the idle alarm over both groups' request counts and the weighted rule; a re-plan
//! while the service sleeps (count 0, weights flipped to the waker, as rnd's Lambda function
//! leaves them) changes nothing, and an update then leaves both alone; losing `idle_after`
//! removes every piece and puts the route back. moto does not evaluate alarms or invoke
//! functions: those are the Lambda's tests. Needs `scripts/emulator start` (fails otherwise).

use aws_sdk_elasticloadbalancingv2::types::Action as ElbAction;
use rnd_aws::sleep::{put_to_sleep, wake, Occupied, ServiceRef, SleepOutcome, WakeOutcome};
use rnd_aws::Clients;
use rnd_core::platform::ScaleToZero;
use rnd_core::repository::Repository;
use serde_json::Value;

use crate::support::*;

fn sleepy(idle_after: Option<&str>) -> String {
    let idle = idle_after.map_or(String::new(), |i| format!(r#", "idle_after": "{i}""#));
    format!(
        r#"{{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/demo", "version": "v1",
             "port": 8080, "health_check": "/healthz" {idle} }}"#
    )
}

pub(crate) fn with_function(mut repository: Repository, function_arn: &str) -> Repository {
    repository.platform.scale_to_zero = Some(ScaleToZero {
        function_arn: function_arn.to_string(),
    });
    repository
}

/// The statements of the function's policy, by id.
async fn statements(clients: &Clients, function_arn: &str) -> Vec<Value> {
    match clients
        .lambda
        .get_policy()
        .function_name(function_arn)
        .send()
        .await
    {
        Ok(out) => {
            let policy: Value = serde_json::from_str(out.policy().unwrap()).unwrap();
            policy["Statement"].as_array().cloned().unwrap_or_default()
        }
        Err(_) => Vec::new(),
    }
}

/// The rule's forward: (target group name, weight) pairs.
pub(crate) async fn forward_of(
    clients: &Clients,
    platform: &str,
    rule_name_group: &str,
) -> Vec<(String, i32)> {
    let lbs = clients
        .elb
        .describe_load_balancers()
        .names(format!("{platform}-alb-1"))
        .send()
        .await
        .unwrap();
    let lb = lbs.load_balancers()[0].load_balancer_arn().unwrap();
    let listeners = clients
        .elb
        .describe_listeners()
        .load_balancer_arn(lb)
        .send()
        .await
        .unwrap();
    let https = listeners
        .listeners()
        .iter()
        .find(|l| l.port() == Some(443))
        .unwrap()
        .listener_arn()
        .unwrap();
    let rules = clients
        .elb
        .describe_rules()
        .listener_arn(https)
        .send()
        .await
        .unwrap();
    let name = |arn: &str| arn.split('/').nth(1).unwrap_or_default().to_string();
    let forward: Vec<(String, i32)> = rules
        .rules()
        .iter()
        .flat_map(|r| r.actions())
        .filter(|a: &&ElbAction| a.r#type().map(|t| t.as_str()) == Some("forward"))
        .flat_map(|a| {
            let mut groups: Vec<(String, i32)> = a
                .forward_config()
                .map(|f| {
                    f.target_groups()
                        .iter()
                        .map(|t| (name(t.target_group_arn().unwrap()), t.weight().unwrap_or(1)))
                        .collect()
                })
                .unwrap_or_default();
            if groups.is_empty() {
                groups.extend(a.target_group_arn().map(|g| (name(g), 1)));
            }
            groups
        })
        .filter(|(g, _)| g.starts_with(rule_name_group))
        .collect();
    forward
}

/// What ECS does for a started task: registers it in the service's group, where the emulator
/// reports it healthy.
pub(crate) async fn register_healthy_target(clients: &Clients, group: &str) {
    let arn = clients
        .elb
        .describe_target_groups()
        .names(group)
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_string();
    clients
        .elb
        .register_targets()
        .target_group_arn(arn)
        .targets(
            aws_sdk_elasticloadbalancingv2::types::TargetDescription::builder()
                .id("10.0.0.10")
                .port(8080)
                .build(),
        )
        .send()
        .await
        .expect("RegisterTargets");
}

pub(crate) async fn desired_count(clients: &Clients, platform: &str, service: &str) -> i32 {
    clients
        .ecs
        .describe_services()
        .include(aws_sdk_ecs::types::ServiceField::Tags)
        .cluster(platform)
        .services(service)
        .send()
        .await
        .unwrap()
        .services()[0]
        .desired_count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sleeping_service_gets_its_wake_pieces_keeps_its_sleep_and_loses_them() {
    let config = tokio::task::spawn_blocking(emulator_config).await.unwrap();
    let clients = Clients::new(&config);
    let platform = &unique("zz");
    let cert = certificate(&config, &format!("{platform}.example.com")).await;
    let function_arn = lambda_function(&clients, &config, &format!("rnd-{platform}")).await;
    let sleeping = with_function(
        repository(platform, &cert, &[("demo", sleepy(Some("30m")))]),
        &function_arn,
    );

    // Gaining: the statements, the wake group with the function in it, the alarm, the rule.
    let (_, report, _) = round(&clients, &sleeping).await;
    assert!(report.succeeded());
    let sids: Vec<String> = statements(&clients, &function_arn)
        .await
        .iter()
        .map(|s| s["Sid"].as_str().unwrap().to_string())
        .collect();
    // Added in whichever order the apply ran them.
    let mut sids = sids;
    sids.sort();
    assert_eq!(
        sids,
        [format!("rnd-{platform}-idle"), format!("rnd-{platform}-wake")]
    );
    let wake_groups = clients
        .elb
        .describe_target_groups()
        .names(format!("{platform}-demo-wake"))
        .send()
        .await
        .expect("the wake group exists");
    let wake_group = &wake_groups.target_groups()[0];
    assert_eq!(wake_group.target_type().map(|t| t.as_str()), Some("lambda"));
    let targets = clients
        .elb
        .describe_target_health()
        .target_group_arn(wake_group.target_group_arn().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        targets
            .target_health_descriptions()
            .iter()
            .filter_map(|t| t.target().and_then(|t| t.id()))
            .collect::<Vec<_>>(),
        [function_arn.as_str()]
    );
    let alarms = clients
        .cloudwatch
        .describe_alarms()
        .alarm_names(format!("{platform}-demo-idle"))
        .send()
        .await
        .unwrap();
    let alarm = &alarms.metric_alarms()[0];
    assert_eq!(alarm.alarm_actions(), std::slice::from_ref(&function_arn));
    assert_eq!(alarm.evaluation_periods(), Some(30));
    assert_eq!(alarm.metrics().len(), 3, "two request counts and their sum");
    assert_eq!(
        forward_of(&clients, platform, &format!("{platform}-demo")).await,
        [
            (format!("{platform}-demo"), 1),
            (format!("{platform}-demo-wake"), 0)
        ]
    );
    let (_, remaining) = remaining_changes(&clients, &sleeping).await;
    assert_eq!(remaining, Vec::<String>::new(), "gaining idle_after converges");

    // Asleep: nothing to change, and a new version deploys without waking it.
    let demo = ServiceRef {
        platform: platform.to_string(),
        service: "demo".into(),
    };
    // One Fargate task of the default size (0.25 vCPU, 0.5 GiB) is what the sleep saves.
    let fargate = rnd_core::catalog::Catalog::builtin()
        .fargate_price("us-east-1")
        .unwrap()
        .hourly(rnd_core::catalog::FargateSize {
            cpu_units: 256,
            memory_mib: 512,
        });
    assert_eq!(
        put_to_sleep(&clients, &demo, "2026-12-05T03:00:00Z")
            .await
            .unwrap(),
        SleepOutcome::Slept {
            from: 1,
            occupied: Occupied::default(),
            hourly_saving: fargate,
        }
    );
    assert_eq!(
        put_to_sleep(&clients, &demo, "2026-12-05T03:01:00Z")
            .await
            .unwrap(),
        SleepOutcome::AlreadyAsleep,
        "an alarm firing again changes nothing"
    );
    assert_eq!(desired_count(&clients, platform, "demo").await, 0);
    let live = rnd_aws::status::live_services(&clients, platform, &["demo".to_string()])
        .await
        .unwrap();
    assert_eq!(
        live["demo"].asleep_since.as_deref(),
        Some("2026-12-05T03:00:00Z"),
        "rnd status sees since when it sleeps"
    );
    assert_eq!(
        forward_of(&clients, platform, &format!("{platform}-demo")).await,
        [
            (format!("{platform}-demo"), 0),
            (format!("{platform}-demo-wake"), 1)
        ]
    );
    let (_, remaining) = remaining_changes(&clients, &sleeping).await;
    assert_eq!(
        remaining,
        Vec::<String>::new(),
        "a plan leaves a sleeping service asleep"
    );
    let newer = with_function(
        repository(
            platform,
            &cert,
            &[("demo", sleepy(Some("30m")).replace("\"v1\"", "\"v2\""))],
        ),
        &function_arn,
    );
    let (_, report, _) = round(&clients, &newer).await;
    assert!(report.succeeded());
    assert_eq!(desired_count(&clients, platform, "demo").await, 0, "still asleep");
    assert_eq!(
        forward_of(&clients, platform, &format!("{platform}-demo")).await,
        [
            (format!("{platform}-demo"), 0),
            (format!("{platform}-demo-wake"), 1)
        ],
        "the route still goes to the waker"
    );

    // Two first requests at once start the service once; once a task is healthy the next
    // request hands the route back.
    let now = 1_800_000_000;
    let (a, b) = tokio::join!(wake(&clients, &demo, now), wake(&clients, &demo, now));
    let started = [a.unwrap(), b.unwrap()]
        .iter()
        .filter(|o| matches!(o, WakeOutcome::Starting { started: true, .. }))
        .count();
    assert_eq!(
        started, 1,
        "one of two concurrent first requests starts the service"
    );
    assert_eq!(desired_count(&clients, platform, "demo").await, 1);
    assert!(matches!(
        wake(&clients, &demo, now + 5).await.unwrap(),
        WakeOutcome::Starting { started: false, .. }
    ));
    register_healthy_target(&clients, &format!("{platform}-demo")).await;
    assert!(matches!(
        wake(&clients, &demo, now + 60).await.unwrap(),
        WakeOutcome::HandedBack { .. }
    ));
    assert_eq!(
        forward_of(&clients, platform, &format!("{platform}-demo")).await,
        [
            (format!("{platform}-demo"), 1),
            (format!("{platform}-demo-wake"), 0)
        ]
    );
    let (_, remaining) = remaining_changes(&clients, &newer).await;
    assert_eq!(remaining, Vec::<String>::new(), "awake again, as planned");
    // Asleep once more for the next step.
    put_to_sleep(&clients, &demo, "2026-12-05T05:00:00Z")
        .await
        .unwrap();

    // Losing idle_after: every piece goes, the service runs and the route is its own again.
    let awake = with_function(
        repository(
            platform,
            &cert,
            &[("demo", sleepy(None).replace("\"v1\"", "\"v2\""))],
        ),
        &function_arn,
    );
    let (_, report, _) = round(&clients, &awake).await;
    assert!(report.succeeded());
    assert_eq!(desired_count(&clients, platform, "demo").await, 1);
    assert_eq!(
        forward_of(&clients, platform, &format!("{platform}-demo")).await,
        [(format!("{platform}-demo"), 1)]
    );
    assert!(statements(&clients, &function_arn).await.is_empty());
    assert!(clients
        .elb
        .describe_target_groups()
        .names(format!("{platform}-demo-wake"))
        .send()
        .await
        .map(|o| o.target_groups().is_empty())
        .unwrap_or(true));
    let alarms = clients
        .cloudwatch
        .describe_alarms()
        .alarm_names(format!("{platform}-demo-idle"))
        .send()
        .await
        .unwrap();
    assert!(alarms.metric_alarms().is_empty());
    let (_, remaining) = remaining_changes(&clients, &awake).await;
    assert_eq!(remaining, Vec::<String>::new(), "losing idle_after converges");
}

//! AWS names are unambiguous: distinct (platform, service) pairs never share a name of any kind,
//! and no service's name is a foundation's, for every name a valid platform and service can have.

use std::collections::BTreeMap;

use proptest::prelude::*;
use rnd_core::plan::naming::{Names, RESERVED_SERVICE_NAMES};
use rnd_core::plan::resource::ResourceKind;

/// Platform names as validation accepts them: letters and digits, starting with a letter. Short
/// alphabets make collisions likely if the rule allowed any.
fn platform() -> impl Strategy<Value = String> {
    "[ab][ab1]{0,3}"
}

/// Service names as validation accepts them (a DNS label, no `--`), with the reserved ones left
/// out; biased towards the suffixes rnd itself appends.
fn service() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-b]([a-b1-]{0,4}[a-b1])?",
        Just("ecs-execution".to_string()),
        // The reserved names, filtered out below as validation refuses them: without that
        // filter this property fails.
        Just("ecs".to_string()),
        Just("alb".to_string()),
        Just("gpu-instances".to_string()),
        Just("gpu".to_string()),
        Just("gpu-instance".to_string()),
        Just("a-task".to_string()),
        Just("a-execution".to_string()),
        Just("alb-0".to_string()),
        Just("b-alb".to_string()),
    ]
    .prop_filter("valid service names", |s| {
        !s.contains("--") && !RESERVED_SERVICE_NAMES.contains(&s.as_str())
    })
}

/// Every AWS name a service has, by kind: the ones several kinds share an AWS namespace with are
/// listed under each (security groups, target groups, listener rules and task definition
/// families all use `service_resource`).
fn service_names(n: &Names, s: &str) -> Vec<(ResourceKind, String)> {
    vec![
        (ResourceKind::SecurityGroup, n.service_resource(s)),
        (ResourceKind::TargetGroup, n.service_resource(s)),
        (ResourceKind::ListenerRule, n.service_resource(s)),
        (ResourceKind::TaskDefinition, n.service_resource(s)),
        (ResourceKind::IamRole, n.task_role(s)),
        (ResourceKind::IamRole, n.service_execution_role(s)),
        (ResourceKind::LogGroup, n.log_group(s)),
        // When it sleeps (`idle_after`): its wake target group and its idle alarm.
        (ResourceKind::TargetGroup, n.wake_target_group(s)),
        (ResourceKind::Alarm, n.idle_alarm(s)),
        // Services are named within the platform's cluster: the pair is (cluster, name).
        (
            ResourceKind::EcsService,
            format!("{}/{}", n.cluster(), n.ecs_service(s)),
        ),
    ]
}

/// Every AWS name a platform's shared resources have, by kind.
fn foundation_names(n: &Names) -> Vec<(ResourceKind, String)> {
    let mut names = vec![
        (ResourceKind::EcsCluster, n.cluster()),
        (ResourceKind::ClusterCapacityProviders, n.cluster()),
        (ResourceKind::SecurityGroup, n.load_balancer_security_group()),
        (ResourceKind::SecurityGroup, n.gpu_instance_security_group()),
        (ResourceKind::IamRole, n.execution_role()),
        (ResourceKind::IamRole, n.gpu_instance_role()),
        (ResourceKind::InstanceProfile, n.gpu_instance_role()),
        // The statements of rnd's function's policy, when the platform sleeps.
        (ResourceKind::LambdaPermission, n.wake_permission()),
        (ResourceKind::LambdaPermission, n.idle_permission()),
    ];
    for index in 0..3 {
        names.push((ResourceKind::LoadBalancer, n.load_balancer(index)));
        names.push((ResourceKind::Listener, n.https_listener(index)));
        names.push((ResourceKind::Listener, n.http_listener(index)));
    }
    for instance_type in ["g5.xlarge", "g6e.12xlarge", "p5.48xlarge"] {
        names.push((ResourceKind::LaunchTemplate, n.gpu_group(instance_type)));
        names.push((ResourceKind::AutoScalingGroup, n.gpu_group(instance_type)));
        names.push((ResourceKind::CapacityProvider, n.capacity_provider(instance_type)));
    }
    names
}

/// Who holds each (kind, name): a service of a platform, or a platform's foundation.
fn owners(pairs: &[(String, String)]) -> Result<(), String> {
    let mut holder: BTreeMap<(ResourceKind, String), String> = BTreeMap::new();
    let mut claim = |key: (ResourceKind, String), who: String| -> Result<(), String> {
        match holder.insert(key.clone(), who.clone()) {
            Some(other) if other != who => {
                Err(format!("{:?} {} is both {other}'s and {who}'s", key.0, key.1))
            }
            _ => Ok(()),
        }
    };
    for (platform, service) in pairs {
        let n = Names::new(platform);
        for key in foundation_names(&n) {
            claim(key, format!("platform {platform}'s foundation"))?;
        }
        for key in service_names(&n, service) {
            claim(key, format!("{platform}/{service}"))?;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn distinct_platform_service_pairs_never_share_an_aws_name(
        pairs in proptest::collection::vec((platform(), service()), 2..6)
    ) {
        prop_assert!(owners(&pairs).is_ok(), "{}", owners(&pairs).unwrap_err());
    }
}

#[test]
fn the_collisions_the_rule_prevents_are_real() {
    // With a `-` allowed in platform names, two platforms' services share every name.
    let a = Names::new("ml");
    let b = Names::new("ml-prod");
    assert_eq!(a.service_resource("prod-api"), b.service_resource("api"));
    // Without `ecs` reserved, its execution role would be the platform's shared one.
    assert_eq!(a.service_execution_role("ecs"), a.execution_role());
    assert!(owners(&[("ml".into(), "prod-api".into()), ("ml-prod".into(), "api".into())]).is_err());
    assert!(owners(&[("ml".into(), "ecs".into())]).is_err());
    // A sleeping service's wake group is named like the group of a service called
    // `<service>-wake`: validation refuses that pair (`manifest/idle-after-name-taken`).
    assert_eq!(a.wake_target_group("demo"), a.service_resource("demo-wake"));
    assert!(owners(&[("ml".into(), "demo".into()), ("ml".into(), "demo-wake".into())]).is_err());
}

//! Ownership end to end: resources someone else made under rnd's names stop `rnd plan` and
//! `rnd apply` before any change and stay exactly as they were; `--adopt` takes them over by
//! name and the plan says so.

use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, ResourceType, Tag as Ec2Tag, TagSpecification};
use aws_sdk_elasticloadbalancingv2::types::{ProtocolEnum, Tag as ElbTag, TargetTypeEnum};

use crate::support::emulator::{emulator_env, push_images, rnd_with, sdk_config};

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const POLICY: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

/// What the hand-made resources look like, read back from AWS: to show they did not change.
#[derive(Debug, PartialEq)]
struct HandMade {
    role_path: String,
    role_tags: Vec<(String, String)>,
    role_trust: String,
    role_policies: Vec<String>,
    group_tags: Vec<(String, String)>,
    group_ingress: Vec<String>,
    target_group_tags: Vec<(String, String)>,
    target_group_health_path: Option<String>,
}

struct Clients {
    iam: aws_sdk_iam::Client,
    ec2: aws_sdk_ec2::Client,
    elb: aws_sdk_elasticloadbalancingv2::Client,
    ecs: aws_sdk_ecs::Client,
}

async fn default_vpc(ec2: &aws_sdk_ec2::Client) -> String {
    let vpcs = ec2
        .describe_vpcs()
        .filters(Filter::builder().name("is-default").values("true").build())
        .send()
        .await
        .unwrap();
    vpcs.vpcs()[0].vpc_id().unwrap().to_string()
}

/// Under the names rnd gives `platform` and its service `api`: a role made by hand in rnd's
/// IAM path (no tags, a policy of its own), the shared execution role made by hand elsewhere
/// (`/`, where rnd could never own it), a security group of another team (its own tags), a
/// target group tagged for another platform.
async fn make_hand_made(c: &Clients, platform: &str) {
    let role = format!("{platform}-api-task");
    c.iam
        .create_role()
        .role_name(&role)
        .path(format!("/rnd/{platform}/"))
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    c.iam
        .create_role()
        .role_name(format!("{platform}-ecs-execution"))
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    c.iam
        .put_role_policy()
        .role_name(&role)
        .policy_name("hand-made")
        .policy_document(POLICY)
        .send()
        .await
        .unwrap();
    let vpc = default_vpc(&c.ec2).await;
    let group = c
        .ec2
        .create_security_group()
        .group_name(format!("{platform}-api"))
        // rnd's own description: AWS never changes a group's description, so a different one
        // would show as a replacement in the plan after the adoption.
        .description(format!("rnd {platform}: service api"))
        .vpc_id(&vpc)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::SecurityGroup)
                .tags(Ec2Tag::builder().key("team").value("infra").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    c.ec2
        .authorize_security_group_ingress()
        .group_id(group.group_id().unwrap())
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(IpRange::builder().cidr_ip("10.1.0.0/16").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    c.elb
        .create_target_group()
        .name(format!("{platform}-api"))
        .protocol(ProtocolEnum::Http)
        .port(80)
        .vpc_id(&vpc)
        .target_type(TargetTypeEnum::Ip)
        .health_check_path("/hand-made")
        .tags(ElbTag::builder().key("rnd:platform").value("someoneelse").build())
        .send()
        .await
        .unwrap();
}

async fn read_hand_made(c: &Clients, platform: &str) -> HandMade {
    let role_name = format!("{platform}-api-task");
    let role = c.iam.get_role().role_name(&role_name).send().await.unwrap();
    let role = role.role().unwrap();
    let mut role_tags: Vec<(String, String)> = role
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    role_tags.sort();
    let mut role_policies: Vec<String> = c
        .iam
        .list_role_policies()
        .role_name(&role_name)
        .send()
        .await
        .unwrap()
        .policy_names()
        .to_vec();
    let attached = c
        .iam
        .list_attached_role_policies()
        .role_name(&role_name)
        .send()
        .await
        .unwrap();
    role_policies.extend(
        attached
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string)),
    );
    role_policies.sort();
    let groups = c
        .ec2
        .describe_security_groups()
        .filters(
            Filter::builder()
                .name("group-name")
                .values(format!("{platform}-api"))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let group = &groups.security_groups()[0];
    let mut group_tags: Vec<(String, String)> = group
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect();
    group_tags.sort();
    let mut group_ingress: Vec<String> = group
        .ip_permissions()
        .iter()
        .map(|p| format!("{:?} {:?} {:?}", p.from_port(), p.to_port(), p.ip_ranges()))
        .collect();
    group_ingress.sort();
    let target_groups = c
        .elb
        .describe_target_groups()
        .names(format!("{platform}-api"))
        .send()
        .await
        .unwrap();
    let target_group = &target_groups.target_groups()[0];
    let tags = c
        .elb
        .describe_tags()
        .resource_arns(target_group.target_group_arn().unwrap())
        .send()
        .await
        .unwrap();
    let mut target_group_tags: Vec<(String, String)> = tags.tag_descriptions()[0]
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect();
    target_group_tags.sort();
    HandMade {
        role_path: role.path().to_string(),
        role_tags,
        role_trust: role.assume_role_policy_document().unwrap_or_default().to_string(),
        role_policies,
        group_tags,
        group_ingress,
        target_group_tags,
        target_group_health_path: target_group.health_check_path().map(str::to_string),
    }
}

async fn cluster_exists(ecs: &aws_sdk_ecs::Client, name: &str) -> bool {
    ecs.describe_clusters()
        .include(aws_sdk_ecs::types::ClusterField::Tags)
        .clusters(name)
        .send()
        .await
        .unwrap()
        .clusters()
        .iter()
        .any(|c| c.status() == Some("ACTIVE"))
}

#[test]
fn resources_made_by_others_under_rnds_names_stop_the_plan_and_stay_as_they_were() {
    let env = emulator_env();
    let arn = crate::support::emulator::certificate(&env, "*.own.example.com");
    let platform = format!("own{}", std::process::id() % 100_000);
    let platform_json = format!(
        r#"{{ "name": "{platform}", "region": "us-east-1",
             "routing": {{ "mode": "host", "domain": "own.example.com" }},
             "certificate_arn": "{arn}" }}"#
    );
    let api = br#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/own/api", "version": "v1", "port": 8080 }"#;
    let dir = crate::support::deployments_dir(platform_json.as_bytes(), &[("api.json", api)]);
    let d = dir.path().to_str().unwrap();
    push_images(&env, dir.path());

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let clients = runtime.block_on(async {
        let config = sdk_config(&env).await;
        Clients {
            iam: aws_sdk_iam::Client::new(&config),
            ec2: aws_sdk_ec2::Client::new(&config),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(&config),
            ecs: aws_sdk_ecs::Client::new(&config),
        }
    });
    runtime.block_on(make_hand_made(&clients, &platform));
    let before = runtime.block_on(read_hand_made(&clients, &platform));

    let plan = rnd_with(&env, &["plan", "--dir", d]);
    assert_eq!(plan.code, 1, "{}\n{}", plan.stdout, plan.stderr);
    for expected in [
        format!("iam_role.{platform}-api-task: no tags: made by hand or by another tool\n"),
        format!("iam_role.{platform}-ecs-execution: no tags: made by hand or by another tool (cannot be adopted: it is under the IAM path /,"),
        format!("security_group.{platform}-api: not rnd's; its tags: team=infra"),
        format!("target_group.{platform}-api: rnd platform \"someoneelse\""),
        "--adopt".to_string(),
    ] {
        assert!(plan.stderr.contains(&expected), "{expected}\n{}", plan.stderr);
    }

    let apply = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(apply.code, 1, "{}\n{}", apply.stdout, apply.stderr);
    assert!(
        apply.stderr.contains(&format!("iam_role.{platform}-api-task")),
        "{}",
        apply.stderr
    );
    // Nothing changed: the hand-made resources are as they were, and nothing else was made.
    assert_eq!(runtime.block_on(read_hand_made(&clients, &platform)), before);
    assert!(!runtime.block_on(cluster_exists(&clients.ecs, &platform)));

    // A typo in an adoption is refused, naming it.
    let typo = rnd_with(
        &env,
        &[
            "plan",
            "--dir",
            d,
            "--adopt",
            &format!("iam_role.{platform}-apy-task"),
        ],
    );
    assert_eq!(typo.code, 1, "{}\n{}", typo.stdout, typo.stderr);
    assert!(typo.stderr.contains("nothing to adopt"), "{}", typo.stderr);
    let bad = rnd_with(&env, &["plan", "--dir", d, "--adopt", "role.x"]);
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(bad.stderr.contains("is not a resource kind"), "{}", bad.stderr);

    // The role outside rnd's path cannot be adopted even when asked: removing it is the way.
    let mut args = vec!["plan", "--dir", d, "--adopt"];
    let execution = format!("iam_role.{platform}-ecs-execution");
    args.push(&execution);
    let not_adoptable = rnd_with(&env, &args);
    assert_eq!(
        not_adoptable.code, 1,
        "{}\n{}",
        not_adoptable.stdout, not_adoptable.stderr
    );
    assert!(
        not_adoptable.stderr.contains("cannot be adopted"),
        "{}",
        not_adoptable.stderr
    );
    runtime.block_on(async {
        clients
            .iam
            .delete_role()
            .role_name(format!("{platform}-ecs-execution"))
            .send()
            .await
            .unwrap()
    });

    // Adopted by name, they become the platform's: the plan says so, the role keeps only the
    // permissions rnd gives it, and the next plan is clean.
    let adopt = [
        "--adopt".to_string(),
        format!("iam_role.{platform}-api-task"),
        "--adopt".to_string(),
        format!("security_group.{platform}-api"),
        "--adopt".to_string(),
        format!("target_group.{platform}-api"),
    ];
    let mut args = vec!["apply", "--dir", d, "--yes", "--wait", "0"];
    args.extend(adopt.iter().map(String::as_str));
    let adopted = rnd_with(&env, &args);
    assert_eq!(adopted.code, 0, "{}\n{}", adopted.stdout, adopted.stderr);
    assert!(
        adopted
            .stdout
            .contains(&format!("+ iam_role.{platform}-api-task (adopt:")),
        "{}",
        adopted.stdout
    );
    let after = runtime.block_on(read_hand_made(&clients, &platform));
    assert!(
        after
            .role_tags
            .contains(&("rnd:platform".to_string(), platform.clone())),
        "{after:?}"
    );
    assert!(
        !after.role_policies.contains(&"hand-made".to_string()),
        "{after:?}"
    );
    let again = rnd_with(&env, &["plan", "--dir", d, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);

    let destroyed = rnd_with(&env, &["destroy", "--dir", d, "--yes"]);
    assert_eq!(destroyed.code, 0, "{}\n{}", destroyed.stdout, destroyed.stderr);
}

/// A deployments directory for `platform` with one routed service `service`, images pushed.
fn one_service(env: &[(String, String)], arn: &str, platform: &str, service: &str) -> tempfile::TempDir {
    let platform_json = format!(
        r#"{{ "name": "{platform}", "region": "us-east-1",
             "routing": {{ "mode": "host", "domain": "pair.example.com" }},
             "certificate_arn": "{arn}" }}"#
    );
    let manifest = format!(
        r#"{{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/pair/{service}", "version": "v1", "port": 8080 }}"#
    );
    let dir = crate::support::deployments_dir(
        platform_json.as_bytes(),
        &[(&format!("{service}.json"), manifest.as_bytes())],
    );
    push_images(env, dir.path());
    dir
}

fn succeeds(env: &[(String, String)], args: &[&str]) -> String {
    let run = rnd_with(env, args);
    assert_eq!(run.code, 0, "rnd {args:?}\n{}\n{}", run.stdout, run.stderr);
    run.stdout
}

/// `p` + `prod-api` and `p-prod` + `api` used to share every AWS name. A new platform named with
/// `-` is refused; one made before the rule (its cluster tagged for it) keeps working, and the
/// ownership check keeps the pair apart; the renamed platform (`pprod`) and `p` deploy side by
/// side, and neither's apply or destroy touches the other.
#[test]
fn platforms_whose_names_used_to_collide_never_touch_each_other() {
    let env = emulator_env();
    let arn = crate::support::emulator::certificate(&env, "*.pair.example.com");
    let p = format!("q{}", std::process::id() % 100_000);
    let legacy = format!("{p}-prod");
    let renamed = format!("{p}prod");
    let a = one_service(&env, &arn, &p, "prod-api");
    let b = one_service(&env, &arn, &legacy, "api");
    let c = one_service(&env, &arn, &renamed, "api");
    let (a, b, c) = (
        a.path().to_str().unwrap().to_string(),
        b.path().to_str().unwrap().to_string(),
        c.path().to_str().unwrap().to_string(),
    );

    // A new platform with `-`: valid with a warning, refused by the plan before any change.
    let validated = rnd_with(&env, &["validate", "--dir", &b]);
    assert_eq!(validated.code, 0, "{}\n{}", validated.stdout, validated.stderr);
    assert!(
        validated.stdout.contains("platform/name-has-hyphen"),
        "{}",
        validated.stdout
    );
    let refused = rnd_with(&env, &["plan", "--dir", &b]);
    assert_eq!(refused.code, 1, "{}\n{}", refused.stdout, refused.stderr);
    assert!(
        refused.stderr.contains("does not exist in this account yet"),
        "{}",
        refused.stderr
    );

    // The same platform made by an older rnd keeps working: here its cluster, tagged (hash
    // included) as rnd makes it, so nothing calls UpdateClusterSettings, which moto lacks.
    let repository = rnd_app::validate::validate_directory(std::path::Path::new(&b))
        .unwrap()
        .into_valid()
        .ok()
        .unwrap()
        .repository;
    let expected = rnd_core::plan::expected(&repository, &Default::default()).unwrap();
    let cluster = rnd_core::plan::resource::ResourceId::new(
        rnd_core::plan::resource::ResourceKind::EcsCluster,
        &legacy,
    );
    let hash = expected
        .hash(&cluster)
        .expect("the cluster carries a hash")
        .to_string();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let ecs = aws_sdk_ecs::Client::new(&sdk_config(&env).await);
        let tag = |k: &str, v: &str| aws_sdk_ecs::types::Tag::builder().key(k).value(v).build();
        ecs.create_cluster()
            .cluster_name(&legacy)
            .tags(tag("rnd:platform", &legacy))
            .tags(tag("rnd:hash", &hash))
            .send()
            .await
            .unwrap();
    });
    succeeds(&env, &["apply", "--dir", &b, "--yes"]);
    succeeds(&env, &["plan", "--dir", &b, "--detailed-exitcode"]);

    // `p` + `prod-api` would take the legacy platform's resources: refused, naming whose they are.
    let taken = rnd_with(&env, &["apply", "--dir", &a, "--yes"]);
    assert_eq!(taken.code, 1, "{}\n{}", taken.stdout, taken.stderr);
    assert!(
        taken
            .stderr
            .contains(&format!("target_group.{p}-prod-api: rnd platform \"{legacy}\"")),
        "{}",
        taken.stderr
    );
    succeeds(&env, &["plan", "--dir", &b, "--detailed-exitcode"]);

    // Moved to a name without `-`, both deploy side by side.
    succeeds(&env, &["destroy", "--dir", &b, "--yes"]);
    succeeds(&env, &["apply", "--dir", &a, "--yes"]);
    succeeds(&env, &["apply", "--dir", &c, "--yes"]);
    succeeds(&env, &["plan", "--dir", &a, "--detailed-exitcode"]);
    succeeds(&env, &["plan", "--dir", &c, "--detailed-exitcode"]);
    succeeds(&env, &["destroy", "--dir", &a, "--yes"]);
    succeeds(&env, &["plan", "--dir", &c, "--detailed-exitcode"]);
    succeeds(&env, &["destroy", "--dir", &c, "--yes"]);
}

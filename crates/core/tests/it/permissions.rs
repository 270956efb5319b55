//! The policies `rnd permissions` prints: snapshots per mode, scoped to the platform, and the
//! Lambda function's template granting exactly the apply policy (checked here; regenerate the
//! block with `RND_UPDATE_TEMPLATE=1 cargo test -p rnd-core --test permissions`).

// Tests stand where a frontend would: they read the examples and the template from disk.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};

use rnd_core::permissions::{grants, policy, Mode, Policy, Resource, Scope, Scoping};
use rnd_core::platform::{validate_platform, Platform, SlackTarget};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn examples_platform() -> Platform {
    let text = std::fs::read_to_string(root().join("examples/platform.json")).unwrap();
    validate_platform("platform.json", &text).value.unwrap()
}

#[test]
fn each_mode_has_its_policy() {
    let platform = examples_platform();
    for mode in Mode::ALL {
        let document = policy(&Scope::new(&platform), mode);
        insta::assert_json_snapshot!(format!("policy_{}", mode.name()), document);
    }
}

#[test]
fn plan_is_read_only_and_apply_and_secrets_include_it() {
    let platform = examples_platform();
    let actions = |mode| -> Vec<String> {
        policy(&Scope::new(&platform), mode)
            .actions()
            .into_iter()
            .map(str::to_string)
            .collect()
    };
    let plan = actions(Mode::Plan);
    let reads = ["Describe", "List", "Get", "BatchGet", "FilterLogEvents"];
    for action in &plan {
        let operation = action.split(':').nth(1).unwrap();
        assert!(
            reads.iter().any(|r| operation.starts_with(r)),
            "{action} is in the read-only policy"
        );
    }
    for mode in [Mode::Apply, Mode::Secrets] {
        let all = actions(mode);
        assert!(plan.iter().all(|a| all.contains(a)), "{mode:?} lacks a read");
    }
    // Secrets are written by people, never by the deploying identity.
    assert!(!actions(Mode::Apply).iter().any(|a| a == "ssm:PutParameter"));
}

/// `*` only where AWS offers nothing narrower, and every other resource names the platform (or,
/// for ids AWS generates, is bound to the platform's tag).
#[test]
fn every_resource_is_the_platforms_unless_aws_offers_no_resource_level_permission() {
    let platform = examples_platform();
    for grant in grants(&platform) {
        for resource in &grant.resources {
            let scoped = match resource {
                Resource::Any => matches!(
                    grant.scoping,
                    Scoping::NoResourceLevel | Scoping::Cluster | Scoping::Condition { .. }
                ),
                Resource::Arn { path, .. } | Resource::Global { path, .. } => {
                    path.contains("{platform}")
                        || matches!(grant.scoping, Scoping::ResourceTag | Scoping::RequestTag)
                        || grant.sid == "CheckImageTagsExist"
                        || grant.sid == "TheLockTable"
                        || grant.sid == "ServiceLinkedRolesAwsCreatesOnFirstUse"
                        // A listing by prefix: AWS documents no narrower resource for it.
                        || grant.sid == "ListAlarmsByThePlatformsPrefix"
                }
                Resource::Public { .. } | Resource::Exact(_) | Resource::Unplaced { .. } => true,
            };
            assert!(scoped, "{}: {resource:?} is not scoped", grant.sid);
        }
        assert!(!grant.why.is_empty());
    }
    let document = serde_json::to_string(&policy(&Scope::new(&platform), Mode::Apply)).unwrap();
    assert!(!document.contains("\"*:*\"") && !document.contains("\"ecs:*\""));
}

/// A second platform's names are outside every scoped resource of the first's policy.
#[test]
fn another_platforms_names_match_no_scoped_resource() {
    let platform = examples_platform();
    let document = policy(&Scope::new(&platform), Mode::Apply);
    let other = [
        "arn:aws:ecs:us-east-1:123456789012:service/other/api",
        "arn:aws:iam::123456789012:role/rnd/other/other-api-task",
        "arn:aws:logs:us-east-1:123456789012:log-group:/rnd/other/api",
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/other-api/0123456789abcdef",
    ];
    for statement in document.statement.iter().filter(|s| s.resource != ["*"]) {
        for resource in &statement.resource {
            for arn in other {
                assert!(!glob(resource, arn), "{} {resource} matches {arn}", statement.sid);
            }
        }
    }
}

/// IAM's ARN matching: `*` any run of characters, `?` one.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.chars().next() {
        None => text.is_empty(),
        Some('*') => (0..=text.len()).any(|i| text.is_char_boundary(i) && glob(&pattern[1..], &text[i..])),
        Some(c) => {
            let mut rest = text.chars();
            rest.next().is_some_and(|t| c == '?' || c == t) && glob(&pattern[c.len_utf8()..], rest.as_str())
        }
    }
}

const BEGIN: &str =
    "        # BEGIN generated by `rnd permissions --for apply` (crates/core/tests/it/permissions.rs)\n";
const END: &str = "        # END generated\n";

/// The statements the template includes only when a parameter is set, by the condition that
/// says so: what a platform with a hosted zone, or with sign-in, needs besides the rest.
const CONDITIONAL: [(&str, &str); 3] = [
    ("ReadThePlatformsHostedZone", "HasHostedZone"),
    ("ChangeThePlatformsDnsRecords", "HasHostedZone"),
    ("ReadTheSignInClientSecret", "HasSignInClientSecret"),
];

/// The apply policy as the template writes it: CloudFormation substitutes the platform, region,
/// account and partition, and the hosted zone, routing domain and sign-in secret where given.
/// Its Slack credential is the template's own parameter.
fn template_policy() -> Policy {
    let mut platform = examples_platform();
    platform.name = "${Platform}".to_string();
    platform.region = "${AWS::Region}".to_string();
    platform.certificate_arn = "${CertificateArn}".to_string();
    platform.routing.domain = "${RoutingDomain}".to_string();
    platform.routing.hosted_zone_id = Some("${HostedZoneId}".to_string());
    platform.routing.sign_in = Some(rnd_core::platform::SignIn::Oidc(rnd_core::platform::OidcSignIn {
        issuer: String::new(),
        authorization_endpoint: String::new(),
        token_endpoint: String::new(),
        user_info_endpoint: String::new(),
        client_id: String::new(),
        client_secret: "${SignInClientSecret}".to_string(),
    }));
    // The template's own function (`rnd-<platform>`) is the one sleeping services invoke.
    platform.scale_to_zero = Some(rnd_core::platform::ScaleToZero {
        function_arn:
            "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:rnd-${Platform}"
                .to_string(),
    });
    platform.notifications.slack = SlackTarget::WebhookEnv {
        variable: "unused".to_string(),
    };
    let scope = Scope {
        platform: &platform,
        partition: "${AWS::Partition}".to_string(),
        account: "${AWS::AccountId}".to_string(),
    };
    policy(&scope, Mode::Apply)
}

fn yaml_string(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap();
    if s.contains("${") {
        format!("!Sub {quoted}")
    } else {
        quoted
    }
}

fn yaml_value(out: &mut String, indent: usize, value: &Value) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::String(s) => out.push_str(&format!("{pad}{k}: {}\n", yaml_string(s))),
                    _ => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        yaml_value(out, indent + 2, v);
                    }
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                out.push_str(&format!("{pad}- {}\n", yaml_string(item.as_str().unwrap())));
            }
        }
        Value::String(s) => out.push_str(&format!("{pad}{}\n", yaml_string(s))),
        other => panic!("unexpected {other}"),
    }
}

fn template_block() -> String {
    let mut out = String::from(BEGIN);
    out.push_str("        - PolicyName: deploy-the-platform\n");
    out.push_str("          PolicyDocument:\n");
    out.push_str("            Version: \"2012-10-17\"\n");
    out.push_str("            Statement:\n");
    for statement in template_policy().statement {
        let when = CONDITIONAL
            .iter()
            .find(|(sid, _)| *sid == statement.sid)
            .map(|(_, c)| *c);
        // A conditional statement sits inside `!If [condition, statement, !Ref AWS::NoValue]`.
        let pad = if let Some(condition) = when {
            out.push_str("              - !If\n");
            out.push_str(&format!("                - {condition}\n"));
            "  "
        } else {
            ""
        };
        out.push_str(&format!("              {pad}- Sid: {}\n", statement.sid));
        out.push_str(&format!("              {pad}  Effect: Allow\n"));
        out.push_str(&format!("              {pad}  Action:\n"));
        yaml_value(&mut out, 18 + pad.len(), &Value::from(statement.action.clone()));
        out.push_str(&format!("              {pad}  Resource:\n"));
        yaml_value(&mut out, 18 + pad.len(), &Value::from(statement.resource.clone()));
        if let Some(condition) = &statement.condition {
            out.push_str(&format!("              {pad}  Condition:\n"));
            yaml_value(&mut out, 18 + pad.len(), &Value::Object(condition.clone()));
        }
        if when.is_some() {
            out.push_str("                - !Ref AWS::NoValue\n");
        }
    }
    out.push_str(END);
    out
}

#[test]
fn the_lambda_template_grants_exactly_the_apply_policy() {
    let path = root().join("deploy/lambda.yaml");
    let template = std::fs::read_to_string(&path).unwrap();
    let start = template
        .find(BEGIN)
        .expect("the template has the generated block");
    let end = template.find(END).expect("the generated block ends") + END.len();
    let expected = template_block();
    if std::env::var_os("RND_UPDATE_TEMPLATE").is_some() {
        let updated = format!("{}{expected}{}", &template[..start], &template[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert_eq!(
        &template[start..end],
        expected,
        "deploy/lambda.yaml's policy differs from `rnd permissions --for apply`; regenerate it with \
         RND_UPDATE_TEMPLATE=1 cargo test -p rnd-core --test permissions"
    );
}

/// Why a role rnd creates holds each permission; a permission not listed here fails the test.
const ROLE_PERMISSIONS: [(&str, &str); 4] = [
    (
        "managed service-role/AmazonECSTaskExecutionRolePolicy",
        "ECS pulls the image from ECR and writes the container's logs (execution roles only)",
    ),
    (
        "managed service-role/AmazonEC2ContainerServiceforEC2Role",
        "the ECS agent on a GPU instance registers it in the cluster and runs its tasks (instance role only)",
    ),
    (
        "inline ssm:GetParameter,ssm:GetParameters",
        "the service's own secrets, under /<platform>/<service>/: its execution role injects them, \
         its task role lets the application re-read them; no other service's path",
    ),
    (
        "inline secretsmanager:GetSecretValue",
        "the same, for a platform whose secrets are in Secrets Manager",
    ),
];

/// Every role the examples' plan creates, with every permission it holds and why.
#[test]
fn the_roles_rnd_creates_hold_only_what_they_need() {
    let repository = crate::support::examples();
    let plan = rnd_core::plan::plan(&repository, &Default::default()).unwrap();
    let mut listing = String::new();
    for op in plan.graph.operations() {
        let Some(desired) = &op.desired else { continue };
        let rnd_core::plan::spec::Spec::IamRole(role) = &desired.spec else {
            continue;
        };
        listing.push_str(&format!("{} (assumed by {})\n", desired.id.name, role.assumed_by));
        let mut permissions: Vec<(String, Vec<String>)> = role
            .managed_policies
            .iter()
            .map(|m| (format!("managed {m}"), Vec::new()))
            .collect();
        if let Some(policy) = &role.inline_policy {
            for statement in policy["Statement"].as_array().unwrap() {
                assert_eq!(statement["Effect"], "Allow");
                let actions: Vec<&str> = match &statement["Action"] {
                    Value::String(a) => vec![a.as_str()],
                    Value::Array(a) => a.iter().map(|v| v.as_str().unwrap()).collect(),
                    other => panic!("{other}"),
                };
                let resource = statement["Resource"].as_str().unwrap().to_string();
                let service = desired.id.name.trim_start_matches("research-");
                let service = service
                    .split("-task")
                    .next()
                    .unwrap()
                    .split("-execution")
                    .next()
                    .unwrap();
                assert!(
                    resource.ends_with(&format!(":parameter/research/{service}/*"))
                        || resource.ends_with(&format!(":secret:research/{service}/*")),
                    "{} reads beyond its own secrets: {resource}",
                    desired.id.name
                );
                permissions.push((format!("inline {}", actions.join(",")), vec![resource]));
            }
        }
        if permissions.is_empty() {
            listing.push_str("  nothing: the application's AWS identity may do nothing\n");
        }
        for (permission, resources) in permissions {
            let why = ROLE_PERMISSIONS
                .iter()
                .find(|(p, _)| *p == permission)
                .unwrap_or_else(|| panic!("{}: {permission} has no reason listed", desired.id.name))
                .1;
            listing.push_str(&format!(
                "  {permission} {}\n    why: {why}\n",
                resources.join(" ")
            ));
        }
    }
    insta::assert_snapshot!(listing);
}

/// With a hosted zone, the policies add that zone only: reading it for every mode, and for
/// apply changing A and TXT records at the routing domain and below, nothing else.
#[test]
fn a_hosted_zone_adds_its_records_and_nothing_else() {
    let mut platform = examples_platform();
    platform.routing.hosted_zone_id = Some("Z0123456789ABCDEFGHIJ".to_string());
    let route53 = |mode| -> Vec<Value> {
        policy(&Scope::new(&platform), mode)
            .statement
            .iter()
            .filter(|s| s.action.iter().any(|a| a.starts_with("route53:")))
            .map(|s| serde_json::to_value(s).unwrap())
            .collect()
    };
    assert_eq!(route53(Mode::Plan).len(), 1, "plan reads the zone only");
    insta::assert_json_snapshot!("policy_apply_hosted_zone", route53(Mode::Apply));
    assert!(policy(&Scope::new(&examples_platform()), Mode::Apply)
        .actions()
        .iter()
        .all(|a| !a.starts_with("route53:")));
}

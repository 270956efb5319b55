//! What the role `deploy/lambda.yaml` gives the function may and may not do, decided by the IAM
//! policy simulator on the template's own policies (intrinsics resolved by
//! `scripts/lambda-role-policy`): it deploys its platform and reads its own settings, but cannot
//! change its own role, touch another platform, or read a service's secret.

use std::path::Path;
use std::process::Command;

use rnd_test_support::iam::{check, request};
use serde_json::{json, Value};

const ARN: &str = "arn:aws:%s:us-east-1:123456789012:";

fn arn(service: &str, path: &str) -> String {
    format!("{}{path}", ARN.replace("%s", service))
}

/// The role's policy for the template's parameters `extra` on top of a platform's usual ones.
fn role_policy_with(extra: &[&str]) -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let output = Command::new(root.join("scripts/lambda-role-policy"))
        .args(extra)
        .args([
            "Platform=research",
            "CertificateArn=arn:aws:acm:us-east-1:123456789012:certificate/5f1a3c2e-8d4b-4e6f-9a0b-1c2d3e4f5a6b",
            "Repository=lab/deployments",
            "CodeBucket=artifacts",
            "WebhookSecretParameter=rnd-research-webhook",
            "GitHubTokenParameter=rnd-research-github",
            "PlatformSlackSecret=slack-webhook",
        ])
        .output()
        .expect(
            "scripts/lambda-role-policy runs (it needs Python and cfn-lint, installed by scripts/cfn-lint)",
        );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn role_policy() -> Value {
    role_policy_with(&[])
}

#[test]
fn the_functions_role_deploys_its_platform_only_and_reads_no_service_secret() {
    let policy = role_policy();
    let no_context = json!({});
    let own_role = "arn:aws:iam::123456789012:role/research-rnd-lambda";
    let mut requests = vec![
        // What it is for.
        request(
            "ssm:GetParameter",
            &arn("ssm", "parameter/rnd-research-webhook"),
            no_context.clone(),
            "its webhook secret",
            true,
        ),
        request(
            "ssm:GetParameter",
            &arn("ssm", "parameter/rnd-research-github"),
            no_context.clone(),
            "its GitHub token",
            true,
        ),
        request(
            "ssm:GetParameter",
            &arn("ssm", "parameter/research/slack-webhook"),
            no_context.clone(),
            "the Slack credential platform.json names",
            true,
        ),
        request(
            "ecs:UpdateService",
            &arn("ecs", "service/research/api"),
            json!({ "ecs:cluster": arn("ecs", "cluster/research") }),
            "deploying a service",
            true,
        ),
        request(
            "iam:PutRolePolicy",
            "arn:aws:iam::123456789012:role/rnd/research/research-api-task",
            no_context.clone(),
            "a task role of its platform",
            true,
        ),
        // Its own role, in every way a role can be widened.
        request(
            "iam:PutRolePolicy",
            own_role,
            no_context.clone(),
            "its own role",
            false,
        ),
        request(
            "iam:AttachRolePolicy",
            own_role,
            json!({ "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" }),
            "its own role",
            false,
        ),
        request(
            "iam:UpdateAssumeRolePolicy",
            own_role,
            no_context.clone(),
            "its own role",
            false,
        ),
        request(
            "iam:DeleteRolePolicy",
            own_role,
            no_context.clone(),
            "its own role",
            false,
        ),
        request(
            "iam:PassRole",
            own_role,
            json!({ "iam:PassedToService": "ecs-tasks.amazonaws.com" }),
            "its own role",
            false,
        ),
        // Another platform.
        request(
            "ecs:UpdateService",
            &arn("ecs", "service/other/api"),
            json!({ "ecs:cluster": arn("ecs", "cluster/other") }),
            "another platform's service",
            false,
        ),
        request(
            "iam:PutRolePolicy",
            "arn:aws:iam::123456789012:role/rnd/other/other-api-task",
            no_context.clone(),
            "another platform's role",
            false,
        ),
        request(
            "logs:DeleteLogGroup",
            &arn("logs", "log-group:/rnd/other/api"),
            no_context.clone(),
            "another platform's logs",
            false,
        ),
        // A service's secrets.
        request(
            "ssm:GetParameter",
            &arn("ssm", "parameter/research/api/DATABASE_PASSWORD"),
            no_context.clone(),
            "a service's secret",
            false,
        ),
        request(
            "ssm:GetParametersByPath",
            &arn("ssm", "parameter/research/api"),
            no_context.clone(),
            "a service's secrets",
            false,
        ),
        request(
            "secretsmanager:GetSecretValue",
            &arn("secretsmanager", "secret:research/api/DATABASE_PASSWORD-AbCdEf"),
            no_context.clone(),
            "a service's secret",
            false,
        ),
    ];
    // An administrator's managed policy, attached to one of its platform's roles.
    requests.push(request(
        "iam:AttachRolePolicy",
        "arn:aws:iam::123456789012:role/rnd/research/research-api-task",
        json!({ "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" }),
        "an administrator's policy on a platform role",
        false,
    ));
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"));
    if let Err(failures) = check(&policy, &requests, scratch) {
        panic!("the Lambda function's role does not decide these as expected:\n{failures}");
    }
}

const ZONE: &str = "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ";

/// A change of DNS records `names` (normalized, as Route 53's condition key holds them).
fn dns_change(names: &[&str], types: &[&str], call: &str, allowed: bool) -> Value {
    request(
        "route53:ChangeResourceRecordSets",
        ZONE,
        json!({
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": names,
            "route53:ChangeResourceRecordSetsRecordTypes": types,
        }),
        call,
        allowed,
    )
}

/// With a hosted zone and sign-in, the role also keeps the platform's records in that zone
/// (at the routing domain and below, A and TXT only) and reads the sign-in client secret;
/// without them, none of that.
#[test]
fn a_hosted_zone_and_sign_in_add_exactly_their_grants() {
    let with = role_policy_with(&[
        "HostedZoneId=Z0123456789ABCDEFGHIJ",
        "RoutingDomain=research.example.com",
        "SignInClientSecret=oidc-client",
    ]);
    let wildcard = ["\\052.research.example.com", "_rnd-wildcard.research.example.com"];
    let requests = vec![
        dns_change(
            &wildcard,
            &["A", "TXT"],
            "the platform's wildcard and its proof",
            true,
        ),
        request(
            "route53:ListResourceRecordSets",
            ZONE,
            json!({}),
            "observing the zone",
            true,
        ),
        request(
            "ssm:GetParameter",
            &arn("ssm", "parameter/research/oidc-client"),
            json!({}),
            "the sign-in client secret",
            true,
        ),
        dns_change(
            &["www.example.com"],
            &["A"],
            "a name outside the routing domain",
            false,
        ),
        dns_change(
            &["mail.research.example.com"],
            &["MX"],
            "another record type",
            false,
        ),
        request(
            "route53:ChangeResourceRecordSets",
            "arn:aws:route53:::hostedzone/ZOTHERZONE",
            json!({
                "route53:ChangeResourceRecordSetsNormalizedRecordNames": wildcard,
                "route53:ChangeResourceRecordSetsRecordTypes": ["A", "TXT"],
            }),
            "another zone",
            false,
        ),
    ];
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"));
    if let Err(failures) = check(&with, &requests, scratch) {
        panic!("with a hosted zone and sign-in, the role does not decide these as expected:\n{failures}");
    }
    let without = [
        dns_change(&wildcard, &["A", "TXT"], "records without a hosted zone", false),
        request(
            "ssm:GetParameter",
            &arn("ssm", "parameter/research/oidc-client"),
            json!({}),
            "a sign-in secret without sign-in",
            false,
        ),
    ];
    if let Err(failures) = check(&role_policy(), &without, scratch) {
        panic!("without a hosted zone or sign-in, the role does not decide these as expected:\n{failures}");
    }
}

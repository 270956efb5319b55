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

fn role_policy() -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let output = Command::new(root.join("scripts/lambda-role-policy"))
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

//! Who may reach routed services, against the AWS emulator: `routing.scheme: "internal"` makes an
//! internal load balancer, `routing.allowed_cidrs` is the only ingress of its security group,
//! `rnd status` says who can reach each routed service, and sign-in (OIDC or a Cognito user pool)
//! comes before every route's forward, planned back when someone takes it off.

use crate::support::emulator::{
    certificate, emulator_env, planned_operations, push_images, rnd_with, sdk_config,
};

#[test]
fn an_internal_balancer_open_only_to_the_allowed_networks() {
    let env = emulator_env();
    let name = format!("acc{}", std::process::id() % 100_000);
    let arn = certificate(&env, "*.access.example.com");
    let platform = format!(
        r#"{{ "name": "{name}", "region": "us-east-1", "certificate_arn": "{arn}",
             "routing": {{ "mode": "host", "domain": "access.example.com", "scheme": "internal",
                          "allowed_cidrs": ["10.0.0.0/8"] }} }}"#
    );
    let api = br#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo/api", "version": "v1", "port": 8080 }"#;
    let dir = crate::support::deployments_dir(platform.as_bytes(), &[("api.json", api)]);
    let d = dir.path().to_str().unwrap();
    push_images(&env, dir.path());
    let applied = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(applied.code, 0, "{}\n{}", applied.stdout, applied.stderr);
    assert!(
        applied.stdout.contains("internal network, from 1 network only"),
        "{}",
        applied.stdout
    );

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let clients = rnd_aws::Clients::new(&sdk_config(&env).await);
        let lbs = clients
            .elb
            .describe_load_balancers()
            .names(format!("{name}-alb-1"))
            .send()
            .await
            .expect("the balancer exists");
        let lb = &lbs.load_balancers()[0];
        assert_eq!(lb.scheme().map(|s| s.as_str()), Some("internal"));
        let groups = clients
            .ec2
            .describe_security_groups()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("group-name")
                    .values(format!("{name}-alb"))
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let group = &groups.security_groups()[0];
        let mut ingress: Vec<(i32, String)> = group
            .ip_permissions()
            .iter()
            .flat_map(|p| {
                let port = p.from_port().unwrap_or_default();
                p.ip_ranges()
                    .iter()
                    .filter_map(|r| r.cidr_ip().map(str::to_string))
                    .chain(
                        p.ipv6_ranges()
                            .iter()
                            .filter_map(|r| r.cidr_ipv6().map(str::to_string)),
                    )
                    .map(move |c| (port, c))
                    .collect::<Vec<_>>()
            })
            .collect();
        ingress.sort();
        assert_eq!(
            ingress,
            [(80, "10.0.0.0/8".to_string()), (443, "10.0.0.0/8".to_string())]
        );
    });

    let status = rnd_with(&env, &["status", "--dir", d]);
    assert!(
        status
            .stdout
            .contains("https://api.access.example.com/ (internal network, from 1 network only)"),
        "{}",
        status.stdout
    );
    let destroyed = rnd_with(&env, &["destroy", "--dir", d, "--yes"]);
    assert_eq!(destroyed.code, 0, "{}\n{}", destroyed.stdout, destroyed.stderr);
}

const CLIENT_SECRET: &str = "oidc-canary-7f3a9c21-never-printed";

#[test]
fn with_sign_in_every_rule_authenticates_before_it_forwards() {
    let env = emulator_env();
    let name = format!("sgn{}", std::process::id() % 100_000);
    let arn = certificate(&env, "*.signin.example.com");
    let platform = format!(
        r#"{{ "name": "{name}", "region": "us-east-1", "certificate_arn": "{arn}",
             "routing": {{ "mode": "host", "domain": "signin.example.com",
               "sign_in": {{ "oidc": {{
                 "issuer": "https://example.okta.com",
                 "authorization_endpoint": "https://example.okta.com/oauth2/v1/authorize",
                 "token_endpoint": "https://example.okta.com/oauth2/v1/token",
                 "user_info_endpoint": "https://example.okta.com/oauth2/v1/userinfo",
                 "client_id": "0oa1b2c3d4e5f6g7h8i9",
                 "client_secret": "oidc-client-secret" }} }} }} }}"#
    );
    let api = br#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo/api", "version": "v1", "port": 8080 }"#;
    let dir = crate::support::deployments_dir(platform.as_bytes(), &[("api.json", api)]);
    let d = dir.path().to_str().unwrap();
    push_images(&env, dir.path());

    // The client secret is not stored yet: refused before anything is written, naming it.
    let refused = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(refused.code, 1, "{}\n{}", refused.stdout, refused.stderr);
    assert!(
        refused.stderr.contains("names the secret `oidc-client-secret`"),
        "{}",
        refused.stderr
    );

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let config = runtime.block_on(sdk_config(&env));
    let clients = rnd_aws::Clients::new(&config);
    runtime.block_on(async {
        clients
            .ssm
            .put_parameter()
            .name(format!("/{name}/oidc-client-secret"))
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .value(CLIENT_SECRET)
            .send()
            .await
            .expect("store the client secret");
    });
    let applied = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(applied.code, 0, "{}\n{}", applied.stdout, applied.stderr);
    assert!(applied.stdout.contains("internet, sign-in"), "{}", applied.stdout);
    for run in [
        &applied,
        &rnd_with(&env, &["plan", "--dir", d, "--format", "json"]),
    ] {
        assert!(!run.stdout.contains(CLIENT_SECRET) && !run.stderr.contains(CLIENT_SECRET));
    }

    runtime.block_on(async {
        let (_, _, actions) = route_rule(&clients, &name, "api.signin.example.com").await;
        assert_eq!(
            kinds(&actions),
            [("authenticate-oidc", Some(1)), ("forward", Some(2))]
        );
        let oidc = actions[0].authenticate_oidc_config().unwrap();
        assert_eq!(oidc.client_id(), Some("0oa1b2c3d4e5f6g7h8i9"));
        assert_eq!(oidc.issuer(), Some("https://example.okta.com"));
    });

    let destroyed = rnd_with(&env, &["destroy", "--dir", d, "--yes"]);
    assert_eq!(destroyed.code, 0, "{}\n{}", destroyed.stdout, destroyed.stderr);
}

/// The rule for `host` on the platform's HTTPS listener: its ARN, priority and actions, in
/// their order.
async fn route_rule(
    clients: &rnd_aws::Clients,
    platform: &str,
    host: &str,
) -> (String, String, Vec<aws_sdk_elasticloadbalancingv2::types::Action>) {
    let https = crate::support::emulator::https_listener_arn(&clients.elb, platform).await;
    let rules = clients
        .elb
        .describe_rules()
        .listener_arn(https)
        .send()
        .await
        .unwrap();
    let rule = rules
        .rules()
        .iter()
        .find(|r| {
            r.conditions().iter().any(|c| {
                c.host_header_config()
                    .is_some_and(|h| h.values().iter().any(|v| v == host))
                    || c.values().iter().any(|v| v == host)
            })
        })
        .unwrap_or_else(|| panic!("a rule for {host}"));
    let mut actions: Vec<_> = rule.actions().to_vec();
    actions.sort_by_key(|a| a.order());
    (
        rule.rule_arn().unwrap().to_string(),
        rule.priority().unwrap_or_default().to_string(),
        actions,
    )
}

fn kinds(actions: &[aws_sdk_elasticloadbalancingv2::types::Action]) -> Vec<(&str, Option<i32>)> {
    actions
        .iter()
        .map(|a| (a.r#type().map(|t| t.as_str()).unwrap_or_default(), a.order()))
        .collect()
}

#[test]
fn a_cognito_sign_in_turned_on_and_off_updates_only_the_rule_and_keeps_public_ones_open() {
    let env = emulator_env();
    let name = format!("cog{}", std::process::id() % 100_000);
    let arn = certificate(&env, "*.cognito.example.com");
    let pool = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEfGhI";
    let platform = |sign_in: &str| {
        format!(
            r#"{{ "name": "{name}", "region": "us-east-1", "certificate_arn": "{arn}",
                 "routing": {{ "mode": "host", "domain": "cognito.example.com"{sign_in} }} }}"#
        )
    };
    let cognito = format!(
        r#", "sign_in": {{ "cognito": {{ "user_pool_arn": "{pool}",
             "client_id": "1example23456789abcdefghij", "domain": "research-login" }} }}"#
    );
    let api = br#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo/api", "version": "v1", "port": 8080 }"#;
    let hook = br#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo/hook", "version": "v1", "port": 8080, "public": true }"#;
    let dir =
        crate::support::deployments_dir(platform("").as_bytes(), &[("api.json", api), ("hook.json", hook)]);
    let d = dir.path().to_str().unwrap();
    push_images(&env, dir.path());
    let open = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(open.code, 0, "{}\n{}", open.stdout, open.stderr);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let config = runtime.block_on(sdk_config(&env));
    let clients = rnd_aws::Clients::new(&config);
    let api_host = "api.cognito.example.com";
    let (_, priority_before, _) = runtime.block_on(route_rule(&clients, &name, api_host));

    // Sign-in on: only the signed-in route's rule changes, in place; the public one stays.
    std::fs::write(dir.path().join("platform.json"), platform(&cognito)).unwrap();
    assert_eq!(
        planned_operations(&env, d, &[]),
        [format!("update listener_rule.{name}-api")]
    );
    // No secret to store first: the load balancer reads the app client's from Cognito.
    let applied = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(applied.code, 0, "{}\n{}", applied.stdout, applied.stderr);
    assert!(applied.stdout.contains("internet, sign-in"), "{}", applied.stdout);
    let status = rnd_with(&env, &["status", "--dir", d]);
    assert!(
        status.stdout.contains("internet, sign-in")
            && status.stdout.contains("internet, no sign-in (public)"),
        "{}",
        status.stdout
    );

    let (rule, priority_after, actions) = runtime.block_on(route_rule(&clients, &name, api_host));
    assert_eq!(priority_after, priority_before, "the rule keeps its priority");
    assert_eq!(
        kinds(&actions),
        [("authenticate-cognito", Some(1)), ("forward", Some(2))]
    );
    let config = actions[0].authenticate_cognito_config().unwrap();
    assert_eq!(config.user_pool_arn(), Some(pool));
    assert_eq!(config.user_pool_client_id(), Some("1example23456789abcdefghij"));
    assert_eq!(config.user_pool_domain(), Some("research-login"));
    let (_, _, public) = runtime.block_on(route_rule(&clients, &name, "hook.cognito.example.com"));
    assert_eq!(
        kinds(&public)[0].0,
        "forward",
        "the public route forwards at once"
    );

    // Someone takes the sign-in off by hand: the route forwards to anyone, until the next apply.
    runtime.block_on(async {
        clients
            .elb
            .modify_rule()
            .rule_arn(rule)
            .actions(
                aws_sdk_elasticloadbalancingv2::types::Action::builder()
                    .r#type(aws_sdk_elasticloadbalancingv2::types::ActionTypeEnum::Forward)
                    .set_target_group_arn(actions[1].target_group_arn().map(str::to_string))
                    .order(1)
                    .build(),
            )
            .send()
            .await
            .unwrap();
    });
    let drifted = rnd_with(&env, &["plan", "--dir", d, "--detailed-exitcode"]);
    assert_eq!(
        drifted.code, 2,
        "the removed sign-in is planned back\n{}",
        drifted.stdout
    );
    assert!(
        drifted.stdout.contains(&format!("listener_rule.{name}-api")) && drifted.stdout.contains("sign_in"),
        "{}",
        drifted.stdout
    );
    let restored = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(restored.code, 0, "{}\n{}", restored.stdout, restored.stderr);
    let (_, _, actions) = runtime.block_on(route_rule(&clients, &name, api_host));
    assert_eq!(kinds(&actions)[0].0, "authenticate-cognito");
    let again = rnd_with(&env, &["plan", "--dir", d, "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "nothing left to change\n{}", again.stdout);

    // Sign-in off again: the same one rule update, the priority still kept.
    std::fs::write(dir.path().join("platform.json"), platform("")).unwrap();
    assert_eq!(
        planned_operations(&env, d, &[]),
        [format!("update listener_rule.{name}-api")]
    );
    let opened = rnd_with(&env, &["apply", "--dir", d, "--yes", "--wait", "0"]);
    assert_eq!(opened.code, 0, "{}\n{}", opened.stdout, opened.stderr);
    let (_, priority_open, actions) = runtime.block_on(route_rule(&clients, &name, api_host));
    assert_eq!(priority_open, priority_before);
    assert_eq!(kinds(&actions)[0].0, "forward");
    let destroyed = rnd_with(&env, &["destroy", "--dir", d, "--yes"]);
    assert_eq!(destroyed.code, 0, "{}\n{}", destroyed.stdout, destroyed.stderr);
}

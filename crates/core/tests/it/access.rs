//! Who may reach routed services (issue 18, first part): `routing.scheme` and
//! `routing.allowed_cidrs` of `platform.json` decide the load balancers' scheme and their security
//! group's ingress; plans say who can reach each routed service; validation warns when routes are
//! open to everyone.

// Tests stand where a frontend would: they read the examples from disk (clippy.toml forbids
// files in the core itself).
#![allow(clippy::disallowed_methods)]

use rnd_core::plan::observed::ObservedState;
use rnd_core::plan::render::render_text;
use rnd_core::plan::resource::ResourceKind;
use rnd_core::plan::simulate::simulate_apply;
use rnd_core::plan::spec::{SignInSpec, Spec};
use rnd_core::plan::{plan, Plan};
use rnd_core::repository::{validate_repository, RepositoryReport, SourceFile};

/// The examples with `routing` replaced by `routing` (a JSON object's text), and no service
/// marked public (the examples' `catalog-api` is): every route takes the platform's sign-in.
fn examples_with_routing(routing: &str) -> RepositoryReport {
    let (platform, mut manifests) = crate::support::example_files();
    for manifest in manifests.iter_mut().filter(|m| m.path.ends_with(".json")) {
        let mut json: serde_json::Value = serde_json::from_slice(&manifest.bytes).unwrap();
        if let Some(fields) = json.as_object_mut() {
            fields.remove("public");
        }
        manifest.bytes = serde_json::to_vec_pretty(&json).unwrap();
    }
    let mut json: serde_json::Value = serde_json::from_slice(&platform.bytes).unwrap();
    json["routing"] = serde_json::from_str(routing).unwrap();
    let platform = SourceFile {
        path: "platform.json".into(),
        bytes: serde_json::to_vec_pretty(&json).unwrap(),
    };
    validate_repository(&platform, &manifests)
}

fn first_plan(routing: &str) -> Plan {
    let repository = examples_with_routing(routing).repository.expect("valid");
    plan(&repository, &ObservedState::default()).unwrap()
}

fn desired(plan: &Plan, kind: ResourceKind) -> Spec {
    plan.graph
        .operations()
        .find(|op| op.id.kind == kind && op.service.is_none())
        .and_then(|op| op.desired.as_ref())
        .map(|d| d.spec.clone())
        .unwrap_or_else(|| panic!("no {kind:?} in the plan"))
}

#[test]
fn an_internal_platform_limited_to_its_networks() {
    let plan = first_plan(
        r#"{ "mode": "host", "domain": "research.example.com", "scheme": "internal",
             "allowed_cidrs": ["10.0.0.0/8", "2001:db8::/32"] }"#,
    );
    let Spec::LoadBalancer(lb) = desired(&plan, ResourceKind::LoadBalancer) else {
        unreachable!()
    };
    assert_eq!(lb.scheme, "internal");
    let sg = plan
        .graph
        .operations()
        .filter(|op| op.id.kind == ResourceKind::SecurityGroup)
        .filter_map(|op| match op.desired.as_ref().map(|d| &d.spec) {
            Some(Spec::SecurityGroup(sg)) if sg.description.contains("load balancers") => Some(sg.clone()),
            _ => None,
        })
        .next()
        .expect("the balancers' security group");
    let mut rules: Vec<(u16, &str)> = sg
        .ingress
        .iter()
        .map(|r| (r.from_port, r.source.as_str()))
        .collect();
    rules.sort();
    assert_eq!(
        rules,
        [
            (80, "10.0.0.0/8"),
            (80, "2001:db8::/32"),
            (443, "10.0.0.0/8"),
            (443, "2001:db8::/32")
        ]
    );
    let text = render_text(&plan, false);
    assert!(
        text.contains("https://notebook.research.example.com/, internal network, from 2 networks only"),
        "{text}"
    );
}

#[test]
fn the_default_is_open_to_the_internet_and_validation_says_so() {
    let report = examples_with_routing(r#"{ "mode": "host", "domain": "research.example.com" }"#);
    let warnings: Vec<_> = report.files[0]
        .diagnostics
        .iter()
        .filter(|d| d.code == "platform/routes-open-to-everyone")
        .collect();
    assert_eq!(warnings.len(), 1, "{:?}", report.files[0].diagnostics);
    assert_eq!(
        warnings[0].message,
        "catalog-api, chat-ui, notebook, whisper are reachable by anyone on the internet, with no sign-in"
    );
    let plan = plan(&report.repository.unwrap(), &ObservedState::default()).unwrap();
    assert!(
        render_text(&plan, false).contains("https://notebook.research.example.com/, internet, no sign-in")
    );

    // Limited to some networks: no warning.
    let limited = examples_with_routing(
        r#"{ "mode": "host", "domain": "research.example.com", "allowed_cidrs": ["203.0.113.0/24"] }"#,
    );
    assert!(limited.files[0]
        .diagnostics
        .iter()
        .all(|d| d.code != "platform/routes-open-to-everyone"));
}

#[test]
fn narrowing_who_may_connect_changes_only_the_security_group_rules() {
    let open = first_plan(r#"{ "mode": "host", "domain": "research.example.com" }"#);
    let observed = simulate_apply(&open, &ObservedState::default());
    let repository = examples_with_routing(
        r#"{ "mode": "host", "domain": "research.example.com", "allowed_cidrs": ["203.0.113.0/24"] }"#,
    )
    .repository
    .unwrap();
    let narrowed = plan(&repository, &observed).unwrap();
    let changed: Vec<String> = narrowed.graph.operations().map(|op| op.address.clone()).collect();
    assert_eq!(
        changed,
        ["security_group.research-alb"],
        "{}",
        render_text(&narrowed, false)
    );
}

const SIGN_IN: &str = r#"{ "mode": "host", "domain": "research.example.com",
    "sign_in": { "oidc": {
        "issuer": "https://example.okta.com",
        "authorization_endpoint": "https://example.okta.com/oauth2/v1/authorize",
        "token_endpoint": "https://example.okta.com/oauth2/v1/token",
        "user_info_endpoint": "https://example.okta.com/oauth2/v1/userinfo",
        "client_id": "0oa1b2c3d4e5f6g7h8i9",
        "client_secret": "oidc-client-secret" } } }"#;

#[test]
fn with_sign_in_every_route_signs_in_first_and_names_its_secret_only() {
    let report = examples_with_routing(SIGN_IN);
    assert!(
        report.files[0]
            .diagnostics
            .iter()
            .all(|d| d.code != "platform/routes-open-to-everyone"),
        "{:?}",
        report.files[0].diagnostics
    );
    let plan = plan(&report.repository.unwrap(), &ObservedState::default()).unwrap();
    let rules: Vec<_> = plan
        .graph
        .operations()
        .filter_map(|op| match op.desired.as_ref().map(|d| &d.spec) {
            Some(Spec::ListenerRule(rule)) => Some(rule.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(rules.len(), 4, "one rule per routed service");
    for rule in &rules {
        let Some(SignInSpec::Oidc(sign_in)) = rule.sign_in.as_ref() else {
            panic!("every route signs in with the OIDC provider");
        };
        assert_eq!(sign_in.client_secret_path, "research/oidc-client-secret");
        assert_eq!(sign_in.client_secret_store, "ssm");
    }
    assert!(render_text(&plan, false).contains("https://notebook.research.example.com/, internet, sign-in"));
}

const COGNITO: &str = r#"{ "mode": "host", "domain": "research.example.com",
    "sign_in": { "cognito": {
        "user_pool_arn": "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEfGhI",
        "client_id": "1example23456789abcdefghij",
        "domain": "research-login" } } }"#;

#[test]
fn with_a_cognito_user_pool_every_route_signs_in_there_and_reads_no_secret() {
    let report = examples_with_routing(COGNITO);
    let repository = report.repository.expect("valid");
    let plan = plan(&repository, &ObservedState::default()).unwrap();
    let mut rules = 0;
    for op in plan.graph.operations() {
        let Some(Spec::ListenerRule(rule)) = op.desired.as_ref().map(|d| &d.spec) else {
            continue;
        };
        rules += 1;
        let Some(SignInSpec::Cognito(cognito)) = &rule.sign_in else {
            panic!("{} signs in with the user pool", op.address);
        };
        assert_eq!(cognito.user_pool_domain, "research-login");
        assert_eq!(cognito.user_pool_client_id, "1example23456789abcdefghij");
    }
    assert_eq!(rules, 4);
    assert!(render_text(&plan, false).contains("https://notebook.research.example.com/, internet, sign-in"));
    // The load balancer reads the app client's secret from Cognito: rnd reads none.
    // (Platform secrets are `<platform>/<name>`; the services' own are one level deeper.)
    let wanted = rnd_core::prerequisites::wanted(&repository);
    assert!(
        wanted.secrets.iter().all(|s| s.split('/').count() == 3),
        "{:?}",
        wanted.secrets
    );
    let policy = rnd_core::permissions::policy(
        &rnd_core::permissions::Scope::new(&repository.platform),
        rnd_core::permissions::Mode::Apply,
    );
    assert!(policy
        .statement
        .iter()
        .all(|s| s.sid != "ReadTheSignInClientSecret"));
}

#[test]
fn a_sign_in_with_two_providers_or_a_bad_user_pool_is_refused_at_its_place() {
    let both = r#"{ "mode": "host", "domain": "research.example.com",
        "sign_in": { "oidc": {}, "cognito": {} } }"#;
    let bad = r#"{ "mode": "host", "domain": "research.example.com",
        "sign_in": { "cognito": { "user_pool_arn": "arn:aws:cognito-idp:us-east-1:123456789012:userpool/eu-west-1_AbC",
                                  "client_id": "not valid!", "domain": "https://login.example.com" } } }"#;
    let mut lines = Vec::new();
    for routing in [both, bad] {
        let report = examples_with_routing(routing);
        assert!(report.repository.is_none(), "{routing} is refused");
        lines.extend(
            report.files[0]
                .diagnostics
                .iter()
                .filter(|d| d.severity == rnd_core::diagnostic::Severity::Error)
                .map(|d| {
                    format!(
                        "{} [{}] {}\n  help: {}",
                        d.pointer,
                        d.code,
                        d.message,
                        d.help.as_deref().unwrap_or("")
                    )
                }),
        );
    }
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn turning_sign_in_on_and_off_updates_only_the_rules_and_keeps_their_priorities() {
    let open = first_plan(r#"{ "mode": "host", "domain": "research.example.com" }"#);
    let observed = simulate_apply(&open, &ObservedState::default());
    let signed = plan(&examples_with_routing(SIGN_IN).repository.unwrap(), &observed).unwrap();
    let changed: Vec<String> = signed.graph.operations().map(|op| op.address.clone()).collect();
    assert_eq!(
        changed,
        [
            "listener_rule.research-catalog-api",
            "listener_rule.research-chat-ui",
            "listener_rule.research-notebook",
            "listener_rule.research-whisper"
        ],
        "{}",
        render_text(&signed, false)
    );
    for op in signed.graph.operations() {
        assert_eq!(op.action, rnd_core::plan::diff::Action::Update, "{}", op.address);
        assert!(
            op.changes.iter().all(|c| c.attribute != "priority"),
            "{}",
            op.address
        );
    }
    assert_eq!(signed.routes, open.routes, "route slots stay");
    let after = simulate_apply(&signed, &observed);
    let off = plan(
        &examples_with_routing(r#"{ "mode": "host", "domain": "research.example.com" }"#)
            .repository
            .unwrap(),
        &after,
    )
    .unwrap();
    assert_eq!(
        off.graph
            .operations()
            .map(|op| op.address.clone())
            .collect::<Vec<_>>(),
        changed
    );
}

/// The examples with sign-in (and `extra` routing fields) and `catalog-api` marked public.
fn signed_in_with_public_api(extra: &str) -> RepositoryReport {
    let (platform, mut manifests) = crate::support::example_files();
    let mut json: serde_json::Value = serde_json::from_slice(&platform.bytes).unwrap();
    let mut routing: serde_json::Value = serde_json::from_str(SIGN_IN).unwrap();
    for (k, v) in serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(extra).unwrap() {
        routing[k] = v;
    }
    json["routing"] = routing;
    let platform = SourceFile {
        path: "platform.json".into(),
        bytes: serde_json::to_vec_pretty(&json).unwrap(),
    };
    let api = manifests
        .iter_mut()
        .find(|m| m.path == "manifests/catalog-api.json")
        .unwrap();
    let mut manifest: serde_json::Value = serde_json::from_slice(&api.bytes).unwrap();
    manifest["public"] = true.into();
    api.bytes = serde_json::to_vec_pretty(&manifest).unwrap();
    validate_repository(&platform, &manifests)
}

#[test]
fn a_public_service_skips_sign_in_and_is_named_as_open() {
    let report = signed_in_with_public_api("{}");
    let warnings: Vec<&str> = report.files[0]
        .diagnostics
        .iter()
        .filter(|d| d.code == "platform/routes-open-to-everyone")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        warnings,
        ["catalog-api is reachable by anyone on the internet, with no sign-in (\"public\": true)"]
    );
    let plan = plan(&report.repository.unwrap(), &ObservedState::default()).unwrap();
    for op in plan.graph.operations() {
        if let Some(Spec::ListenerRule(rule)) = op.desired.as_ref().map(|d| &d.spec) {
            assert_eq!(
                rule.sign_in.is_none(),
                op.address.ends_with("catalog-api"),
                "{}",
                op.address
            );
        }
    }
    let text = render_text(&plan, false);
    assert!(
        text.contains("https://catalog-api.research.example.com/, internet, no sign-in (public)"),
        "{text}"
    );
    assert!(
        text.contains("https://notebook.research.example.com/, internet, sign-in"),
        "{text}"
    );
}

#[test]
fn a_platform_that_forbids_public_services_refuses_one() {
    let report = signed_in_with_public_api(r#"{ "allow_public_services": false }"#);
    assert!(report.repository.is_none());
    let problems: Vec<(&str, &str)> = report
        .files
        .iter()
        .flat_map(|f| f.diagnostics.iter())
        .filter(|d| d.is_error())
        .map(|d| (d.file.as_str(), d.code))
        .collect();
    assert_eq!(
        problems,
        [("manifests/catalog-api.json", "manifest/public-not-allowed")]
    );
}

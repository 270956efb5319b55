//! `idle_after` in a manifest and `scale_to_zero` in platform.json, validated together: accepted
//! where the platform lets services sleep, a warning where it does not, errors that name the
//! field and what is valid.

use rnd_core::diagnostic::Severity;
use rnd_core::repository::{validate_repository, RepositoryReport, SourceFile};

const CERT: &str = "arn:aws:acm:us-east-1:123456789012:certificate/5f1a3c2e-8d4b-4e6f-9a0b-1c2d3e4f5a6b";

fn report(scale_to_zero: &str, manifest: &str) -> RepositoryReport {
    let platform = format!(
        r#"{{ "name": "research", "region": "us-east-1",
             "routing": {{ "mode": "host", "domain": "research.example.com" }},
             "certificate_arn": "{CERT}" {scale_to_zero} }}"#
    );
    validate_repository(
        &SourceFile {
            path: "platform.json".into(),
            bytes: platform.into_bytes(),
        },
        &[SourceFile {
            path: "manifests/demo.json".into(),
            bytes: manifest.as_bytes().to_vec(),
        }],
    )
}

fn messages(report: &RepositoryReport, severity: Severity) -> Vec<String> {
    report
        .files
        .iter()
        .flat_map(|f| f.diagnostics.iter().map(move |d| (f, d)))
        .filter(|(_, d)| d.severity == severity)
        .map(|(f, d)| format!("{} {}: {}", f.file, d.pointer, d.message))
        .collect()
}

/// The manifest's warnings (the platform warns of its own matters, e.g. routes without sign-in).
fn manifest_warnings(report: &RepositoryReport) -> Vec<String> {
    messages(report, Severity::Warning)
        .into_iter()
        .filter(|m| m.starts_with("manifests/"))
        .collect()
}

const SLEEPY: &str = r#"{ "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/demo", "version": "v1",
                          "port": 8080, "idle_after": "1h30m" }"#;
const FUNCTION: &str =
    r#", "scale_to_zero": { "function_arn": "arn:aws:lambda:us-east-1:123456789012:function:rnd" }"#;

#[test]
fn a_platform_that_sleeps_takes_idle_after() {
    let report = report(FUNCTION, SLEEPY);
    let repository = report.repository.as_ref().expect("valid");
    assert!(
        manifest_warnings(&report).is_empty(),
        "{:?}",
        manifest_warnings(&report)
    );
    let route = repository.manifests[0].route.as_ref().unwrap();
    assert_eq!(route.idle_after_minutes, Some(90));
    assert_eq!(
        repository.platform.scale_to_zero.as_ref().unwrap().function_arn,
        "arn:aws:lambda:us-east-1:123456789012:function:rnd"
    );
}

#[test]
fn a_platform_that_does_not_sleep_warns_and_runs_the_service() {
    let report = report("", SLEEPY);
    assert!(report.repository.is_some());
    assert_eq!(
        manifest_warnings(&report),
        ["manifests/demo.json /idle_after: this platform does not put services to sleep (platform.json has no `scale_to_zero`): the service runs all the time"]
    );
}

#[test]
fn idle_after_out_of_range_or_without_a_port_is_an_error() {
    let short = report(
        FUNCTION,
        r#"{ "image": "repo/demo", "version": "v1", "port": 8080, "idle_after": "2m" }"#,
    );
    assert_eq!(
        messages(&short, Severity::Error),
        ["manifests/demo.json /idle_after: `idle_after` is 2m, outside what rnd allows"]
    );
    let worker = report(
        FUNCTION,
        r#"{ "image": "repo/demo", "version": "v1", "idle_after": "30m" }"#,
    );
    assert_eq!(
        messages(&worker, Severity::Error),
        ["manifests/demo.json /idle_after: `idle_after` applies to load-balancer routes, but the service has no `port`"]
    );
}

#[test]
fn the_function_must_be_a_lambda_function_in_the_platforms_region() {
    let other = report(
        r#", "scale_to_zero": { "function_arn": "arn:aws:lambda:eu-west-1:123456789012:function:rnd" }"#,
        SLEEPY,
    );
    assert_eq!(
        messages(&other, Severity::Error),
        ["platform.json /scale_to_zero/function_arn: the function is in eu-west-1 but the platform is in us-east-1"]
    );
}

fn report_files(manifests: &[(&str, &str)]) -> RepositoryReport {
    let platform = format!(
        r#"{{ "name": "research", "region": "us-east-1",
             "routing": {{ "mode": "host", "domain": "research.example.com" }},
             "certificate_arn": "{CERT}" {FUNCTION} }}"#
    );
    validate_repository(
        &SourceFile {
            path: "platform.json".into(),
            bytes: platform.into_bytes(),
        },
        &manifests
            .iter()
            .map(|(name, text)| SourceFile {
                path: format!("manifests/{name}.json"),
                bytes: text.as_bytes().to_vec(),
            })
            .collect::<Vec<_>>(),
    )
}

#[test]
fn a_sleeping_service_needs_room_for_its_wake_group_name() {
    // research- (9) + 23 = 32, the target group limit; the wake group adds `-wake`.
    let long = "a".repeat(23);
    let report = report_files(&[(&long, SLEEPY)]);
    assert_eq!(
        messages(&report, Severity::Error),
        [format!(
            "manifests/{long}.json /idle_after: a service that sleeps needs a name of at most 18 characters under this platform, and \"{long}\" has 23"
        )]
    );
    // The same name runs always without complaint.
    let awake = report_files(&[(
        &long,
        r#"{ "image": "repo/demo", "version": "v1", "port": 8080 }"#,
    )]);
    assert!(awake.repository.is_some());
}

#[test]
fn a_sleeping_service_beside_a_service_named_like_its_wake_group_is_an_error() {
    let report = report_files(&[
        ("demo", SLEEPY),
        (
            "demo-wake",
            r#"{ "image": "repo/demo", "version": "v1", "port": 8080 }"#,
        ),
    ]);
    assert!(report.repository.is_none());
    assert_eq!(
        messages(&report, Severity::Error),
        ["manifests/demo.json /idle_after: a service that sleeps has a wake target group named after it with `-wake`, and the service `demo-wake` already has that name"]
    );
}

#[test]
fn a_gpu_service_may_sleep() {
    let sleeping = report(
        FUNCTION,
        r#"{ "image": "repo/demo", "version": "v1", "port": 8080, "gpu": 1, "idle_after": "30m" }"#,
    );
    assert!(sleeping.repository.is_some());
    assert!(messages(&sleeping, Severity::Error).is_empty());
}

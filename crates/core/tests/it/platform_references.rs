//! What `platform.json` points at, checked before anything changes: each problem named at its
//! place in the file, with what to do.

use std::collections::BTreeMap;

use rnd_core::platform_references::{check, covers, wanted, Certificate, PlatformExisting};
use rnd_core::repository::{validate_repository, Repository, SourceFile};

const PLATFORM: &str = r#"{
  "name": "research",
  "region": "us-east-1",
  "network": { "vpc_id": "vpc-0123456789abcdef0", "subnets": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"] },
  "routing": { "mode": "host", "domain": "research.example.com", "hosted_zone_id": "Z0123456789ABCDEFGHIJ" },
  "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/5f1a3c2e-8d4b-4e6f-9a0b-1c2d3e4f5a6b"
}"#;

fn repository() -> (Repository, SourceFile) {
    let platform = SourceFile {
        path: "platform.json".into(),
        bytes: PLATFORM.as_bytes().to_vec(),
    };
    let api = SourceFile {
        path: "manifests/api.json".into(),
        bytes: br#"{ "image": "ghcr.io/lab/api", "version": "v1", "port": 8080 }"#.to_vec(),
    };
    let repository = validate_repository(&platform, &[api]).repository.unwrap();
    (repository, platform)
}

fn render(existing: &PlatformExisting) -> String {
    let (repository, platform) = repository();
    let problems = check(&repository, &wanted(&repository), existing, &platform);
    problems
        .iter()
        .map(|p| {
            format!(
                "{} [{}] {}\n  help: {}",
                p.position(),
                p.code,
                p.message,
                p.help.as_deref().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn issued(names: &[&str]) -> Option<Certificate> {
    Some(Certificate {
        status: "ISSUED".into(),
        names: names.iter().map(|n| n.to_string()).collect(),
    })
}

fn network_ok() -> (bool, BTreeMap<String, String>) {
    let subnets = [
        ("subnet-0123456789abcdef0", "vpc-0123456789abcdef0"),
        ("subnet-0123456789abcdef1", "vpc-0123456789abcdef0"),
    ];
    (
        true,
        subnets
            .iter()
            .map(|(s, v)| (s.to_string(), v.to_string()))
            .collect(),
    )
}

#[test]
fn what_exists_and_fits_passes() {
    let (vpc_exists, subnet_vpcs) = network_ok();
    let existing = PlatformExisting {
        certificate: issued(&["research.example.com", "*.research.example.com"]),
        vpc_exists,
        subnet_vpcs,
        hosted_zone_name: Some("example.com".into()),
    };
    assert_eq!(render(&existing), "");
}

#[test]
fn each_problem_is_named_at_its_place() {
    let missing = PlatformExisting::default();
    insta::assert_snapshot!("missing", render(&missing));
    let (vpc_exists, mut subnet_vpcs) = network_ok();
    subnet_vpcs.insert("subnet-0123456789abcdef1".into(), "vpc-0fedcba9876543210".into());
    let pending = PlatformExisting {
        certificate: Some(Certificate {
            status: "PENDING_VALIDATION".into(),
            names: vec!["*.research.example.com".into()],
        }),
        vpc_exists,
        subnet_vpcs: subnet_vpcs.clone(),
        hosted_zone_name: Some("research.example.com".into()),
    };
    insta::assert_snapshot!("pending_and_subnet_elsewhere", render(&pending));
    let elsewhere = PlatformExisting {
        certificate: issued(&["*.example.com"]),
        vpc_exists,
        subnet_vpcs,
        hosted_zone_name: Some("research.example.org".into()),
    };
    insta::assert_snapshot!("not_covering", render(&elsewhere));
}

#[test]
fn a_zone_holds_its_apex_and_names_below_it() {
    use rnd_core::platform_references::zone_holds;
    assert!(zone_holds("example.com.", "research.example.com"));
    assert!(zone_holds("research.example.com", "Research.Example.com"));
    assert!(!zone_holds("example.com", "research.badexample.com"));
    assert!(!zone_holds("research.example.com", "example.com"));
}

#[test]
fn a_wildcard_covers_one_label() {
    assert!(covers("*.research.example.com", "api.research.example.com"));
    assert!(covers("API.research.example.com", "api.research.example.com"));
    assert!(!covers("*.example.com", "api.research.example.com"));
    assert!(!covers("*.research.example.com", "research.example.com"));
}

//! What `platform.json` points at and rnd does not create — the ACM certificate, the VPC and its
//! subnets, the Route 53 hosted zone — checked before anything changes, so a missing certificate is found by the plan, not
//! halfway through an apply that has already started a GPU instance. A frontend asks AWS for
//! [`PlatformWanted`] (through `rnd-aws`) and [`check`] turns what is wrong into diagnostics at
//! their place in `platform.json`.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::prerequisites::locate;
use crate::repository::{Repository, SourceFile};

/// What the platform refers to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlatformWanted {
    /// The HTTPS listeners' certificate, when some service is routed.
    pub certificate_arn: Option<String>,
    /// Every host name the certificate must cover (`api.research.example.com`, …).
    pub hosts: Vec<String>,
    /// A VPC named in `platform.json` (the default VPC is found, not named).
    pub vpc_id: Option<String>,
    pub subnets: Vec<String>,
    /// The Route 53 hosted zone rnd keeps the DNS records in (`routing.hosted_zone_id`).
    pub hosted_zone_id: Option<String>,
    /// The routing domain, which the zone must hold.
    pub domain: String,
}

/// A certificate as ACM describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// `ISSUED`, `PENDING_VALIDATION`, `EXPIRED`, …
    pub status: String,
    /// Its domain name and subject alternative names.
    pub names: Vec<String>,
}

/// What AWS holds of [`PlatformWanted`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlatformExisting {
    /// `None` when ACM has no such certificate in the platform's region.
    pub certificate: Option<Certificate>,
    pub vpc_exists: bool,
    /// Each subnet found, with its VPC.
    pub subnet_vpcs: BTreeMap<String, String>,
    /// The hosted zone's name (`example.com`, no trailing dot); `None` when there is no such
    /// zone.
    pub hosted_zone_name: Option<String>,
}

/// What the repository's platform refers to.
pub fn wanted(repository: &Repository) -> PlatformWanted {
    let platform = &repository.platform;
    let routed: Vec<&str> = repository
        .manifests
        .iter()
        .filter(|m| m.route.is_some())
        .map(|m| m.name.as_str())
        .collect();
    let hosts = routed
        .iter()
        .map(|service| host_of(&platform.routing.url(service)))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    PlatformWanted {
        certificate_arn: (!routed.is_empty()).then(|| platform.certificate_arn.clone()),
        hosts,
        vpc_id: platform.network.as_ref().map(|n| n.vpc_id.clone()),
        subnets: platform
            .network
            .as_ref()
            .map(|n| n.subnets.clone())
            .unwrap_or_default(),
        hosted_zone_id: platform.routing.hosted_zone_id.clone(),
        domain: platform.routing.domain.clone(),
    }
}

/// Whether the zone `zone` holds names under `domain`: the zone's apex or below it.
pub fn zone_holds(zone: &str, domain: &str) -> bool {
    let zone = zone.trim_end_matches('.').to_ascii_lowercase();
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    domain == zone || domain.ends_with(&format!(".{zone}"))
}

fn host_of(url: &str) -> String {
    let rest = url.strip_prefix("https://").unwrap_or(url);
    rest.split('/').next().unwrap_or(rest).to_string()
}

/// Whether a certificate name covers `host`: the same name, or a wildcard one label above it.
pub fn covers(name: &str, host: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let host = host.to_ascii_lowercase();
    match name.strip_prefix("*.") {
        Some(parent) => host.split_once('.').is_some_and(|(_, rest)| rest == parent),
        None => name == host,
    }
}

/// One error per thing `platform.json` points at that is missing or unusable, placed in
/// `platform` (the file as read).
pub fn check(
    repository: &Repository,
    wanted: &PlatformWanted,
    existing: &PlatformExisting,
    platform: &SourceFile,
) -> Vec<Diagnostic> {
    let region = &repository.platform.region;
    let mut problems = Vec::new();
    let mut problem = |code, pointer: String, message: String, help: &str| {
        problems.push(Diagnostic {
            severity: Severity::Error,
            code,
            file: platform.path.clone(),
            pointer,
            location: Location {
                offset: 0,
                length: 0,
                line: 1,
                column: 1,
            },
            message,
            help: Some(help.to_string()),
        })
    };
    if let Some(arn) = &wanted.certificate_arn {
        match &existing.certificate {
            None => problem(
                "reference/certificate-missing",
                "/certificate_arn".into(),
                format!("the certificate `{arn}` does not exist in ACM in {region}"),
                "request one in ACM in the platform's region (a load balancer can only use a \
                 certificate of its own region) and put its ARN in `certificate_arn`",
            ),
            Some(cert) if cert.status != "ISSUED" => problem(
                "reference/certificate-not-issued",
                "/certificate_arn".into(),
                format!("the certificate `{arn}` is {}, not ISSUED", cert.status),
                "finish its validation in ACM (add the DNS record ACM shows), or request a new one",
            ),
            Some(cert) => {
                let uncovered: Vec<&str> = wanted
                    .hosts
                    .iter()
                    .filter(|h| !cert.names.iter().any(|n| covers(n, h)))
                    .map(String::as_str)
                    .collect();
                if !uncovered.is_empty() {
                    problem(
                        "reference/certificate-does-not-cover",
                        "/certificate_arn".into(),
                        format!(
                            "the certificate `{arn}` is for {}, which does not cover {}",
                            cert.names.join(", "),
                            uncovered.join(", ")
                        ),
                        "use a certificate for the routing domain (a wildcard `*.<domain>` for \
                         host routing), or change `routing.domain`",
                    );
                }
            }
        }
    }
    if let Some(vpc) = &wanted.vpc_id {
        if !existing.vpc_exists {
            problem(
                "reference/vpc-missing",
                "/network/vpc_id".into(),
                format!("the VPC `{vpc}` does not exist in {region}"),
                "name a VPC of the platform's region, or leave out `network` to use the default VPC",
            );
        }
        for (i, subnet) in wanted.subnets.iter().enumerate() {
            let pointer = format!("/network/subnets/{i}");
            match existing.subnet_vpcs.get(subnet) {
                None => problem(
                    "reference/subnet-missing",
                    pointer,
                    format!("the subnet `{subnet}` does not exist in {region}"),
                    "name subnets of the VPC, in at least two Availability Zones",
                ),
                Some(in_vpc) if in_vpc != vpc => problem(
                    "reference/subnet-elsewhere",
                    pointer,
                    format!("the subnet `{subnet}` is in VPC `{in_vpc}`, not in `{vpc}`"),
                    "name subnets of the VPC `network.vpc_id` names",
                ),
                Some(_) => {}
            }
        }
    }
    if let Some(zone) = &wanted.hosted_zone_id {
        match &existing.hosted_zone_name {
            None => problem(
                "reference/hosted-zone-missing",
                "/routing/hosted_zone_id".into(),
                format!("the hosted zone `{zone}` does not exist in this account"),
                "put the id of a public hosted zone for the routing domain (Route 53 → Hosted \
                 zones, `Z…`), or leave out `hosted_zone_id` and create the DNS records by hand",
            ),
            Some(name) if !zone_holds(name, &wanted.domain) => problem(
                "reference/hosted-zone-does-not-cover",
                "/routing/hosted_zone_id".into(),
                format!(
                    "the hosted zone `{zone}` is for {name}, which does not hold {}",
                    wanted.domain
                ),
                "name the zone of the routing domain or of a domain above it, or change \
                 `routing.domain`",
            ),
            Some(_) => {}
        }
    }
    locate(&mut problems, std::slice::from_ref(platform));
    problems
}

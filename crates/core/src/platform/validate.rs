//! Checks a `platform.json` text field by field and builds a [`Platform`], reporting every problem.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::*;
use crate::diagnostic::pointer_join;
use crate::source::JsonSource;
use crate::validate::checker::Checker;
use crate::validate::names;
use crate::validate::suggest::nearest_number;
use crate::validate::{syntax_diagnostic, Validated};

const FIELDS: &[&str] = &[
    "name",
    "region",
    "network",
    "routing",
    "certificate_arn",
    "log_retention_days",
    "gpu_instance_types",
    "gpu_root_volume_gib",
    "limits",
    "notifications",
    "secrets_store",
    "scale_to_zero",
    "tags",
];
const ALIASES: &[(&str, &str)] = &[
    ("prefix", "name"),
    ("vpc", "network"),
    ("certificate", "certificate_arn"),
    ("cert_arn", "certificate_arn"),
    ("retention_days", "log_retention_days"),
    ("log_retention", "log_retention_days"),
    ("gpu_types", "gpu_instance_types"),
    ("gpu_volume_gib", "gpu_root_volume_gib"),
    ("root_volume_gib", "gpu_root_volume_gib"),
    ("allowed_gpu_types", "gpu_instance_types"),
    ("instance_types", "gpu_instance_types"),
    ("slack", "notifications"),
    ("scale_to_zero_function", "scale_to_zero"),
    ("idle", "scale_to_zero"),
];
/// rnd puts a handful of `rnd:*` tags on each resource and AWS allows 50 in all.
const MAX_EXTRA_TAGS: usize = 40;

/// Validate the text of `platform.json`; `file` is how the user knows the file (for messages).
pub fn validate_platform(file: &str, text: &str) -> Validated<Platform> {
    let source = match JsonSource::parse(text) {
        Ok(source) => source,
        Err(e) => return Validated::invalid(vec![syntax_diagnostic(file, text, e)]),
    };
    let mut c = Checker::new(file, &source);
    let platform = check_platform(&mut c, &source.value);
    Validated::from_checker(platform, c)
}

fn check_platform(c: &mut Checker, root: &Value) -> Option<Platform> {
    let map = c.object("", root, "platform.json", FIELDS, ALIASES)?;
    // Every field is checked, even after a problem, so one run reports them all.
    let name = check_name(c, map);
    let region = check_region(c, map);
    let network = check_network(c, map);
    let routing = check_routing(c, map);
    let certificate_arn = check_certificate_arn(c, map, region.as_deref());
    let log_retention_days = check_log_retention_days(c, map);
    let gpu_instance_types = check_gpu_instance_types(c, map);
    // From the AMI's own 30 GiB (a smaller root volume than the image's cannot launch) to gp3's
    // largest volume.
    let gpu_root_volume_gib = c
        .integer(map, "", "gpu_root_volume_gib", "GiB", 30..=16_384)
        .map(|gib| gib as u32);
    let limits = check_limits(c, map);
    let notifications = check_notifications(c, map);
    let secrets_store = check_secrets_store(c, map);
    let scale_to_zero = super::scale_to_zero::check(c, map, region.as_deref());
    let tags = check_tags(c, map);

    Some(Platform {
        name: name?,
        region: region?,
        network,
        routing: routing?,
        certificate_arn: certificate_arn?,
        log_retention_days,
        gpu_instance_types,
        gpu_root_volume_gib,
        limits,
        notifications,
        secrets_store,
        scale_to_zero,
        tags,
    })
}

/// Letters and digits, short enough to prefix every AWS name rnd creates.
fn check_name(c: &mut Checker, map: &Map<String, Value>) -> Option<String> {
    let name = required_string(c, map, "name", "a lowercase name such as \"research\"")?;
    let too_long = || {
        (name.len() > MAX_PLATFORM_NAME_LEN).then(|| {
            format!(
                "it is {} characters long; the limit is {MAX_PLATFORM_NAME_LEN} because it prefixes \
                 every AWS name rnd creates",
                name.len()
            )
        })
    };
    let Some(why) = names::dns_label(name).err().or_else(too_long) else {
        // A platform's name is joined to a service's by `-` in every AWS name, so with a `-` of
        // its own, `ml-prod` + `api` would be `ml` + `prod-api`: two platforms' resources under
        // one name. A platform made before names had to be letters and digits keeps working
        // (the ownership checks refuse any resource of another platform); the planner refuses
        // to create a new one (`PlanError::NewPlatformNameHasHyphen`), since it needs AWS to know.
        if name.contains('-') {
            c.warning(
                "platform/name-has-hyphen",
                "/name",
                format!(
                    "`name` \"{name}\" contains `-`, which joins the platform's name to service names \
                     in every AWS name rnd creates (platform \"ml-prod\" with service \"api\" would \
                     collide with platform \"ml\" with service \"prod-api\"): accepted only for a \
                     platform that already exists in AWS under this name, and a new one is refused \
                     by `rnd plan`"
                ),
                format!(
                    "to create a new platform, use letters and digits, e.g. \"{}\"; an existing one \
                     keeps working, and moves to such a name with `rnd destroy`, a rename and `rnd apply`",
                    name.replace('-', "")
                ),
            );
        }
        return Some(name.to_string());
    };
    let suggestion: String = names::to_dns_label(name)
        .replace('-', "")
        .chars()
        .take(MAX_PLATFORM_NAME_LEN)
        .collect();
    c.error(
        "platform/name",
        "/name",
        format!("`name` \"{name}\" is not usable: {why}"),
        format!(
            "use lowercase letters and digits, starting with a letter, at most {MAX_PLATFORM_NAME_LEN} \
             characters, e.g. \"{}\"",
            suggestion.trim_end_matches('-')
        ),
    );
    None
}

fn check_region(c: &mut Checker, map: &Map<String, Value>) -> Option<String> {
    required_string(c, map, "region", "an AWS region code such as \"us-east-1\"").and_then(|r| {
        match names::region(r) {
            Ok(()) => Some(r.to_string()),
            Err(why) => {
                c.error(
                    "platform/region",
                    "/region",
                    why,
                    "use an AWS region code such as \"us-east-1\" or \"eu-west-1\"".to_string(),
                );
                None
            }
        }
    })
}

/// An ACM certificate ARN in the platform's own region (`region`, when that one is valid):
/// load balancers only use certificates from their region.
fn check_certificate_arn(c: &mut Checker, map: &Map<String, Value>, region: Option<&str>) -> Option<String> {
    let arn = required_string(
        c,
        map,
        "certificate_arn",
        "the ARN of the hand-made ACM certificate",
    )?;
    let cert_region = match names::certificate_arn(arn) {
        Ok(cert_region) => cert_region,
        Err(why) => {
            c.error(
                "platform/certificate-arn",
                "/certificate_arn",
                format!("`certificate_arn` is not usable: {why}"),
                "use an ARN like \"arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-...\"".to_string(),
            );
            return None;
        }
    };
    match region {
        Some(region) if cert_region != region => {
            c.error(
                "platform/certificate-region",
                "/certificate_arn",
                format!("the certificate is in {cert_region} but the platform is in {region}"),
                format!(
                    "load balancers use certificates from their own region: request or import the \
                     certificate in {region}"
                ),
            );
            None
        }
        _ => Some(arn.to_string()),
    }
}

/// One of the retention periods CloudWatch Logs offers; 30 days when absent (or wrong, after
/// the error).
fn check_log_retention_days(c: &mut Checker, map: &Map<String, Value>) -> u32 {
    match c.integer(map, "", "log_retention_days", "days", 1..=3653) {
        Some(days) if LOG_RETENTION_DAYS.contains(&(days as u32)) => days as u32,
        Some(days) => {
            let near = nearest_number(days as f64, LOG_RETENTION_DAYS).unwrap_or(30);
            let list: Vec<String> = LOG_RETENTION_DAYS.iter().map(u32::to_string).collect();
            c.error(
                "platform/log-retention",
                "/log_retention_days",
                format!("CloudWatch Logs cannot keep logs for {days} days"),
                format!(
                    "use {near} (the nearest allowed value); allowed: {}",
                    list.join(", ")
                ),
            );
            30
        }
        None => 30,
    }
}

/// Families or types from the built-in catalog; unknown ones are errors with a suggestion.
fn check_gpu_instance_types(c: &mut Checker, map: &Map<String, Value>) -> Vec<String> {
    c.string_list(map, "", "gpu_instance_types")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(entry, pointer)| match gpu_type_syntax(&entry) {
            Ok(()) if known_gpu_entry(&entry) => Some(entry),
            Ok(()) => {
                let known = known_gpu_entries();
                let names: Vec<&str> = known.iter().map(String::as_str).collect();
                let hint = match crate::validate::suggest::did_you_mean(&entry, &names, &[]) {
                    Some(close) => format!("did you mean \"{close}\"? "),
                    None => String::new(),
                };
                let families: Vec<&str> = names.iter().copied().filter(|n| !n.contains('.')).collect();
                c.error(
                    "platform/gpu-instance-type-unknown",
                    &pointer,
                    format!("\"{entry}\" is not an NVIDIA GPU instance family or type rnd knows"),
                    format!("{hint}known families: {}", families.join(", ")),
                );
                None
            }
            Err(why) => {
                c.error(
                    "platform/gpu-instance-type",
                    &pointer,
                    format!("\"{entry}\" is not an instance family or type: {why}"),
                    "write a family such as \"g5\" or a type such as \"g6.xlarge\"".to_string(),
                );
                None
            }
        })
        .collect()
}

/// Parameter Store unless the platform says Secrets Manager.
fn check_secrets_store(c: &mut Checker, map: &Map<String, Value>) -> SecretsStore {
    match c.string(map, "", "secrets_store") {
        None | Some("ssm") => SecretsStore::Ssm,
        Some("secrets_manager") => SecretsStore::SecretsManager,
        Some(other) => {
            c.error(
                "platform/secrets-store",
                "/secrets_store",
                format!("unknown secrets store \"{other}\""),
                "use \"ssm\" (Parameter Store SecureString) or \"secrets_manager\"".to_string(),
            );
            SecretsStore::Ssm
        }
    }
}

fn required_string<'v>(
    c: &mut Checker,
    map: &'v Map<String, Value>,
    field: &str,
    example: &str,
) -> Option<&'v str> {
    if !map.contains_key(field) {
        c.missing("", field, format!("add \"{field}\": {example}"));
        return None;
    }
    c.string(map, "", field)
}

/// Syntax only: whether the family or type exists is checked against the instance catalog.
fn gpu_type_syntax(entry: &str) -> Result<(), String> {
    let (family, size) = match entry.split_once('.') {
        Some((f, s)) => (f, Some(s)),
        None => (entry, None),
    };
    let family_ok = family.starts_with(|c: char| c.is_ascii_lowercase())
        && family
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && family.chars().any(|c| c.is_ascii_digit());
    let size_ok =
        size.is_none_or(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    if family_ok && size_ok {
        Ok(())
    } else {
        Err("families look like `g5` and types like `g5.xlarge` (lowercase)".into())
    }
}

/// Every GPU instance type and family in the built-in catalog.
pub(crate) fn known_gpu_entries() -> Vec<String> {
    let mut entries: Vec<String> = crate::catalog::Catalog::builtin()
        .gpu_types()
        .iter()
        .flat_map(|t| [t.name.clone(), t.family().to_string()])
        .collect();
    entries.sort();
    entries.dedup();
    entries
}

fn known_gpu_entry(entry: &str) -> bool {
    crate::catalog::Catalog::builtin()
        .gpu_types()
        .iter()
        .any(|t| t.name == entry || t.family() == entry)
}

fn check_network(c: &mut Checker, map: &Map<String, Value>) -> Option<Network> {
    let value = map.get("network")?;
    let net = c.object(
        "/network",
        value,
        "`network`",
        &["vpc_id", "subnets"],
        &[("vpc", "vpc_id"), ("subnet_ids", "subnets")],
    )?;
    let vpc_id = match c.string(net, "/network", "vpc_id") {
        Some(id) => match names::ec2_id(id, "vpc") {
            Ok(()) => Some(id.to_string()),
            Err(why) => {
                c.error(
                    "platform/vpc-id",
                    "/network/vpc_id",
                    why,
                    "use the id shown by `aws ec2 describe-vpcs`, e.g. \"vpc-0123456789abcdef0\"".to_string(),
                );
                None
            }
        },
        None => {
            if !net.contains_key("vpc_id") {
                c.missing(
                    "/network",
                    "vpc_id",
                    "add \"vpc_id\", or remove `network` to use the account's default VPC".into(),
                );
            }
            None
        }
    };
    let subnets: Vec<String> = match c.string_list(net, "/network", "subnets") {
        Some(list) => list
            .into_iter()
            .filter_map(|(id, pointer)| match names::ec2_id(&id, "subnet") {
                Ok(()) => Some(id),
                Err(why) => {
                    c.error(
                        "platform/subnet-id",
                        &pointer,
                        why,
                        "use ids shown by `aws ec2 describe-subnets`".to_string(),
                    );
                    None
                }
            })
            .collect(),
        None => {
            if !net.contains_key("subnets") {
                c.missing(
                    "/network",
                    "subnets",
                    "add \"subnets\": two or more subnet ids in different Availability Zones".into(),
                );
            }
            Vec::new()
        }
    };
    if net
        .get("subnets")
        .and_then(Value::as_array)
        .is_some_and(|a| a.len() < 2)
    {
        c.error(
            "platform/subnets",
            "/network/subnets",
            "an application load balancer needs subnets in at least two Availability Zones",
            "list two or more subnet ids in different Availability Zones".to_string(),
        );
        return None;
    }
    Some(Network {
        vpc_id: vpc_id?,
        subnets,
    })
}

fn check_routing(c: &mut Checker, map: &Map<String, Value>) -> Option<Routing> {
    let Some(value) = map.get("routing") else {
        c.missing(
            "",
            "routing",
            "add \"routing\": { \"mode\": \"host\", \"domain\": \"research.example.com\" }".into(),
        );
        return None;
    };
    let r = c.object(
        "/routing",
        value,
        "`routing`",
        &[
            "mode",
            "domain",
            "scheme",
            "allowed_cidrs",
            "sign_in",
            "allow_public_services",
            "hosted_zone_id",
        ],
        &[
            ("type", "mode"),
            ("host", "domain"),
            ("hostname", "domain"),
            ("cidrs", "allowed_cidrs"),
            ("allowed_networks", "allowed_cidrs"),
            ("auth", "sign_in"),
            ("authentication", "sign_in"),
            ("hosted_zone", "hosted_zone_id"),
            ("zone_id", "hosted_zone_id"),
            ("route53_zone", "hosted_zone_id"),
        ],
    )?;
    let hosted_zone_id = check_hosted_zone_id(c, r);
    let sign_in = check_sign_in(c, r);
    let allow_public_services = c.boolean(r, "/routing", "allow_public_services").unwrap_or(true);
    let scheme = match c.string(r, "/routing", "scheme") {
        Some("internet-facing") | None => Some(Scheme::InternetFacing),
        Some("internal") => Some(Scheme::Internal),
        Some(other) => {
            c.error(
                "platform/routing-scheme",
                "/routing/scheme",
                format!("unknown load balancer scheme \"{other}\""),
                "use \"internet-facing\" (the default) or \"internal\" (reachable only from the VPC and networks joined to it)"
                    .to_string(),
            );
            None
        }
    };
    let allowed_cidrs = check_allowed_cidrs(c, r);
    let mode = match c.string(r, "/routing", "mode") {
        Some("host") | None => Some(RoutingMode::Host),
        Some("path") => Some(RoutingMode::Path),
        Some(other) => {
            c.error(
                "platform/routing-mode",
                "/routing/mode",
                format!("unknown routing mode \"{other}\""),
                "use \"host\" (https://<service>.<domain>/) or \"path\" (https://<domain>/<service>/)"
                    .to_string(),
            );
            None
        }
    };
    let domain = match c.string(r, "/routing", "domain") {
        Some(d) => match names::domain_name(d) {
            Ok(()) => Some(d.to_string()),
            Err(why) => {
                c.error("platform/domain", "/routing/domain", format!("`domain` \"{d}\" is not usable: {why}"), "use the DNS name your hand-made record points at the load balancer, e.g. \"research.example.com\"".to_string());
                None
            }
        },
        None => {
            if !r.contains_key("domain") {
                c.missing(
                    "/routing",
                    "domain",
                    "add \"domain\": \"research.example.com\"".into(),
                );
            }
            None
        }
    };
    Some(Routing {
        mode: mode?,
        domain: domain?,
        scheme: scheme?,
        allowed_cidrs: allowed_cidrs?,
        sign_in: sign_in?,
        allow_public_services,
        hosted_zone_id: hosted_zone_id?,
    })
}

/// `routing.hosted_zone_id`: a Route 53 hosted zone id as the console shows it (`Z` then up to
/// 31 capitals and digits), without the `/hostedzone/` prefix the API adds. Whether
/// it exists and covers `domain` is checked against AWS before a plan (`platform_references`).
/// `Some(None)` when absent; `None` when invalid.
fn check_hosted_zone_id(c: &mut Checker, r: &Map<String, Value>) -> Option<Option<String>> {
    if !r.contains_key("hosted_zone_id") {
        return Some(None);
    }
    let id = c.string(r, "/routing", "hosted_zone_id")?;
    let valid = id.len() >= 2
        && id.len() <= 32
        && id.starts_with('Z')
        && id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !valid {
        c.error(
            "platform/hosted-zone-id",
            "/routing/hosted_zone_id",
            format!("`hosted_zone_id` \"{id}\" is not a Route 53 hosted zone id"),
            "use the zone's id as the Route 53 console shows it, e.g. \"Z0123456789ABCDEFGHIJ\" \
             (capital letters and digits, starting with Z, no `/hostedzone/` prefix); or remove the field and create the DNS \
             records by hand"
                .to_string(),
        );
        return None;
    }
    Some(Some(id.to_string()))
}

/// `routing.sign_in`: one provider, `oidc` or `cognito`. `Some(None)` when absent; `None` when
/// invalid.
fn check_sign_in(c: &mut Checker, r: &Map<String, Value>) -> Option<Option<SignIn>> {
    const BASE: &str = "/routing/sign_in";
    let Some(value) = r.get("sign_in") else {
        return Some(None);
    };
    let sign_in = c.object(
        BASE,
        value,
        "`routing.sign_in`",
        &["oidc", "cognito"],
        &[
            ("openid", "oidc"),
            ("cognito_user_pool", "cognito"),
            ("user_pool", "cognito"),
        ],
    )?;
    match (sign_in.get("oidc"), sign_in.get("cognito")) {
        (Some(_), Some(_)) => {
            c.error(
                "platform/sign-in",
                BASE,
                "`routing.sign_in` names two providers, `oidc` and `cognito`".to_string(),
                "keep one: the load balancers sign people in with one provider".to_string(),
            );
            None
        }
        (Some(oidc), None) => Some(Some(SignIn::Oidc(check_oidc(c, oidc)?))),
        (None, Some(cognito)) => Some(Some(SignIn::Cognito(check_cognito(c, cognito)?))),
        (None, None) => {
            c.missing(
                BASE,
                "oidc",
                "add \"oidc\": { \"issuer\": …, \"client_id\": …, \"client_secret\": \"<secret name>\", … }, \
                 or \"cognito\": { \"user_pool_arn\": …, \"client_id\": …, \"domain\": … }"
                    .into(),
            );
            None
        }
    }
}

/// One string field of an object at `at`, checked by `check`; an error (and `None`) when it is
/// missing or unusable.
fn checked_field(
    c: &mut Checker,
    object: &Map<String, Value>,
    at: &str,
    name: &str,
    check: fn(&str) -> Result<(), String>,
    example: &str,
) -> Option<String> {
    match c.string(object, at, name) {
        Some(v) => match check(v) {
            Ok(()) => Some(v.to_string()),
            Err(why) => {
                c.error(
                    "platform/sign-in",
                    &pointer_join(at, name),
                    format!("`{name}` \"{v}\" is not usable: {why}"),
                    format!("e.g. \"{name}\": \"{example}\""),
                );
                None
            }
        },
        None => {
            if !object.contains_key(name) {
                c.missing(at, name, format!("add \"{name}\": \"{example}\""));
            }
            None
        }
    }
}

/// `routing.sign_in.cognito`: the user pool's ARN, the app client's id and the pool's domain.
fn check_cognito(c: &mut Checker, value: &Value) -> Option<CognitoSignIn> {
    const COGNITO: &str = "/routing/sign_in/cognito";
    let cognito = c.object(
        COGNITO,
        value,
        "`routing.sign_in.cognito`",
        &["user_pool_arn", "client_id", "domain"],
        &[
            ("user_pool", "user_pool_arn"),
            ("pool_arn", "user_pool_arn"),
            ("user_pool_client_id", "client_id"),
            ("app_client_id", "client_id"),
            ("user_pool_domain", "domain"),
        ],
    )?;
    let user_pool_arn = checked_field(
        c,
        cognito,
        COGNITO,
        "user_pool_arn",
        user_pool_arn,
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEfGhI",
    );
    let client_id = checked_field(
        c,
        cognito,
        COGNITO,
        "client_id",
        cognito_client_id,
        "1example23456789",
    );
    let domain = checked_field(c, cognito, COGNITO, "domain", cognito_domain, "research-login");
    Some(CognitoSignIn {
        user_pool_arn: user_pool_arn?,
        client_id: client_id?,
        domain: domain?,
    })
}

/// A Cognito user pool's ARN: `arn:<partition>:cognito-idp:<region>:<account>:userpool/<region>_<id>`.
fn user_pool_arn(s: &str) -> Result<(), String> {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "cognito-idp"
        && !parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5]
            .strip_prefix("userpool/")
            .and_then(|id| id.split_once('_'))
            .is_some_and(|(region, id)| {
                region == parts[3] && !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric())
            });
    if ok {
        Ok(())
    } else {
        Err("it is not a Cognito user pool ARN (Cognito → User pools → the pool → its ARN)".into())
    }
}

/// An app client id: letters and digits, at most 128.
fn cognito_client_id(s: &str) -> Result<(), String> {
    if !s.is_empty() && s.len() <= 128 && s.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err("an app client id is letters and digits (Cognito → the pool → App clients)".into())
    }
}

/// The pool's domain: a prefix (lowercase letters, digits, hyphens) or a full domain name.
fn cognito_domain(s: &str) -> Result<(), String> {
    if s.starts_with("https://") || s.contains('/') {
        return Err("write the domain only: its prefix (`research-login`) or full name".into());
    }
    if s.contains('.') {
        return names::domain_name(s);
    }
    let prefix_ok = !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if prefix_ok {
        Ok(())
    } else {
        Err("a domain prefix is lowercase letters, digits and hyphens".into())
    }
}

/// `routing.sign_in.oidc`: the provider's four HTTPS endpoints, the client id, and the NAME of
/// the platform secret holding the client secret. `None` when invalid.
fn check_oidc(c: &mut Checker, oidc_value: &Value) -> Option<OidcSignIn> {
    const OIDC: &str = "/routing/sign_in/oidc";
    const FIELDS: &[&str] = &[
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "user_info_endpoint",
        "client_id",
        "client_secret",
    ];
    // A literal secret in a file kept in git is the mistake worth its own message.
    if let Some(obj) = oidc_value.as_object() {
        if obj.contains_key("client_secret_value") {
            let pointer = pointer_join(OIDC, "client_secret_value");
            c.conceal(&pointer);
            c.mark_handled(&pointer);
            c.key_error(
                "platform/sign-in-secret-in-file",
                &pointer,
                "`client_secret_value` would put the client secret in platform.json, which is committed to git".to_string(),
                "store it in the platform's secret store and name it: \"client_secret\": \"oidc-client-secret\"".to_string(),
            );
        }
    }
    let oidc = c.object(
        OIDC,
        oidc_value,
        "`routing.sign_in.oidc`",
        FIELDS,
        &[
            ("authorize_url", "authorization_endpoint"),
            ("token_url", "token_endpoint"),
            ("userinfo_endpoint", "user_info_endpoint"),
            ("client", "client_id"),
        ],
    )?;
    let field = |c: &mut Checker, name: &str, check: fn(&str) -> Result<(), String>, example: &str| {
        checked_field(c, oidc, OIDC, name, check, example)
    };
    let issuer = field(c, "issuer", https_url, "https://example.okta.com");
    let authorization_endpoint = field(
        c,
        "authorization_endpoint",
        https_url,
        "https://example.okta.com/oauth2/v1/authorize",
    );
    let token_endpoint = field(
        c,
        "token_endpoint",
        https_url,
        "https://example.okta.com/oauth2/v1/token",
    );
    let user_info_endpoint = field(
        c,
        "user_info_endpoint",
        https_url,
        "https://example.okta.com/oauth2/v1/userinfo",
    );
    let client_id = field(c, "client_id", non_empty, "0oa1b2c3d4e5f6g7h8i9");
    let client_secret = field(c, "client_secret", names::secret_name, "oidc-client-secret");
    Some(OidcSignIn {
        issuer: issuer?,
        authorization_endpoint: authorization_endpoint?,
        token_endpoint: token_endpoint?,
        user_info_endpoint: user_info_endpoint?,
        client_id: client_id?,
        client_secret: client_secret?,
    })
}

/// An absolute `https://` URL with a host (the load balancer calls these endpoints itself).
fn https_url(s: &str) -> Result<(), String> {
    let Some(rest) = s.strip_prefix("https://") else {
        return Err("it must start with https://".into());
    };
    if rest.is_empty() || rest.starts_with('/') || s.chars().any(char::is_whitespace) {
        return Err("it has no host".into());
    }
    Ok(())
}

fn non_empty(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        Err("it is empty".into())
    } else {
        Ok(())
    }
}

/// `routing.allowed_cidrs`: IPv4 and IPv6 networks in CIDR notation, at least one; absent, every
/// address. A host address (`10.1.2.3`) must say `/32`, so nobody opens a network by accident.
fn check_allowed_cidrs(c: &mut Checker, r: &Map<String, Value>) -> Option<Vec<String>> {
    if !r.contains_key("allowed_cidrs") {
        return Some(EVERYWHERE.iter().map(|s| s.to_string()).collect());
    }
    let entries = c.string_list(r, "/routing", "allowed_cidrs")?;
    if entries.is_empty() {
        c.error(
            "platform/allowed-cidrs-empty",
            "/routing/allowed_cidrs",
            "`allowed_cidrs` is empty, so nobody could reach any route".to_string(),
            "list the networks that may reach the load balancers, e.g. [\"10.0.0.0/8\"], or remove the field to allow every address"
                .to_string(),
        );
        return None;
    }
    let mut valid = Vec::with_capacity(entries.len());
    let mut ok = true;
    for (cidr, pointer) in entries {
        match names::cidr(&cidr) {
            Ok(()) => valid.push(cidr),
            Err(why) => {
                c.error(
                    "platform/cidr",
                    &pointer,
                    format!("`{cidr}` is not a network in CIDR notation: {why}"),
                    "write an IPv4 or IPv6 network with its prefix length, e.g. \"10.0.0.0/8\", \"203.0.113.7/32\" or \"2001:db8::/32\""
                        .to_string(),
                );
                ok = false;
            }
        }
    }
    ok.then_some(valid)
}

fn check_limits(c: &mut Checker, map: &Map<String, Value>) -> Limits {
    let Some(value) = map.get("limits") else {
        return Limits::default();
    };
    const KNOWN: &[&str] = &[
        "max_gpus_per_service",
        "max_replicas",
        "max_hourly_cost_per_service",
        "max_hourly_cost_total",
    ];
    let Some(l) = c.object(
        "/limits",
        value,
        "`limits`",
        KNOWN,
        &[
            ("max_gpus", "max_gpus_per_service"),
            ("max_cost", "max_hourly_cost_total"),
        ],
    ) else {
        return Limits::default();
    };
    Limits {
        max_gpus_per_service: c
            .integer(l, "/limits", "max_gpus_per_service", "GPUs", 1..=8)
            .map(|v| v as u32),
        max_replicas: c
            .integer(l, "/limits", "max_replicas", "replicas", 1..=1000)
            .map(|v| v as u32),
        max_hourly_cost_per_service: c.positive_number(
            l,
            "/limits",
            "max_hourly_cost_per_service",
            "USD/hour",
            1e6,
        ),
        max_hourly_cost_total: c.positive_number(l, "/limits", "max_hourly_cost_total", "USD/hour", 1e7),
    }
}

fn check_notifications(c: &mut Checker, map: &Map<String, Value>) -> Notifications {
    let default = Notifications {
        slack: SlackTarget::WebhookEnv {
            variable: DEFAULT_SLACK_WEBHOOK_ENV.into(),
        },
    };
    let Some(value) = map.get("notifications") else {
        return default;
    };
    let Some(n) = c.object("/notifications", value, "`notifications`", &["slack"], &[]) else {
        return default;
    };
    let Some(slack_value) = n.get("slack") else {
        return default;
    };
    const KNOWN: &[&str] = &[
        "webhook_url_env",
        "webhook_url_secret",
        "bot_token_env",
        "bot_token_secret",
        "channel",
    ];
    // A literal credential in a file kept in git is the one mistake worth a dedicated message.
    if let Some(obj) = slack_value.as_object() {
        for leaked in ["webhook_url", "webhook", "url", "token", "bot_token"] {
            if obj.contains_key(leaked) {
                c.conceal(&pointer_join("/notifications/slack", leaked));
                c.mark_handled(&pointer_join("/notifications/slack", leaked));
                c.key_error(
                    "platform/slack-credential-in-file",
                    &pointer_join("/notifications/slack", leaked),
                    format!("`{leaked}` would put a Slack credential in platform.json, which is committed to git"),
                    "name where rnd reads it instead: \"webhook_url_env\": \"RND_SLACK_WEBHOOK_URL\" or \"webhook_url_secret\": \"slack-webhook\" (and rotate the credential if it was ever committed)".to_string(),
                );
            }
        }
    }
    let Some(s) = c.object(
        "/notifications/slack",
        slack_value,
        "`notifications.slack`",
        KNOWN,
        &[("webhook_env", "webhook_url_env"), ("token_env", "bot_token_env")],
    ) else {
        return default;
    };
    let env_name = |c: &mut Checker, field: &str| -> Option<String> {
        let v = c.string(s, "/notifications/slack", field)?;
        match names::env_var_name(v) {
            Ok(()) => Some(v.to_string()),
            Err(why) => {
                c.error(
                    "platform/slack-env",
                    &format!("/notifications/slack/{field}"),
                    format!("\"{v}\" is not an environment variable name: {why}"),
                    format!(
                        "name the variable that holds it, e.g. \"{}\"",
                        names::to_env_var_name(v)
                    ),
                );
                None
            }
        }
    };
    let secret = |c: &mut Checker, field: &str| -> Option<String> {
        let v = c.string(s, "/notifications/slack", field)?;
        match names::secret_name(v) {
            Ok(()) => Some(v.to_string()),
            Err(why) => {
                c.error(
                    "platform/slack-secret",
                    &format!("/notifications/slack/{field}"),
                    format!("\"{v}\" is not a secret name: {why}"),
                    "use letters, digits, `_`, `.` and `-`".to_string(),
                );
                None
            }
        }
    };
    let webhook_env = env_name(c, "webhook_url_env");
    let webhook_secret = secret(c, "webhook_url_secret");
    let token_env = env_name(c, "bot_token_env");
    let token_secret = secret(c, "bot_token_secret");
    let channel = c.string(s, "/notifications/slack", "channel").map(str::to_string);
    let sources = [&webhook_env, &webhook_secret, &token_env, &token_secret]
        .iter()
        .filter(|o| o.is_some())
        .count();
    if sources > 1 {
        c.error(
            "platform/slack-ambiguous",
            "/notifications/slack",
            "Slack credentials are named in more than one place",
            "keep exactly one of webhook_url_env, webhook_url_secret, bot_token_env, bot_token_secret"
                .to_string(),
        );
    }
    let slack = match (webhook_env, webhook_secret, token_env, token_secret) {
        (_, _, Some(env), _) | (_, _, _, Some(env)) if channel.is_none() => {
            let _ = env;
            c.missing(
                "/notifications/slack",
                "channel",
                "a bot token posts to a channel: add \"channel\": \"#deploys\"".into(),
            );
            default.slack
        }
        (_, _, Some(env), _) => SlackTarget::Bot {
            token: CredentialSource::Env(env),
            channel: channel.unwrap_or_default(),
        },
        (_, _, _, Some(secret)) => SlackTarget::Bot {
            token: CredentialSource::Secret(secret),
            channel: channel.unwrap_or_default(),
        },
        (Some(variable), _, _, _) => SlackTarget::WebhookEnv { variable },
        (_, Some(secret), _, _) => SlackTarget::WebhookSecret { secret },
        (None, None, None, None) => default.slack,
    };
    Notifications { slack }
}

fn check_tags(c: &mut Checker, map: &Map<String, Value>) -> BTreeMap<String, String> {
    let entries = c.string_map(map, "", "tags").unwrap_or_default();
    if entries.len() > MAX_EXTRA_TAGS {
        c.error(
            "platform/too-many-tags",
            "/tags",
            format!(
                "{} tags given; AWS allows 50 per resource and rnd uses up to 10",
                entries.len()
            ),
            format!("keep at most {MAX_EXTRA_TAGS} extra tags"),
        );
    }
    let mut tags = BTreeMap::new();
    for (key, value, pointer) in entries {
        if let Err(why) = names::tag_key(&key) {
            c.key_error(
                "platform/tag-key",
                &pointer,
                format!("tag key \"{key}\" is not allowed: {why}"),
                "tag keys are 1 to 128 letters, digits, spaces and _ . : / = + - @, not starting with `aws:` or `rnd:`".to_string(),
            );
            continue;
        }
        if let Err(why) = names::tag_value(&value) {
            c.error(
                "platform/tag-value",
                &pointer,
                format!("the value of tag \"{key}\" is not allowed: {why}"),
                "tag values are up to 256 letters, digits, spaces and _ . : / = + - @".to_string(),
            );
            continue;
        }
        tags.insert(key, value);
    }
    tags
}

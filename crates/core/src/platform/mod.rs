//! The platform team's `platform.json`: the validated model every plan is made against.

mod raw;
mod scale_to_zero;
mod validate;

use std::collections::BTreeMap;

use serde::Serialize;

pub use raw::{RawLimits, RawNetwork, RawPlatform, RawRouting, RawSlack};
pub use scale_to_zero::{function_arn_region, ScaleToZero};
pub(crate) use validate::known_gpu_entries;
pub use validate::validate_platform;

/// Longest platform name: it prefixes every AWS name, and target group names stop at 32 characters.
pub const MAX_PLATFORM_NAME_LEN: usize = 12;
/// CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
pub const LOG_RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
/// Environment variable read for the Slack webhook when `platform.json` names none.
pub const DEFAULT_SLACK_WEBHOOK_ENV: &str = "RND_SLACK_WEBHOOK_URL";

/// A validated platform: every field is within what AWS and rnd accept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Platform {
    /// Prefix of every AWS name rnd creates, and the value of the `rnd:platform` tag.
    pub name: String,
    pub region: String,
    /// `None`: the account's default VPC and its subnets.
    pub network: Option<Network>,
    pub routing: Routing,
    /// The hand-made ACM certificate the HTTPS listeners use.
    pub certificate_arn: String,
    pub log_retention_days: u32,
    /// GPU instance families (`g5`) or exact types (`g6.xlarge`); empty means every catalog type.
    pub gpu_instance_types: Vec<String>,
    /// Each GPU instance's root volume in GiB; `None`: the AMI's own (30 GiB).
    pub gpu_root_volume_gib: Option<u32>,
    pub limits: Limits,
    pub notifications: Notifications,
    pub secrets_store: SecretsStore,
    /// rnd's Lambda function, which puts services with `idle_after` to sleep and wakes them;
    /// `None`: no service sleeps.
    pub scale_to_zero: Option<ScaleToZero>,
    /// Extra tags put on every resource, beside rnd's own `rnd:*` tags.
    pub tags: BTreeMap<String, String>,
}

impl Platform {
    /// The longest service name whose derived AWS names all fit their limits under this platform.
    pub fn max_service_name_len(&self) -> usize {
        max_service_name_len(self.name.len())
    }
}

/// Target group names (32 characters) are the tightest: `<platform>-<service>`. They never need a
/// second name for a replacement: with `ip` targets ECS registers each task's container port, so
/// nothing immutable in a target group depends on the manifest.
pub fn max_service_name_len(platform_name_len: usize) -> usize {
    32usize.saturating_sub(platform_name_len + 1)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Network {
    pub vpc_id: String,
    /// At least two, in different Availability Zones (an application load balancer needs two).
    pub subnets: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Routing {
    pub mode: RoutingMode,
    /// `<service>.<domain>` in host mode, `<domain>/<service>/` in path mode.
    pub domain: String,
    /// `internet-facing` (the default) or `internal` (reachable only inside the VPC and the
    /// networks joined to it: a VPN, peering, Direct Connect).
    pub scheme: Scheme,
    /// The networks allowed to reach the load balancers (on 443 and the redirecting 80); by
    /// default every address, IPv4 and IPv6.
    pub allowed_cidrs: Vec<String>,
    /// Sign-in the load balancers ask for before forwarding a route; none by default.
    pub sign_in: Option<SignIn>,
    /// Whether a manifest may skip the sign-in with `"public": true` (default true).
    pub allow_public_services: bool,
    /// The Route 53 hosted zone in which rnd keeps the routes' DNS records (alias records to
    /// the load balancers); none: they are made by hand (`plan::dns` says which).
    pub hosted_zone_id: Option<String>,
}

/// Who signs people in before a route forwards: an OpenID Connect provider, or an Amazon
/// Cognito user pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignIn {
    Oidc(OidcSignIn),
    Cognito(CognitoSignIn),
}

impl SignIn {
    /// The OpenID Connect provider, whose client secret rnd reads when it writes a rule.
    pub fn oidc(&self) -> Option<&OidcSignIn> {
        match self {
            SignIn::Oidc(oidc) => Some(oidc),
            SignIn::Cognito(_) => None,
        }
    }
}

/// An Amazon Cognito user pool the load balancers sign people in with
/// (`authenticate-cognito`): the pool, its app client (made with a client secret, which the
/// load balancer reads from Cognito itself) and the pool's domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CognitoSignIn {
    pub user_pool_arn: String,
    pub client_id: String,
    /// The pool's domain: a Cognito prefix (`research-login`) or its own full name.
    pub domain: String,
}

/// An OpenID Connect identity provider the load balancers sign people in with
/// (`authenticate-oidc`). The client secret is named, never written: it lives in the platform's
/// secret store at `<platform>/<client_secret>` and is read only when a rule is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OidcSignIn {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub user_info_endpoint: String,
    pub client_id: String,
    /// The name of the platform secret holding the client secret.
    pub client_secret: String,
}

/// Who can reach the load balancers at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scheme {
    InternetFacing,
    Internal,
}

impl Scheme {
    /// The name Elastic Load Balancing uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::InternetFacing => "internet-facing",
            Scheme::Internal => "internal",
        }
    }
}

/// Every address: what `allowed_cidrs` is when `platform.json` does not say.
pub const EVERYWHERE: [&str; 2] = ["0.0.0.0/0", "::/0"];

impl Routing {
    /// Who can reach a routed service, in words for plans and status: `internet`,
    /// `internet, from 2 networks`, `internal network`.
    pub fn exposure(&self) -> String {
        self.exposure_of(false)
    }

    /// Who can reach a routed service that is `public` (skips sign-in) or not.
    pub fn exposure_of(&self, public: bool) -> String {
        if public && self.sign_in.is_some() {
            let open = Routing {
                sign_in: None,
                ..self.clone()
            };
            return format!("{} (public)", open.exposure_of(false));
        }
        // Every IPv4 or every IPv6 address is everyone, whatever else the list holds.
        let everywhere = EVERYWHERE
            .iter()
            .any(|c| self.allowed_cidrs.iter().any(|a| a == c));
        let networks = match self.allowed_cidrs.len() {
            1 => "1 network".to_string(),
            n => format!("{n} networks"),
        };
        let sign_in = if self.sign_in.is_some() {
            "sign-in"
        } else {
            "no sign-in"
        };
        match (self.scheme, everywhere) {
            (Scheme::InternetFacing, true) => format!("internet, {sign_in}"),
            (Scheme::InternetFacing, false) => format!("internet from {networks} only, {sign_in}"),
            (Scheme::Internal, true) if self.sign_in.is_some() => "internal network, sign-in".to_string(),
            (Scheme::Internal, true) => "internal network".to_string(),
            (Scheme::Internal, false) if self.sign_in.is_some() => {
                format!("internal network, from {networks} only, sign-in")
            }
            (Scheme::Internal, false) => format!("internal network, from {networks} only"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RoutingMode {
    Host,
    Path,
}

impl Routing {
    /// The public URL of a routed service.
    pub fn url(&self, service: &str) -> String {
        match self.mode {
            RoutingMode::Host => format!("https://{service}.{}/", self.domain),
            RoutingMode::Path => format!("https://{}/{service}/", self.domain),
        }
    }
}

/// Guard rails the platform team sets; `None` means no limit beyond AWS's own.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Limits {
    pub max_gpus_per_service: Option<u32>,
    pub max_replicas: Option<u32>,
    pub max_hourly_cost_per_service: Option<f64>,
    pub max_hourly_cost_total: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notifications {
    pub slack: SlackTarget,
}

/// Where the Slack credentials come from. Never the credential itself: `platform.json` is in git.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SlackTarget {
    /// An incoming-webhook URL read from this environment variable at run time.
    WebhookEnv { variable: String },
    /// An incoming-webhook URL read from this secret in the platform's secret store.
    WebhookSecret { secret: String },
    /// A bot token (from an environment variable or secret) posting to a channel, so messages can
    /// be updated in place and threaded.
    Bot {
        token: CredentialSource,
        channel: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialSource {
    Env(String),
    Secret(String),
}

/// Which AWS service keeps the services' secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretsStore {
    /// SSM Parameter Store SecureString parameters under `/<platform>/<service>/<NAME>`.
    Ssm,
    /// Secrets Manager secrets named `<platform>/<service>/<NAME>`.
    SecretsManager,
}

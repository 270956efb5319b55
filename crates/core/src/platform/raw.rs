//! `platform.json` as written: the serde shape, and the source of its JSON Schema.
//!
//! The validator reads the document field by field (to report every problem with its position);
//! these types give the schema editors use and the canonical serialization.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The platform team's settings for one rnd platform: network, routing, certificate, limits,
/// notifications and tags.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "rnd platform")]
pub struct RawPlatform {
    /// Editors use this to find the schema; rnd ignores it.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Platform name: prefixes every AWS name rnd creates, joined to service names by `-`, so it
    /// has none itself: lowercase letters and digits, starting with a letter, at most 12 characters.
    #[schemars(length(min = 1, max = 12), regex(pattern = r"^[a-z][a-z0-9]*$"))]
    pub name: String,
    /// AWS region, e.g. `us-east-1`.
    #[schemars(regex(pattern = r"^[a-z]{2}(-[a-z]+)+-[0-9]+$"))]
    pub region: String,
    /// VPC and subnets for load balancers and tasks. Absent: the account's default VPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<RawNetwork>,
    pub routing: RawRouting,
    /// ARN of the hand-made ACM certificate for the HTTPS listeners (same region as the platform).
    #[schemars(regex(pattern = r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$"))]
    pub certificate_arn: String,
    /// Days CloudWatch keeps container logs. One of CloudWatch's allowed values; default 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_retention_days: Option<u32>,
    /// GPU instance families (`g5`) or exact types (`g6.xlarge`) GPU services may run on. Absent or empty: all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(inner(regex(pattern = r"^[a-z][a-z0-9-]*[0-9][a-z0-9-]*(\.[a-z0-9]+)?$")))]
    pub gpu_instance_types: Vec<String>,
    /// Size in GiB of each GPU instance's root volume (gp3), which holds the container images:
    /// 30 to 16384. Absent: the ECS GPU AMI's own 30 GiB, too small for some model images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 30, max = 16384))]
    pub gpu_root_volume_gib: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<RawLimits>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notifications: Option<RawNotifications>,
    /// Where services' secrets live: `ssm` (Parameter Store SecureString, default) or `secrets_manager`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets_store: Option<RawSecretsStore>,
    /// Lets services with `idle_after` sleep: names rnd's Lambda function, which puts them to
    /// sleep and wakes them on the next request. Absent: no service sleeps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_to_zero: Option<RawScaleToZero>,
    /// Extra tags on every resource rnd creates (at most 40; keys must not start with `aws:` or `rnd:`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(length(max = 40))]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    /// `vpc-` followed by 8 or 17 hex digits.
    #[schemars(regex(pattern = r"^vpc-([0-9a-f]{8}|[0-9a-f]{17})$"))]
    pub vpc_id: String,
    /// At least two subnets in different Availability Zones.
    #[schemars(
        length(min = 2),
        inner(regex(pattern = r"^subnet-([0-9a-f]{8}|[0-9a-f]{17})$"))
    )]
    pub subnets: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRouting {
    /// `host`: each service at `https://<service>.<domain>/`; `path`: at `https://<domain>/<service>/`.
    pub mode: RawRoutingMode,
    /// The DNS name the hand-made record points at the load balancer, e.g. `research.example.com`.
    #[schemars(regex(pattern = r"^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]*[a-z0-9])?$"))]
    pub domain: String,
    /// `internet-facing` (default) or `internal`: reachable only from the VPC and networks joined
    /// to it (VPN, peering, Direct Connect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<RawScheme>,
    /// Networks (IPv4 or IPv6 CIDR) allowed to reach the load balancers on 443 and 80. Absent:
    /// every address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        length(min = 1),
        inner(regex(
            pattern = r"^([0-9]{1,3}(\.[0-9]{1,3}){3}/([0-9]|[12][0-9]|3[0-2])|[0-9a-fA-F:]*:[0-9a-fA-F:]*/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8]))$"
        ))
    )]
    pub allowed_cidrs: Option<Vec<String>>,
    /// Sign-in the load balancers ask for before forwarding any route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in: Option<RawSignIn>,
    /// Whether a manifest may skip sign-in with `"public": true` (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_public_services: Option<bool>,
    /// A Route 53 hosted zone covering `domain` (e.g. `Z0123456789ABCDEFGHIJ`): rnd then keeps
    /// the DNS records pointing the routes at the load balancers. Absent: create them by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^Z[A-Z0-9]{1,31}$"))]
    pub hosted_zone_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSignIn {
    /// An OpenID Connect identity provider (Okta, Entra ID, Google, Keycloak, …) …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oidc: Option<RawOidc>,
    /// … or an Amazon Cognito user pool (one of the two).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cognito: Option<RawCognito>,
}

/// A Cognito user pool, the app client the load balancers sign in as (made with a client
/// secret, which the load balancer reads from Cognito), and the pool's domain.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCognito {
    #[schemars(regex(
        pattern = r"^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:[0-9]{12}:userpool/[a-z0-9-]+_[0-9A-Za-z]+$"
    ))]
    pub user_pool_arn: String,
    #[schemars(regex(pattern = r"^[A-Za-z0-9]{1,128}$"))]
    pub client_id: String,
    /// The pool's domain: its Cognito prefix (`research-login`) or its own full name
    /// (`login.example.com`).
    #[schemars(length(min = 1, max = 253))]
    pub domain: String,
}

/// The provider's endpoints (HTTPS) and the client rnd's load balancers are registered as.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOidc {
    #[schemars(regex(pattern = r"^https://"))]
    pub issuer: String,
    #[schemars(regex(pattern = r"^https://"))]
    pub authorization_endpoint: String,
    #[schemars(regex(pattern = r"^https://"))]
    pub token_endpoint: String,
    #[schemars(regex(pattern = r"^https://"))]
    pub user_info_endpoint: String,
    #[schemars(length(min = 1))]
    pub client_id: String,
    /// The NAME of a platform secret holding the client secret (`rnd secrets set` stores it);
    /// never the secret itself: this file is in git.
    #[schemars(regex(pattern = r"^[A-Za-z0-9_.-]+$"))]
    pub client_secret: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawScheme {
    #[default]
    InternetFacing,
    Internal,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawRoutingMode {
    #[default]
    Host,
    Path,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    /// Most GPUs one service (one task) may ask for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 8))]
    pub max_gpus_per_service: Option<u32>,
    /// Most replicas one service may ask for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1000))]
    pub max_replicas: Option<u32>,
    /// Most a single service may cost per hour, in US dollars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0))]
    pub max_hourly_cost_per_service: Option<f64>,
    /// Most all services together may cost per hour, in US dollars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0))]
    pub max_hourly_cost_total: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawNotifications {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack: Option<RawSlack>,
}

/// Where Slack credentials come from. Never write a webhook URL or token here: this file is in git.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSlack {
    /// Environment variable holding an incoming-webhook URL (default `RND_SLACK_WEBHOOK_URL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url_env: Option<String>,
    /// Name of a platform secret holding an incoming-webhook URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url_secret: Option<String>,
    /// Environment variable holding a bot token (`xoxb-...`); needs `channel`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_token_env: Option<String>,
    /// Name of a platform secret holding a bot token; needs `channel`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_token_secret: Option<String>,
    /// Channel the bot posts to, e.g. `#deploys` or a channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawSecretsStore {
    #[default]
    Ssm,
    SecretsManager,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScaleToZero {
    /// The `FunctionArn` output of `deploy/lambda.yaml`'s stack, in the platform's region.
    #[schemars(regex(
        pattern = r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$"
    ))]
    pub function_arn: String,
}

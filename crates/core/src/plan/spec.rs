//! The settings of each kind of resource, as rnd wants them. Attribute names are what the diff
//! shows and what the observed snapshot holds; references to other resources are by name.
//!
//! Fields are declared in alphabetical order, so a spec's JSON is byte-identical to the JSON of
//! its attribute map (whose keys are sorted): the diff compares those bytes first and only
//! builds attribute maps when something differs. `tests/it/plan_examples.rs` checks it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// "Use the account's default VPC (or its default subnets)": resolved by the executor.
pub const DEFAULT_NETWORK: &str = "default";

/// One resource's settings; serialized without a tag, as its attributes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Spec {
    Cluster(ClusterSpec),
    SecurityGroup(SecurityGroupSpec),
    LoadBalancer(LoadBalancerSpec),
    Listener(ListenerSpec),
    IamRole(IamRoleSpec),
    InstanceProfile(InstanceProfileSpec),
    LaunchTemplate(LaunchTemplateSpec),
    AutoScalingGroup(AutoScalingGroupSpec),
    CapacityProvider(CapacityProviderSpec),
    ClusterCapacityProviders(ClusterCapacityProvidersSpec),
    LogGroup(LogGroupSpec),
    TaskDefinition(Box<TaskDefinitionSpec>),
    TargetGroup(TargetGroupSpec),
    ListenerRule(ListenerRuleSpec),
    EcsService(Box<EcsServiceSpec>),
    DnsRecord(DnsRecordSpec),
    /// A target group whose one target is rnd's Lambda function (kind `TargetGroup`).
    WakeTargetGroup(WakeTargetGroupSpec),
    Alarm(AlarmSpec),
    LambdaPermission(LambdaPermissionSpec),
}

impl Spec {
    /// The spec as a flat JSON object of attributes.
    pub fn attributes(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterSpec {
    /// CloudWatch Container Insights costs money per metric; off unless the platform asks.
    pub container_insights: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecurityGroupSpec {
    pub description: String,
    /// Inbound rules; outbound is AWS's default (all), which tasks need to pull images and call APIs.
    pub ingress: Vec<IngressRule>,
    /// VPC id, or `default`.
    pub vpc: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IngressRule {
    pub from_port: u16,
    pub protocol: String,
    /// A CIDR block (`0.0.0.0/0`, `::/0`) or the name of another rnd security group.
    pub source: String,
    pub to_port: u16,
}

impl IngressRule {
    /// What the rule lets in, in words: its description in AWS and in the CloudFormation export
    /// (derived, so it is no setting of its own and never a difference).
    pub fn description(&self) -> String {
        let ports = if self.from_port == self.to_port {
            self.from_port.to_string()
        } else {
            format!("{}-{}", self.from_port, self.to_port)
        };
        let from = match self.source.as_str() {
            "0.0.0.0/0" => "anywhere (IPv4)".to_string(),
            "::/0" => "anywhere (IPv6)".to_string(),
            cidr if cidr.contains('/') => cidr.to_string(),
            group => format!("security group {group}"),
        };
        format!("rnd: {} {ports} from {from}", self.protocol)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadBalancerSpec {
    /// Requests with header names that are not valid HTTP are dropped at the balancer
    /// (`routing.http.drop_invalid_header_fields.enabled`), so no service sees smuggled headers.
    pub drop_invalid_header_fields: bool,
    /// Long enough for WebSocket routes when the balancer carries any.
    pub idle_timeout_seconds: u32,
    pub scheme: String,
    pub security_group: String,
    /// Subnet ids, or `[default]`.
    pub subnets: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListenerSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_arn: Option<String>,
    /// `fixed-response:404` for HTTPS (only rules route), `redirect:HTTPS:443` for HTTP.
    pub default_action: String,
    pub load_balancer: String,
    pub port: u16,
    pub protocol: String,
    /// The TLS policy of an HTTPS listener (protocol versions and ciphers it accepts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl_policy: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IamRoleSpec {
    /// The AWS service allowed to assume the role, e.g. `ecs-tasks.amazonaws.com`.
    pub assumed_by: String,
    /// An inline policy document, when the role needs more than the managed policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline_policy: Option<Value>,
    /// AWS managed policies, as the part of the ARN after `:policy/`.
    pub managed_policies: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceProfileSpec {
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaunchTemplateSpec {
    /// Public SSM parameter naming the current ECS GPU-optimised AMI; resolved at apply time.
    pub image_id_parameter: String,
    pub instance_profile: String,
    pub instance_type: String,
    /// How far an instance metadata answer travels: 1 keeps it on the instance itself, out of
    /// reach of containers behind a network hop (with `metadata_tokens_required`, IMDSv2 only).
    pub metadata_hop_limit: u32,
    /// IMDSv2 only: a session token is needed, which a forwarded request cannot get.
    pub metadata_tokens_required: bool,
    /// The root volume (gp3) in GiB, which holds the images; `None`: the AMI's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_volume_gib: Option<u32>,
    pub security_group: String,
    /// Joins the instance to the cluster (ECS agent configuration).
    pub user_data: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoScalingGroupSpec {
    /// Set by rnd from its placement: exactly the instances the packed tasks need.
    pub desired_capacity: u32,
    pub launch_template: String,
    pub max_size: u32,
    pub min_size: u32,
    pub subnets: Vec<String>,
    /// Stopped instances kept ready for the services that sleep on this type (`plan::warm`);
    /// absent for groups no sleeping service uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warm_pool: Option<WarmPoolSpec>,
}

/// A group's warm pool and the lifecycle hook that holds a warming instance until its images
/// are pulled (Auto Scaling would otherwise stop it mid-pull).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarmPoolSpec {
    /// Stopped instances to keep at least: what the services asleep on this type need to wake.
    pub min_size: u32,
    /// `Stopped`: a pooled instance costs only its volumes.
    pub pool_state: String,
    /// The `EC2_INSTANCE_LAUNCHING` hook the instance's own script completes.
    pub warm_up_hook: String,
    /// How long the hook waits for that script before Auto Scaling goes on anyway.
    pub warm_up_timeout_seconds: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapacityProviderSpec {
    pub auto_scaling_group: String,
    /// Off: rnd sets each group's desired count from its own placement (see `desired/gpu.rs`).
    pub managed_scaling: bool,
    pub managed_termination_protection: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterCapacityProvidersSpec {
    pub cluster: String,
    /// Sorted; `FARGATE` first.
    pub providers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogGroupSpec {
    pub retention_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskDefinitionSpec {
    /// `FARGATE` or `EC2`.
    pub compatibility: String,
    /// The one container; named after the service.
    pub container_name: String,
    /// CPU units reserved for the container (the manifest's `cpu`).
    pub cpu: u32,
    pub environment: BTreeMap<String, String>,
    pub execution_role: String,
    pub gpu: u32,
    /// Not an ECS setting: the manifest's `gpu_memory`, kept so placement can be recomputed
    /// from what is deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_memory: Option<u32>,
    /// `image:version`.
    pub image: String,
    pub log_group: String,
    pub log_region: String,
    /// Memory reserved for the container in MiB (the manifest's `memory`).
    pub memory: u32,
    /// Always `awsvpc`: every service has its own security group.
    pub network_mode: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Env var name → where ECS reads the value (`ssm:/<platform>/<service>/<name>` or
    /// `secretsmanager:<platform>/<service>/<name>`). Never a value.
    pub secrets: BTreeMap<String, String>,
    /// Task-level size (Fargate requires one of its valid sizes); `None` on EC2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_cpu: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_memory: Option<u32>,
    pub task_role: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetGroupSpec {
    pub deregistration_delay_seconds: u32,
    pub health_check_matcher: String,
    pub health_check_path: String,
    /// Fixed: with `ip` targets ECS registers each task at its container port, so this port
    /// never changes and the target group is never replaced for a port change.
    pub port: u16,
    pub protocol: String,
    /// WebSocket routes keep a client on one task.
    pub stickiness: bool,
    pub target_type: String,
    pub vpc: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListenerRuleSpec {
    /// Host header condition (host routing) …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    pub listener: String,
    /// … or path patterns (path routing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub path_patterns: Vec<String>,
    /// Stable: assigned once, never renumbered when other services come and go.
    pub priority: u32,
    /// Sign in with this provider before forwarding (absent: forward at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in: Option<SignInSpec>,
    pub target_group: String,
    /// A service that sleeps when idle: its wake target group, the rule's second forward
    /// target. Which of the two gets the requests (their weights) is the runtime's: the waker
    /// and the sleeper flip them, and a plan never compares or resets them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wake_target_group: Option<String>,
}

/// The sign-in action ahead of the rule's forward: `authenticate-oidc` or
/// `authenticate-cognito` (untagged: an OIDC sign-in serializes, and hashes, as it always has).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SignInSpec {
    Oidc(OidcSignInSpec),
    Cognito(CognitoSignInSpec),
}

/// An `authenticate-cognito` action: the load balancer reads the app client's secret from
/// Cognito itself, so nothing secret is named here at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CognitoSignInSpec {
    pub user_pool_arn: String,
    pub user_pool_client_id: String,
    pub user_pool_domain: String,
}

/// An `authenticate-oidc` action. The client secret is a reference (its store and path), read
/// by the executor when it writes the rule: never in a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcSignInSpec {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub user_info_endpoint: String,
    pub client_id: String,
    /// `ssm` or `secrets_manager`.
    pub client_secret_store: String,
    /// `<platform>/<name>` in that store.
    pub client_secret_path: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EcsServiceSpec {
    pub assign_public_ip: bool,
    /// Capacity provider name → weight.
    pub capacity_providers: BTreeMap<String, u32>,
    pub circuit_breaker_rollback: bool,
    pub cluster: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_port: Option<u16>,
    pub desired_count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_grace_period_seconds: Option<u32>,
    /// Not an ECS setting: the manifest's `idle_after` (`"30m"`) when the service sleeps when
    /// idle. While it sleeps (tagged `rnd:asleep-since`) its desired count is the runtime's, so
    /// a plan does not wake it (see `diff::compare`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_after: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listener_rule: Option<String>,
    pub maximum_percent: u32,
    pub minimum_healthy_percent: u32,
    /// How ECS picks an instance for each task, `type:field` (GPU services: `binpack:memory`,
    /// so tasks fill the instances the packing counted on rather than spreading over all).
    /// Fargate services have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement_strategy: Option<String>,
    pub security_groups: Vec<String>,
    pub subnets: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_group: Option<String>,
    /// `family@hash`: the family and the hash of the task definition the service should run.
    pub task_definition: String,
}

/// A Route 53 alias record (`A`, the load balancers are IPv4) to a load balancer, in the
/// platform's hosted zone. Records cannot be tagged: beside each, rnd keeps a TXT record that
/// says whose it is (see `plan::dns::ownership_record`). The alias target (the balancer's DNS
/// name and zone) is read from the balancer when the record is written, never planned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DnsRecordSpec {
    pub hosted_zone: String,
    /// The rnd load balancer it points at, by name.
    pub load_balancer: String,
    pub record_type: String,
}

/// A service's wake target group: the load balancer sends the service's requests here while it
/// sleeps, and rnd's Lambda function answers them (and starts the service). Lambda target
/// groups have no port, protocol, VPC or health check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WakeTargetGroupSpec {
    /// The function registered as the group's one target.
    pub function_arn: String,
    /// The Lambda permission that lets the load balancer invoke the function: AWS refuses to
    /// register the target without it.
    pub permission: String,
    /// Always `lambda`.
    pub target_type: String,
}

/// A service's idle alarm: `FILL(m1,0) + FILL(m2,0) < 1` in every one of `evaluation_periods`
/// periods, where m1 and m2 are the `RequestCount` sums of the service's target group and of
/// its wake group (requests to the waker count, or a service woken by one request would find
/// its alarm still in ALARM and never sleep again). Missing data is breaching: a balancer
/// publishes nothing when no request flows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmSpec {
    /// What CloudWatch calls on the transition to ALARM: rnd's Lambda function.
    pub action: String,
    pub evaluation_periods: u32,
    /// The balancer the service's route is on (the metrics' `LoadBalancer` dimension).
    pub load_balancer: String,
    pub period_seconds: u32,
    pub target_group: String,
    pub wake_target_group: String,
}

/// One statement of a Lambda function's resource policy (`AddPermission`): `principal` may
/// invoke `function_arn` for the resources `source_arn` matches (`ArnLike`, so `*` is a
/// wildcard) in `source_account`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LambdaPermissionSpec {
    pub function_arn: String,
    pub principal: String,
    pub source_account: String,
    pub source_arn: String,
}

/// The placement strategy of services on GPU instances: ECS puts each task on the instance
/// with the least memory left that still holds it, filling instances one after the other as
/// the packing does, instead of spreading tasks (and so keeping instances busy) over all.
pub const GPU_PLACEMENT_STRATEGY: &str = "binpack:memory";

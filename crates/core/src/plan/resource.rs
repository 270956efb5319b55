//! What rnd manages in AWS: resource kinds, their identities, and a desired resource.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::spec::Spec;

/// Every kind of AWS resource rnd manages, named as a reader of the AWS docs would.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    EcsCluster,
    SecurityGroup,
    LoadBalancer,
    Listener,
    IamRole,
    InstanceProfile,
    LaunchTemplate,
    AutoScalingGroup,
    CapacityProvider,
    ClusterCapacityProviders,
    LogGroup,
    TaskDefinition,
    TargetGroup,
    ListenerRule,
    EcsService,
    /// A Route 53 alias record pointing a route's host at a load balancer, named by the DNS
    /// name it answers for (`*.research.example.com`, `api.research.example.com`).
    DnsRecord,
    /// A CloudWatch metric alarm: a sleeping-capable service's idle alarm
    /// (`<platform>-<service>-idle`), which calls rnd's Lambda function when the service has
    /// served no request for its `idle_after`.
    Alarm,
    /// A statement of rnd's Lambda function's resource policy, named by its statement id
    /// (`rnd-<platform>-wake`, `rnd-<platform>-idle`): lets the load balancer (wake target
    /// groups) or CloudWatch (idle alarms) invoke the function. Statements take no tags; the
    /// exact id is the platform's mark.
    LambdaPermission,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 18] = [
        ResourceKind::EcsCluster,
        ResourceKind::SecurityGroup,
        ResourceKind::LoadBalancer,
        ResourceKind::Listener,
        ResourceKind::IamRole,
        ResourceKind::InstanceProfile,
        ResourceKind::LaunchTemplate,
        ResourceKind::AutoScalingGroup,
        ResourceKind::CapacityProvider,
        ResourceKind::ClusterCapacityProviders,
        ResourceKind::LogGroup,
        ResourceKind::TaskDefinition,
        ResourceKind::TargetGroup,
        ResourceKind::ListenerRule,
        ResourceKind::EcsService,
        ResourceKind::DnsRecord,
        ResourceKind::Alarm,
        ResourceKind::LambdaPermission,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::EcsCluster => "ecs_cluster",
            ResourceKind::SecurityGroup => "security_group",
            ResourceKind::LoadBalancer => "load_balancer",
            ResourceKind::Listener => "listener",
            ResourceKind::IamRole => "iam_role",
            ResourceKind::InstanceProfile => "instance_profile",
            ResourceKind::LaunchTemplate => "launch_template",
            ResourceKind::AutoScalingGroup => "auto_scaling_group",
            ResourceKind::CapacityProvider => "capacity_provider",
            ResourceKind::ClusterCapacityProviders => "cluster_capacity_providers",
            ResourceKind::LogGroup => "log_group",
            ResourceKind::TaskDefinition => "task_definition",
            ResourceKind::TargetGroup => "target_group",
            ResourceKind::ListenerRule => "listener_rule",
            ResourceKind::EcsService => "ecs_service",
            ResourceKind::DnsRecord => "dns_record",
            ResourceKind::Alarm => "alarm",
            ResourceKind::LambdaPermission => "lambda_permission",
        }
    }

    /// Attributes AWS cannot change in place: a change to one replaces the resource.
    /// Task definitions are immutable as a whole: every change is a new revision.
    pub fn replaced_when_changed(self, attribute: &str) -> bool {
        match self {
            ResourceKind::TaskDefinition => true,
            ResourceKind::SecurityGroup => matches!(attribute, "vpc" | "description"),
            ResourceKind::TargetGroup => matches!(attribute, "protocol" | "port" | "target_type" | "vpc"),
            ResourceKind::LoadBalancer => attribute == "scheme",
            ResourceKind::CapacityProvider => attribute == "auto_scaling_group",
            // A record lives in its zone: moving it is a delete there and a create here.
            ResourceKind::DnsRecord => attribute == "hosted_zone",
            // Lambda has no call that changes a statement: it is removed and added again.
            ResourceKind::LambdaPermission => true,
            _ => false,
        }
    }

    /// Kinds AWS reports every setting of, and that have no tags to keep rnd's hash in: the
    /// attributes alone say whether one is as planned.
    pub fn reports_every_setting(self) -> bool {
        self == ResourceKind::LambdaPermission
    }

    /// A rough time AWS takes to carry out an operation on this kind, in seconds; it weighs the
    /// critical path so the plan can say which chain of operations bounds an apply.
    pub fn estimated_seconds(self) -> u32 {
        match self {
            ResourceKind::LoadBalancer => 180,
            ResourceKind::EcsService => 120,
            ResourceKind::AutoScalingGroup => 30,
            ResourceKind::CapacityProvider | ResourceKind::ClusterCapacityProviders => 10,
            ResourceKind::IamRole | ResourceKind::InstanceProfile => 10,
            _ => 3,
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A resource's identity within a platform: its kind and its deterministic name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ResourceId {
    pub kind: ResourceKind,
    pub name: String,
}

impl ResourceId {
    pub fn new(kind: ResourceKind, name: impl Into<String>) -> Self {
        ResourceId {
            kind,
            name: name.into(),
        }
    }
}

impl std::str::FromStr for ResourceId {
    type Err = String;

    /// A plan's address, `kind.name` (e.g. `iam_role.research-api-task`), as `--adopt` takes it.
    fn from_str(address: &str) -> Result<Self, String> {
        let kinds = || ResourceKind::ALL.map(ResourceKind::as_str).join(", ");
        let Some((kind, name)) = address.split_once('.') else {
            return Err(format!(
                "\"{address}\" is not an address: write `kind.name` as plans print it, e.g. \
                 `iam_role.research-api-task` (kinds: {})",
                kinds()
            ));
        };
        let Some(kind) = ResourceKind::ALL.into_iter().find(|k| k.as_str() == kind) else {
            return Err(format!("\"{kind}\" is not a resource kind; kinds: {}", kinds()));
        };
        if name.is_empty() {
            return Err(format!("\"{address}\" names no resource after the `.`"));
        }
        Ok(ResourceId::new(kind, name))
    }
}

impl fmt::Display for ResourceId {
    /// `kind.name`, the address plans and logs use.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind, self.name)
    }
}

/// One resource as the manifests and the platform want it.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredResource {
    pub id: ResourceId,
    /// The service it belongs to; `None` for foundations shared by all services.
    pub service: Option<String>,
    pub spec: Spec,
    /// The spec's JSON (compact, keys in alphabetical order).
    pub json: Box<[u8]>,
    /// Every tag, rnd's own (`rnd:platform`, `rnd:service`, `rnd:hash`) and the platform's.
    pub tags: BTreeMap<String, String>,
    attributes: OnceLock<Map<String, Value>>,
}

impl DesiredResource {
    pub fn new(id: ResourceId, service: Option<String>, spec: Spec, tags: BTreeMap<String, String>) -> Self {
        let json = serde_json::to_vec(&spec).unwrap_or_default().into_boxed_slice();
        DesiredResource {
            id,
            service,
            spec,
            json,
            tags,
            attributes: OnceLock::new(),
        }
    }

    /// The spec as attributes, the form the diff and the observed snapshot use; built on first
    /// use only (most resources of a large plan never need it).
    pub fn attributes(&self) -> &Map<String, Value> {
        self.attributes.get_or_init(|| self.spec.attributes())
    }
}

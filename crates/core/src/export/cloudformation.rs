//! The platform as a CloudFormation template: one logical resource per resource the planner
//! would create for the repository (planned against an empty account), with the same names,
//! settings and tags, and references between them as `Ref`/`Fn::GetAtt`. What rnd finds at apply
//! time becomes a parameter: the default VPC and its subnets (when `platform.json` names none) and
//! the current ECS GPU AMI (a public SSM parameter, as rnd reads it). Secrets are references
//! (parameter or secret names), never values.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use crate::plan::desired::GPU_AMI_PARAMETER;
use crate::plan::observed::ObservedState;
use crate::plan::resource::{DesiredResource, ResourceKind};
use crate::plan::spec::*;
use crate::plan::{plan, PlanError};
use crate::repository::Repository;

/// Why a repository cannot be exported.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ExportError(#[from] PlanError);

/// CloudFormation's limit is 500 resources a stack; a platform above this many is split into
/// a foundation stack and service stacks, leaving room under the limit.
const RESOURCES_PER_STACK: usize = 400;

/// One stack of the export: its name (`platform`, or `foundation`, `services-1`, …) and template.
pub struct Stack {
    pub name: String,
    pub template: Value,
}

/// The platform as CloudFormation: one template when it fits in a stack, otherwise a
/// `foundation` stack (shared resources, which exports what the others use) and `services-N`
/// stacks (whole services, each taking the foundation stack's name as a parameter).
pub fn cloudformation(repository: &Repository) -> Result<Vec<Stack>, ExportError> {
    let planned = plan(repository, &ObservedState::default())?;
    let resources: Vec<&DesiredResource> = planned
        .graph
        .operations()
        .filter_map(|op| op.desired.as_ref())
        .collect();
    let stacks = partition(&resources);
    let ids = LogicalIds::new(&resources, &stacks);
    let platform = &repository.platform;
    let single = stacks.len() == 1;
    let mut rendered = Vec::new();
    for (index, members) in stacks.iter().enumerate() {
        ids.enter(index);
        let mut out = Map::new();
        for resource in members {
            let (kind, mut properties, depends) = render(resource, &ids, platform.region.as_str());
            match tags(resource, kind) {
                // A launch template's own tags go in a tag specification for the template itself.
                Some(tags) if kind == "AWS::EC2::LaunchTemplate" => {
                    properties.insert(
                        "TagSpecifications".into(),
                        json!([{ "ResourceType": "launch-template", "Tags": tags }]),
                    );
                }
                Some(tags) => {
                    properties.insert("Tags".into(), tags);
                }
                None => {}
            }
            let mut entry = Map::new();
            entry.insert("Type".into(), Value::from(kind));
            let depends: Vec<String> = depends.into_iter().filter(|d| ids.is_here(d)).collect();
            if !depends.is_empty() {
                entry.insert("DependsOn".into(), Value::from(depends));
            }
            entry.insert("Properties".into(), Value::Object(properties));
            let id = ids.get(resource.id.kind, &resource.id.name);
            if let Spec::AutoScalingGroup(AutoScalingGroupSpec {
                warm_pool: Some(pool),
                ..
            }) = &resource.spec
            {
                // The group's warm pool: a resource of its own in CloudFormation, a setting of
                // the group in rnd's desired state.
                out.insert(
                    format!("{id}WarmPool"),
                    json!({
                        "Type": "AWS::AutoScaling::WarmPool",
                        "Properties": {
                            "AutoScalingGroupName": { "Ref": id },
                            "MinSize": pool.min_size,
                            "PoolState": pool.pool_state,
                        }
                    }),
                );
            }
            out.insert(id, Value::Object(entry));
        }
        let name = match (single, index) {
            (true, _) => "platform".to_string(),
            (false, 0) => "foundation".to_string(),
            (false, n) => format!("services-{n}"),
        };
        rendered.push((name, out));
    }
    let exports = ids.imported();
    let count = rendered.len();
    Ok(rendered
        .into_iter()
        .enumerate()
        .map(|(index, (name, resources))| {
            let outputs = if index == 0 { outputs(&exports) } else { Map::new() };
            let template = template(repository, &name, count, index > 0, resources, outputs);
            Stack { name, template }
        })
        .collect())
}

/// Foundations (no service) in the first stack; services whole, in order, in the next ones.
fn partition<'a>(resources: &[&'a DesiredResource]) -> Vec<Vec<&'a DesiredResource>> {
    if resources.len() <= RESOURCES_PER_STACK {
        return vec![resources.to_vec()];
    }
    let mut by_service: BTreeMap<&str, Vec<&DesiredResource>> = BTreeMap::new();
    let mut foundation = Vec::new();
    for r in resources {
        match &r.service {
            Some(service) => by_service.entry(service.as_str()).or_default().push(r),
            None => foundation.push(*r),
        }
    }
    let mut stacks = vec![foundation];
    let mut current: Vec<&DesiredResource> = Vec::new();
    for (_, members) in by_service {
        if !current.is_empty() && current.len() + members.len() > RESOURCES_PER_STACK {
            stacks.push(std::mem::take(&mut current));
        }
        current.extend(members);
    }
    if !current.is_empty() {
        stacks.push(current);
    }
    stacks
}

/// The foundation stack's outputs: every resource (and attribute) another stack imports.
fn outputs(exports: &BTreeSet<(String, Option<String>)>) -> Map<String, Value> {
    exports
        .iter()
        .map(|(id, attribute)| {
            let (key, value) = match attribute {
                Some(a) => (format!("{id}{a}"), json!({ "Fn::GetAtt": [id, a] })),
                None => (id.clone(), json!({ "Ref": id })),
            };
            let export = json!({ "Name": { "Fn::Sub": format!("${{AWS::StackName}}-{key}") } });
            (key, json!({ "Value": value, "Export": export }))
        })
        .collect()
}

/// One stack's template, with the parameters its resources use.
fn template(
    repository: &Repository,
    name: &str,
    stacks: usize,
    imports: bool,
    resources: Map<String, Value>,
    outputs: Map<String, Value>,
) -> Value {
    let platform = &repository.platform;
    let text = Value::Object(resources.clone()).to_string();
    let mut parameters = Map::new();
    if text.contains(r#"{"Ref":"VpcId"}"#) {
        parameters.insert(
            "VpcId".into(),
            json!({ "Type": "AWS::EC2::VPC::Id", "Description": "The VPC rnd uses when platform.json names none: the account's default VPC." }),
        );
    }
    if text.contains(r#"{"Ref":"SubnetIds"}"#) {
        parameters.insert(
            "SubnetIds".into(),
            json!({ "Type": "List<AWS::EC2::Subnet::Id>", "Description": "Subnets of that VPC in at least two Availability Zones (the default VPC's)." }),
        );
    }
    if text.contains(r#"{"Ref":"GpuAmiId"}"#) {
        parameters.insert(
            "GpuAmiId".into(),
            json!({
                "Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
                "Default": GPU_AMI_PARAMETER,
                "Description": "The current ECS-optimised GPU AMI, as rnd reads it at apply time."
            }),
        );
    }
    if imports {
        parameters.insert(
            "FoundationStack".into(),
            json!({ "Type": "String", "Description": "The name of this platform's foundation stack (its exports are imported)." }),
        );
    }
    let mut template = Map::new();
    template.insert("AWSTemplateFormatVersion".into(), Value::from("2010-09-09"));
    let part = if stacks == 1 {
        String::new()
    } else {
        format!(" ({name}, one of {stacks} stacks)")
    };
    template.insert(
        "Description".into(),
        Value::from(format!(
            "rnd platform {} in {}: {} services{part}, exported by `rnd export cloudformation`",
            platform.name,
            platform.region,
            repository.manifests.len()
        )),
    );
    if !parameters.is_empty() {
        template.insert("Parameters".into(), Value::Object(parameters));
    }
    template.insert("Resources".into(), Value::Object(resources));
    if !outputs.is_empty() {
        template.insert("Outputs".into(), Value::Object(outputs));
    }
    Value::Object(template)
}

/// A logical id per resource (its kind and name in CamelCase, made unique if two collide), the
/// stack each is in, and what the stack being rendered imports from the foundation stack.
struct LogicalIds {
    ids: BTreeMap<(ResourceKind, String), String>,
    stack_of: BTreeMap<String, usize>,
    current: Cell<usize>,
    imported: RefCell<BTreeSet<(String, Option<String>)>>,
}

impl LogicalIds {
    fn new(resources: &[&DesiredResource], stacks: &[Vec<&DesiredResource>]) -> Self {
        let mut ids = BTreeMap::new();
        let mut taken = BTreeSet::new();
        for r in resources {
            let base = format!("{}{}", camel(r.id.kind.as_str()), camel(&r.id.name));
            let mut id = base.clone();
            let mut n = 2;
            while !taken.insert(id.clone()) {
                id = format!("{base}{n}");
                n += 1;
            }
            ids.insert((r.id.kind, r.id.name.clone()), id);
        }
        let stack_of = stacks
            .iter()
            .enumerate()
            .flat_map(|(i, members)| {
                let ids = &ids;
                members
                    .iter()
                    .map(move |r| (ids[&(r.id.kind, r.id.name.clone())].clone(), i))
            })
            .collect();
        LogicalIds {
            ids,
            stack_of,
            current: Cell::new(0),
            imported: RefCell::new(BTreeSet::new()),
        }
    }

    fn enter(&self, stack: usize) {
        self.current.set(stack);
    }

    fn is_here(&self, id: &str) -> bool {
        self.stack_of.get(id).is_none_or(|s| *s == self.current.get())
    }

    fn imported(&self) -> BTreeSet<(String, Option<String>)> {
        self.imported.borrow().clone()
    }

    fn get(&self, kind: ResourceKind, name: &str) -> String {
        self.ids
            .get(&(kind, name.to_string()))
            .cloned()
            .unwrap_or_else(|| format!("{}{}", camel(kind.as_str()), camel(name)))
    }

    /// `Ref`, or the foundation stack's export of it from another stack.
    fn reference(&self, kind: ResourceKind, name: &str) -> Value {
        let id = self.get(kind, name);
        if self.is_here(&id) {
            return json!({ "Ref": id });
        }
        self.imported.borrow_mut().insert((id.clone(), None));
        json!({ "Fn::ImportValue": { "Fn::Sub": format!("${{FoundationStack}}-{id}") } })
    }

    /// `Fn::GetAtt`, or the foundation stack's export of it from another stack.
    fn attribute(&self, kind: ResourceKind, name: &str, attribute: &str) -> Value {
        let id = self.get(kind, name);
        if self.is_here(&id) {
            return json!({ "Fn::GetAtt": [id, attribute] });
        }
        self.imported
            .borrow_mut()
            .insert((id.clone(), Some(attribute.to_string())));
        json!({ "Fn::ImportValue": { "Fn::Sub": format!("${{FoundationStack}}-{id}{attribute}") } })
    }
}

/// `research-api.task` → `ResearchApiTask`.
fn camel(name: &str) -> String {
    // `*.research.example.com` (a wildcard DNS record) → `WildcardResearchExampleCom`.
    name.replace('*', "wildcard")
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut chars = p.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn vpc(value: &str) -> Value {
    if value == DEFAULT_NETWORK {
        json!({ "Ref": "VpcId" })
    } else {
        Value::from(value)
    }
}

fn subnets(values: &[String]) -> Value {
    if values.iter().any(|s| s == DEFAULT_NETWORK) {
        json!({ "Ref": "SubnetIds" })
    } else {
        Value::from(values.to_vec())
    }
}

fn props(pairs: Vec<(&str, Value)>) -> Map<String, Value> {
    pairs
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// The resource's CloudFormation type, properties and explicit dependencies.
fn render(
    r: &DesiredResource,
    ids: &LogicalIds,
    region: &str,
) -> (&'static str, Map<String, Value>, Vec<String>) {
    use ResourceKind as K;
    let name = r.id.name.as_str();
    let sg_id = |sg: &str| ids.attribute(K::SecurityGroup, sg, "GroupId");
    match &r.spec {
        Spec::Cluster(s) => (
            "AWS::ECS::Cluster",
            props(vec![
                ("ClusterName", Value::from(name)),
                (
                    "ClusterSettings",
                    json!([{ "Name": "containerInsights", "Value": if s.container_insights { "enabled" } else { "disabled" } }]),
                ),
            ]),
            vec![],
        ),
        Spec::SecurityGroup(s) => {
            let ingress: Vec<Value> = s
                .ingress
                .iter()
                .map(|rule| {
                    let mut m = props(vec![
                        ("IpProtocol", Value::from(rule.protocol.as_str())),
                        ("FromPort", Value::from(rule.from_port)),
                        ("ToPort", Value::from(rule.to_port)),
                        ("Description", Value::from(rule.description())),
                    ]);
                    let (key, value) = if rule.source.contains(':') && rule.source.contains('/') {
                        ("CidrIpv6", Value::from(rule.source.as_str()))
                    } else if rule.source.contains('/') {
                        ("CidrIp", Value::from(rule.source.as_str()))
                    } else {
                        ("SourceSecurityGroupId", sg_id(&rule.source))
                    };
                    m.insert(key.into(), value);
                    Value::Object(m)
                })
                .collect();
            (
                "AWS::EC2::SecurityGroup",
                props(vec![
                    ("GroupName", Value::from(name)),
                    ("GroupDescription", Value::from(s.description.as_str())),
                    ("VpcId", vpc(&s.vpc)),
                    ("SecurityGroupIngress", Value::from(ingress)),
                ]),
                vec![],
            )
        }
        Spec::LoadBalancer(s) => (
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            props(vec![
                ("Name", Value::from(name)),
                ("Type", Value::from("application")),
                ("Scheme", Value::from(s.scheme.as_str())),
                ("SecurityGroups", json!([sg_id(&s.security_group)])),
                ("Subnets", subnets(&s.subnets)),
                (
                    "LoadBalancerAttributes",
                    json!([
                        { "Key": "routing.http.drop_invalid_header_fields.enabled", "Value": s.drop_invalid_header_fields.to_string() },
                        { "Key": "idle_timeout.timeout_seconds", "Value": s.idle_timeout_seconds.to_string() }
                    ]),
                ),
            ]),
            vec![],
        ),
        Spec::Listener(s) => {
            let action = match s.default_action.split(':').collect::<Vec<_>>().as_slice() {
                ["redirect", protocol, port] => json!({
                    "Type": "redirect",
                    "RedirectConfig": { "Protocol": protocol, "Port": port, "StatusCode": "HTTP_301" }
                }),
                ["fixed-response", code] => json!({
                    "Type": "fixed-response",
                    "FixedResponseConfig": { "StatusCode": code, "ContentType": "text/plain" }
                }),
                _ => json!({ "Type": s.default_action }),
            };
            (
                "AWS::ElasticLoadBalancingV2::Listener",
                props(vec![
                    (
                        "LoadBalancerArn",
                        ids.reference(K::LoadBalancer, &s.load_balancer),
                    ),
                    ("Port", Value::from(s.port)),
                    ("Protocol", Value::from(s.protocol.as_str())),
                    (
                        "Certificates",
                        s.certificate_arn
                            .as_ref()
                            .map_or(Value::Null, |arn| json!([{ "CertificateArn": arn }])),
                    ),
                    (
                        "SslPolicy",
                        s.ssl_policy
                            .as_ref()
                            .map_or(Value::Null, |p| Value::from(p.as_str())),
                    ),
                    ("DefaultActions", json!([action])),
                ]),
                vec![],
            )
        }
        Spec::ListenerRule(s) => {
            let condition = match &s.host {
                Some(host) => json!({ "Field": "host-header", "HostHeaderConfig": { "Values": [host] } }),
                None => {
                    json!({ "Field": "path-pattern", "PathPatternConfig": { "Values": s.path_patterns } })
                }
            };
            (
                "AWS::ElasticLoadBalancingV2::ListenerRule",
                props(vec![
                    ("ListenerArn", ids.reference(K::Listener, &s.listener)),
                    ("Priority", Value::from(s.priority)),
                    ("Conditions", json!([condition])),
                    (
                        "Actions",
                        rule_actions(
                            s,
                            ids.reference(K::TargetGroup, &s.target_group),
                            s.wake_target_group
                                .as_ref()
                                .map(|wake| ids.reference(K::TargetGroup, wake)),
                        ),
                    ),
                ]),
                vec![],
            )
        }
        Spec::TargetGroup(s) => {
            let mut attributes = vec![
                json!({ "Key": "deregistration_delay.timeout_seconds", "Value": s.deregistration_delay_seconds.to_string() }),
            ];
            attributes.push(json!({ "Key": "stickiness.enabled", "Value": s.stickiness.to_string() }));
            if s.stickiness {
                attributes.push(json!({ "Key": "stickiness.type", "Value": "lb_cookie" }));
            }
            (
                "AWS::ElasticLoadBalancingV2::TargetGroup",
                props(vec![
                    ("Name", Value::from(name)),
                    ("Port", Value::from(s.port)),
                    ("Protocol", Value::from(s.protocol.as_str())),
                    ("TargetType", Value::from(s.target_type.as_str())),
                    ("VpcId", vpc(&s.vpc)),
                    ("HealthCheckPath", Value::from(s.health_check_path.as_str())),
                    ("Matcher", json!({ "HttpCode": s.health_check_matcher })),
                    ("TargetGroupAttributes", Value::from(attributes)),
                ]),
                vec![],
            )
        }
        Spec::IamRole(s) => {
            let path = format!(
                "/rnd/{}/",
                r.tags
                    .get(crate::plan::observed::TAG_PLATFORM)
                    .map_or("", String::as_str)
            );
            let managed: Vec<Value> = s
                .managed_policies
                .iter()
                .map(|p| json!({ "Fn::Sub": format!("arn:${{AWS::Partition}}:iam::aws:policy/{p}") }))
                .collect();
            (
                "AWS::IAM::Role",
                props(vec![
                    ("RoleName", Value::from(name)),
                    ("Path", Value::from(path)),
                    (
                        "AssumeRolePolicyDocument",
                        json!({
                            "Version": "2012-10-17",
                            "Statement": [{ "Effect": "Allow", "Principal": { "Service": s.assumed_by }, "Action": "sts:AssumeRole" }]
                        }),
                    ),
                    (
                        "ManagedPolicyArns",
                        if managed.is_empty() {
                            Value::Null
                        } else {
                            Value::from(managed)
                        },
                    ),
                    (
                        "Policies",
                        s.inline_policy.as_ref().map_or(
                            Value::Null,
                            |p| json!([{ "PolicyName": "rnd", "PolicyDocument": p }]),
                        ),
                    ),
                ]),
                vec![],
            )
        }
        Spec::InstanceProfile(s) => {
            let path = format!(
                "/rnd/{}/",
                r.tags
                    .get(crate::plan::observed::TAG_PLATFORM)
                    .map_or("", String::as_str)
            );
            (
                "AWS::IAM::InstanceProfile",
                props(vec![
                    ("InstanceProfileName", Value::from(name)),
                    ("Path", Value::from(path)),
                    ("Roles", json!([ids.reference(K::IamRole, &s.role)])),
                ]),
                vec![],
            )
        }
        Spec::LaunchTemplate(s) => {
            let mut data = json!({
                "ImageId": { "Ref": "GpuAmiId" },
                "InstanceType": s.instance_type,
                "IamInstanceProfile": { "Arn": ids.attribute(K::InstanceProfile, &s.instance_profile, "Arn") },
                "SecurityGroupIds": [sg_id(&s.security_group)],
                "UserData": { "Fn::Base64": s.user_data },
                "MetadataOptions": {
                    "HttpEndpoint": "enabled",
                    "HttpTokens": if s.metadata_tokens_required { "required" } else { "optional" },
                    "HttpPutResponseHopLimit": s.metadata_hop_limit
                }
            });
            if let Some(gib) = s.root_volume_gib {
                data["BlockDeviceMappings"] = json!([{
                    "DeviceName": crate::plan::desired::GPU_ROOT_DEVICE,
                    "Ebs": { "VolumeSize": gib, "VolumeType": "gp3", "DeleteOnTermination": true }
                }]);
            }
            (
                "AWS::EC2::LaunchTemplate",
                props(vec![
                    ("LaunchTemplateName", Value::from(name)),
                    ("LaunchTemplateData", data),
                ]),
                vec![],
            )
        }
        Spec::AutoScalingGroup(s) => (
            "AWS::AutoScaling::AutoScalingGroup",
            props(vec![
                ("AutoScalingGroupName", Value::from(name)),
                ("MinSize", Value::from(s.min_size.to_string())),
                ("MaxSize", Value::from(s.max_size.to_string())),
                ("DesiredCapacity", Value::from(s.desired_capacity.to_string())),
                (
                    "LaunchTemplate",
                    json!({
                        "LaunchTemplateId": ids.reference(K::LaunchTemplate, &s.launch_template),
                        "Version": ids.attribute(K::LaunchTemplate, &s.launch_template, "LatestVersionNumber")
                    }),
                ),
                ("VPCZoneIdentifier", subnets(&s.subnets)),
                ("NewInstancesProtectedFromScaleIn", Value::from(true)),
                (
                    "LifecycleHookSpecificationList",
                    s.warm_pool.as_ref().map_or(Value::Null, |pool| {
                        json!([{
                            "LifecycleHookName": pool.warm_up_hook,
                            "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING",
                            "HeartbeatTimeout": pool.warm_up_timeout_seconds,
                            "DefaultResult": "CONTINUE"
                        }])
                    }),
                ),
            ]),
            vec![],
        ),
        Spec::CapacityProvider(s) => (
            "AWS::ECS::CapacityProvider",
            props(vec![
                ("Name", Value::from(name)),
                (
                    "AutoScalingGroupProvider",
                    json!({
                        "AutoScalingGroupArn": ids.reference(K::AutoScalingGroup, &s.auto_scaling_group),
                        "ManagedScaling": { "Status": if s.managed_scaling { "ENABLED" } else { "DISABLED" } },
                        "ManagedTerminationProtection": if s.managed_termination_protection { "ENABLED" } else { "DISABLED" }
                    }),
                ),
            ]),
            vec![],
        ),
        Spec::ClusterCapacityProviders(s) => {
            let provider = |p: &String| {
                if p.starts_with("FARGATE") {
                    Value::from(p.as_str())
                } else {
                    ids.reference(K::CapacityProvider, p)
                }
            };
            let providers: Vec<Value> = s.providers.iter().map(provider).collect();
            let default = s
                .providers
                .first()
                .map(provider)
                .unwrap_or(Value::from("FARGATE"));
            (
                "AWS::ECS::ClusterCapacityProviderAssociations",
                props(vec![
                    ("Cluster", ids.reference(K::EcsCluster, &s.cluster)),
                    ("CapacityProviders", Value::from(providers)),
                    (
                        "DefaultCapacityProviderStrategy",
                        json!([{ "CapacityProvider": default, "Weight": 1 }]),
                    ),
                ]),
                vec![],
            )
        }
        Spec::LogGroup(s) => (
            "AWS::Logs::LogGroup",
            props(vec![
                ("LogGroupName", Value::from(name)),
                ("RetentionInDays", Value::from(s.retention_days)),
            ]),
            vec![],
        ),
        Spec::WakeTargetGroup(s) => (
            "AWS::ElasticLoadBalancingV2::TargetGroup",
            props(vec![
                ("Name", Value::from(name)),
                ("TargetType", Value::from(s.target_type.as_str())),
                ("Targets", json!([{ "Id": s.function_arn }])),
            ]),
            // The load balancer must be allowed to invoke the function before it is a target.
            vec![ids.get(K::LambdaPermission, &s.permission)],
        ),
        Spec::Alarm(s) => (
            "AWS::CloudWatch::Alarm",
            props(vec![
                ("AlarmName", Value::from(name)),
                (
                    "AlarmDescription",
                    Value::from("rnd: no request for the service's idle_after; puts it to sleep"),
                ),
                ("Metrics", idle_alarm_metrics(s, ids)),
                ("ComparisonOperator", Value::from("LessThanThreshold")),
                ("Threshold", Value::from(1)),
                ("EvaluationPeriods", Value::from(s.evaluation_periods)),
                ("DatapointsToAlarm", Value::from(s.evaluation_periods)),
                ("TreatMissingData", Value::from("breaching")),
                ("AlarmActions", json!([s.action])),
            ]),
            vec![],
        ),
        Spec::LambdaPermission(s) => (
            "AWS::Lambda::Permission",
            props(vec![
                ("Action", Value::from("lambda:InvokeFunction")),
                ("FunctionName", Value::from(s.function_arn.as_str())),
                ("Principal", Value::from(s.principal.as_str())),
                ("SourceAccount", Value::from(s.source_account.as_str())),
                ("SourceArn", Value::from(s.source_arn.as_str())),
            ]),
            vec![],
        ),
        Spec::TaskDefinition(s) => task_definition(name, s, ids, region),
        Spec::EcsService(s) => ecs_service(name, s, ids),
        // The stack owns the record, so no TXT ownership record goes beside it (rnd's own
        // records carry one because Route 53 records cannot be tagged).
        Spec::DnsRecord(s) => (
            "AWS::Route53::RecordSet",
            props(vec![
                ("HostedZoneId", Value::from(s.hosted_zone.as_str())),
                ("Name", Value::from(name)),
                ("Type", Value::from(s.record_type.as_str())),
                (
                    "AliasTarget",
                    json!({
                        "DNSName": ids.attribute(K::LoadBalancer, &s.load_balancer, "DNSName"),
                        "HostedZoneId": ids.attribute(K::LoadBalancer, &s.load_balancer, "CanonicalHostedZoneID"),
                        "EvaluateTargetHealth": false
                    }),
                ),
            ]),
            vec![],
        ),
    }
}

/// The idle alarm's metric math: the request counts of the service's group and its wake group,
/// each filled with 0 where the balancer published nothing.
fn idle_alarm_metrics(s: &crate::plan::spec::AlarmSpec, ids: &LogicalIds) -> Value {
    use ResourceKind as K;
    let load_balancer = ids.attribute(K::LoadBalancer, &s.load_balancer, "LoadBalancerFullName");
    let metric = |id: &str, group: &str| {
        json!({
            "Id": id,
            "ReturnData": false,
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/ApplicationELB",
                    "MetricName": "RequestCount",
                    "Dimensions": [
                        { "Name": "LoadBalancer", "Value": load_balancer },
                        { "Name": "TargetGroup", "Value": ids.attribute(K::TargetGroup, group, "TargetGroupFullName") }
                    ]
                },
                "Period": s.period_seconds,
                "Stat": "Sum"
            }
        })
    };
    json!([
        metric("served", &s.target_group),
        metric("woken", &s.wake_target_group),
        { "Id": "requests", "Expression": "FILL(served,0)+FILL(woken,0)", "ReturnData": true }
    ])
}

fn task_definition(
    family: &str,
    s: &TaskDefinitionSpec,
    ids: &LogicalIds,
    region: &str,
) -> (&'static str, Map<String, Value>, Vec<String>) {
    use ResourceKind as K;
    let secrets: Vec<Value> = s
        .secrets
        .iter()
        .map(|(env, from)| {
            let value_from = match from.split_once(':') {
                Some(("ssm", path)) => json!({
                    "Fn::Sub": format!("arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter/{}", path.trim_start_matches('/'))
                }),
                Some((_, name)) => Value::from(name),
                None => Value::from(from.as_str()),
            };
            json!({ "Name": env, "ValueFrom": value_from })
        })
        .collect();
    let environment: Vec<Value> = s
        .environment
        .iter()
        .map(|(k, v)| json!({ "Name": k, "Value": v }))
        .collect();
    let container = props(vec![
        ("Name", Value::from(s.container_name.as_str())),
        ("Image", Value::from(s.image.as_str())),
        ("Essential", Value::from(true)),
        ("Cpu", Value::from(s.cpu)),
        ("Memory", Value::from(s.memory)),
        (
            "PortMappings",
            s.port.map_or(
                Value::Null,
                |p| json!([{ "ContainerPort": p, "Protocol": "tcp" }]),
            ),
        ),
        (
            "Environment",
            if environment.is_empty() {
                Value::Null
            } else {
                Value::from(environment)
            },
        ),
        (
            "Secrets",
            if secrets.is_empty() {
                Value::Null
            } else {
                Value::from(secrets)
            },
        ),
        (
            "ResourceRequirements",
            if s.gpu > 0 {
                json!([{ "Type": "GPU", "Value": s.gpu.to_string() }])
            } else {
                Value::Null
            },
        ),
        (
            "LogConfiguration",
            json!({
                "LogDriver": "awslogs",
                "Options": {
                    "awslogs-group": ids.reference(K::LogGroup, &s.log_group),
                    "awslogs-region": if s.log_region.is_empty() { region } else { s.log_region.as_str() },
                    "awslogs-stream-prefix": s.container_name
                }
            }),
        ),
    ]);
    (
        "AWS::ECS::TaskDefinition",
        props(vec![
            ("Family", Value::from(family)),
            ("RequiresCompatibilities", json!([s.compatibility])),
            ("NetworkMode", Value::from(s.network_mode.as_str())),
            (
                "Cpu",
                s.task_cpu.map_or(Value::Null, |c| Value::from(c.to_string())),
            ),
            (
                "Memory",
                s.task_memory.map_or(Value::Null, |m| Value::from(m.to_string())),
            ),
            (
                "ExecutionRoleArn",
                ids.attribute(K::IamRole, &s.execution_role, "Arn"),
            ),
            ("TaskRoleArn", ids.attribute(K::IamRole, &s.task_role, "Arn")),
            ("ContainerDefinitions", json!([container])),
        ]),
        vec![],
    )
}

fn ecs_service(
    name: &str,
    s: &EcsServiceSpec,
    ids: &LogicalIds,
) -> (&'static str, Map<String, Value>, Vec<String>) {
    use ResourceKind as K;
    let family = s.task_definition.split('@').next().unwrap_or(&s.task_definition);
    let strategy: Vec<Value> = s
        .capacity_providers
        .iter()
        .map(|(provider, weight)| {
            let provider = if provider.starts_with("FARGATE") {
                Value::from(provider.as_str())
            } else {
                ids.reference(K::CapacityProvider, provider)
            };
            json!({ "CapacityProvider": provider, "Weight": weight })
        })
        .collect();
    let placement = s.placement_strategy.as_ref().map_or(Value::Null, |p| {
        let (kind, field) = p.split_once(':').unwrap_or((p.as_str(), ""));
        json!([{ "Type": kind, "Field": field }])
    });
    let load_balancers = match (&s.target_group, s.container_port) {
        (Some(tg), Some(port)) => json!([{
            "ContainerName": name,
            "ContainerPort": port,
            "TargetGroupArn": ids.reference(K::TargetGroup, tg)
        }]),
        _ => Value::Null,
    };
    // A service joins its target group once a listener rule forwards to it, and runs on its
    // capacity providers once the cluster has them.
    let mut depends = vec![ids.get(K::ClusterCapacityProviders, &s.cluster)];
    if let Some(rule) = &s.listener_rule {
        depends.push(ids.get(K::ListenerRule, rule));
    }
    (
        "AWS::ECS::Service",
        props(vec![
            ("ServiceName", Value::from(name)),
            ("Cluster", ids.reference(K::EcsCluster, &s.cluster)),
            ("TaskDefinition", ids.reference(K::TaskDefinition, family)),
            ("DesiredCount", Value::from(s.desired_count)),
            ("CapacityProviderStrategy", Value::from(strategy)),
            (
                "NetworkConfiguration",
                json!({
                    "AwsvpcConfiguration": {
                        "AssignPublicIp": if s.assign_public_ip { "ENABLED" } else { "DISABLED" },
                        "SecurityGroups": s.security_groups.iter().map(|g| ids.attribute(K::SecurityGroup, g, "GroupId")).collect::<Vec<_>>(),
                        "Subnets": subnets(&s.subnets)
                    }
                }),
            ),
            (
                "DeploymentConfiguration",
                json!({
                    "MaximumPercent": s.maximum_percent,
                    "MinimumHealthyPercent": s.minimum_healthy_percent,
                    "DeploymentCircuitBreaker": { "Enable": s.circuit_breaker_rollback, "Rollback": s.circuit_breaker_rollback }
                }),
            ),
            ("LoadBalancers", load_balancers),
            (
                "HealthCheckGracePeriodSeconds",
                s.health_check_grace_period_seconds
                    .map_or(Value::Null, Value::from),
            ),
            ("PlacementStrategies", placement),
        ]),
        depends,
    )
}

/// The resource's tags in the form its type takes (`[{Key, Value}]`), or none for the types
/// CloudFormation cannot tag (listeners and rules, found through their balancer; Lambda
/// permissions, known by their statement ids).
fn tags(r: &DesiredResource, kind: &str) -> Option<Value> {
    let untaggable = [
        "AWS::ElasticLoadBalancingV2::Listener",
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        "AWS::ECS::ClusterCapacityProviderAssociations",
        "AWS::IAM::InstanceProfile",
        // A statement of the function's policy: no tags (rnd knows it by its statement id).
        "AWS::Lambda::Permission",
        "AWS::Route53::RecordSet",
    ];
    if untaggable.contains(&kind) || r.tags.is_empty() {
        return None;
    }
    let list: Vec<Value> = r
        .tags
        .iter()
        .map(|(k, v)| {
            if kind == "AWS::AutoScaling::AutoScalingGroup" {
                json!({ "Key": k, "Value": v, "PropagateAtLaunch": true })
            } else {
                json!({ "Key": k, "Value": v })
            }
        })
        .collect();
    Some(Value::from(list))
}

/// A rule's actions: sign-in first when the platform asks for it (the client secret as a dynamic
/// reference CloudFormation resolves from the platform's store, never its value), then forward.
/// The rule's actions: sign-in first when the platform has one, then the forward. A sleeping
/// service's forward names its wake group too, at weight 0 (awake): the weights are rnd's
/// Lambda function's to flip, so a stack update puts an asleep service's route back to its
/// (empty) target group until the next request wakes it through the waker's own check.
fn rule_actions(
    spec: &crate::plan::spec::ListenerRuleSpec,
    target_group: Value,
    wake_target_group: Option<Value>,
) -> Value {
    let forward = match wake_target_group {
        None => json!({ "Type": "forward", "TargetGroupArn": target_group }),
        Some(wake) => json!({
            "Type": "forward",
            "ForwardConfig": { "TargetGroups": [
                { "TargetGroupArn": target_group, "Weight": 1 },
                { "TargetGroupArn": wake, "Weight": 0 }
            ] }
        }),
    };
    let Some(sign_in) = &spec.sign_in else {
        return json!([forward]);
    };
    let authenticate = match sign_in {
        crate::plan::spec::SignInSpec::Oidc(oidc) => {
            let secret = match oidc.client_secret_store.as_str() {
                "secrets_manager" => format!("{{{{resolve:secretsmanager:{}}}}}", oidc.client_secret_path),
                _ => format!("{{{{resolve:ssm-secure:/{}}}}}", oidc.client_secret_path),
            };
            json!({
                "Type": "authenticate-oidc",
                "Order": 1,
                "AuthenticateOidcConfig": {
                    "Issuer": oidc.issuer,
                    "AuthorizationEndpoint": oidc.authorization_endpoint,
                    "TokenEndpoint": oidc.token_endpoint,
                    "UserInfoEndpoint": oidc.user_info_endpoint,
                    "ClientId": oidc.client_id,
                    "ClientSecret": secret,
                    "OnUnauthenticatedRequest": "authenticate"
                }
            })
        }
        crate::plan::spec::SignInSpec::Cognito(cognito) => json!({
            "Type": "authenticate-cognito",
            "Order": 1,
            "AuthenticateCognitoConfig": {
                "UserPoolArn": cognito.user_pool_arn,
                "UserPoolClientId": cognito.user_pool_client_id,
                "UserPoolDomain": cognito.user_pool_domain,
                "OnUnauthenticatedRequest": "authenticate"
            }
        }),
    };
    let mut forward = forward;
    forward["Order"] = json!(2);
    json!([authenticate, forward])
}

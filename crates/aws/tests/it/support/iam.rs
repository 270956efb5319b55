//! The AWS calls rnd makes, as IAM sees them: each request's action, the ARN of every resource
//! it acts on, and the condition keys that apply (the tags it sets, the cluster, the policy it
//! attaches, the service a role is passed to), plus the permissions AWS checks besides the
//! call's own (`iam:PassRole` for a task definition's roles, tagging on create). Recorded by an
//! interceptor from the requests the SDK sends, for the permission tests to evaluate.

use std::sync::{Arc, Mutex};

use aws_sdk_ecs::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_ecs::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_ecs::error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use serde_json::{json, Map, Value};

pub use rnd_test_support::iam::ACCOUNT;

/// One request as sent: its service and operation (as the SDK names them) and its parameters
/// (the JSON body, or the form fields of a query-protocol request).
#[derive(Debug, Clone)]
pub struct SentRequest {
    pub service: String,
    pub operation: String,
    pub params: Map<String, Value>,
    /// The request's path: REST services (Route 53) name the resource there.
    pub path: String,
    /// The body as text, for REST-XML services (Route 53's change batches).
    pub body: String,
}

/// Records every request the clients it is attached to send.
#[derive(Debug, Clone, Default)]
pub struct IamRecorder {
    sent: Arc<Mutex<Vec<SentRequest>>>,
}

impl IamRecorder {
    /// The requests sent since the last call, and start again.
    pub fn take(&self) -> Vec<SentRequest> {
        std::mem::take(&mut *self.sent.lock().unwrap())
    }
}

impl Intercept for IamRecorder {
    fn name(&self) -> &'static str {
        "test IAM request recorder"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(metadata) = cfg.load::<Metadata>() else {
            return Ok(());
        };
        let bytes = context.request().body().bytes().unwrap_or_default();
        let cbor = context
            .request()
            .headers()
            .get("content-type")
            .is_some_and(|t| t.contains("cbor"));
        let parsed = if cbor {
            ciborium::from_reader::<Value, _>(bytes).ok()
        } else {
            serde_json::from_slice::<Value>(bytes).ok()
        };
        let params = match parsed {
            Some(Value::Object(map)) => map,
            _ => form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), Value::from(v.into_owned())))
                .collect(),
        };
        let mut sent = self.sent.lock().unwrap();
        // A retried request is recorded once: IAM authorizes the same request again.
        let request = SentRequest {
            service: metadata.service().to_string(),
            operation: metadata.name().to_string(),
            params,
            path: context.request().uri().to_string(),
            body: String::from_utf8_lossy(bytes).into_owned(),
        };
        if sent.last().is_none_or(|last| {
            last.operation != request.operation || last.params != request.params || last.body != request.body
        }) {
            sent.push(request);
        }
        Ok(())
    }
}

/// What IAM authorizes: an action on a resource, with context keys.
#[derive(Debug, Clone, PartialEq)]
pub struct IamRequest {
    pub action: String,
    pub resource: String,
    pub context: Map<String, Value>,
    /// The call it comes from, for messages.
    pub call: String,
}

/// Where the recorded requests ran: for the ARNs the requests name only by name.
pub struct Place<'a> {
    pub region: &'a str,
    pub platform: &'a str,
}

impl SentRequest {
    /// The Route 53 hosted zone the path names (`…/hostedzone/<id>[/rrset]`).
    fn hosted_zone(&self) -> String {
        let rest = self.path.split("/hostedzone/").nth(1).unwrap_or_default();
        rest.split(['/', '?']).next().unwrap_or_default().to_string()
    }

    /// The text of every `<tag>…</tag>` in the XML body, in order.
    fn xml_all(&self, tag: &str) -> Vec<String> {
        let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
        self.body
            .split(open.as_str())
            .skip(1)
            .filter_map(|part| part.split_once(close.as_str()).map(|(text, _)| text.to_string()))
            .collect()
    }

    fn str(&self, key: &str) -> Option<String> {
        self.params.get(key).and_then(Value::as_str).map(str::to_string)
    }

    /// A query-protocol list (`Key.member.1`, `Key.1`) or a JSON array of strings.
    fn list(&self, key: &str) -> Vec<String> {
        if let Some(Value::Array(items)) = self.params.get(key) {
            return items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
        }
        let mut found: Vec<(u32, String)> = self
            .params
            .iter()
            .filter_map(|(k, v)| {
                let rest = k.strip_prefix(key)?.strip_prefix('.')?;
                let index = rest.strip_prefix("member.").unwrap_or(rest);
                Some((index.parse().ok()?, v.as_str()?.to_string()))
            })
            .collect();
        found.sort();
        found.into_iter().map(|(_, v)| v).collect()
    }

    /// The tags the request sets: JSON `tags`/`Tags` as `[{key, value}]`, or query-protocol
    /// `Tags.member.N.Key`, `Tag.N.Key`, `TagSpecification.1.Tag.N.Key`.
    fn tags(&self) -> Vec<(String, String)> {
        for key in ["tags", "Tags"] {
            if let Some(Value::Array(items)) = self.params.get(key) {
                return items
                    .iter()
                    .filter_map(|t| {
                        let k = t.get("key").or_else(|| t.get("Key"))?.as_str()?;
                        let v = t.get("value").or_else(|| t.get("Value"))?.as_str()?;
                        Some((k.to_string(), v.to_string()))
                    })
                    .collect();
            }
            if let Some(Value::Object(map)) = self.params.get(key) {
                return map
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect();
            }
        }
        let mut tags = Vec::new();
        for (k, v) in &self.params {
            let Some(prefix) = k.strip_suffix(".Key") else {
                continue;
            };
            let tag_list = prefix.contains("Tag");
            if !tag_list {
                continue;
            }
            let value = self
                .params
                .get(&format!("{prefix}.Value"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            tags.push((v.as_str().unwrap_or_default().to_string(), value.to_string()));
        }
        tags.sort();
        tags
    }
}

/// `aws:RequestTag/<key>` for each tag set, and `aws:TagKeys`.
fn request_tags(tags: &[(String, String)]) -> Map<String, Value> {
    let mut context = Map::new();
    for (k, v) in tags {
        context.insert(format!("aws:RequestTag/{k}"), Value::from(v.as_str()));
    }
    if !tags.is_empty() {
        let keys: Vec<Value> = tags.iter().map(|(k, _)| Value::from(k.as_str())).collect();
        context.insert("aws:TagKeys".into(), Value::Array(keys));
    }
    context
}

/// The platform's tag on a resource known by an id AWS made (a security group, a launch
/// template): rnd acts only on those it observed tagged for the platform (the ownership tests
/// show it), so that is the tag IAM finds on it.
fn resource_tag(place: &Place) -> Map<String, Value> {
    let mut context = Map::new();
    context.insert("aws:ResourceTag/rnd:platform".into(), Value::from(place.platform));
    context
}

fn context(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// A record name as Route 53's condition key `ChangeResourceRecordSetsNormalizedRecordNames`
/// holds it: lower case, no trailing dot, any character but `a-z0-9-_.` as `\` and three octal
/// digits (`*` is `\052`).
fn normalized_record_name(name: &str) -> String {
    name.trim_end_matches('.')
        .to_ascii_lowercase()
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '-' | '_' | '.' => c.to_string(),
            other => format!("\\{:03o}", other as u32),
        })
        .collect()
}

/// The IAM requests one sent request makes.
pub fn iam_requests(sent: &SentRequest, place: &Place) -> Vec<IamRequest> {
    let Some(prefix) = (rnd_aws::ApiOperation {
        service: sent.service.clone(),
        operation: sent.operation.clone(),
    })
    .iam_action()
    .map(|a| a.split(':').next().unwrap().to_string()) else {
        panic!("no IAM prefix for service {}", sent.service);
    };
    let op = sent.operation.as_str();
    let action = format!("{prefix}:{op}");
    let (region, account) = (place.region, ACCOUNT);
    let arn = |service: &str, path: String| format!("arn:aws:{service}:{region}:{account}:{path}");
    let iam_arn = |path: String| format!("arn:aws:iam::{account}:{path}");
    let mut out = Vec::new();
    let mut push = |action: &str, resource: String, context: Map<String, Value>| {
        out.push(IamRequest {
            action: action.to_string(),
            resource,
            context,
            call: format!("{}:{op}", sent.service),
        })
    };
    let none = Map::new;
    let cluster_arn = |name: &str| {
        if name.starts_with("arn:") {
            name.to_string()
        } else {
            arn("ecs", format!("cluster/{name}"))
        }
    };
    let in_cluster = |kind: &str, cluster: &str, id: &str| {
        if id.starts_with("arn:") {
            id.to_string()
        } else {
            let cluster = cluster.rsplit('/').next().unwrap_or(cluster);
            arn("ecs", format!("{kind}/{cluster}/{id}"))
        }
    };
    let tags = sent.tags();
    // A role named by rnd lives under its platform's path.
    let role = |name: &str| iam_arn(format!("role/rnd/{}/{name}", place.platform));
    let profile = |name: &str| iam_arn(format!("instance-profile/rnd/{}/{name}", place.platform));
    match (prefix.as_str(), op) {
        // Lists and describes AWS offers no resource-level permission for.
        (
            "ecs",
            "ListClusters"
            | "ListTaskDefinitionFamilies"
            | "ListTaskDefinitions"
            | "DescribeTaskDefinition"
            | "DeregisterTaskDefinition",
        )
        | (
            "ec2",
            "DescribeVpcs"
            | "DescribeSubnets"
            | "DescribeSecurityGroups"
            | "DescribeLaunchTemplates"
            | "DescribeLaunchTemplateVersions",
        )
        | (
            "elasticloadbalancing",
            "DescribeLoadBalancers"
            | "DescribeLoadBalancerAttributes"
            | "DescribeListeners"
            | "DescribeRules"
            | "DescribeTags"
            | "DescribeTargetGroups"
            | "DescribeTargetGroupAttributes"
            | "DescribeTargetHealth",
        )
        | (
            "autoscaling",
            "DescribeAutoScalingGroups" | "DescribeAutoScalingInstances" | "DescribeLifecycleHooks",
        )
        | ("logs", "DescribeLogGroups")
        | ("iam", "ListRoles" | "ListInstanceProfiles" | "GetAccountAuthorizationDetails")
        | ("tag", "GetResources")
        | ("ssm", "DescribeParameters")
        | ("secretsmanager", "ListSecrets") => push(&action, "*".into(), none()),
        // Route 53: the hosted zone, and for changes the names, types and actions in the batch.
        ("route53", "GetHostedZone" | "ListResourceRecordSets") => push(
            &action,
            format!("arn:aws:route53:::hostedzone/{}", sent.hosted_zone()),
            none(),
        ),
        ("route53", "ChangeResourceRecordSets") => {
            let list = |values: Vec<String>| Value::from(values);
            let names = sent
                .xml_all("Name")
                .iter()
                .map(|n| normalized_record_name(n))
                .collect();
            push(
                &action,
                format!("arn:aws:route53:::hostedzone/{}", sent.hosted_zone()),
                context(&[
                    (
                        "route53:ChangeResourceRecordSetsNormalizedRecordNames",
                        list(names),
                    ),
                    (
                        "route53:ChangeResourceRecordSetsRecordTypes",
                        list(sent.xml_all("Type")),
                    ),
                    (
                        "route53:ChangeResourceRecordSetsActions",
                        list(sent.xml_all("Action")),
                    ),
                ]),
            )
        }
        // ECS.
        ("ecs", "ListServices" | "ListTasks") => {
            let cluster = cluster_arn(&sent.str("cluster").unwrap());
            push(
                &action,
                "*".into(),
                context(&[("ecs:cluster", Value::from(cluster))]),
            )
        }
        ("ecs", "CreateCluster") => {
            let name = sent.str("clusterName").unwrap();
            push(&action, cluster_arn(&name), request_tags(&tags));
            if !tags.is_empty() {
                let c = context(&[("ecs:CreateAction", json!("CreateCluster"))]);
                push(
                    "ecs:TagResource",
                    cluster_arn(&name),
                    [request_tags(&tags), c].concat_maps(),
                );
            }
        }
        ("ecs", "DescribeClusters") => {
            for c in sent.list("clusters") {
                push(&action, cluster_arn(&c), none());
            }
        }
        (
            "ecs",
            "UpdateClusterSettings"
            | "PutClusterCapacityProviders"
            | "DeleteCluster"
            | "ListContainerInstances",
        ) => push(&action, cluster_arn(&sent.str("cluster").unwrap()), none()),
        ("ecs", "CreateService") => {
            let cluster = sent.str("cluster").unwrap();
            let service = in_cluster("service", &cluster, &sent.str("serviceName").unwrap());
            let c = context(&[("ecs:cluster", Value::from(cluster_arn(&cluster)))]);
            push(
                &action,
                service.clone(),
                [request_tags(&tags), c.clone()].concat_maps(),
            );
            if !tags.is_empty() {
                let create = context(&[("ecs:CreateAction", json!("CreateService"))]);
                push(
                    "ecs:TagResource",
                    service,
                    [request_tags(&tags), create].concat_maps(),
                );
            }
        }
        ("ecs", "UpdateService" | "DeleteService") => {
            let cluster = sent.str("cluster").unwrap();
            let service = in_cluster("service", &cluster, &sent.str("service").unwrap());
            let c = context(&[("ecs:cluster", Value::from(cluster_arn(&cluster)))]);
            push(&action, service, c)
        }
        ("ecs", "DescribeServices") => {
            let cluster = sent.str("cluster").unwrap();
            for s in sent.list("services") {
                let c = context(&[("ecs:cluster", Value::from(cluster_arn(&cluster)))]);
                push(&action, in_cluster("service", &cluster, &s), c);
            }
        }
        ("ecs", "DescribeTasks") => {
            let cluster = sent.str("cluster").unwrap();
            for t in sent.list("tasks") {
                let c = context(&[("ecs:cluster", Value::from(cluster_arn(&cluster)))]);
                push(&action, in_cluster("task", &cluster, &t), c);
            }
        }
        ("ecs", "DescribeContainerInstances") => {
            let cluster = sent.str("cluster").unwrap();
            for i in sent.list("containerInstances") {
                let c = context(&[("ecs:cluster", Value::from(cluster_arn(&cluster)))]);
                push(&action, in_cluster("container-instance", &cluster, &i), c);
            }
        }
        ("ecs", "RegisterTaskDefinition") => {
            let family = sent.str("family").unwrap();
            let definition = arn("ecs", format!("task-definition/{family}:1"));
            push(&action, definition.clone(), request_tags(&tags));
            if !tags.is_empty() {
                let create = context(&[("ecs:CreateAction", json!("RegisterTaskDefinition"))]);
                push(
                    "ecs:TagResource",
                    definition,
                    [request_tags(&tags), create].concat_maps(),
                );
            }
            for key in ["taskRoleArn", "executionRoleArn"] {
                if let Some(role) = sent.str(key) {
                    let c = context(&[("iam:PassedToService", json!("ecs-tasks.amazonaws.com"))]);
                    push("iam:PassRole", role, c);
                }
            }
        }
        ("ecs", "CreateCapacityProvider") => {
            let name = sent.str("name").unwrap();
            let provider = arn("ecs", format!("capacity-provider/{name}"));
            push(&action, provider.clone(), request_tags(&tags));
            if !tags.is_empty() {
                let create = context(&[("ecs:CreateAction", json!("CreateCapacityProvider"))]);
                push(
                    "ecs:TagResource",
                    provider,
                    [request_tags(&tags), create].concat_maps(),
                );
            }
        }
        ("ecs", "UpdateCapacityProvider") => push(
            &action,
            arn("ecs", format!("capacity-provider/{}", sent.str("name").unwrap())),
            none(),
        ),
        ("ecs", "DeleteCapacityProvider") => {
            let name = sent.str("capacityProvider").unwrap();
            let name = name.rsplit('/').next().unwrap().to_string();
            push(&action, arn("ecs", format!("capacity-provider/{name}")), none())
        }
        ("ecs", "DescribeCapacityProviders") => {
            for p in sent.list("capacityProviders") {
                let name = p.rsplit('/').next().unwrap().to_string();
                push(&action, arn("ecs", format!("capacity-provider/{name}")), none());
            }
        }
        ("ecs", "ListTagsForResource" | "TagResource" | "UntagResource") => {
            push(&action, sent.str("resourceArn").unwrap(), request_tags(&tags))
        }
        // Load balancing.
        ("elasticloadbalancing", "CreateLoadBalancer") => {
            let name = sent.str("Name").unwrap();
            let lb = arn(
                "elasticloadbalancing",
                format!("loadbalancer/app/{name}/0123456789abcdef"),
            );
            push(&action, lb.clone(), request_tags(&tags));
            let create = context(&[("elasticloadbalancing:CreateAction", json!("CreateLoadBalancer"))]);
            push(
                "elasticloadbalancing:AddTags",
                lb,
                [request_tags(&tags), create].concat_maps(),
            );
        }
        ("elasticloadbalancing", "CreateTargetGroup") => {
            let name = sent.str("Name").unwrap();
            let tg = arn(
                "elasticloadbalancing",
                format!("targetgroup/{name}/0123456789abcdef"),
            );
            push(&action, tg.clone(), request_tags(&tags));
            let create = context(&[("elasticloadbalancing:CreateAction", json!("CreateTargetGroup"))]);
            push(
                "elasticloadbalancing:AddTags",
                tg,
                [request_tags(&tags), create].concat_maps(),
            );
        }
        (
            "elasticloadbalancing",
            "DeleteLoadBalancer"
            | "ModifyLoadBalancerAttributes"
            | "SetSecurityGroups"
            | "SetSubnets"
            | "CreateListener",
        ) => push(&action, sent.str("LoadBalancerArn").unwrap(), none()),
        ("elasticloadbalancing", "ModifyListener" | "DeleteListener" | "CreateRule") => {
            push(&action, sent.str("ListenerArn").unwrap(), none())
        }
        ("elasticloadbalancing", "ModifyRule" | "DeleteRule") => {
            push(&action, sent.str("RuleArn").unwrap(), none())
        }
        ("elasticloadbalancing", "SetRulePriorities") => {
            for (k, v) in &sent.params {
                if k.ends_with(".RuleArn") {
                    push(&action, v.as_str().unwrap().to_string(), none());
                }
            }
        }
        (
            "elasticloadbalancing",
            "ModifyTargetGroup" | "ModifyTargetGroupAttributes" | "DeleteTargetGroup",
        ) => push(&action, sent.str("TargetGroupArn").unwrap(), none()),
        ("elasticloadbalancing", "AddTags") => {
            for r in sent.list("ResourceArns") {
                push(&action, r, request_tags(&tags));
            }
        }
        // EC2: security groups and launch templates are known by ids AWS makes.
        ("ec2", "CreateSecurityGroup") => {
            push(
                &action,
                arn("ec2", "security-group/sg-0new".into()),
                request_tags(&tags),
            );
            if let Some(vpc) = sent.str("VpcId") {
                // Request tags are in the context of every resource the request names.
                push(&action, arn("ec2", format!("vpc/{vpc}")), request_tags(&tags));
            }
            let create = context(&[("ec2:CreateAction", json!("CreateSecurityGroup"))]);
            push(
                "ec2:CreateTags",
                arn("ec2", "security-group/sg-0new".into()),
                [request_tags(&tags), create].concat_maps(),
            );
        }
        ("ec2", "CreateLaunchTemplate") => {
            let template = arn("ec2", "launch-template/lt-0new".into());
            push(&action, template.clone(), request_tags(&tags));
            let create = context(&[("ec2:CreateAction", json!("CreateLaunchTemplate"))]);
            push(
                "ec2:CreateTags",
                template,
                [request_tags(&tags), create].concat_maps(),
            );
            if let Some(profile_arn) = sent.str("LaunchTemplateData.IamInstanceProfile.Arn") {
                let name = profile_arn.rsplit('/').next().unwrap();
                let c = context(&[("iam:PassedToService", json!("ec2.amazonaws.com"))]);
                push("iam:PassRole", role(name), c);
            }
        }
        ("ec2", "AuthorizeSecurityGroupIngress" | "RevokeSecurityGroupIngress" | "DeleteSecurityGroup") => {
            let group = sent.str("GroupId").unwrap();
            push(
                &action,
                arn("ec2", format!("security-group/{group}")),
                resource_tag(place),
            )
        }
        ("ec2", "CreateLaunchTemplateVersion" | "ModifyLaunchTemplate" | "DeleteLaunchTemplate") => {
            let id = sent
                .str("LaunchTemplateId")
                .unwrap_or_else(|| "lt-0byname".into());
            push(
                &action,
                arn("ec2", format!("launch-template/{id}")),
                resource_tag(place),
            )
        }
        ("ec2", "CreateTags") => {
            for id in sent.list("ResourceId") {
                let kind = if id.starts_with("sg-") {
                    "security-group"
                } else {
                    "launch-template"
                };
                let c = [request_tags(&tags), resource_tag(place)].concat_maps();
                push(&action, arn("ec2", format!("{kind}/{id}")), c);
            }
        }
        // Auto Scaling.
        ("autoscaling", "CreateAutoScalingGroup") => {
            let name = sent.str("AutoScalingGroupName").unwrap();
            let group = arn(
                "autoscaling",
                format!("autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/{name}"),
            );
            push(&action, group.clone(), request_tags(&tags));
            if !tags.is_empty() {
                push("autoscaling:CreateOrUpdateTags", group, request_tags(&tags));
            }
            // The group launches from a launch template, which its creator must be allowed to
            // run instances from.
            let c = context(&[("ec2:IsLaunchTemplateResource", json!("true"))]);
            push("ec2:RunInstances", "*".into(), c);
        }
        (
            "autoscaling",
            "UpdateAutoScalingGroup"
            | "DeleteAutoScalingGroup"
            | "SetInstanceProtection"
            | "PutWarmPool"
            | "DeleteWarmPool"
            | "PutLifecycleHook"
            | "DeleteLifecycleHook"
            | "SetDesiredCapacity",
        ) => {
            let name = sent.str("AutoScalingGroupName").unwrap();
            let group = arn(
                "autoscaling",
                format!("autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/{name}"),
            );
            push(&action, group, none())
        }
        // The request names only the instance; IAM authorizes against the instance's group, one
        // of the platform's GPU groups (rnd's function checks the group's tags first).
        ("autoscaling", "TerminateInstanceInAutoScalingGroup") => {
            let group = arn(
                "autoscaling",
                format!(
                    "autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/{}-g4dn.xlarge",
                    place.platform
                ),
            );
            push(&action, group, none())
        }
        ("autoscaling", "CreateOrUpdateTags") => {
            let name = sent.str("Tags.member.1.ResourceId").unwrap();
            let group = arn(
                "autoscaling",
                format!("autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/{name}"),
            );
            push(&action, group, request_tags(&tags))
        }
        // IAM: rnd's roles and profiles are under /rnd/<platform>/.
        ("iam", "CreateRole") => {
            let name = sent.str("RoleName").unwrap();
            let path = sent.str("Path").unwrap_or_else(|| "/".into());
            let arn = iam_arn(format!("role{path}{name}"));
            push(&action, arn.clone(), request_tags(&tags));
            if !tags.is_empty() {
                push("iam:TagRole", arn, request_tags(&tags));
            }
        }
        (
            "iam",
            "GetRole"
            | "DeleteRole"
            | "TagRole"
            | "PutRolePolicy"
            | "DeleteRolePolicy"
            | "UpdateAssumeRolePolicy"
            | "ListRolePolicies"
            | "ListAttachedRolePolicies"
            | "ListInstanceProfilesForRole"
            | "DetachRolePolicy",
        ) => push(&action, role(&sent.str("RoleName").unwrap()), request_tags(&tags)),
        ("iam", "AttachRolePolicy") => {
            let c = context(&[("iam:PolicyARN", Value::from(sent.str("PolicyArn").unwrap()))]);
            push(&action, role(&sent.str("RoleName").unwrap()), c)
        }
        ("iam", "CreateInstanceProfile") => {
            let name = sent.str("InstanceProfileName").unwrap();
            let path = sent.str("Path").unwrap_or_else(|| "/".into());
            let arn = iam_arn(format!("instance-profile{path}{name}"));
            push(&action, arn.clone(), request_tags(&tags));
            if !tags.is_empty() {
                push("iam:TagInstanceProfile", arn, request_tags(&tags));
            }
        }
        (
            "iam",
            "GetInstanceProfile"
            | "DeleteInstanceProfile"
            | "TagInstanceProfile"
            | "RemoveRoleFromInstanceProfile",
        ) => push(
            &action,
            profile(&sent.str("InstanceProfileName").unwrap()),
            request_tags(&tags),
        ),
        ("iam", "AddRoleToInstanceProfile") => {
            push(
                &action,
                profile(&sent.str("InstanceProfileName").unwrap()),
                none(),
            );
            let c = context(&[("iam:PassedToService", json!("ec2.amazonaws.com"))]);
            push("iam:PassRole", role(&sent.str("RoleName").unwrap()), c);
        }
        // CloudWatch Logs.
        ("logs", "CreateLogGroup") => {
            let group = arn("logs", format!("log-group:{}", sent.str("logGroupName").unwrap()));
            push(&action, group.clone(), request_tags(&tags));
            if !tags.is_empty() {
                push("logs:TagResource", group, request_tags(&tags));
            }
        }
        ("logs", "DeleteLogGroup" | "PutRetentionPolicy" | "DescribeLogStreams" | "FilterLogEvents") => {
            let name = sent
                .str("logGroupName")
                .or_else(|| sent.str("logGroupIdentifier"))
                .unwrap();
            push(&action, arn("logs", format!("log-group:{name}")), none())
        }
        ("logs", "GetLogEvents") => {
            let group = sent.str("logGroupName").unwrap();
            let stream = sent.str("logStreamName").unwrap();
            push(
                &action,
                arn("logs", format!("log-group:{group}:log-stream:{stream}")),
                none(),
            )
        }
        ("logs", "ListTagsForResource" | "TagResource" | "UntagResource") => {
            let resource = sent.str("resourceArn").unwrap();
            push(
                &action,
                resource.trim_end_matches(":*").to_string(),
                request_tags(&tags),
            )
        }
        // Parameters and secrets.
        ("ssm", "GetParameter" | "PutParameter" | "DeleteParameter") => {
            let name = sent.str("Name").unwrap();
            let path = name.trim_start_matches('/');
            if path.starts_with("aws/service/") {
                // AWS's public parameters have no account in their ARN; the simulator wants
                // one, and the policy's `*` account matches either.
                push(&action, arn("ssm", format!("parameter/{path}")), none())
            } else {
                push(&action, arn("ssm", format!("parameter/{path}")), none())
            }
        }
        ("ssm", "AddTagsToResource") => {
            let name = sent.str("ResourceId").unwrap();
            push(
                &action,
                arn("ssm", format!("parameter/{}", name.trim_start_matches('/'))),
                request_tags(&tags),
            )
        }
        ("acm", "DescribeCertificate") => push(&action, sent.str("CertificateArn").unwrap(), none()),
        ("ecr", "BatchGetImage") => {
            let repository = sent.str("repositoryName").unwrap();
            let registry = sent.str("registryId").unwrap_or_else(|| account.to_string());
            push(
                &action,
                format!("arn:aws:ecr:{region}:{registry}:repository/{repository}"),
                none(),
            )
        }
        // CloudWatch alarms. DescribeAlarms lists by the platform's prefix; AWS does not say
        // how a prefix listing is authorized, so rnd asks for it on every alarm (`grants.rs`).
        ("cloudwatch", "DescribeAlarms") => push(&action, arn("cloudwatch", "alarm:*".into()), none()),
        ("cloudwatch", "PutMetricAlarm") => push(
            &action,
            arn("cloudwatch", format!("alarm:{}", sent.str("AlarmName").unwrap())),
            request_tags(&tags),
        ),
        ("cloudwatch", "DeleteAlarms") => {
            for name in sent.list("AlarmNames") {
                push(&action, arn("cloudwatch", format!("alarm:{name}")), none());
            }
        }
        ("cloudwatch", "TagResource") => push(&action, sent.str("ResourceARN").unwrap(), request_tags(&tags)),
        ("cloudwatch", "ListTagsForResource") => push(&action, sent.str("ResourceARN").unwrap(), none()),
        // Lambda names the function (an ARN, URL-encoded) in the path.
        ("lambda", "AddPermission" | "RemovePermission" | "GetPolicy") => {
            let function = sent
                .path
                .split("/functions/")
                .nth(1)
                .and_then(|rest| rest.split('/').next())
                .map(|f| f.replace("%3A", ":").replace("%3a", ":"))
                .unwrap();
            let principal = match sent.str("Principal") {
                Some(principal) => context(&[("lambda:Principal", json!(principal))]),
                None => none(),
            };
            push(&action, function, principal)
        }
        ("elasticloadbalancing", "RegisterTargets") => {
            push(&action, sent.str("TargetGroupArn").unwrap(), none())
        }
        ("dynamodb", _) => {
            let table = arn("dynamodb", format!("table/{}", sent.str("TableName").unwrap()));
            push(&action, table.clone(), none());
            if op == "CreateTable" && !tags.is_empty() {
                push("dynamodb:TagResource", table, request_tags(&tags));
            }
        }
        _ => panic!(
            "no IAM mapping for {}:{op}: add it to support/iam.rs",
            sent.service
        ),
    }
    out
}

/// Joining context maps.
trait ConcatMaps {
    fn concat_maps(self) -> Map<String, Value>;
}

impl<const N: usize> ConcatMaps for [Map<String, Value>; N] {
    fn concat_maps(self) -> Map<String, Value> {
        self.into_iter().flatten().collect()
    }
}

/// The requests made with another platform's names and tags in place of `platform`'s: what a
/// policy for `platform` must deny. Requests that name nothing of the platform (lists on `*`,
/// the lock table, an image repository) are left out.
pub fn as_another_platform(requests: &[IamRequest], platform: &str, other: &str) -> Vec<IamRequest> {
    requests
        .iter()
        .filter_map(|r| {
            let context = Value::Object(r.context.clone())
                .to_string()
                .replace(platform, other);
            let moved = IamRequest {
                resource: r.resource.replace(platform, other),
                context: serde_json::from_str(&context).unwrap(),
                ..r.clone()
            };
            (moved != *r).then_some(moved)
        })
        .collect()
}

/// Requests the simulator's data cannot judge: its `elasticloadbalancing` actions merge the
/// classic and v2 load balancers, and list only the classic `loadbalancer` as `AddTags`'s
/// resource, though ELBv2 tags target groups with it (AWS's Service Authorization Reference,
/// Elastic Load Balancing V2). The test checks these against the policy's statement instead.
pub fn simulator_data_gap(r: &IamRequest) -> bool {
    r.action == "elasticloadbalancing:AddTags" && r.resource.contains(":targetgroup/")
}

/// Evaluate `allowed` (each must be allowed) and `denied` (each must be denied) against
/// `policy` with the IAM policy simulator; the requests not decided as expected, as it printed them.
pub fn evaluate(policy: &Value, allowed: &[IamRequest], denied: &[IamRequest]) -> Result<usize, String> {
    let entry = |r: &IamRequest, allow: bool| {
        rnd_test_support::iam::request(
            &r.action,
            &r.resource,
            Value::Object(r.context.clone()),
            &r.call,
            allow,
        )
    };
    let requests: Vec<Value> = allowed
        .iter()
        .map(|r| entry(r, true))
        .chain(denied.iter().map(|r| entry(r, false)))
        .collect();
    rnd_test_support::iam::check(
        policy,
        &requests,
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")),
    )
}

//! Every permission rnd needs, with the reason, the modes that need it and how it is scoped to
//! the platform. The one table the generated policies, the Lambda template and the call checks
//! read.

use crate::plan::desired::GPU_AMI_PARAMETER;
use crate::plan::naming::Names;
use crate::platform::{CredentialSource, Platform, SecretsStore, SlackTarget};

use super::Mode;

/// One statement's worth of permissions.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    /// The statement id: what it allows, in words.
    pub sid: &'static str,
    /// Why rnd needs it (and, for `*` resources, why nothing narrower works).
    pub why: &'static str,
    pub modes: &'static [Mode],
    pub actions: Vec<&'static str>,
    pub resources: Vec<Resource>,
    pub scoping: Scoping,
}

/// A resource ARN pattern; `{platform}` stands for the platform's name.
#[derive(Debug, Clone, PartialEq)]
pub enum Resource {
    /// `*`: only for actions AWS offers no resource-level permission for.
    Any,
    /// `arn:<partition>:<service>:<region>:<account>:<path>`.
    Arn { service: &'static str, path: String },
    /// A global service's ARN (IAM): no region.
    Global { service: &'static str, path: String },
    /// A resource AWS owns (a public SSM parameter): no account.
    Public { service: &'static str, path: String },
    /// One resource named in `platform.json`, by its full ARN.
    Exact(String),
    /// A resource whose ARN names neither region nor account (a Route 53 hosted zone:
    /// `arn:aws:route53:::hostedzone/Z…`).
    Unplaced { service: &'static str, path: String },
}

/// How a grant is kept to the platform beyond its resource ARNs.
#[derive(Debug, Clone, PartialEq)]
pub enum Scoping {
    /// The ARNs name the platform's resources (prefix, path, cluster).
    Names,
    /// The actions take no resource: `*`, and nothing narrower exists.
    NoResourceLevel,
    /// Resources identified by generated ids (security groups, launch templates): only those
    /// tagged `rnd:platform=<platform>`.
    ResourceTag,
    /// Creation only with the tag `rnd:platform=<platform>` in the request.
    RequestTag,
    /// ECS list actions: only in the platform's cluster (`ecs:cluster`).
    Cluster,
    /// Another condition: `operator` → `key` → `values`.
    Condition {
        operator: &'static str,
        key: &'static str,
        values: Vec<&'static str>,
    },
    /// Several conditions, all of which must hold, with values from `platform.json`.
    Conditions(Vec<Condition>),
}

/// One condition of [`Scoping::Conditions`]: `operator` → `key` → `values`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub operator: &'static str,
    pub key: &'static str,
    pub values: Vec<String>,
}

const READ: &[Mode] = &[Mode::Plan, Mode::Apply, Mode::Secrets];
const APPLY: &[Mode] = &[Mode::Apply];
const SECRETS: &[Mode] = &[Mode::Secrets];

/// The managed policies rnd attaches to the roles it creates.
pub const MANAGED_POLICIES: [&str; 2] = [
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
];

fn arn(service: &'static str, path: &str) -> Resource {
    Resource::Arn {
        service,
        path: path.to_string(),
    }
}

fn iam(path: &str) -> Resource {
    Resource::Global {
        service: "iam",
        path: path.to_string(),
    }
}

/// The platform's ECS resources: its cluster and what lives in it, its task definition
/// families and capacity providers.
fn ecs_of_platform() -> Vec<Resource> {
    vec![
        arn("ecs", "cluster/{platform}"),
        arn("ecs", "service/{platform}/*"),
        arn("ecs", "task/{platform}/*"),
        arn("ecs", "container-instance/{platform}/*"),
        arn("ecs", "task-definition/{platform}-*:*"),
        arn("ecs", "capacity-provider/{platform}-*"),
    ]
}

/// The platform's load balancers, listeners, rules and target groups, by name prefix.
fn elb_of_platform() -> Vec<Resource> {
    vec![
        arn("elasticloadbalancing", "loadbalancer/app/{platform}-*/*"),
        arn("elasticloadbalancing", "listener/app/{platform}-*/*/*"),
        arn("elasticloadbalancing", "listener-rule/app/{platform}-*/*/*/*"),
        arn("elasticloadbalancing", "targetgroup/{platform}-*/*"),
    ]
}

/// The platform's roles and instance profiles: all under the IAM path `/rnd/<platform>/`.
fn iam_of_platform() -> Vec<Resource> {
    vec![
        iam("role/rnd/{platform}/*"),
        iam("instance-profile/rnd/{platform}/*"),
    ]
}

/// Every grant, for every mode; [`super::policy`] picks a mode's.
pub fn grants(platform: &Platform) -> Vec<Grant> {
    let mut all = reads();
    all.extend(changes());
    all.push(certificate(platform));
    all.extend(credentials(platform));
    all.extend(sign_in_secret(platform));
    all.extend(dns_records(platform));
    all.extend(idle_alarms());
    all.extend(function_permissions(platform));
    all.extend(secrets(platform));
    all
}

/// The idle alarms of services that sleep when idle, under the platform's prefix. Read on every
/// observe (an alarm left by a service that no longer sleeps is found and removed).
fn idle_alarms() -> Vec<Grant> {
    vec![
        Grant {
            sid: "ReadThePlatformsAlarms",
            why: "the tags of the idle alarms of services that sleep when idle",
            modes: READ,
            actions: vec!["cloudwatch:ListTagsForResource"],
            resources: vec![arn("cloudwatch", "alarm:{platform}-*")],
            scoping: Scoping::Names,
        },
        Grant {
            sid: "ListAlarmsByThePlatformsPrefix",
            why: "observing lists the alarms named with the platform's prefix; AWS documents no \
                  resource a prefix listing is authorized on, so this read is on every alarm",
            modes: READ,
            actions: vec!["cloudwatch:DescribeAlarms"],
            resources: vec![arn("cloudwatch", "alarm:*")],
            scoping: Scoping::Names,
        },
        Grant {
            sid: "ChangeThePlatformsAlarms",
            why: "the idle alarm of each service that sleeps when idle: it calls rnd's function \
                  when the service has served no request for its idle_after",
            modes: APPLY,
            actions: vec![
                "cloudwatch:DeleteAlarms",
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:TagResource",
            ],
            resources: vec![arn("cloudwatch", "alarm:{platform}-*")],
            scoping: Scoping::Names,
        },
    ]
}

/// The statements of rnd's function's policy that let the platform's wake groups (the load
/// balancer) and idle alarms (CloudWatch) invoke it: on the function `scale_to_zero` names,
/// for those two principals only.
fn function_permissions(platform: &Platform) -> Vec<Grant> {
    let Some(scale_to_zero) = &platform.scale_to_zero else {
        return Vec::new();
    };
    let function = || Resource::Exact(scale_to_zero.function_arn.clone());
    vec![
        Grant {
            sid: "ReadTheFunctionsPolicy",
            why: "observing the platform's statements in rnd's function's resource policy",
            modes: READ,
            actions: vec!["lambda:GetPolicy"],
            resources: vec![function()],
            scoping: Scoping::Names,
        },
        Grant {
            sid: "LetTheBalancerAndAlarmsInvokeTheFunction",
            why: "a sleeping service's wake group (the load balancer) and idle alarm \
                  (CloudWatch) invoke rnd's function; only those two principals",
            modes: APPLY,
            actions: vec!["lambda:AddPermission"],
            resources: vec![function()],
            scoping: Scoping::Condition {
                operator: "StringEquals",
                key: "lambda:Principal",
                values: vec![
                    crate::plan::desired::LOAD_BALANCER_PRINCIPAL,
                    crate::plan::desired::ALARM_PRINCIPAL,
                ],
            },
        },
        Grant {
            sid: "RemoveThePlatformsStatements",
            why: "removing those statements when no service of the platform sleeps any more \
                  (a removal names the statement id, not its principal, so no principal \
                  condition can hold)",
            modes: APPLY,
            actions: vec!["lambda:RemovePermission"],
            resources: vec![function()],
            scoping: Scoping::Names,
        },
    ]
}

fn reads() -> Vec<Grant> {
    vec![
        Grant {
            sid: "ListAndDescribeWithoutResourceLevel",
            why: "finding what exists (observe, the ownership look-up, the reference check): AWS \
                  offers no resource-level permission for these list and describe actions",
            modes: READ,
            actions: vec![
                "autoscaling:DescribeAutoScalingGroups",
                // Which group a sleeping GPU service's instances belong to (rnd's function).
                "autoscaling:DescribeAutoScalingInstances",
                // The warm-up hook of a group with a warm pool (the pool itself comes with the group).
                "autoscaling:DescribeLifecycleHooks",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:DescribeLaunchTemplates",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
                "ecs:DescribeTaskDefinition",
                "ecs:ListTaskDefinitionFamilies",
                "ecs:ListTaskDefinitions",
                "elasticloadbalancing:DescribeListeners",
                "elasticloadbalancing:DescribeLoadBalancerAttributes",
                "elasticloadbalancing:DescribeLoadBalancers",
                "elasticloadbalancing:DescribeRules",
                "elasticloadbalancing:DescribeTags",
                "elasticloadbalancing:DescribeTargetGroupAttributes",
                "elasticloadbalancing:DescribeTargetGroups",
                // Whether a woken service has a healthy task yet (rnd's Lambda function).
                "elasticloadbalancing:DescribeTargetHealth",
                "iam:ListInstanceProfiles",
                "iam:ListRoles",
                "logs:DescribeLogGroups",
                "secretsmanager:ListSecrets",
                "ssm:DescribeParameters",
                "tag:GetResources",
            ],
            resources: vec![Resource::Any],
            scoping: Scoping::NoResourceLevel,
        },
        Grant {
            sid: "ReadRolesWithTheirPoliciesInOneCall",
            why: "observe reads the platform's roles under /rnd/<platform>/ with their trust and \
                  policies in one paged call instead of four calls per role; AWS offers no \
                  resource-level permission for it, so it can read every role's policies in the \
                  account (never a secret)",
            modes: READ,
            actions: vec!["iam:GetAccountAuthorizationDetails"],
            resources: vec![Resource::Any],
            scoping: Scoping::NoResourceLevel,
        },
        Grant {
            sid: "ListInThePlatformsCluster",
            why: "listing the platform's services and tasks: these actions take no resource, but \
                  their cluster is a condition",
            modes: READ,
            actions: vec!["ecs:ListServices", "ecs:ListTasks"],
            resources: vec![Resource::Any],
            scoping: Scoping::Cluster,
        },
        Grant {
            sid: "ReadThePlatformsEcs",
            why: "reading the platform's cluster, services, tasks, instances and capacity providers",
            modes: READ,
            actions: vec![
                "ecs:DescribeCapacityProviders",
                "ecs:DescribeClusters",
                "ecs:DescribeContainerInstances",
                "ecs:DescribeServices",
                "ecs:DescribeTasks",
                "ecs:ListContainerInstances",
                "ecs:ListTagsForResource",
            ],
            resources: ecs_of_platform(),
            scoping: Scoping::Names,
        },
        Grant {
            sid: "ReadRolesUnderThePlatformsNames",
            why: "reading the platform's roles and instance profiles, and the tags of any role \
                  or profile named like one (at any path), to say whose it is before a plan \
                  would create over it",
            modes: READ,
            actions: vec![
                "iam:GetInstanceProfile",
                "iam:GetRole",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
                "iam:ListRolePolicies",
            ],
            resources: vec![
                iam("role/rnd/{platform}/*"),
                iam("role/{platform}-*"),
                iam("role/*/{platform}-*"),
                iam("instance-profile/rnd/{platform}/*"),
                iam("instance-profile/{platform}-*"),
                iam("instance-profile/*/{platform}-*"),
            ],
            scoping: Scoping::Names,
        },
        Grant {
            sid: "ReadThePlatformsLogs",
            why: "rnd logs, and the tags and stored bytes of the platform's log groups",
            modes: READ,
            actions: vec![
                "logs:DescribeLogStreams",
                "logs:FilterLogEvents",
                "logs:GetLogEvents",
                "logs:ListTagsForResource",
            ],
            resources: vec![arn("logs", "log-group:/rnd/{platform}/*")],
            scoping: Scoping::Names,
        },
        Grant {
            sid: "CheckImageTagsExist",
            why: "the reference check: each manifest's image tag must exist before anything \
                  changes; images may live in any repository of the account",
            modes: READ,
            actions: vec!["ecr:BatchGetImage"],
            resources: vec![arn("ecr", "repository/*")],
            scoping: Scoping::Names,
        },
    ]
}

fn changes() -> Vec<Grant> {
    vec![
        Grant {
            sid: "ChangeThePlatformsEcs",
            why: "the platform's cluster, services, task definitions and capacity providers",
            modes: APPLY,
            actions: vec![
                "ecs:CreateCapacityProvider",
                "ecs:CreateCluster",
                "ecs:CreateService",
                "ecs:DeleteCapacityProvider",
                "ecs:DeleteCluster",
                "ecs:DeleteService",
                "ecs:PutClusterCapacityProviders",
                "ecs:RegisterTaskDefinition",
                "ecs:TagResource",
                // A woken service loses its sleep marks (rnd:asleep-since, rnd:wake-count).
                "ecs:UntagResource",
                "ecs:UpdateCapacityProvider",
                "ecs:UpdateClusterSettings",
                "ecs:UpdateService",
            ],
            resources: ecs_of_platform(),
            scoping: Scoping::Names,
        },
        Grant {
            sid: "DeregisterTaskDefinitions",
            why: "retiring the platform's old task definition revisions: AWS offers no \
                  resource-level permission for it",
            modes: APPLY,
            actions: vec!["ecs:DeregisterTaskDefinition"],
            resources: vec![Resource::Any],
            scoping: Scoping::NoResourceLevel,
        },
        Grant {
            sid: "ChangeThePlatformsLoadBalancing",
            why: "the platform's load balancers, listeners, rules and target groups",
            modes: APPLY,
            actions: vec![
                "elasticloadbalancing:AddTags",
                "elasticloadbalancing:CreateListener",
                "elasticloadbalancing:CreateLoadBalancer",
                "elasticloadbalancing:CreateRule",
                "elasticloadbalancing:CreateTargetGroup",
                "elasticloadbalancing:DeleteListener",
                "elasticloadbalancing:DeleteLoadBalancer",
                "elasticloadbalancing:DeleteRule",
                "elasticloadbalancing:DeleteTargetGroup",
                "elasticloadbalancing:ModifyListener",
                "elasticloadbalancing:ModifyLoadBalancerAttributes",
                "elasticloadbalancing:ModifyRule",
                "elasticloadbalancing:ModifyTargetGroup",
                "elasticloadbalancing:ModifyTargetGroupAttributes",
                // A sleeping service's wake group has rnd's function as its one target.
                "elasticloadbalancing:RegisterTargets",
                "elasticloadbalancing:SetRulePriorities",
                "elasticloadbalancing:SetSecurityGroups",
                "elasticloadbalancing:SetSubnets",
            ],
            resources: elb_of_platform(),
            scoping: Scoping::Names,
        },
        Grant {
            sid: "CreateOnlyTaggedSecurityGroupsAndLaunchTemplates",
            why: "security groups and launch templates have generated ids: rnd may create one \
                  only with the platform's tag in the create call (a security group is also \
                  authorized against the VPC it is created in, under the same request tags)",
            modes: APPLY,
            actions: vec![
                "ec2:CreateLaunchTemplate",
                "ec2:CreateSecurityGroup",
                "ec2:CreateTags",
            ],
            resources: vec![
                arn("ec2", "security-group/*"),
                arn("ec2", "launch-template/*"),
                arn("ec2", "vpc/*"),
            ],
            scoping: Scoping::RequestTag,
        },
        Grant {
            sid: "ChangeOnlyTheSecurityGroupsAndLaunchTemplatesTaggedForThePlatform",
            why: "changing or deleting a security group or launch template needs the platform's \
                  tag on it, so another team's is never touched",
            modes: APPLY,
            actions: vec![
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:CreateLaunchTemplateVersion",
                "ec2:CreateTags",
                "ec2:DeleteLaunchTemplate",
                "ec2:DeleteSecurityGroup",
                "ec2:ModifyLaunchTemplate",
                "ec2:RevokeSecurityGroupIngress",
            ],
            resources: vec![
                arn("ec2", "security-group/*"),
                arn("ec2", "security-group-rule/*"),
                arn("ec2", "launch-template/*"),
            ],
            scoping: Scoping::ResourceTag,
        },
        Grant {
            sid: "LaunchGpuInstancesFromLaunchTemplates",
            why: "an auto scaling group launches from a launch template only if its creator may \
                  run instances from it; the instances' ids, volumes and interfaces are not known \
                  in advance, so the condition requires a launch template rather than a resource",
            modes: APPLY,
            actions: vec!["ec2:RunInstances"],
            resources: vec![Resource::Any],
            scoping: Scoping::Condition {
                operator: "Bool",
                key: "ec2:IsLaunchTemplateResource",
                values: vec!["true"],
            },
        },
        Grant {
            sid: "ChangeThePlatformsAutoScalingGroups",
            why: "the GPU instance groups, one per instance type, named with the platform's prefix; \
                  their warm pools and warm-up hooks where services sleep, and the capacity rnd's \
                  function gives back on a wake and takes (idle instances only) on a sleep",
            modes: APPLY,
            actions: vec![
                "autoscaling:CreateAutoScalingGroup",
                "autoscaling:CreateOrUpdateTags",
                "autoscaling:DeleteAutoScalingGroup",
                "autoscaling:DeleteLifecycleHook",
                "autoscaling:DeleteWarmPool",
                "autoscaling:PutLifecycleHook",
                "autoscaling:PutWarmPool",
                "autoscaling:SetDesiredCapacity",
                "autoscaling:SetInstanceProtection",
                "autoscaling:TerminateInstanceInAutoScalingGroup",
                "autoscaling:UpdateAutoScalingGroup",
            ],
            resources: vec![arn(
                "autoscaling",
                "autoScalingGroup:*:autoScalingGroupName/{platform}-*",
            )],
            scoping: Scoping::Names,
        },
        Grant {
            sid: "ChangeThePlatformsRoles",
            why: "the task, execution and instance roles and profiles, all under the IAM path \
                  /rnd/<platform>/ so no other role can be changed",
            modes: APPLY,
            actions: vec![
                "iam:AddRoleToInstanceProfile",
                "iam:CreateInstanceProfile",
                "iam:CreateRole",
                "iam:DeleteInstanceProfile",
                "iam:DeleteRole",
                "iam:DeleteRolePolicy",
                "iam:DetachRolePolicy",
                "iam:PutRolePolicy",
                "iam:RemoveRoleFromInstanceProfile",
                "iam:TagInstanceProfile",
                "iam:TagRole",
                "iam:UpdateAssumeRolePolicy",
            ],
            resources: iam_of_platform(),
            scoping: Scoping::Names,
        },
        Grant {
            sid: "AttachOnlyTheManagedPoliciesRndUses",
            why: "the execution role gets AmazonECSTaskExecutionRolePolicy and the GPU instance \
                  role AmazonEC2ContainerServiceforEC2Role; no other managed policy",
            modes: APPLY,
            actions: vec!["iam:AttachRolePolicy"],
            resources: vec![iam("role/rnd/{platform}/*")],
            scoping: Scoping::Condition {
                operator: "ArnEquals",
                key: "iam:PolicyARN",
                values: MANAGED_POLICIES.to_vec(),
            },
        },
        Grant {
            sid: "PassThePlatformsRolesToEcsAndEc2",
            why: "task definitions name the task and execution roles (ECS), launch templates the \
                  instance profile (EC2); a role may be passed to nothing else",
            modes: APPLY,
            actions: vec!["iam:PassRole"],
            resources: vec![iam("role/rnd/{platform}/*")],
            scoping: Scoping::Condition {
                operator: "StringEquals",
                key: "iam:PassedToService",
                values: vec!["ec2.amazonaws.com", "ecs-tasks.amazonaws.com"],
            },
        },
        Grant {
            sid: "ServiceLinkedRolesAwsCreatesOnFirstUse",
            why: "ECS, Auto Scaling and Elastic Load Balancing create their service-linked role \
                  the first time an account uses them",
            modes: APPLY,
            actions: vec!["iam:CreateServiceLinkedRole"],
            resources: vec![iam("role/aws-service-role/*")],
            scoping: Scoping::Condition {
                operator: "StringEquals",
                key: "iam:AWSServiceName",
                values: vec![
                    "autoscaling.amazonaws.com",
                    "ecs.amazonaws.com",
                    "elasticloadbalancing.amazonaws.com",
                ],
            },
        },
        Grant {
            sid: "ChangeThePlatformsLogGroups",
            why: "one log group per service under /rnd/<platform>/, its retention and the mark \
                  of a removed service",
            modes: APPLY,
            actions: vec![
                "logs:CreateLogGroup",
                "logs:DeleteLogGroup",
                "logs:PutRetentionPolicy",
                "logs:TagResource",
                "logs:UntagResource",
            ],
            resources: vec![arn("logs", "log-group:/rnd/{platform}/*")],
            scoping: Scoping::Names,
        },
        Grant {
            sid: "TheLockTable",
            why: "the lease that keeps two runs from changing one platform at once, in the \
                  account's rnd-locks table (created on first use)",
            modes: APPLY,
            actions: vec![
                "dynamodb:CreateTable",
                "dynamodb:DeleteItem",
                "dynamodb:DescribeTable",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:TagResource",
                "dynamodb:UpdateItem",
            ],
            resources: vec![arn("dynamodb", "table/rnd-locks")],
            scoping: Scoping::Names,
        },
        Grant {
            sid: "TheGpuAmi",
            why: "GPU launch templates use the current ECS-optimised GPU AMI, published by AWS as \
                  a public parameter",
            modes: APPLY,
            actions: vec!["ssm:GetParameter"],
            resources: vec![Resource::Public {
                service: "ssm",
                path: format!("parameter{GPU_AMI_PARAMETER}"),
            }],
            scoping: Scoping::Names,
        },
    ]
}

/// Checking the certificate `platform.json` names before anything changes: that one only.
fn certificate(platform: &Platform) -> Grant {
    Grant {
        sid: "CheckThePlatformsCertificate",
        why: "the reference check: the certificate platform.json names exists, is issued and \
              covers the routing domain",
        modes: READ,
        actions: vec!["acm:DescribeCertificate"],
        resources: vec![Resource::Exact(platform.certificate_arn.clone())],
        scoping: Scoping::Names,
    }
}

/// The action and resource that read the platform secret `name` (`<platform>/<name>`) from the
/// platform's store.
fn read_platform_secret(platform: &Platform, name: &str) -> (&'static str, Resource) {
    let path = Names::new("{platform}").platform_secret_path(name);
    match platform.secrets_store {
        SecretsStore::Ssm => ("ssm:GetParameter", arn("ssm", &format!("parameter/{path}"))),
        // Secrets Manager appends six random characters to a secret's ARN.
        SecretsStore::SecretsManager => (
            "secretsmanager:GetSecretValue",
            arn("secretsmanager", &format!("secret:{path}-??????")),
        ),
    }
}

/// Reading rnd's own credential (the Slack webhook or bot token kept in the platform's store):
/// that one secret, never a service's.
fn credentials(platform: &Platform) -> Vec<Grant> {
    let secret = match &platform.notifications.slack {
        SlackTarget::WebhookSecret { secret } => Some(secret),
        SlackTarget::Bot {
            token: CredentialSource::Secret(secret),
            ..
        } => Some(secret),
        _ => None,
    };
    let Some(secret) = secret else {
        return Vec::new();
    };
    let (action, resource) = read_platform_secret(platform, secret);
    vec![Grant {
        sid: "ReadTheSlackCredential",
        why: "posting to Slack with the credential platform.json names in the platform's store",
        modes: APPLY,
        actions: vec![action],
        resources: vec![resource],
        scoping: Scoping::Names,
    }]
}

/// Reading the sign-in client secret `routing.sign_in` names, to write it into listener rules:
/// that one secret, when sign-in is configured.
fn sign_in_secret(platform: &Platform) -> Vec<Grant> {
    let Some(oidc) = platform
        .routing
        .sign_in
        .as_ref()
        .and_then(crate::platform::SignIn::oidc)
    else {
        return Vec::new();
    };
    let (action, resource) = read_platform_secret(platform, &oidc.client_secret);
    vec![Grant {
        sid: "ReadTheSignInClientSecret",
        why: "writing the identity provider's client secret into the listener rules that sign people in",
        modes: APPLY,
        actions: vec![action],
        resources: vec![resource],
        scoping: Scoping::Names,
    }]
}

/// Keeping the platform's DNS records in the hosted zone `routing.hosted_zone_id` names: that
/// zone only, and in it only A and TXT records at the routing domain and below it.
fn dns_records(platform: &Platform) -> Vec<Grant> {
    let Some(zone) = &platform.routing.hosted_zone_id else {
        return Vec::new();
    };
    let hosted_zone = || Resource::Unplaced {
        service: "route53",
        path: format!("hostedzone/{zone}"),
    };
    // Validation keeps the domain in lower case, as the condition key compares it.
    let domain = platform.routing.domain.clone();
    vec![
        Grant {
            sid: "ReadThePlatformsHostedZone",
            why: "the reference check (the zone exists and holds the routing domain) and                   observing the platform's DNS records and their ownership TXT records",
            modes: READ,
            actions: vec!["route53:GetHostedZone", "route53:ListResourceRecordSets"],
            resources: vec![hosted_zone()],
            scoping: Scoping::Names,
        },
        Grant {
            sid: "ChangeThePlatformsDnsRecords",
            why: "the alias records that point the routing domain's names at the load balancers,                   and beside each the TXT record that says it is rnd's: in that zone, A and TXT                   records named the domain or below it, nothing else",
            modes: APPLY,
            actions: vec!["route53:ChangeResourceRecordSets"],
            resources: vec![hosted_zone()],
            // Route 53 matches names normalized: lower case, no trailing dot, `*` as `\052`;
            // the glob `*.<domain>` covers `\052.<domain>` and every name below the domain.
            scoping: Scoping::Conditions(vec![
                Condition {
                    operator: "ForAllValues:StringLike",
                    key: "route53:ChangeResourceRecordSetsNormalizedRecordNames",
                    values: vec![domain.clone(), format!("*.{domain}")],
                },
                Condition {
                    operator: "ForAllValues:StringEquals",
                    key: "route53:ChangeResourceRecordSetsRecordTypes",
                    values: vec!["A".into(), "TXT".into()],
                },
            ]),
        },
    ]
}

/// Writing the services' secrets (`rnd secrets set`): under the platform's own path only.
fn secrets(platform: &Platform) -> Vec<Grant> {
    let (actions, resource) = match platform.secrets_store {
        SecretsStore::Ssm => (
            vec!["ssm:AddTagsToResource", "ssm:DeleteParameter", "ssm:PutParameter"],
            arn("ssm", "parameter/{platform}/*"),
        ),
        SecretsStore::SecretsManager => (
            vec![
                "secretsmanager:CreateSecret",
                "secretsmanager:DeleteSecret",
                "secretsmanager:PutSecretValue",
                "secretsmanager:TagResource",
            ],
            arn("secretsmanager", "secret:{platform}/*"),
        ),
    };
    vec![Grant {
        sid: "WriteThePlatformsSecrets",
        why: "rnd secrets set and delete: a service's secrets under the platform's path in its \
              store; the value is never read back",
        modes: SECRETS,
        actions,
        resources: vec![resource],
        scoping: Scoping::Names,
    }]
}

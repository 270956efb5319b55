//! Counting the AWS API calls a run makes, by service and operation, with an SDK interceptor.
//!
//! Every client rnd builds carries the same counter, so a frontend can say how many calls a run
//! took and how many of them changed something, and tests can prove that a run with nothing to
//! do changes nothing (a second apply makes zero mutating calls).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// One API operation of one AWS service, as the SDK names them (`ECS`, `CreateService`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiOperation {
    pub service: String,
    pub operation: String,
}

impl ApiOperation {
    /// Whether the call can change something in AWS. Reads are named `Describe*`, `List*` and
    /// `Get*` across the services rnd uses; everything else (create, update, put, tag, delete,
    /// register, attach, set, modify, request) writes.
    pub fn is_mutating(&self) -> bool {
        // `BatchGet` reads several items at once (ECR's BatchGetImage).
        const READS: [&str; 4] = ["Describe", "List", "Get", "BatchGet"];
        !READS.iter().any(|prefix| self.operation.starts_with(prefix))
    }
}

impl ApiOperation {
    /// The IAM action this call needs (`ecs:CreateService`): the service's IAM prefix and the
    /// operation's name, which IAM uses as the action for every API rnd calls. `None` for a
    /// service rnd does not know the prefix of.
    pub fn iam_action(&self) -> Option<String> {
        let prefix = match self.service.as_str() {
            "ECS" => "ecs",
            "EC2" => "ec2",
            "IAM" => "iam",
            "Elastic Load Balancing v2" | "ElasticLoadBalancingv2" => "elasticloadbalancing",
            "Auto Scaling" | "AutoScaling" => "autoscaling",
            "CloudWatch Logs" | "CloudWatchLogs" => "logs",
            "DynamoDB" => "dynamodb",
            "SSM" => "ssm",
            "Secrets Manager" | "SecretsManager" => "secretsmanager",
            "ECR" => "ecr",
            "ACM" => "acm",
            "Resource Groups Tagging API" | "ResourceGroupsTaggingAPI" => "tag",
            "STS" => "sts",
            "Route 53" | "Route53" => "route53",
            "CloudWatch" => "cloudwatch",
            "Lambda" => "lambda",
            _ => return None,
        };
        Some(format!("{prefix}:{}", self.operation))
    }
}

impl std::fmt::Display for ApiOperation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.service, self.operation)
    }
}

/// Calls made through the clients that share this counter, since it was made or last taken.
/// Retries of one call count once: this counts what rnd asked for, not what the network saw.
#[derive(Debug, Clone, Default)]
pub struct CallCounter {
    counts: Arc<Mutex<BTreeMap<ApiOperation, u64>>>,
}

impl CallCounter {
    /// The counts so far, by operation.
    pub fn snapshot(&self) -> BTreeMap<ApiOperation, u64> {
        self.lock().clone()
    }

    /// The counts so far, and start again from zero.
    pub fn take(&self) -> BTreeMap<ApiOperation, u64> {
        std::mem::take(&mut *self.lock())
    }

    /// Every call so far that could have changed something, by operation.
    pub fn mutating(&self) -> BTreeMap<ApiOperation, u64> {
        self.lock()
            .iter()
            .filter(|(op, _)| op.is_mutating())
            .map(|(op, n)| (op.clone(), *n))
            .collect()
    }

    /// How many calls so far, and how many of them could have changed something.
    pub fn totals(&self) -> (u64, u64) {
        self.lock().iter().fold((0, 0), |(all, writes), (op, n)| {
            (all + n, writes + if op.is_mutating() { *n } else { 0 })
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<ApiOperation, u64>> {
        // A panic while counting cannot leave the map half-updated: the counts stay usable.
        self.counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "rnd API call counter"
    }

    // Once per call, before the first attempt, so retries are not counted again; and after the
    // operation's own configuration (which names it) is in the bag, unlike
    // `read_before_execution`, which runs for client interceptors before it is.
    fn read_before_serialization(
        &self,
        _: &BeforeSerializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(metadata) = cfg.load::<Metadata>() {
            let key = ApiOperation {
                service: metadata.service().to_string(),
                operation: metadata.name().to_string(),
            };
            *self.lock().entry(key).or_insert(0) += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(name: &str) -> ApiOperation {
        ApiOperation {
            service: "ECS".into(),
            operation: name.into(),
        }
    }

    #[test]
    fn reads_are_told_from_writes_by_their_verb() {
        for read in ["DescribeServices", "ListClusters", "GetRolePolicy"] {
            assert!(!op(read).is_mutating(), "{read}");
        }
        for write in [
            "CreateService",
            "UpdateService",
            "PutItem",
            "TagResource",
            "DeleteRule",
            "RegisterTaskDefinition",
            "AttachRolePolicy",
            "SetRulePriorities",
            "ModifyListener",
        ] {
            assert!(op(write).is_mutating(), "{write}");
        }
    }
}

//! The platform's statements in rnd's Lambda function's resource policy (`GetPolicy`, one call
//! per function): exactly the ids `rnd-<platform>-wake` and `rnd-<platform>-idle`.
//!
//! Statements carry no tags; the platform's exact ids are its mark (`plan::ownership`). Which
//! functions to read comes from what the platform has: the cluster's `rnd:function` tag (set
//! while `platform.json` names one) and its idle alarms' actions.

use std::collections::{BTreeMap, BTreeSet};

use rnd_core::plan::naming::Names;
use rnd_core::plan::observed::{ObservedResource, TAG_PLATFORM};
use rnd_core::plan::resource::ResourceKind;
use serde_json::Value;

use super::resource;
use crate::{AwsError, Clients};

pub(super) async fn permissions(
    clients: &Clients,
    platform: &str,
    functions: BTreeSet<String>,
) -> Result<Vec<ObservedResource>, AwsError> {
    let names = Names::new(platform);
    let ours = [names.wake_permission(), names.idle_permission()];
    let mut observed = Vec::new();
    for function in functions {
        let policy = match clients.lambda.get_policy().function_name(&function).send().await {
            Ok(out) => out.policy().unwrap_or_default().to_string(),
            Err(e) => {
                let err = AwsError::call("GetPolicy", &function, e);
                // No policy yet, or no such function (any more): no statement of ours there.
                if err.is_not_found() {
                    continue;
                }
                return Err(err);
            }
        };
        let policy: Value = serde_json::from_str(&policy).unwrap_or(Value::Null);
        let statements = policy
            .get("Statement")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for statement in statements {
            let Some(sid) = statement.get("Sid").and_then(Value::as_str) else {
                continue;
            };
            if !ours.iter().any(|o| o == sid) {
                continue;
            }
            let tags = BTreeMap::from([(TAG_PLATFORM.to_string(), platform.to_string())]);
            let mut r = resource(ResourceKind::LambdaPermission, sid, Some(function.clone()), tags);
            r.attributes
                .insert("function_arn".into(), Value::from(function.as_str()));
            let principal = statement.pointer("/Principal/Service").and_then(Value::as_str);
            let condition = |operator: &str, key: &str| {
                statement
                    .get("Condition")
                    .and_then(|c| c.get(operator))
                    .and_then(|c| c.get(key))
                    .and_then(Value::as_str)
                    .map(|v| Value::from(v.to_string()))
            };
            super::set(&mut r.attributes, "principal", principal);
            super::set(
                &mut r.attributes,
                "source_account",
                condition("StringEquals", "AWS:SourceAccount"),
            );
            super::set(
                &mut r.attributes,
                "source_arn",
                condition("ArnLike", "AWS:SourceArn"),
            );
            observed.push(r);
        }
    }
    Ok(observed)
}

//! An IAM policy document built from the grants a mode needs: one statement per grant.

use serde::Serialize;
use serde_json::{Map, Value};

use super::grants::{grants, Resource, Scoping};
use super::{Mode, Scope};

/// An IAM policy document, serialized exactly as IAM reads it (no comments: a user attaches it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    #[serde(rename = "Version")]
    pub version: &'static str,
    #[serde(rename = "Statement")]
    pub statement: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    #[serde(rename = "Sid")]
    pub sid: String,
    #[serde(rename = "Effect")]
    pub effect: &'static str,
    #[serde(rename = "Action")]
    pub action: Vec<String>,
    #[serde(rename = "Resource")]
    pub resource: Vec<String>,
    #[serde(rename = "Condition", skip_serializing_if = "Option::is_none")]
    pub condition: Option<Map<String, Value>>,
}

impl Policy {
    /// Every action granted, sorted and without repeats.
    pub fn actions(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self
            .statement
            .iter()
            .flat_map(|s| s.action.iter().map(String::as_str))
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// The policy `mode` needs for the platform in `scope`.
pub fn policy(scope: &Scope, mode: Mode) -> Policy {
    let statement = grants(scope.platform)
        .into_iter()
        .filter(|g| g.modes.contains(&mode))
        .map(|g| Statement {
            sid: g.sid.to_string(),
            effect: "Allow",
            action: g.actions.iter().map(|a| a.to_string()).collect(),
            resource: g.resources.iter().map(|r| arn(scope, r)).collect(),
            condition: condition(scope, &g.scoping),
        })
        .collect();
    Policy {
        version: "2012-10-17",
        statement,
    }
}

fn arn(scope: &Scope, resource: &Resource) -> String {
    let platform = scope.platform;
    let (partition, region, account) = (&scope.partition, &platform.region, &scope.account);
    match resource {
        Resource::Any => "*".to_string(),
        Resource::Arn { service, path } => {
            let path = path.replace("{platform}", &platform.name);
            format!("arn:{partition}:{service}:{region}:{account}:{path}")
        }
        Resource::Global { service, path } => {
            let path = path.replace("{platform}", &platform.name);
            format!("arn:{partition}:{service}::{account}:{path}")
        }
        // AWS's own resources carry no account (`arn:aws:ssm:us-east-1::parameter/aws/...`);
        // `*` matches that, whatever the caller's account.
        Resource::Exact(arn) => arn.clone(),
        Resource::Public { service, path } => format!("arn:{partition}:{service}:{region}:*:{path}"),
        Resource::Unplaced { service, path } => format!("arn:{partition}:{service}:::{path}"),
    }
}

fn condition(scope: &Scope, scoping: &Scoping) -> Option<Map<String, Value>> {
    let platform = &scope.platform.name;
    let one = |operator: &str, key: String, value: Value| {
        let mut inner = Map::new();
        inner.insert(key, value);
        let mut outer = Map::new();
        outer.insert(operator.to_string(), Value::Object(inner));
        Some(outer)
    };
    match scoping {
        Scoping::Names => None,
        Scoping::NoResourceLevel => None,
        Scoping::ResourceTag => one(
            "StringEquals",
            format!("aws:ResourceTag/{}", crate::plan::observed::TAG_PLATFORM),
            Value::from(platform.as_str()),
        ),
        Scoping::RequestTag => one(
            "StringEquals",
            format!("aws:RequestTag/{}", crate::plan::observed::TAG_PLATFORM),
            Value::from(platform.as_str()),
        ),
        Scoping::Cluster => one(
            "ArnLike",
            "ecs:cluster".to_string(),
            Value::from(format!(
                "arn:{}:ecs:{}:{}:cluster/{platform}",
                scope.partition, scope.platform.region, scope.account
            )),
        ),
        // One value is written as a string: IAM reads both, and linters expect a `Bool` scalar.
        Scoping::Condition {
            operator,
            key,
            values,
        } => one(
            operator,
            key.to_string(),
            match values.as_slice() {
                [one] => Value::from(*one),
                many => Value::from(many.iter().map(|v| Value::from(*v)).collect::<Vec<_>>()),
            },
        ),
        Scoping::Conditions(conditions) => {
            let mut outer = Map::new();
            for c in conditions {
                let entry = outer
                    .entry(c.operator.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(inner) = entry {
                    inner.insert(c.key.to_string(), Value::from(c.values.clone()));
                }
            }
            Some(outer)
        }
    }
}

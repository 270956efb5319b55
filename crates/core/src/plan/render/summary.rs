//! The plan in plain words, one line per service that changes, for the researcher who reads a
//! plan first: new / updated / removed, where it runs (a Fargate size, or a GPU instance type
//! with its GPU model and memory), the version change, a move to another instance type, its URL
//! and who can reach it, and its monthly cost change. A version bump reads as an update of the service, not as a task
//! definition created and another deleted.

use std::collections::BTreeMap;

use crate::catalog::Catalog;
use crate::placement::Placement;
use crate::plan::diff::{Action, ResourceChange};
use crate::plan::resource::ResourceKind;
use crate::plan::Plan;

/// What happens to one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSummary {
    pub service: String,
    /// `new`, `updated` or `removed`.
    pub verb: &'static str,
    /// Where it runs after the plan (`Fargate 1 vCPU, 2 GiB`; `g5.xlarge: 1 × NVIDIA A10G 24 GiB`).
    pub runs_on: Option<String>,
    /// `v1.4.2 → v1.5.0`, or `v1.5.0` for a new service.
    pub version: Option<String>,
    /// `moves from g5.xlarge to g6.xlarge` when its instance type changes.
    pub moves: Option<String>,
    pub url: Option<String>,
    /// Who can reach it, for a routed service: `internet, no sign-in`, `internal network`.
    pub reachable: Option<String>,
    /// `+$12.34/month`.
    pub monthly_delta: Option<String>,
}

impl ServiceSummary {
    /// `+ whisper: new, g5.xlarge: 1 × NVIDIA A10G 24 GiB, v1.4.2, https://…, +$734.38/month`.
    pub fn line(&self) -> String {
        let sign = match self.verb {
            "new" => "+",
            "removed" => "-",
            _ => "~",
        };
        format!("{sign} {}: {}", self.service, self.words())
    }

    /// `new, g5.xlarge: 1 × NVIDIA A10G 24 GiB, v1.4.2, https://…, +$734.38/month`.
    pub fn words(&self) -> String {
        let parts: Vec<&str> = [
            Some(self.verb),
            self.runs_on.as_deref(),
            self.version.as_deref(),
            self.moves.as_deref(),
            self.url.as_deref(),
            self.reachable.as_deref(),
            self.monthly_delta.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect();
        parts.join(", ")
    }
}

/// One summary per service the plan changes, in name order.
pub fn service_summaries(plan: &Plan) -> Vec<ServiceSummary> {
    let mut by_service: BTreeMap<&str, Vec<&ResourceChange>> = BTreeMap::new();
    for op in plan.graph.operations() {
        if let Some(service) = op.service.as_deref() {
            by_service.entry(service).or_default().push(op);
        }
    }
    by_service
        .into_iter()
        .map(|(service, ops)| summary(plan, service, &ops))
        .collect()
}

fn summary(plan: &Plan, service: &str, ops: &[&ResourceChange]) -> ServiceSummary {
    let ecs = ops.iter().find(|op| op.id.kind == ResourceKind::EcsService);
    let verb = match ecs.map(|op| op.action) {
        Some(Action::Create) => "new",
        Some(Action::Delete) => "removed",
        _ => "updated",
    };
    let placed = plan.capacity.services.iter().find(|s| s.name == service);
    let runs_on = (verb != "removed")
        .then(|| placed.map(|p| runs_on(&p.placement)))
        .flatten();
    let cost = plan.cost.services.iter().find(|c| c.service == service);
    let monthly_delta = cost
        .filter(|c| c.monthly_before != c.monthly_after)
        .map(|c| format!("{}/month", c.monthly_delta));
    let url = (verb != "removed")
        .then(|| {
            plan.urls
                .iter()
                .find(|(s, _)| s == service)
                .map(|(_, u)| u.clone())
        })
        .flatten();
    ServiceSummary {
        service: service.to_string(),
        verb,
        runs_on,
        version: version(ops, verb),
        moves: ecs.and_then(|op| moves(op)),
        reachable: url.as_ref().and(plan.exposure.get(service).cloned()),
        url,
        monthly_delta,
    }
}

fn runs_on(placement: &Placement) -> String {
    match placement {
        Placement::Fargate { cpu, memory } => {
            format!(
                "Fargate {} vCPU, {} GiB",
                trim(*cpu as f64 / 1024.0),
                trim(*memory as f64 / 1024.0)
            )
        }
        Placement::Ec2 { instance_types, .. } => instance_types
            .keys()
            .map(|t| describe_type(t))
            .collect::<Vec<_>>()
            .join(" and "),
    }
}

/// `g5.xlarge: 1 × NVIDIA A10G 24 GiB`.
fn describe_type(name: &str) -> String {
    match Catalog::builtin().gpu_type(name) {
        Some(t) => format!(
            "{name}: {} × {} {} GiB",
            t.gpus,
            t.gpu_model,
            trim(t.gpu_memory_mib as f64 / 1024.0)
        ),
        None => name.to_string(),
    }
}

fn trim(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The image tag before and after, read from the task definitions the plan creates and retires.
fn version(ops: &[&ResourceChange], verb: &str) -> Option<String> {
    let tag = |image: &str| image.rsplit_once(':').map(|(_, t)| t.to_string());
    let after = ops
        .iter()
        .filter(|op| op.id.kind == ResourceKind::TaskDefinition && op.action != Action::Delete)
        .find_map(|op| {
            op.desired
                .as_ref()?
                .attributes()
                .get("image")?
                .as_str()
                .and_then(tag)
        });
    let before = ops
        .iter()
        .filter(|op| op.id.kind == ResourceKind::TaskDefinition && op.action != Action::Create)
        .find_map(|op| {
            op.observed
                .as_ref()?
                .attributes
                .get("image")?
                .as_str()
                .and_then(tag)
        });
    match (verb, before, after) {
        ("new", _, Some(after)) => Some(after),
        ("removed", Some(before), _) => Some(before),
        (_, Some(before), Some(after)) if before != after => Some(format!("{before} → {after}")),
        _ => None,
    }
}

/// The instance types of the capacity providers before and after, when they change.
fn moves(op: &ResourceChange) -> Option<String> {
    let change = op.changes.iter().find(|c| c.attribute == "capacity_providers")?;
    let types = |value: &Option<serde_json::Value>| -> Vec<String> {
        value
            .as_ref()
            .and_then(|v| v.as_object())
            .map(|m| m.keys().map(|p| provider_type(p)).collect())
            .unwrap_or_default()
    };
    let (before, after) = (types(&change.before), types(&change.after));
    (!before.is_empty() && !after.is_empty() && before != after)
        .then(|| format!("moves from {} to {}", before.join(" and "), after.join(" and ")))
}

/// `research-g5-xlarge` → `g5.xlarge`; `FARGATE` stays.
fn provider_type(provider: &str) -> String {
    if provider.starts_with("FARGATE") {
        return "Fargate".to_string();
    }
    let mut parts: Vec<&str> = provider.rsplitn(3, '-').collect();
    parts.reverse();
    match parts.as_slice() {
        [_, family, size] => format!("{family}.{size}"),
        _ => provider.to_string(),
    }
}

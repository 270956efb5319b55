//! What a Slack report says about a run, taken from the plan: which services change and how,
//! what they cost, where they answer. Plain data, so messages can be built and tested without AWS.

use std::collections::BTreeMap;

use rnd_core::catalog::Usd;
use rnd_core::plan::diff::Action;
use rnd_core::plan::naming::Names;
use rnd_core::plan::render::service_summaries;
use rnd_core::plan::resource::ResourceKind;
use rnd_core::plan::Plan;

/// Who and what started the run; everything optional because a laptop run may know neither.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunContext {
    pub commit: Option<String>,
    pub author: Option<String>,
    /// `rnd destroy` rather than `rnd apply`.
    pub destroy: bool,
}

/// How a service changes in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    Created,
    Updated,
    Removed,
}

impl Change {
    pub fn word(self) -> &'static str {
        match self {
            Change::Created => "created",
            Change::Updated => "updated",
            Change::Removed => "removed",
        }
    }
}

/// One service the plan touches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceChange {
    pub service: String,
    pub change: Change,
    /// Operations of this service in the plan.
    pub operations: usize,
    /// Monthly cost difference, e.g. `+$29.57`; `None` when it does not change.
    pub monthly_delta: Option<String>,
    /// The plan's plain-words line for it, as the plan and the PR comment show it:
    /// `updated, g6.xlarge: 1 × NVIDIA L4 22.35 GiB, v1.4.2 → v1.5.0, https://…, +$29.57/month`.
    pub words: String,
}

/// Everything the start, failure and end messages need to know before the run starts.
/// Holds names, addresses and amounts only: never a setting's value (env values stay out).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunSummary {
    pub platform: String,
    pub region: String,
    pub context: RunContext,
    /// Changed services, by name.
    pub services: Vec<ServiceChange>,
    /// Services the plan leaves as they are.
    pub unchanged: Vec<String>,
    /// Operations on shared resources (cluster, load balancers, GPU capacity).
    pub foundation_operations: usize,
    pub operations: usize,
    pub monthly_before: String,
    pub monthly_after: String,
    pub monthly_delta: String,
    /// Public URL per routed service.
    pub urls: BTreeMap<String, String>,
    /// Operation address → its service, so a failed operation can be told to its service.
    pub addresses: BTreeMap<String, String>,
    /// Log group per changed service, for "how to see more".
    pub log_groups: BTreeMap<String, String>,
    /// Monthly cost per service before and after the plan: a failed service still costs what
    /// it did, so the end message can say what is actually deployed.
    pub monthly_costs: BTreeMap<String, (Usd, Usd)>,
    /// The plan's monthly total after.
    pub monthly_after_amount: Usd,
}

impl RunSummary {
    pub fn from_plan(plan: &Plan, context: RunContext) -> Self {
        let mut per_service: BTreeMap<String, (Change, usize)> = BTreeMap::new();
        let mut addresses = BTreeMap::new();
        let mut foundation_operations = 0;
        for op in plan.graph.operations() {
            let Some(service) = &op.service else {
                foundation_operations += 1;
                continue;
            };
            addresses.insert(op.address.clone(), service.clone());
            let entry = per_service.entry(service.clone()).or_insert((Change::Updated, 0));
            entry.1 += 1;
            // The ECS service itself decides: created with it, removed with it, else updated.
            if op.id.kind == ResourceKind::EcsService {
                match op.action {
                    Action::Create => entry.0 = Change::Created,
                    Action::Delete => entry.0 = Change::Removed,
                    Action::Update | Action::Replace => {}
                }
            }
        }
        let delta_of = |service: &str| {
            plan.cost
                .services
                .iter()
                .find(|c| c.service == service && !c.monthly_delta.is_zero())
                .map(|c| signed_dollars(c.monthly_delta.as_f64()))
        };
        let names = Names::new(&plan.platform);
        let words: BTreeMap<String, String> = service_summaries(plan)
            .into_iter()
            .map(|s| (s.service.clone(), s.words()))
            .collect();
        let services: Vec<ServiceChange> = per_service
            .iter()
            .map(|(service, (change, operations))| ServiceChange {
                service: service.clone(),
                change: *change,
                operations: *operations,
                monthly_delta: delta_of(service),
                words: words
                    .get(service)
                    .cloned()
                    .unwrap_or_else(|| change.word().to_string()),
            })
            .collect();
        let mut unchanged: Vec<String> = plan
            .cost
            .services
            .iter()
            .map(|c| c.service.clone())
            .chain(plan.urls.iter().map(|(s, _)| s.clone()))
            .filter(|s| !per_service.contains_key(s))
            .collect();
        unchanged.sort();
        unchanged.dedup();
        RunSummary {
            platform: plan.platform.clone(),
            region: plan.region.clone(),
            context,
            log_groups: per_service
                .keys()
                .map(|s| (s.clone(), names.log_group(s)))
                .collect(),
            services,
            unchanged,
            foundation_operations,
            operations: plan.graph.len(),
            monthly_before: dollars(plan.cost.monthly_before.as_f64()),
            monthly_after: dollars(plan.cost.monthly_after.as_f64()),
            monthly_delta: signed_dollars(plan.cost.monthly_delta.as_f64()),
            urls: plan.urls.iter().cloned().collect(),
            addresses,
            monthly_costs: plan
                .cost
                .services
                .iter()
                .map(|c| (c.service.clone(), (c.monthly_before, c.monthly_after)))
                .collect(),
            monthly_after_amount: plan.cost.monthly_after,
        }
    }

    /// The monthly cost actually deployed when `not_deployed` services kept what they had: the
    /// plan's total, less each such service's change.
    pub fn monthly_deployed(&self, not_deployed: &[&String]) -> f64 {
        let held_back: i128 = not_deployed
            .iter()
            .filter_map(|s| self.monthly_costs.get(*s))
            .map(|(before, after)| i128::from(after.nanos()) - i128::from(before.nanos()))
            .sum();
        (i128::from(self.monthly_after_amount.nanos()) - held_back) as f64 / 1e9
    }

    pub fn change_of(&self, service: &str) -> Option<Change> {
        self.services
            .iter()
            .find(|s| s.service == service)
            .map(|s| s.change)
    }
}

/// `$1,234.57`: cents are enough in a chat message; the plan has the exact amounts.
pub fn dollars(amount: f64) -> String {
    let cents = (amount.abs() * 100.0).round() as u64;
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("${grouped}.{:02}", cents % 100)
}

/// `+$12.00`, `-$3.50`, `$0.00`.
pub fn signed_dollars(amount: f64) -> String {
    let text = dollars(amount);
    if text == "$0.00" {
        text
    } else if amount > 0.0 {
        format!("+{text}")
    } else {
        format!("-{text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_like_money() {
        assert_eq!(dollars(1234.567), "$1,234.57");
        assert_eq!(dollars(0.004), "$0.00");
        assert_eq!(signed_dollars(-3.5), "-$3.50");
        assert_eq!(signed_dollars(12.0), "+$12.00");
        assert_eq!(signed_dollars(-0.001), "$0.00");
        assert_eq!(dollars(1_000_000.0), "$1,000,000.00");
    }
}

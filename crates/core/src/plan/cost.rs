//! Cost before and after a plan, per service and in total, and the difference.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Serialize, Serializer};

use crate::catalog::Usd;
use crate::placement::CapacityPlan;

/// A signed amount of dollars (a cost difference), exact in nano-dollars.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct UsdDelta(i128);

impl UsdDelta {
    pub fn between(before: Usd, after: Usd) -> Self {
        UsdDelta(i128::from(after.nanos()) - i128::from(before.nanos()))
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// Times 730 hours.
    pub fn monthly(self) -> Self {
        UsdDelta(self.0 * 730)
    }
}

/// `+$1.23` / `-$0.50` / `$0.00`; a precision asks for more decimals, as for [`Usd`].
impl fmt::Display for UsdDelta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let magnitude = Usd::from_nanos(self.0.unsigned_abs().min(u128::from(u64::MAX)) as u64);
        let text = match f.precision() {
            Some(p) => format!("{magnitude:.p$}"),
            None => magnitude.to_string(),
        };
        // A change that rounds to nothing reads as no change, not as "+$0.00".
        let zero = text
            .trim_start_matches('$')
            .bytes()
            .all(|b| b == b'0' || b == b'.');
        match self.0.signum() {
            1 if !zero => write!(f, "+{text}"),
            -1 if !zero => write!(f, "-{text}"),
            _ => f.write_str(&text),
        }
    }
}

impl Serialize for UsdDelta {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Round to the nano-dollar grid through a decimal string, so the bytes are stable.
        let text = format!("{:.9}", self.as_f64());
        let value: f64 = text.parse().unwrap_or(0.0);
        serializer.serialize_f64(value)
    }
}

/// Hourly and monthly cost of one service before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceCost {
    pub service: String,
    pub hourly_before: Usd,
    pub hourly_after: Usd,
    pub hourly_delta: UsdDelta,
    pub monthly_before: Usd,
    pub monthly_after: Usd,
    pub monthly_delta: UsdDelta,
}

/// The platform's Application Load Balancers before and after, each at its hourly floor (the
/// ALB-hour and one LCU-hour; see `catalog/load_balancer.rs`). Shared by every routed service,
/// so counted in the totals, not in any service's figure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LoadBalancerCost {
    pub before: u32,
    pub after: u32,
    /// One balancer's hourly floor (zero where the catalog has no price for the region).
    pub hourly_each: Usd,
}

impl LoadBalancerCost {
    pub fn hourly_before(&self) -> Usd {
        self.hourly_each * u64::from(self.before)
    }

    pub fn hourly_after(&self) -> Usd {
        self.hourly_each * u64::from(self.after)
    }
}

/// The stopped instances GPU groups keep in warm pools for sleeping services, before and after:
/// each costs its root volume only (`plan::warm`). Counted in the totals, not in any service's
/// figure, like the load balancers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WarmPoolCost {
    pub instances_before: u32,
    pub instances_after: u32,
    /// One stopped instance's hourly cost.
    pub hourly_each: Usd,
    /// Its root volume in GiB: all a stopped instance costs.
    pub volume_gib: u32,
}

impl WarmPoolCost {
    pub fn hourly_before(&self) -> Usd {
        self.hourly_each * u64::from(self.instances_before)
    }

    pub fn hourly_after(&self) -> Usd {
        self.hourly_each * u64::from(self.instances_after)
    }

    /// No pool before or after: nothing to show.
    pub fn is_none(&self) -> bool {
        self.instances_before == 0 && self.instances_after == 0
    }
}

/// Every service's cost before and after, the load balancers, the warm pools, and the totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CostSummary {
    pub services: Vec<ServiceCost>,
    pub load_balancers: LoadBalancerCost,
    #[serde(skip_serializing_if = "WarmPoolCost::is_none")]
    pub warm_pools: WarmPoolCost,
    pub hourly_before: Usd,
    pub hourly_after: Usd,
    pub hourly_delta: UsdDelta,
    pub monthly_before: Usd,
    pub monthly_after: Usd,
    pub monthly_delta: UsdDelta,
}

impl CostSummary {
    pub fn compare(before: &CapacityPlan, after: &CapacityPlan) -> Self {
        let services = match (sorted_costs(before), sorted_costs(after)) {
            (Some(b), Some(a)) => merge_costs(&b, &a),
            _ => Self::compare_unsorted(before, after),
        };
        let (b, a) = (before.total_hourly_cost, after.total_hourly_cost);
        CostSummary {
            services,
            load_balancers: LoadBalancerCost::default(),
            warm_pools: WarmPoolCost::default(),
            hourly_before: b,
            hourly_after: a,
            hourly_delta: UsdDelta::between(b, a),
            monthly_before: b.monthly(),
            monthly_after: a.monthly(),
            monthly_delta: UsdDelta::between(b, a).monthly(),
        }
    }

    /// The same, with the platform's load balancers counted in the totals.
    pub fn with_load_balancers(mut self, load_balancers: LoadBalancerCost) -> Self {
        self.add_to_totals(load_balancers.hourly_before(), load_balancers.hourly_after());
        self.load_balancers = load_balancers;
        self
    }

    /// The same, with the warm pools' stopped instances counted in the totals.
    pub fn with_warm_pools(mut self, warm_pools: WarmPoolCost) -> Self {
        self.add_to_totals(warm_pools.hourly_before(), warm_pools.hourly_after());
        self.warm_pools = warm_pools;
        self
    }

    /// Count a platform-wide cost (not any service's) in the totals, hourly and monthly.
    fn add_to_totals(&mut self, before: Usd, after: Usd) {
        let (b, a) = (self.hourly_before + before, self.hourly_after + after);
        self.hourly_before = b;
        self.hourly_after = a;
        self.hourly_delta = UsdDelta::between(b, a);
        self.monthly_before = b.monthly();
        self.monthly_after = a.monthly();
        self.monthly_delta = UsdDelta::between(b, a).monthly();
    }

    /// Every service of either plan by name, through maps: for plans whose services are not
    /// sorted by name (`place` always sorts them).
    fn compare_unsorted(before: &CapacityPlan, after: &CapacityPlan) -> Vec<ServiceCost> {
        let by_name = |plan: &CapacityPlan| -> BTreeMap<String, Usd> {
            plan.services
                .iter()
                .map(|s| (s.name.clone(), s.hourly_cost))
                .collect()
        };
        let (before_costs, after_costs) = (by_name(before), by_name(after));
        let names: BTreeSet<&String> = before_costs.keys().chain(after_costs.keys()).collect();
        let cost_in =
            |costs: &BTreeMap<String, Usd>, name: &str| costs.get(name).copied().unwrap_or(Usd::ZERO);
        names
            .into_iter()
            .map(|name| service_cost(name, cost_in(&before_costs, name), cost_in(&after_costs, name)))
            .collect()
    }
}

fn service_cost(name: &str, b: Usd, a: Usd) -> ServiceCost {
    ServiceCost {
        service: name.to_string(),
        hourly_before: b,
        hourly_after: a,
        hourly_delta: UsdDelta::between(b, a),
        monthly_before: b.monthly(),
        monthly_after: a.monthly(),
        monthly_delta: UsdDelta::between(b, a).monthly(),
    }
}

/// A plan's hourly cost per service, by name, when its services are sorted by name; a name
/// that occurs more than once counts with its last entry, as a map would keep it.
fn sorted_costs(plan: &CapacityPlan) -> Option<Vec<(&str, Usd)>> {
    plan.services.is_sorted_by(|a, b| a.name <= b.name).then(|| {
        plan.services
            .chunk_by(|a, b| a.name == b.name)
            .filter_map(|same| same.last())
            .map(|s| (s.name.as_str(), s.hourly_cost))
            .collect()
    })
}

/// Both sorted lists in one pass (the plans of a large fleet hold thousands of services):
/// every name of either, in order, absent ones costing zero.
fn merge_costs(before: &[(&str, Usd)], after: &[(&str, Usd)]) -> Vec<ServiceCost> {
    let mut services = Vec::with_capacity(before.len().max(after.len()));
    let (mut b, mut a) = (before.iter().peekable(), after.iter().peekable());
    loop {
        let next = match (b.peek(), a.peek()) {
            (None, None) => break,
            (Some(&&(name, cost)), None) => {
                b.next();
                service_cost(name, cost, Usd::ZERO)
            }
            (None, Some(&&(name, cost))) => {
                a.next();
                service_cost(name, Usd::ZERO, cost)
            }
            (Some(&&(bn, bc)), Some(&&(an, ac))) => match bn.cmp(an) {
                std::cmp::Ordering::Less => {
                    b.next();
                    service_cost(bn, bc, Usd::ZERO)
                }
                std::cmp::Ordering::Greater => {
                    a.next();
                    service_cost(an, Usd::ZERO, ac)
                }
                std::cmp::Ordering::Equal => {
                    b.next();
                    a.next();
                    service_cost(bn, bc, ac)
                }
            },
        };
        services.push(next);
    }
    services
}

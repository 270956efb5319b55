//! What an Application Load Balancer costs while it exists: its hourly charge plus one LCU-hour,
//! the least a balancer that serves anything is billed for. Traffic beyond one LCU (25 new
//! connections/s, 3,000 active connections, 1 GB/h or 1,000 rule evaluations/s) costs more,
//! which no plan can know; the figure is the floor that runs whether or not anyone calls.

use super::fargate::parse_usd;
use super::table::Table;
use super::Usd;

const LOAD_BALANCER_PRICES_CSV: &str = include_str!("../../data/load_balancer_prices.csv");

/// The ALB prices of one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadBalancerPrice {
    pub region: String,
    pub per_alb_hour: Usd,
    pub per_lcu_hour: Usd,
    pub source: String,
    pub as_of: String,
}

impl LoadBalancerPrice {
    /// The hourly floor of one ALB: the ALB-hour and one LCU-hour.
    pub fn base_hourly(&self) -> Usd {
        self.per_alb_hour + self.per_lcu_hour
    }
}

pub(crate) fn builtin_load_balancer_prices() -> Vec<LoadBalancerPrice> {
    Table::parse("load_balancer_prices.csv", LOAD_BALANCER_PRICES_CSV)
        .rows()
        .map(|row| LoadBalancerPrice {
            region: row.get("region").to_string(),
            per_alb_hour: parse_usd(row.get("usd_per_alb_hour")),
            per_lcu_hour: parse_usd(row.get("usd_per_lcu_hour")),
            source: row.get("source").to_string(),
            as_of: row.get("as_of").to_string(),
        })
        .collect()
}

//! Why each GPU service runs on the instance type it does: the cheaper allowed types that cannot
//! hold one of its tasks (and what each lacks), and the next cheapest type that could, with how
//! much more it costs. `rnd capacity --explain` prints it; it reads the plan, it does not re-plan.

use std::fmt::Write;

use crate::catalog::{Catalog, Usd};

use super::demand::{AllowList, ServiceDemand};
use super::fit::class_of;
use super::model::{priced_allowed_types, Class, TypeCap};
use super::report::{CapacityPlan, Placement};

/// The explanation for one GPU service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub service: String,
    /// `1 GPU with ≥ 20 GiB, 4 vCPU, 16 GiB memory per task`.
    pub need: String,
    /// The types its tasks run on, cheapest first.
    pub chosen: Vec<String>,
    /// Allowed types cheaper than the chosen one that cannot hold one task, and why.
    pub cheaper_misfits: Vec<(String, Usd, String)>,
    /// Allowed types cheaper than the chosen one that could hold a task: the packing chose
    /// otherwise because tasks share instances.
    pub cheaper_fits: Vec<(String, Usd)>,
    /// The cheapest type dearer than the chosen one that holds a task, if any.
    pub next_fit: Option<(String, Usd)>,
    /// The chosen type's hourly price.
    pub chosen_price: Option<Usd>,
}

/// One explanation per GPU service with tasks, in the plan's order.
pub fn explain_gpu_choices(
    plan: &CapacityPlan,
    services: &[ServiceDemand],
    allowed: &AllowList,
    catalog: &Catalog,
) -> Vec<Explanation> {
    let types = priced_allowed_types(catalog, allowed, &plan.region);
    plan.services
        .iter()
        .filter_map(|placed| {
            let Placement::Ec2 { instance_types, .. } = &placed.placement else {
                return None;
            };
            let demand = services.iter().find(|d| d.name == placed.name)?;
            let class = class_of(demand);
            // The chosen type to compare against: the cheapest of those its tasks run on.
            let chosen = types.iter().find(|t| instance_types.contains_key(&t.name))?;
            let cheaper = types.iter().filter(|t| t.price < chosen.price);
            Some(Explanation {
                service: placed.name.clone(),
                need: describe_need(&class),
                chosen: types
                    .iter()
                    .filter(|t| instance_types.contains_key(&t.name))
                    .map(|t| t.name.clone())
                    .collect(),
                cheaper_misfits: cheaper
                    .clone()
                    .filter(|t| !t.admits(&class))
                    .map(|t| (t.name.clone(), Usd::from_nanos(t.price), shortfall(&class, t)))
                    .collect(),
                cheaper_fits: cheaper
                    .filter(|t| t.admits(&class))
                    .map(|t| (t.name.clone(), Usd::from_nanos(t.price)))
                    .collect(),
                next_fit: types
                    .iter()
                    .find(|t| t.price > chosen.price && t.admits(&class))
                    .or_else(|| {
                        types
                            .iter()
                            .find(|t| t.price == chosen.price && t.name != chosen.name && t.admits(&class))
                    })
                    .map(|t| (t.name.clone(), Usd::from_nanos(t.price))),
                chosen_price: Some(Usd::from_nanos(chosen.price)),
            })
        })
        .collect()
}

/// The explanations as text, one paragraph per service.
pub fn render_explanations(explanations: &[Explanation]) -> String {
    let mut out = String::new();
    if explanations.is_empty() {
        let _ = writeln!(
            out,
            "No GPU service: every service runs on Fargate at its cheapest valid size."
        );
        return out;
    }
    let _ = writeln!(out, "Why each GPU service runs where it does");
    for e in explanations {
        let _ = writeln!(out);
        let _ = writeln!(out, "{} needs {}", e.service, e.need);
        let price = e
            .chosen_price
            .map(|p| format!(" ({p:.4}/hour)"))
            .unwrap_or_default();
        let _ = writeln!(out, "  runs on {}{price}", e.chosen.join(" and "));
        if e.cheaper_misfits.is_empty() && e.cheaper_fits.is_empty() {
            let _ = writeln!(out, "  it is the cheapest allowed type that holds one task");
        }
        // Types that miss for the same reason share a line, cheapest reason first.
        let mut by_reason: Vec<(&str, Vec<&str>, Usd)> = Vec::new();
        for (name, price, why) in &e.cheaper_misfits {
            match by_reason.iter_mut().find(|(w, _, _)| *w == why.as_str()) {
                Some((_, names, _)) => names.push(name),
                None => by_reason.push((why, vec![name], *price)),
            }
        }
        for (why, names, from) in by_reason {
            let price = if names.len() == 1 {
                format!("{from:.4}/hour")
            } else {
                format!("from {from:.4}/hour")
            };
            let _ = writeln!(out, "  not {} ({price}): {why}", names.join(", "));
        }
        for (name, price) in &e.cheaper_fits {
            let _ = writeln!(
                out,
                "  not {name} ({price:.4}/hour), which holds a task: the platform's tasks together cost less packed as planned"
            );
        }
        match (&e.next_fit, e.chosen_price) {
            (Some((name, next)), Some(chosen)) if chosen.nanos() > 0 => {
                let more = (next.nanos() - chosen.nanos()) as f64 * 100.0 / chosen.nanos() as f64;
                let _ = writeln!(
                    out,
                    "  next cheapest that holds a task: {name} ({next:.4}/hour, {more:.0}% more)"
                );
            }
            _ => {
                let _ = writeln!(out, "  no dearer allowed type holds a task");
            }
        }
    }
    out
}

fn describe_need(c: &Class) -> String {
    let mut text = format!("{} GPU{}", c.gpus, if c.gpus == 1 { "" } else { "s" });
    if c.gpu_mem > 0 {
        let _ = write!(text, " with ≥ {} GiB each", gib(c.gpu_mem));
    }
    let _ = write!(
        text,
        ", {} vCPU and {} GiB memory per task",
        vcpu(c.cpu),
        gib(c.mem)
    );
    text
}

/// What `t` lacks for one task of `c`.
fn shortfall(c: &Class, t: &TypeCap) -> String {
    let mut short = Vec::new();
    if t.gpus < c.gpus {
        short.push(format!(
            "{} GPU{}, needs {}",
            t.gpus,
            if t.gpus == 1 { "" } else { "s" },
            c.gpus
        ));
    }
    if t.gpu_mem < c.gpu_mem {
        short.push(format!(
            "{} GiB per GPU, needs ≥ {}",
            gib(t.gpu_mem),
            gib(c.gpu_mem)
        ));
    }
    if t.cpu < c.cpu {
        short.push(format!(
            "{} vCPU left for tasks, needs {}",
            vcpu(t.cpu),
            vcpu(c.cpu)
        ));
    }
    if t.mem < c.mem {
        short.push(format!(
            "{} GiB memory left for tasks after the OS and ECS agent, needs {}",
            gib(t.mem),
            gib(c.mem)
        ));
    }
    if short.is_empty() {
        short.push("no room for a task's network interface".to_string());
    }
    short.join("; ")
}

fn gib(mib: u32) -> String {
    trim(f64::from(mib) / 1024.0)
}

fn vcpu(units: u32) -> String {
    trim(f64::from(units) / 1024.0)
}

fn trim(x: f64) -> String {
    let text = format!("{x:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

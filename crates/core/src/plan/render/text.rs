//! The plan as text, like a Terraform plan: `+`, `~`, `-/+`, `-`, attribute-level differences,
//! grouped into foundations and one section per service, then cost before, after and delta.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{show, summary_line};
use crate::plan::cost::UsdDelta;
use crate::plan::diff::{Action, ResourceChange};
use crate::plan::Plan;

/// ANSI colours, only when asked (a terminal without `NO_COLOR`).
struct Paint(bool);

impl Paint {
    fn action(&self, action: Action, text: &str) -> String {
        let code = match action {
            Action::Create => "32",
            Action::Update => "33",
            Action::Replace => "35",
            Action::Delete => "31",
        };
        self.wrap(code, text)
    }

    fn bold(&self, text: &str) -> String {
        self.wrap("1", text)
    }

    fn wrap(&self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

pub fn render_text(plan: &Plan, colour: bool) -> String {
    let paint = Paint(colour);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        paint.bold(&format!(
            "rnd plan for platform {} ({})",
            plan.platform, plan.region
        ))
    );
    // The plan in plain words first; the resources below say how.
    let summaries = super::service_summaries(plan);
    if !summaries.is_empty() {
        let _ = writeln!(out, "\n{}", paint.bold("Services"));
        for s in &summaries {
            let _ = writeln!(out, "  {}", s.line());
        }
    }
    if !plan.dns_to_create.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            paint.bold("DNS records to create by hand once applied (`rnd status` shows each load balancer's DNS name; with routing.hosted_zone_id in platform.json, rnd keeps them)")
        );
        for r in &plan.dns_to_create {
            let _ = writeln!(out, "  {} → load balancer {}", r.name, r.load_balancer);
        }
    }
    let mut sections: BTreeMap<Option<&str>, Vec<&ResourceChange>> = BTreeMap::new();
    for op in plan.graph.operations() {
        sections.entry(op.service.as_deref()).or_default().push(op);
    }
    for (service, ops) in &sections {
        let heading = match service {
            None => "Foundations".to_string(),
            Some(s) => match plan.urls.iter().find(|(name, _)| name == s) {
                Some((_, url)) => format!("Service {s} ({url})"),
                None => format!("Service {s}"),
            },
        };
        let _ = writeln!(out, "\n{}", paint.bold(&heading));
        for op in ops {
            write_operation(&mut out, &paint, op);
        }
    }
    let _ = writeln!(out, "\n{}", paint.bold(&format!("Plan: {}", summary_line(plan))));
    write_cost(&mut out, plan);
    out
}

fn write_operation(out: &mut String, paint: &Paint, op: &ResourceChange) {
    let note = match (op.action, op.id.kind) {
        (Action::Replace, crate::plan::resource::ResourceKind::TaskDefinition) => {
            " (new revision: task definitions are immutable)"
        }
        (Action::Delete, crate::plan::resource::ResourceKind::TaskDefinition) if op.address.contains(':') => {
            " (old revision, deregistered once the service is stable)"
        }
        (Action::Replace, _) => " (must be replaced)",
        (Action::Update, crate::plan::resource::ResourceKind::LogGroup) if crate::plan::kept::keeps_log_group(op) => {
            " (kept after its service's removal: `rnd logs --previous` still reads it; its lines expire with its retention)"
        }
        (Action::Create, _) if op.adopts.is_some() => {
            " (adopt: exists, not made by rnd; --adopt takes it over and retags it)"
        }
        _ => "",
    };
    let _ = writeln!(
        out,
        "  {} {}{note}",
        paint.action(op.action, &format!("{:>3}", op.action.symbol())),
        op.address
    );
    for change in &op.changes {
        let line = match (&change.before, &change.after) {
            (None, Some(after)) => format!("      + {} = {}", change.attribute, show(after)),
            (Some(before), Some(after)) => format!(
                "      ~ {}: {} → {}{}",
                change.attribute,
                show(before),
                show(after),
                if change.forces_replacement {
                    "  # forces replacement"
                } else {
                    ""
                }
            ),
            (Some(before), None) => format!("      - {} = {}", change.attribute, show(before)),
            (None, None) => format!("      ~ {}", change.attribute),
        };
        let _ = writeln!(out, "{line}");
    }
}

fn write_cost(out: &mut String, plan: &Plan) {
    let c = &plan.cost;
    if let Some(savings) = plan.repack_savings {
        let _ = writeln!(
            out,
            "\nRepacking running GPU tasks would save {:.4} per hour ({} per month): `rnd plan --repack` shows how. No repacking can save more than {:.4} per hour.",
            savings,
            savings.monthly(),
            plan.capacity.most_a_repack_saves()
        );
    }
    let _ = writeln!(
        out,
        "\nCost: {:.4} → {:.4} per hour ({:.4}), {} → {} per month ({})",
        c.hourly_before, c.hourly_after, c.hourly_delta, c.monthly_before, c.monthly_after, c.monthly_delta
    );
    if let Some(certificate) = plan.capacity.certificate() {
        let _ = writeln!(out, "{certificate}");
    }
    let lb = &c.load_balancers;
    let lb_label =
        (lb.before > 0 || lb.after > 0).then(|| format!("load balancers ({} → {})", lb.before, lb.after));
    let pool = &c.warm_pools;
    let pool_label = (!pool.is_none()).then(|| {
        format!(
            "warm pools ({} → {} stopped)",
            pool.instances_before, pool.instances_after
        )
    });
    let width = c
        .services
        .iter()
        .map(|s| s.service.len())
        .chain(lb_label.iter().map(|l| l.chars().count()))
        .chain(pool_label.iter().map(|l| l.chars().count()))
        .max()
        .unwrap_or(7)
        .max(7);
    let _ = writeln!(
        out,
        "  {:<width$}  {:>12}  {:>12}  {:>13}",
        "service", "before/h", "after/h", "delta/month"
    );
    for s in &c.services {
        let _ = writeln!(
            out,
            "  {:<width$}  {:>12}  {:>12}  {:>13}",
            s.service,
            format!("{:.4}", s.hourly_before),
            format!("{:.4}", s.hourly_after),
            s.monthly_delta.to_string()
        );
    }
    if let Some(label) = lb_label {
        let _ = writeln!(
            out,
            "  {label:<width$}  {:>12}  {:>12}  {:>13}",
            format!("{:.4}", lb.hourly_before()),
            format!("{:.4}", lb.hourly_after()),
            UsdDelta::between(lb.hourly_before(), lb.hourly_after())
                .monthly()
                .to_string()
        );
        let _ = writeln!(
            out,
            "  (each load balancer at its floor: the ALB-hour and one LCU-hour; traffic above one LCU costs more)"
        );
    }
    if let Some(label) = pool_label {
        let _ = writeln!(
            out,
            "  {label:<width$}  {:>12}  {:>12}  {:>13}",
            format!("{:.4}", pool.hourly_before()),
            format!("{:.4}", pool.hourly_after()),
            UsdDelta::between(pool.hourly_before(), pool.hourly_after())
                .monthly()
                .to_string()
        );
        let _ = writeln!(
            out,
            "  (a stopped instance costs its {} GiB root volume only; it starts for a wake in about a minute)",
            pool.volume_gib
        );
    }
}

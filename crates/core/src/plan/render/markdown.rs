//! The plan as Markdown for a pull-request comment: summary table, cost, per-service changes,
//! and the full plan and graph folded away.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{counts, render_mermaid, render_text, summary_line};
use crate::plan::cost::UsdDelta;
use crate::plan::diff::Action;
use crate::plan::Plan;

pub fn render_markdown(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### rnd plan: `{}` ({})\n", plan.platform, plan.region);
    // The plan in plain words first, for whoever reads the pull request.
    let summaries = super::service_summaries(plan);
    for s in &summaries {
        let _ = writeln!(out, "- **{}**: {}", s.service, s.words());
    }
    if !summaries.is_empty() {
        out.push('\n');
    }
    if !plan.dns_to_create.is_empty() {
        let records: Vec<String> = plan
            .dns_to_create
            .iter()
            .map(|r| format!("`{}` → load balancer `{}`", r.name, r.load_balancer))
            .collect();
        let _ = writeln!(
            out,
            "DNS records to create by hand once applied (`rnd status` shows each load balancer's DNS name; with routing.hosted_zone_id in platform.json, rnd keeps them): {}\n",
            records.join(", ")
        );
    }
    let _ = writeln!(out, "{}\n", summary_line(plan));
    let c = counts(plan);
    let n = |a| c.get(&a).copied().unwrap_or(0);
    let _ = writeln!(
        out,
        "| create | update | replace | delete |\n|---:|---:|---:|---:|"
    );
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} |\n",
        n(Action::Create),
        n(Action::Update),
        n(Action::Replace),
        n(Action::Delete)
    );

    let cost = &plan.cost;
    let _ = writeln!(
        out,
        "**Cost:** {} → {} per month ({})\n",
        cost.monthly_before, cost.monthly_after, cost.monthly_delta
    );
    let _ = writeln!(
        out,
        "| service | before / month | after / month | delta / month |\n|---|---:|---:|---:|"
    );
    for s in cost
        .services
        .iter()
        .filter(|s| !(s.hourly_before.nanos() == 0 && s.hourly_after.nanos() == 0))
    {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            s.service, s.monthly_before, s.monthly_after, s.monthly_delta
        );
    }
    let lb = &cost.load_balancers;
    if lb.before > 0 || lb.after > 0 {
        let _ = writeln!(
            out,
            "| load balancers ({} → {}), at their floor | {} | {} | {} |",
            lb.before,
            lb.after,
            lb.hourly_before().monthly(),
            lb.hourly_after().monthly(),
            UsdDelta::between(lb.hourly_before(), lb.hourly_after()).monthly()
        );
    }
    let pool = &cost.warm_pools;
    if !pool.is_none() {
        let _ = writeln!(
            out,
            "| warm pools ({} → {} stopped instances), volumes only | {} | {} | {} |",
            pool.instances_before,
            pool.instances_after,
            pool.hourly_before().monthly(),
            pool.hourly_after().monthly(),
            UsdDelta::between(pool.hourly_before(), pool.hourly_after()).monthly()
        );
    }
    let _ = writeln!(
        out,
        "| **total** | **{}** | **{}** | **{}** |\n",
        cost.monthly_before, cost.monthly_after, cost.monthly_delta
    );
    if let Some(certificate) = plan.capacity.certificate() {
        let _ = writeln!(out, "{certificate}\n");
    }

    if let Some(savings) = plan.repack_savings {
        let _ = writeln!(
            out,
            "> Repacking running GPU tasks would save {} per month (`rnd plan --repack`); no repacking can save more than {}.\n",
            savings.monthly(),
            plan.capacity.most_a_repack_saves().monthly()
        );
    }
    let mut by_service: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for op in plan.graph.operations() {
        let section = op.service.as_deref().unwrap_or("(foundations)");
        by_service.entry(section).or_default().push(match op.adopts {
            Some(_) => format!("`{}` {} (adopted)", op.action.symbol(), op.address),
            None if crate::plan::kept::keeps_log_group(op) => {
                format!("`{}` {} (kept)", op.action.symbol(), op.address)
            }
            None => format!("`{}` {}", op.action.symbol(), op.address),
        });
    }
    if !by_service.is_empty() {
        let _ = writeln!(out, "#### Changes by service\n");
        for (service, ops) in &by_service {
            let _ = writeln!(out, "- **{service}**: {}", ops.join(", "));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "<details><summary>Full plan</summary>\n\n```diff\n{}```\n</details>\n",
        render_text(plan, false)
    );
    if plan.has_changes() {
        let _ = writeln!(
            out,
            "<details><summary>Operation graph</summary>\n\n```mermaid\n{}```\n</details>",
            render_mermaid(plan)
        );
    }
    out
}

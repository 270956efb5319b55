//! `render_capacity_text`: the capacity plan as a plain table (no colours, fixed columns).

use std::fmt::Write;

use super::report::{CapacityPlan, Placement};
use crate::catalog::Catalog;

/// The plan as a readable table: services, instances, idle types and totals.
pub fn render_capacity_text(plan: &CapacityPlan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Capacity plan for {}", plan.region);
    let _ = writeln!(out);
    let rows: Vec<[String; 5]> = plan
        .services
        .iter()
        .map(|s| {
            let placement = match &s.placement {
                Placement::Fargate { cpu, memory } => {
                    format!(
                        "fargate {} vCPU / {} GiB",
                        trim(f64::from(*cpu) / 1024.0),
                        trim(f64::from(*memory) / 1024.0)
                    )
                }
                Placement::Ec2 { instance_types, .. } if instance_types.is_empty() => {
                    "ec2 (no tasks)".to_string()
                }
                Placement::Ec2 { instance_types, .. } => {
                    let parts: Vec<String> =
                        instance_types.iter().map(|(t, n)| format!("{t} ×{n}")).collect();
                    format!("ec2 {}", parts.join(", "))
                }
            };
            [
                s.name.clone(),
                s.replicas.to_string(),
                placement,
                format!("{:.4}", s.hourly_cost),
                s.monthly_cost.to_string(),
            ]
        })
        .collect();
    table(
        &mut out,
        ["SERVICE", "REPLICAS", "PLACEMENT", "$/HOUR", "$/MONTH"],
        &rows,
    );
    let _ = writeln!(out);
    if plan.instances.is_empty() {
        let _ = writeln!(out, "No EC2 instances: every allowed GPU type is scaled to zero.");
    } else {
        let rows: Vec<[String; 5]> = plan
            .instances
            .iter()
            .enumerate()
            .map(|(n, i)| {
                let tasks: Vec<String> = i
                    .tasks
                    .iter()
                    .map(|t| format!("{}#{}", t.service, t.replica))
                    .collect();
                [
                    format!("{}", n + 1),
                    with_gpus(&i.instance_type),
                    tasks.join(" "),
                    format!("{:.4}", i.hourly_cost),
                    i.monthly_cost.to_string(),
                ]
            })
            .collect();
        table(
            &mut out,
            ["#", "INSTANCE TYPE", "TASKS", "$/HOUR", "$/MONTH"],
            &rows,
        );
        let idle = plan.instance_counts.iter().filter(|c| c.count == 0).count();
        let _ = writeln!(out);
        let _ = writeln!(out, "{idle} other allowed instance types run 0 instances.");
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Total: {:.4} per hour, {} per month (730 h)",
        plan.total_hourly_cost, plan.total_monthly_cost
    );
    if let Some(certificate) = plan.certificate() {
        let _ = writeln!(out, "{certificate}");
    }
    out
}

/// `g5.xlarge (1 × NVIDIA A10G 24 GiB)`: the GPU model and memory (per GPU) a researcher
/// looks for.
fn with_gpus(instance_type: &str) -> String {
    match Catalog::builtin().gpu_type(instance_type) {
        Some(t) => format!(
            "{instance_type} ({} × {} {} GiB)",
            t.gpus,
            t.gpu_model,
            trim(f64::from(t.gpu_memory_mib) / 1024.0)
        ),
        None => instance_type.to_string(),
    }
}

fn table(out: &mut String, header: [&str; 5], rows: &[[String; 5]]) {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |out: &mut String, cells: [&str; 5]| {
        let mut text = String::new();
        for (k, (cell, w)) in cells.iter().zip(widths).enumerate() {
            let pad = w - cell.chars().count();
            // Money columns (the last two) are right-aligned so decimals line up.
            if k >= 3 {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            }
            text.push_str("  ");
        }
        let _ = writeln!(out, "{}", text.trim_end());
    };
    line(out, header);
    for row in rows {
        line(out, [&row[0], &row[1], &row[2], &row[3], &row[4]]);
    }
}

fn trim(x: f64) -> String {
    let text = format!("{x:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

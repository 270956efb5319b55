//! What the action writes for people, as Markdown: the pull-request comment and the job summary
//! (the plan, or why there is none), and the outcome of an apply. Pure text from values.

use std::fmt::Write;

use rnd_aws::{ApplyReport, OperationResult, ServiceOutcome};
use rnd_core::diagnostic::Diagnostic;
use rnd_core::plan::render::render_markdown;
use rnd_core::plan::Plan;
use rnd_core::repository::RepositoryReport;

use crate::environment::Inputs;

/// The plan, as the comment and the summary show it, ending with the commit it was made from.
pub fn plan(plan: &Plan, sha: &str) -> String {
    format!("{}\n{}", render_markdown(plan), footer(sha))
}

/// Why nothing was planned: every problem of the deployments repository, with its place.
pub fn invalid(report: &RepositoryReport, inputs: &Inputs, sha: &str) -> String {
    let errors = report.error_count();
    let files = report
        .files
        .iter()
        .filter(|f| f.diagnostics.iter().any(Diagnostic::is_error))
        .count();
    let mut out = String::new();
    let _ = writeln!(out, "### rnd: the deployments repository is invalid\n");
    let _ = writeln!(
        out,
        "{} in {}; nothing was planned. Each problem is annotated on the changed files.\n",
        plural(errors, "error"),
        plural(files, "file")
    );
    let _ = writeln!(
        out,
        "| file | line:column | problem | how to fix |\n|---|---|---|---|"
    );
    for d in report.diagnostics() {
        let mark = if d.is_error() { "error" } else { "warning" };
        let _ = writeln!(
            out,
            "| `{}` | {}:{} | {mark} `{}`: {} | {} |",
            inputs.workspace_path(&d.file),
            d.location.line,
            d.location.column,
            d.code,
            cell(&d.message),
            cell(d.help.as_deref().unwrap_or(""))
        );
    }
    let _ = writeln!(out, "\n{}", footer(sha));
    out
}

/// The core refused to plan (e.g. a service that fits on no instance).
pub fn unplannable(error: &str, sha: &str) -> String {
    format!(
        "### rnd: no plan\n\nThe manifests are valid, but rnd cannot plan them:\n\n```\n{}\n```\n\n{}\n",
        error.trim_end(),
        footer(sha)
    )
}

/// What an apply did, per service, then the plan it carried out.
pub fn applied(plan: &Plan, report: &ApplyReport, sha: &str) -> String {
    let mut out = String::new();
    let verdict = if report.succeeded() { "applied" } else { "FAILED" };
    let _ = writeln!(out, "### rnd apply: `{}` — {verdict}\n", plan.platform);
    let done = report.count(|r| *r == OperationResult::Done);
    let failed = report.count(|r| matches!(r, OperationResult::Failed(_)));
    let skipped = report.count(|r| matches!(r, OperationResult::Skipped { .. }));
    let _ = writeln!(
        out,
        "{done} operations succeeded, {failed} failed, {skipped} skipped.\n"
    );
    if !report.services.is_empty() {
        let _ = writeln!(out, "| service | outcome |\n|---|---|");
        for (service, outcome) in &report.services {
            let text = match outcome {
                ServiceOutcome::Applied => "applied".to_string(),
                ServiceOutcome::Stable => "applied, stable".to_string(),
                ServiceOutcome::Failed { errors } => format!("**failed**: {}", cell(&errors.join("; "))),
            };
            let _ = writeln!(out, "| `{service}` | {text} |");
        }
        let _ = writeln!(out);
    }
    let failures: Vec<_> = report
        .failures()
        .into_iter()
        .filter(|o| o.service.is_none())
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "Foundations that did not go through:\n");
        for o in failures {
            let why = match &o.result {
                OperationResult::Failed(e) => e.clone(),
                OperationResult::Skipped { failed_dependency } => {
                    format!("not attempted, because {failed_dependency} failed")
                }
                OperationResult::Done => continue,
            };
            let _ = writeln!(out, "- `{}`: {}", o.address, why.replace('\n', " "));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "<details><summary>The plan applied</summary>\n");
    let _ = writeln!(out, "{}</details>\n", render_markdown(plan));
    out.push_str(&footer(sha));
    out.push('\n');
    out
}

/// The step output `monthly_cost_delta`: dollars per month, a plain number (`12.3400`,
/// `-4.0000`) that `fromJSON` reads.
pub fn monthly_delta(plan: &Plan) -> String {
    // Four decimals, as in the plan's JSON: a number for scripts, not money for people.
    format!("{:.4}", plan.cost.monthly_delta).replace(['$', '+'], "")
}

fn footer(sha: &str) -> String {
    let short: String = sha.chars().take(12).collect();
    format!("<sub>rnd-action at commit `{short}`</sub>")
}

/// Text for a table cell: no line breaks, no column separators.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rnd_aws::OperationOutcome;
    use rnd_core::plan::observed::ObservedState;

    /// The plan of `examples/` for an empty account.
    fn examples_plan() -> Plan {
        let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        let repository = rnd_app::validate_directory(&examples)
            .unwrap()
            .report
            .repository
            .unwrap();
        rnd_core::plan::plan(&repository, &ObservedState::default()).unwrap()
    }

    #[test]
    fn an_apply_summary_names_each_services_outcome_and_what_failed() {
        let plan = examples_plan();
        let mut report = ApplyReport {
            operations: plan
                .graph
                .operations()
                .map(|op| OperationOutcome {
                    address: op.address.clone(),
                    action: op.action,
                    service: op.service.clone(),
                    result: OperationResult::Done,
                })
                .collect(),
            services: Default::default(),
        };
        for op in &mut report.operations {
            if op.address == "ecs_service.whisper" {
                op.result = OperationResult::Failed("InvalidParameterException: no capacity".into());
            }
        }
        for service in plan.graph.operations().filter_map(|op| op.service.clone()) {
            let outcome = if service == "whisper" {
                ServiceOutcome::Failed {
                    errors: vec!["ecs_service.whisper: InvalidParameterException: no capacity".into()],
                }
            } else {
                ServiceOutcome::Stable
            };
            report.services.insert(service, outcome);
        }
        let text = applied(&plan, &report, "0123456789abcdef");
        let head = text.split("<details>").next().unwrap();
        insta::assert_snapshot!(head);
        assert!(text.contains("<summary>The plan applied</summary>"));
        assert!(text.ends_with("<sub>rnd-action at commit `0123456789ab`</sub>\n"));
        assert!(monthly_delta(&plan).parse::<f64>().unwrap() > 0.0);
        assert!(!monthly_delta(&plan).contains(['$', '+']));
    }
}

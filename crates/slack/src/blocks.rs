//! The three kinds of message as Block Kit payloads: run started, a service failed, run finished.
//! Pure: data in, JSON out, within Slack's limits (see `limits.rs`). Only names, addresses,
//! amounts, URLs and AWS's error text go in; never a setting's value.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::limits::{
    context, counted_sections, divider, escape, header, list_sections, section, truncate, MAX_BLOCKS,
    MAX_SECTION_TEXT,
};
use crate::summary::{dollars, Change, RunSummary};

/// How one service ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceOutcome {
    /// Every operation succeeded (and the service became stable when waited for).
    Deployed,
    Removed,
    Failed {
        errors: Vec<String>,
    },
    /// No outcome arrived: the run stopped before this service was done.
    Unknown,
}

/// What the end message reports.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunResult {
    pub outcomes: BTreeMap<String, ServiceOutcome>,
    pub succeeded: usize,
    pub failed: usize,
    pub skipped: usize,
    /// The run ended without its `RunFinished` event (an error stopped it).
    pub interrupted: bool,
}

/// One failed service, for its own message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServiceFailure {
    pub service: String,
    /// `update ecs_service.api`: the operations that failed.
    pub failed_operations: Vec<String>,
    /// AWS's errors, as the executor reports them (`address: error`).
    pub errors: Vec<String>,
    /// The last lines of the failed task's log, when the caller has them.
    pub log_lines: Vec<String>,
}

fn verb(summary: &RunSummary) -> &'static str {
    if summary.context.destroy {
        "rnd destroy"
    } else {
        "rnd apply"
    }
}

/// `commit abc1234 by Ada · us-east-1`.
fn provenance(summary: &RunSummary) -> String {
    let mut parts = Vec::new();
    if let Some(commit) = &summary.context.commit {
        let short: String = commit.chars().take(12).collect();
        parts.push(format!("commit `{}`", escape(&short)));
    }
    if let Some(author) = &summary.context.author {
        parts.push(format!("by {}", escape(author)));
    }
    let mut text = parts.join(" ");
    if !text.is_empty() {
        text.push_str(" · ");
    }
    text.push_str(&format!("platform `{}` in {}", summary.platform, summary.region));
    text
}

fn fallback(blocks: Vec<Value>, text: String) -> Value {
    debug_assert!(blocks.len() <= MAX_BLOCKS);
    json!({ "text": text, "blocks": blocks })
}

/// The message when a run starts: who, what changes per service, what it costs.
pub fn run_started(summary: &RunSummary) -> Value {
    let title = format!("{}: {} — starting", verb(summary), summary.platform);
    let mut blocks = vec![header(&title), context(&provenance(summary))];
    let count = |c: Change| summary.services.iter().filter(|s| s.change == c).count();
    let mut totals = format!(
        "*{} change:* {} created, {} updated, {} removed · {} operations",
        plural(summary.services.len(), "service", "services"),
        count(Change::Created),
        count(Change::Updated),
        count(Change::Removed),
        summary.operations
    );
    if summary.foundation_operations > 0 {
        totals.push_str(&format!(
            " ({} on shared resources)",
            summary.foundation_operations
        ));
    }
    totals.push_str(&format!(
        "\n*Monthly cost:* {} → {} ({})",
        summary.monthly_before, summary.monthly_after, summary.monthly_delta
    ));
    blocks.push(section(&totals));
    let lines: Vec<String> = summary
        .services
        .iter()
        .map(|s| {
            format!(
                "• `{}`: {} ({})",
                s.service,
                escape(&s.words),
                plural(s.operations, "operation", "operations")
            )
        })
        .collect();
    let budget = MAX_BLOCKS - blocks.len();
    blocks.extend(list_sections("", &lines, budget, "services"));
    fallback(
        blocks,
        format!("{title}: {} services change", summary.services.len()),
    )
}

/// Lines of a code block within `max` characters, cut at a line with how many lines were left out.
pub(crate) fn code_block(lines: &[String], max: usize) -> String {
    let mut kept: Vec<String> = Vec::new();
    let mut used = 8; // the fences and the note's own line
    for line in lines {
        // A fence inside the text would end the block early.
        let line = escape(line).replace("```", "'''");
        let line = truncate(&line, max / 2);
        if used + line.chars().count() + 1 + 40 > max {
            break;
        }
        used += line.chars().count() + 1;
        kept.push(line);
    }
    let left = lines.len() - kept.len();
    if left > 0 {
        kept.push(format!("…and {left} more lines"));
    }
    format!("```\n{}\n```", kept.join("\n"))
}

/// The message for one service that failed, sent as soon as it fails.
pub fn service_failed(summary: &RunSummary, failure: &ServiceFailure) -> Value {
    let service = &failure.service;
    let title = format!("{}: {service} failed on {}", verb(summary), summary.platform);
    let mut blocks = vec![header(&title), context(&provenance(summary))];
    let held_up = failure
        .errors
        .iter()
        .any(|e| e.contains(": not attempted, because "));
    let operations = if failure.failed_operations.is_empty() && held_up {
        "nothing of its own: an operation it needs failed first, so its changes were not attempted"
            .to_string()
    } else if failure.failed_operations.is_empty() {
        "its deployment did not become stable".to_string()
    } else {
        let mut text = String::new();
        for (i, o) in failure.failed_operations.iter().enumerate() {
            let item = format!("`{}`", escape(o));
            if text.chars().count() + item.chars().count() + 40 > MAX_SECTION_TEXT {
                text.push_str(&format!(" …and {} more", failure.failed_operations.len() - i));
                break;
            }
            if i > 0 {
                text.push_str(", ");
            }
            text.push_str(&item);
        }
        text
    };
    blocks.push(section(&format!("*Failed:* {operations}")));
    let budget = MAX_SECTION_TEXT - 20;
    blocks.push(section(&format!(
        "*AWS said:*\n{}",
        code_block(&failure.errors, budget)
    )));
    if !failure.log_lines.is_empty() {
        blocks.push(section(&format!(
            "*Last log lines:*\n{}",
            code_block(&failure.log_lines, budget)
        )));
    }
    let more = format!("More: `rnd status` shows its tasks and rollout; `rnd logs {service}` its logs");
    blocks.push(context(&more));
    fallback(blocks, title)
}

/// The message when a run ends: per service deployed, unchanged, removed or failed, with URLs.
pub fn run_finished(summary: &RunSummary, result: &RunResult) -> Value {
    let of = |wanted: fn(&ServiceOutcome) -> bool| -> Vec<&String> {
        result
            .outcomes
            .iter()
            .filter(|(_, o)| wanted(o))
            .map(|(s, _)| s)
            .collect()
    };
    let failed = of(|o| matches!(o, ServiceOutcome::Failed { .. }));
    let deployed = of(|o| *o == ServiceOutcome::Deployed);
    let removed = of(|o| *o == ServiceOutcome::Removed);
    let unknown = of(|o| *o == ServiceOutcome::Unknown);
    let outcome = if result.interrupted {
        "stopped early".to_string()
    } else if !failed.is_empty() {
        plural(failed.len(), "service failed", "services failed")
    } else if summary.context.destroy {
        "destroyed".to_string()
    } else {
        "done".to_string()
    };
    let title = format!("{}: {} — {outcome}", verb(summary), summary.platform);
    let mut blocks = vec![header(&title), context(&provenance(summary))];
    let mut totals = format!(
        "*{} deployed* · {} removed · {} unchanged · {} failed",
        deployed.len(),
        removed.len(),
        summary.unchanged.len(),
        failed.len()
    );
    if !unknown.is_empty() {
        totals.push_str(&format!(" · {} not finished", unknown.len()));
    }
    totals.push_str(&format!(
        "\n{} operations succeeded, {} failed, {} skipped",
        result.succeeded, result.failed, result.skipped
    ));
    // What runs now: a service that failed (or did not finish) still has what it had before.
    let not_deployed: Vec<&String> = failed.iter().chain(&unknown).copied().collect();
    let deployed_now = summary.monthly_deployed(&not_deployed);
    if (deployed_now - summary.monthly_after_amount.as_f64()).abs() < 0.005 {
        totals.push_str(&format!(
            "\n*Monthly cost now:* {} ({})",
            summary.monthly_after, summary.monthly_delta
        ));
    } else {
        totals.push_str(&format!(
            "\n*Monthly cost now:* {} as deployed; {} once the failed services deploy",
            dollars(deployed_now),
            summary.monthly_after
        ));
    }
    blocks.push(section(&totals));
    // The note "…and N more" of the last list needs a block; keep lists within what is left.
    let url = |s: &str| {
        summary
            .urls
            .get(s)
            .map(|u| format!(" — <{}|{}>", u, escape(u)))
            .unwrap_or_default()
    };
    let failed_lines: Vec<String> = failed
        .iter()
        .map(|s| {
            let first = match &result.outcomes[*s] {
                ServiceOutcome::Failed { errors } => errors.first().cloned().unwrap_or_default(),
                _ => String::new(),
            };
            format!("• `{s}`: {}", escape(&truncate(&first, 300)))
        })
        .collect();
    let deployed_lines: Vec<String> = deployed.iter().map(|s| format!("• `{s}`{}", url(s))).collect();
    let removed_lines: Vec<String> = removed.iter().map(|s| format!("• `{s}`")).collect();
    let unknown_lines: Vec<String> = unknown.iter().map(|s| format!("• `{s}`")).collect();
    let unchanged_lines = name_list(&summary.unchanged);
    let ones = |lines: Vec<String>| lines.into_iter().map(|l| (l, 1)).collect::<Vec<_>>();
    let lists = [
        ("*Failed*", ones(failed_lines), "failed services"),
        ("*Deployed*", ones(deployed_lines), "deployed services"),
        ("*Removed*", ones(removed_lines), "removed services"),
        ("*Not finished*", ones(unknown_lines), "services"),
        ("*Unchanged*", unchanged_lines, "unchanged services"),
    ];
    let mut not_listed = Vec::new();
    for (title, lines, noun) in lists {
        if lines.is_empty() {
            continue;
        }
        // A divider before each list, and one block kept for the note on lists left out.
        let budget = MAX_BLOCKS.saturating_sub(blocks.len() + 2);
        if budget == 0 {
            not_listed.push(title.trim_matches('*').to_lowercase());
            continue;
        }
        blocks.push(divider());
        blocks.extend(counted_sections(title, &lines, budget, noun));
    }
    if !not_listed.is_empty() {
        blocks.push(context(&format!(
            "…and more: {} not listed, see the totals above",
            not_listed.join(", ")
        )));
    }
    fallback(blocks, title)
}

/// Names several to a line (a long run has many unchanged services; one line each would crowd
/// out the ones that changed).
fn name_list(names: &[String]) -> Vec<(String, usize)> {
    names
        .chunks(8)
        .map(|chunk| {
            let line = chunk
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ");
            (line, chunk.len())
        })
        .collect()
}

/// `1 service`, `2 services`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A thread reply (bot mode) listing the services that finished since the last one:
/// `` `api` deployed ``, `` `old` removed ``.
pub fn progress(lines: &[String]) -> Value {
    let text = format!("{} finished", lines.len());
    let blocks = list_sections("*Finished:*", lines, MAX_BLOCKS, "services");
    fallback(blocks, text)
}

//! Single messages outside a run, for the Lambda function: an ECS deployment that completed or
//! failed, a task that stopped unexpectedly, and drift (AWS no longer matches git). Pure: data
//! in, Block Kit out, within Slack's limits.

use serde_json::{json, Value};

use crate::blocks::code_block;
use crate::limits::{context, escape, header, list_sections, section, MAX_BLOCKS, MAX_SECTION_TEXT};

/// One notice: a title, what happened, optionally the last log lines, and where to look next.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Notice {
    pub platform: String,
    pub region: String,
    pub title: String,
    /// Plain sentences; AWS's reason text is escaped here.
    pub lines: Vec<String>,
    pub log_lines: Vec<String>,
    pub more: Option<String>,
}

pub fn notice(notice: &Notice) -> Value {
    let title = format!("{} on {}", notice.title, notice.platform);
    let mut blocks = vec![
        header(&title),
        context(&format!("platform `{}` in {}", notice.platform, notice.region)),
    ];
    if !notice.lines.is_empty() {
        let text: Vec<String> = notice.lines.iter().map(|l| escape(l)).collect();
        blocks.push(section(&text.join("\n")));
    }
    if !notice.log_lines.is_empty() {
        blocks.push(section(&format!(
            "*Last log lines:*\n{}",
            code_block(&notice.log_lines, MAX_SECTION_TEXT - 20)
        )));
    }
    if let Some(more) = &notice.more {
        blocks.push(context(more));
    }
    json!({ "text": title, "blocks": blocks })
}

/// Drift: what a plan against AWS would change, one line per operation (`update ecs_service.api:
/// desired_count`). Nothing is sent when there is no drift; the caller decides that.
pub fn drift(platform: &str, region: &str, changes: &[String]) -> Value {
    let title = format!("rnd: {platform} has drifted from git");
    let mut blocks = vec![
        header(&title),
        context(&format!("platform `{platform}` in {region}")),
        section(&format!(
            "AWS no longer matches the manifests: {} operation{} would bring it back.",
            changes.len(),
            if changes.len() == 1 { "" } else { "s" }
        )),
    ];
    let escaped: Vec<String> = changes.iter().map(|c| format!("`{}`", escape(c))).collect();
    let budget = MAX_BLOCKS - blocks.len() - 1;
    blocks.extend(list_sections("*Differences:*", &escaped, budget, "differences"));
    blocks.push(context(
        "Someone changed AWS outside rnd. `rnd plan --refresh` shows the same; `rnd apply --refresh` puts the manifests back (a plain apply or push trusts the `rnd:hash` tags, which a hand change leaves as they were), or commit the change to the manifests to keep it.",
    ));
    json!({ "text": title, "blocks": blocks })
}

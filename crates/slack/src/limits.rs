//! Slack's Block Kit limits, and block constructors that stay within them: a message over a limit
//! is refused whole by Slack, so text is cut with an explicit "…and N more" instead.

use serde_json::{json, Value};

/// Blocks per message.
pub const MAX_BLOCKS: usize = 50;
/// Characters in a section's text (and in a context element's).
pub const MAX_SECTION_TEXT: usize = 3000;
/// Characters in a header's text.
pub const MAX_HEADER_TEXT: usize = 150;

/// At most `max` characters, the last one `…` when something was cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Text shown as mrkdwn: Slack reads `&`, `<` and `>` as markup (links, mentions), so a stray one
/// in an AWS error would swallow text or ping a channel.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn header(text: &str) -> Value {
    json!({
        "type": "header",
        "text": { "type": "plain_text", "text": truncate(text, MAX_HEADER_TEXT), "emoji": true }
    })
}

pub fn section(text: &str) -> Value {
    json!({
        "type": "section",
        "text": { "type": "mrkdwn", "text": truncate(text, MAX_SECTION_TEXT) }
    })
}

pub fn context(text: &str) -> Value {
    json!({
        "type": "context",
        "elements": [{ "type": "mrkdwn", "text": truncate(text, MAX_SECTION_TEXT) }]
    })
}

pub fn divider() -> Value {
    json!({ "type": "divider" })
}

/// Lines joined into as few sections as fit, each within the section limit, using at most
/// `budget` blocks; what does not fit ends in "…and N more {noun}".
pub fn list_sections(title: &str, lines: &[String], budget: usize, noun: &str) -> Vec<Value> {
    let counted: Vec<(String, usize)> = lines.iter().map(|l| (l.clone(), 1)).collect();
    counted_sections(title, &counted, budget, noun)
}

/// [`list_sections`] for lines that each stand for `count` things (several names to a line).
pub fn counted_sections(title: &str, lines: &[(String, usize)], budget: usize, noun: &str) -> Vec<Value> {
    if budget == 0 || lines.is_empty() {
        return Vec::new();
    }
    let mut texts: Vec<String> = vec![title.to_string()];
    // How many lines the last text holds, so a note that needs room can give some back.
    let mut in_last: Vec<usize> = Vec::new();
    let mut placed = 0;
    for (line, _) in lines {
        let line = truncate(line, MAX_SECTION_TEXT / 2);
        let current = texts.last_mut().expect("one text at least");
        if current.chars().count() + 1 + line.chars().count() <= MAX_SECTION_TEXT {
            if !current.is_empty() {
                current.push('\n');
            }
            current.push_str(&line);
        } else if texts.len() < budget {
            texts.push(line);
            in_last.clear();
        } else {
            break;
        }
        in_last.push(placed);
        placed += 1;
    }
    if placed < lines.len() {
        let left = |from: usize| lines[from..].iter().map(|(_, n)| n).sum::<usize>();
        let last = texts.last_mut().expect("one text at least");
        let mut from = placed;
        // Make room for the note by giving back whole lines (never the title alone).
        while last.chars().count() + 40 + noun.chars().count() > MAX_SECTION_TEXT && in_last.len() > 1 {
            let cut = last.rfind('\n').expect("several lines");
            last.truncate(cut);
            from = in_last.pop().expect("several lines");
        }
        last.push_str(&format!("\n…and {} more {noun}", left(from)));
    }
    texts.iter().map(|t| section(t)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(block: &Value) -> &str {
        block["text"]["text"].as_str().unwrap()
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate(&"é".repeat(200), 150).chars().count(), 150);
    }

    #[test]
    fn escaping_keeps_slack_markup_out() {
        assert_eq!(escape("a <b> & c"), "a &lt;b&gt; &amp; c");
    }

    #[test]
    fn short_lists_are_one_section() {
        let lines = vec!["• a".to_string(), "• b".to_string()];
        let blocks = list_sections("*Deployed*", &lines, 5, "services");
        assert_eq!(blocks.len(), 1);
        assert_eq!(text_of(&blocks[0]), "*Deployed*\n• a\n• b");
    }

    #[test]
    fn long_lists_fill_the_budget_then_say_how_many_more() {
        let lines: Vec<String> = (0..2000).map(|i| format!("• `service-{i:04}`")).collect();
        let blocks = list_sections("*Deployed*", &lines, 3, "services");
        assert_eq!(blocks.len(), 3);
        let shown: usize = blocks
            .iter()
            .map(|b| text_of(b).lines().filter(|l| l.starts_with('•')).count())
            .sum();
        let last = text_of(&blocks[2]);
        assert!(
            last.ends_with(&format!("…and {} more services", 2000 - shown)),
            "{last}"
        );
        assert!(blocks
            .iter()
            .all(|b| text_of(b).chars().count() <= MAX_SECTION_TEXT));
    }
}

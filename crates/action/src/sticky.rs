//! The one plan comment per pull request and deployments directory: how it is recognised, and
//! how a body too long for GitHub is cut.
//!
//! The rule: a comment is the sticky comment when its author is a bot (`user.type == "Bot"`, as
//! `github-actions[bot]` is for the workflow's token) and its body starts with the hidden marker
//! `<!-- rnd-plan: <directory> -->`. A person's comment is never edited, even when it quotes
//! the marker; the oldest match wins, so duplicates left by an older tool stay untouched.

use rnd_app::github::Comment;

/// GitHub refuses comment bodies longer than this.
pub const MAX_COMMENT: usize = 65_536;

/// The hidden first line of the sticky comment for the deployments directory `directory`.
pub fn marker(directory: &str) -> String {
    format!("<!-- rnd-plan: {directory} -->")
}

/// The sticky comment among `comments`, if there is one.
pub fn find<'a>(comments: &'a [Comment], directory: &str) -> Option<&'a Comment> {
    let marker = marker(directory);
    comments.iter().find(|c| {
        let by_bot = c.user.as_ref().is_some_and(|u| u.kind == "Bot");
        let marked = c
            .body
            .as_deref()
            .is_some_and(|b| b.lines().next().map(str::trim) == Some(marker.as_str()));
        by_bot && marked
    })
}

/// `body` if it fits in `limit` bytes (GitHub counts characters; bytes are never fewer), else
/// cut at a line, with open code fences and `<details>` closed and a pointer to the job summary.
pub fn fit(body: &str, limit: usize, summary_link: Option<&str>) -> String {
    if body.len() <= limit {
        return body.to_string();
    }
    let note = match summary_link {
        Some(url) => format!(
            "\n\n> **Cut:** the plan is longer than a comment may be. The whole plan is in the job summary of [this run]({url})."
        ),
        None => "\n\n> **Cut:** the plan is longer than a comment may be. The whole plan is in this run's job summary."
            .to_string(),
    };
    // Room for the note and for closing what the cut leaves open.
    let closing_room = "\n```\n</details>".len() * 4;
    let budget = limit.saturating_sub(note.len() + closing_room);
    let mut kept = String::new();
    for line in body.split_inclusive('\n') {
        if kept.len() + line.len() > budget {
            break;
        }
        kept.push_str(line);
    }
    let mut out = kept.trim_end().to_string();
    let fences = out.lines().filter(|l| l.trim_start().starts_with("```")).count();
    if fences % 2 == 1 {
        out.push_str("\n```");
    }
    let open = out.matches("<details>").count();
    let closed = out.matches("</details>").count();
    for _ in closed..open {
        out.push_str("\n</details>");
    }
    out.push_str(&note);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rnd_app::github::User;

    fn comment(id: u64, kind: &str, body: &str) -> Comment {
        Comment {
            id,
            body: Some(body.into()),
            html_url: None,
            user: Some(User {
                login: if kind == "Bot" {
                    "github-actions[bot]".into()
                } else {
                    "someone".into()
                },
                kind: kind.into(),
            }),
        }
    }

    #[test]
    fn only_a_bots_comment_with_this_directorys_marker_is_sticky() {
        let comments = vec![
            comment(1, "User", "<!-- rnd-plan: . -->\nquoted by a person"),
            comment(2, "Bot", "<!-- rnd-plan: other -->\nanother directory"),
            comment(3, "Bot", "a bot saying something else"),
            comment(4, "Bot", "<!-- rnd-plan: . -->\n### rnd plan"),
            comment(5, "Bot", "<!-- rnd-plan: . -->\na later duplicate"),
        ];
        assert_eq!(find(&comments, ".").map(|c| c.id), Some(4));
        assert_eq!(find(&comments, "other").map(|c| c.id), Some(2));
        assert_eq!(find(&comments, "third").map(|c| c.id), None);
    }

    #[test]
    fn a_long_body_is_cut_with_its_fences_closed_and_a_pointer() {
        let body = format!(
            "<!-- rnd-plan: . -->\nsummary\n<details><summary>Full plan</summary>\n\n```diff\n{}",
            "+ resource\n".repeat(10_000)
        );
        let cut = fit(&body, MAX_COMMENT, Some("https://github.com/o/r/actions/runs/1"));
        assert!(cut.len() <= MAX_COMMENT);
        assert!(cut.starts_with("<!-- rnd-plan: . -->\nsummary"));
        assert!(
            cut.contains("+ resource\n```\n</details>\n\n> **Cut:**"),
            "{}",
            &cut[cut.len() - 300..]
        );
        assert!(cut.ends_with("job summary of [this run](https://github.com/o/r/actions/runs/1)."));
        assert_eq!(fit("short", MAX_COMMENT, None), "short");
    }

    proptest! {
        #[test]
        fn what_is_cut_fits_and_keeps_its_beginning(
            lines in proptest::collection::vec("[a-z`<>/ ]{0,80}", 0..400),
            limit in 400usize..5_000,
        ) {
            let body = format!("<!-- rnd-plan: . -->\n{}", lines.join("\n"));
            let cut = fit(&body, limit, None);
            prop_assert!(cut.len() <= limit);
            if body.len() > limit {
                prop_assert!(cut.starts_with("<!-- rnd-plan: . -->"));
                prop_assert!(cut.contains("**Cut:**"));
                let fences = cut.lines().filter(|l| l.trim_start().starts_with("```")).count();
                prop_assert_eq!(fences % 2, 0);
            } else {
                prop_assert_eq!(cut, body);
            }
        }
    }
}

//! `idle_after`: how long a routed service may serve no request before it is scaled to zero.
//!
//! Written as whole minutes, hours and days (`"30m"`, `"2h"`, `"1h30m"`, `"7d"`): the units a
//! CloudWatch alarm's periods can count exactly, and nothing finer, since idleness is measured
//! in minutes.

/// What a sleeping service's wake target group adds to its target group's name
/// (`<platform>-<service>-wake`). Target group names allow no `--`, so the suffix is one a
/// service name could end with: validation refuses a sleeping service beside a service named
/// `<service>-wake` ([`wake_name_taken`]).
pub const WAKE_SUFFIX: &str = "-wake";

/// An error when `manifest` sleeps and another manifest is named like its wake group.
pub fn wake_name_taken(
    manifest: &super::Manifest,
    manifests: &[super::Manifest],
) -> Option<crate::diagnostic::Diagnostic> {
    manifest.route.as_ref()?.idle_after_minutes?;
    let taken = format!("{}{WAKE_SUFFIX}", manifest.name);
    manifests
        .iter()
        .any(|m| m.name == taken)
        .then(|| crate::diagnostic::Diagnostic {
            severity: crate::diagnostic::Severity::Error,
            code: "manifest/idle-after-name-taken",
            file: format!("manifests/{}.json", manifest.name),
            pointer: "/idle_after".into(),
            location: crate::diagnostic::Location {
                offset: 0,
                length: 0,
                line: 1,
                column: 1,
            },
            message: format!(
                "a service that sleeps has a wake target group named after it with `{WAKE_SUFFIX}`, \
             and the service `{taken}` already has that name"
            ),
            help: Some(format!(
                "rename manifests/{taken}.json, or remove `idle_after` from this manifest"
            )),
        })
}

/// The shortest idle time: below it a service would sleep between the requests of one person.
pub const MIN_IDLE_MINUTES: u32 = 5;
/// The longest: CloudWatch evaluates an alarm over at most 7 days of data.
pub const MAX_IDLE_MINUTES: u32 = 7 * 24 * 60;

/// Minutes in `text` (`"30m"`, `"1h30m"`, `"2d"`), or why it is not a duration.
pub fn parse_minutes(text: &str) -> Result<u32, String> {
    if text.is_empty() {
        return Err("it is empty".into());
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for ch in text.chars() {
        match ch {
            '0'..='9' => digits.push(ch),
            'm' | 'h' | 'd' => {
                let n: u64 = digits
                    .parse()
                    .map_err(|_| format!("`{ch}` has no number before it"))?;
                let per = match ch {
                    'm' => 1,
                    'h' => 60,
                    _ => 24 * 60,
                };
                total = total.saturating_add(n.saturating_mul(per));
                digits.clear();
            }
            other => return Err(format!("{other:?} is not a digit or a unit (m, h, d)")),
        }
    }
    if !digits.is_empty() {
        return Err(format!("{digits} has no unit (m, h or d)"));
    }
    Ok(total.min(u64::from(u32::MAX)) as u32)
}

/// `minutes` as the manifest would write it: the largest unit that divides it.
pub fn format_minutes(minutes: u32) -> String {
    match minutes {
        m if m > 0 && m % (24 * 60) == 0 => format!("{}d", m / (24 * 60)),
        m if m > 0 && m % 60 == 0 => format!("{}h", m / 60),
        m => format!("{m}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_add_up() {
        assert_eq!(parse_minutes("30m"), Ok(30));
        assert_eq!(parse_minutes("2h"), Ok(120));
        assert_eq!(parse_minutes("1h30m"), Ok(90));
        assert_eq!(parse_minutes("7d"), Ok(MAX_IDLE_MINUTES));
    }

    #[test]
    fn what_is_not_a_duration_says_why() {
        assert_eq!(parse_minutes("30"), Err("30 has no unit (m, h or d)".into()));
        assert_eq!(
            parse_minutes("30s"),
            Err("'s' is not a digit or a unit (m, h, d)".into())
        );
        assert_eq!(parse_minutes("h"), Err("`h` has no number before it".into()));
        assert_eq!(parse_minutes(""), Err("it is empty".into()));
    }

    #[test]
    fn formatting_picks_the_largest_unit() {
        assert_eq!(format_minutes(30), "30m");
        assert_eq!(format_minutes(120), "2h");
        assert_eq!(format_minutes(90), "90m");
        assert_eq!(format_minutes(2880), "2d");
    }
}

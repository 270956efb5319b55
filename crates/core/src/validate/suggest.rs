//! "Did you mean" hints for misspelt field names.

/// The closest known name to `unknown`: an alias people commonly write, or a near spelling.
pub fn did_you_mean<'k>(unknown: &str, known: &[&'k str], aliases: &[(&str, &'k str)]) -> Option<&'k str> {
    let lower = unknown.to_ascii_lowercase().replace('-', "_");
    if let Some((_, target)) = aliases.iter().find(|(alias, _)| *alias == lower) {
        return Some(target);
    }
    if let Some(exact) = known.iter().find(|k| **k == lower) {
        return Some(exact);
    }
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&lower, k), *k))
        // Allow about one typo per four characters, so `memroy` finds `memory` but `port` never
        // suggests `cpu`.
        .filter(|(distance, k)| *distance <= (k.len() / 4).max(1))
        .min_by_key(|(distance, k)| (*distance, *k))
        .map(|(_, k)| k)
}

/// The allowed value closest to `value` among sorted numbers (for enumerations such as log retention).
pub fn nearest_number(value: f64, allowed: &[u32]) -> Option<u32> {
    allowed.iter().copied().min_by(|a, b| {
        (f64::from(*a) - value)
            .abs()
            .total_cmp(&(f64::from(*b) - value).abs())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &["image", "version", "memory", "port", "cpu", "replicas"];

    #[test]
    fn finds_typos_and_aliases() {
        assert_eq!(did_you_mean("memroy", KNOWN, &[]), Some("memory"));
        assert_eq!(did_you_mean("Memory", KNOWN, &[]), Some("memory"));
        assert_eq!(did_you_mean("replica", KNOWN, &[]), Some("replicas"));
        assert_eq!(did_you_mean("tag", KNOWN, &[("tag", "version")]), Some("version"));
        assert_eq!(did_you_mean("colour", KNOWN, &[]), None);
        assert_eq!(did_you_mean("pot", KNOWN, &[]), Some("port"));
    }

    #[test]
    fn nearest_number_picks_closest() {
        assert_eq!(nearest_number(31.0, &[1, 3, 30, 60]), Some(30));
        assert_eq!(nearest_number(50.0, &[30, 60]), Some(60));
    }
}

//! `Usd`: money as an exact count of nano-dollars, so sums and JSON output never drift.
//!
//! Every price in the catalog has at most 6 decimals, and Fargate's per-task price
//! (`vCPU × 0.04048 + GB × 0.004445` with sizes in steps of ¼ vCPU and ½ GB) has at most 8,
//! so 9 decimals hold every figure exactly and integer arithmetic keeps totals exact.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul};

use serde::{Serialize, Serializer};

/// Hours in a month for monthly figures (AWS's own convention: 365 × 24 / 12 = 730).
pub const HOURS_PER_MONTH: u64 = 730;

const NANOS_PER_USD: u64 = 1_000_000_000;

/// An amount of US dollars, stored as nano-dollars.
///
/// Serializes as a JSON number with at most 9 decimals (the shortest form that reads back
/// to the same value), so the same amount always prints the same bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Usd(u64);

impl Usd {
    /// Zero dollars.
    pub const ZERO: Usd = Usd(0);

    /// An amount from nano-dollars.
    pub const fn from_nanos(nanos: u64) -> Usd {
        Usd(nanos)
    }

    /// The amount in nano-dollars.
    pub const fn nanos(self) -> u64 {
        self.0
    }

    /// Parses a plain decimal such as `0.526` or `21.957642` (at most 9 decimals, no sign,
    /// no exponent). Returns `None` for anything else, so a malformed table is caught by tests.
    pub fn parse(text: &str) -> Option<Usd> {
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        if whole.is_empty() || frac.len() > 9 {
            return None;
        }
        if !whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let whole: u64 = whole.parse().ok()?;
        let mut frac_nanos: u64 = if frac.is_empty() { 0 } else { frac.parse().ok()? };
        for _ in frac.len()..9 {
            frac_nanos *= 10;
        }
        whole.checked_mul(NANOS_PER_USD)?.checked_add(frac_nanos).map(Usd)
    }

    /// This hourly amount over a 730-hour month.
    pub fn monthly(self) -> Usd {
        Usd(self.0 * HOURS_PER_MONTH)
    }

    /// The amount as a floating-point number of dollars (for display and JSON only).
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_USD as f64
    }
}

impl Add for Usd {
    type Output = Usd;
    fn add(self, rhs: Usd) -> Usd {
        Usd(self.0 + rhs.0)
    }
}

impl AddAssign for Usd {
    fn add_assign(&mut self, rhs: Usd) {
        self.0 += rhs.0;
    }
}

impl Mul<u64> for Usd {
    type Output = Usd;
    fn mul(self, rhs: u64) -> Usd {
        Usd(self.0 * rhs)
    }
}

impl Sum for Usd {
    fn sum<I: Iterator<Item = Usd>>(iter: I) -> Usd {
        iter.fold(Usd::ZERO, Add::add)
    }
}

/// `$36.04`: dollars with 2 decimals, rounded half up, as people read money. A precision asks
/// for more, for hourly rates where cents are too coarse: `format!("{:.4}", usd)` is `$0.0247`.
impl fmt::Display for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let decimals = f.precision().unwrap_or(2).min(9) as u32;
        let unit = 10u64.pow(9 - decimals);
        let scaled = (self.0 + unit / 2) / unit;
        let per_dollar = 10u64.pow(decimals);
        if decimals == 0 {
            return write!(f, "${scaled}");
        }
        write!(
            f,
            "${}.{:0width$}",
            scaled / per_dollar,
            scaled % per_dollar,
            width = decimals as usize
        )
    }
}

impl Serialize for Usd {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.as_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_catalog_style_decimals_exactly() {
        assert_eq!(Usd::parse("0.526"), Some(Usd::from_nanos(526_000_000)));
        assert_eq!(Usd::parse("21.957642"), Some(Usd::from_nanos(21_957_642_000)));
        assert_eq!(Usd::parse("7"), Some(Usd::from_nanos(7_000_000_000)));
        assert_eq!(Usd::parse(""), None);
        assert_eq!(Usd::parse("-1"), None);
        assert_eq!(Usd::parse("1.0000000001"), None);
    }

    #[test]
    fn displays_cents_or_the_asked_precision_and_serializes_shortest_form() {
        assert_eq!(Usd::from_nanos(12_342_500).to_string(), "$0.01");
        assert_eq!(format!("{:.4}", Usd::from_nanos(12_342_500)), "$0.0123");
        assert_eq!(format!("{:.0}", Usd::parse("2.5").unwrap()), "$3");
        assert_eq!(Usd::parse("3.912").unwrap().monthly().to_string(), "$2855.76");
        assert_eq!(Usd::parse("36.035").unwrap().to_string(), "$36.04");
        let json = serde_json::to_string(&Usd::from_nanos(12_342_500)).unwrap();
        assert_eq!(json, "0.0123425");
    }
}

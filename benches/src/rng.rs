//! A tiny seeded generator (SplitMix64), so benchmark fleets are the same on every run
//! without pulling in a random-number crate.

/// SplitMix64 (Steele, Lea, Flood 2014): fast, and plenty for generating test fleets.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next_u64() % u64::from(hi - lo + 1)) as u32
    }

    /// One of `choices`, picked with the given integer weights.
    pub fn weighted<T: Copy>(&mut self, choices: &[(u32, T)]) -> T {
        let total: u32 = choices.iter().map(|c| c.0).sum();
        let mut roll = self.range(0, total - 1);
        for &(w, v) in choices {
            if roll < w {
                return v;
            }
            roll -= w;
        }
        choices[choices.len() - 1].1
    }
}

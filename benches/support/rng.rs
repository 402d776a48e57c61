//! Deterministic randomness for the benchmarks, shared by `timer_core` and `timer_path`:
//! SplitMix64 with a fixed seed, so every implementation and every run sees the same sequence.
//! Left out: statistical quality beyond what picking deadlines, victims and plans needs.

/// SplitMix64: tiny, fast, and good enough to pick deadlines, victims, plans and delays.
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `lo..hi` (the modulo bias is irrelevant at these ranges).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }

    /// True with probability `pct` percent.
    pub fn percent(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
}

/// The SplitMix64 finaliser: a stateless hash, so that a decision tied to one thing (does this
/// agent ring out?) is the same every time it is looked at.
pub fn mix(x: u64) -> u64 {
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

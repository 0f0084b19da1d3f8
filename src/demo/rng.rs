//! A small deterministic random source (SplitMix64) and a smooth noise
//! process, so the fleet plays the same way for the same seed.

/// SplitMix64: tiny, fast, and good enough for simulated noise.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [-1, 1).
    pub(crate) fn symmetric(&mut self) -> f64 {
        self.unit() * 2.0 - 1.0
    }
}

/// Mean-reverting noise in [-1, 1]: successive values are close, so
/// gauges wander instead of jumping.
#[derive(Clone, Debug, Default)]
pub(crate) struct Wobble(f64);

impl Wobble {
    pub(crate) fn step(&mut self, rng: &mut Rng) -> f64 {
        self.0 = (0.95 * self.0 + 0.3 * rng.symmetric()).clamp(-1.0, 1.0);
        self.0
    }

    #[cfg(test)]
    pub(crate) fn value(&self) -> f64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_ne!(Rng::new(7).next_u64(), Rng::new(8).next_u64());
    }

    #[test]
    fn unit_stays_in_range_and_spreads() {
        let mut r = Rng::new(1);
        let xs: Vec<f64> = (0..10_000).map(|_| r.unit()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((mean - 0.5).abs() < 0.02, "mean {mean}");
    }

    #[test]
    fn wobble_is_bounded() {
        let mut r = Rng::new(3);
        let mut w = Wobble::default();
        for _ in 0..10_000 {
            let v = w.step(&mut r);
            assert!((-1.0..=1.0).contains(&v));
        }
    }
}

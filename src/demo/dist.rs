//! Latency distribution: a log-normal fitted to a median and a p99, turned
//! into the probability of each histogram bucket; and whole-count splitting.

/// Upper bounds of the finite buckets of `http_request_duration_seconds`;
/// a `+Inf` bucket follows.
pub(crate) const BUCKETS: [f64; 13] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 1.0, 2.5, 5.0,
];

/// Number of buckets including `+Inf`.
pub(crate) const N_BUCKETS: usize = BUCKETS.len() + 1;

/// The standard normal's 0.99 quantile.
const Z99: f64 = 2.326_347_874_040_841;

/// A log-normal distribution of request durations.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LogNormal {
    mu: f64,
    sigma: f64,
}

impl LogNormal {
    /// The log-normal whose median and 0.99 quantile are the ones given
    /// (seconds). Degenerate inputs are nudged to a narrow distribution.
    pub(crate) fn from_median_p99(median: f64, p99: f64) -> Self {
        let median = if median.is_finite() && median > 1e-6 {
            median
        } else {
            1e-6
        };
        let p99 = if p99.is_finite() && p99 > median * 1.001 {
            p99
        } else {
            median * 1.001
        };
        LogNormal {
            mu: median.ln(),
            sigma: (p99 / median).ln() / Z99,
        }
    }

    pub(crate) fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            0.0
        } else {
            normal_cdf((x.ln() - self.mu) / self.sigma)
        }
    }

    /// The same shape, every duration multiplied by `factor`.
    pub(crate) fn scaled(&self, factor: f64) -> LogNormal {
        let factor = if factor.is_finite() && factor > 0.0 {
            factor
        } else {
            1.0
        };
        LogNormal {
            mu: self.mu + factor.ln(),
            sigma: self.sigma,
        }
    }

    pub(crate) fn mean(&self) -> f64 {
        (self.mu + self.sigma * self.sigma / 2.0).exp()
    }

    /// Probability of landing in each bucket (not cumulative); the last
    /// entry is the tail above the largest finite bound. Sums to 1.
    pub(crate) fn bucket_probabilities(&self) -> [f64; N_BUCKETS] {
        let mut out = [0.0; N_BUCKETS];
        let mut below = 0.0;
        for (slot, bound) in out.iter_mut().zip(BUCKETS) {
            let c = self.cdf(bound).max(below);
            *slot = c - below;
            below = c;
        }
        out[N_BUCKETS - 1] = (1.0 - below).max(0.0);
        out
    }
}

/// Standard normal CDF.
fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// Complementary error function (Abramowitz & Stegun 7.1.26, absolute
/// error below 1.5e-7: plenty for simulated traffic).
fn erfc(x: f64) -> f64 {
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    (poly * (-x * x).exp()).clamp(0.0, 2.0)
}

/// What Prometheus's `histogram_quantile(q, ...)` reports for a histogram
/// whose buckets hold the given probabilities (not cumulative, `+Inf`
/// last): linear interpolation inside the bucket the rank falls in.
pub(crate) fn bucket_quantile(q: f64, probabilities: &[f64; N_BUCKETS]) -> f64 {
    let mut below = 0.0;
    let mut lower = 0.0;
    for (i, p) in probabilities.iter().enumerate() {
        let above = below + p;
        if above >= q && *p > 0.0 {
            return match BUCKETS.get(i) {
                Some(upper) => lower + (upper - lower) * ((q - below) / p).clamp(0.0, 1.0),
                None => BUCKETS[BUCKETS.len() - 1],
            };
        }
        below = above;
        if let Some(upper) = BUCKETS.get(i) {
            lower = *upper;
        }
    }
    BUCKETS[BUCKETS.len() - 1]
}

/// A log-normal with the given median such that a fleet whose instances
/// serve it scaled by `mix` (pairs of traffic weight and duration factor)
/// shows `p99` as its *bucketed* p99, the way `histogram_quantile` over
/// the summed buckets computes it (as near as the buckets allow): the
/// dashboard then shows the p99 the scenario means.
pub(crate) fn calibrated(median: f64, p99: f64, mix: &[(f64, f64)]) -> LogNormal {
    let shown = |x: f64| {
        let base = LogNormal::from_median_p99(median, x);
        let mut probabilities = [0.0; N_BUCKETS];
        let total: f64 = mix.iter().map(|(w, _)| w.max(0.0)).sum();
        for (w, factor) in mix {
            let p = base.scaled(*factor).bucket_probabilities();
            for (acc, p) in probabilities.iter_mut().zip(p) {
                *acc += p * w.max(0.0) / total.max(f64::MIN_POSITIVE);
            }
        }
        bucket_quantile(0.99, &probabilities)
    };
    let (mut lo, mut hi) = (median * 1.001, (median * 1000.0).max(p99));
    if mix.is_empty() || !(lo.is_finite() && hi.is_finite() && lo > 0.0) || shown(lo) >= p99 {
        return LogNormal::from_median_p99(median, p99);
    }
    if shown(hi) < p99 {
        return LogNormal::from_median_p99(median, hi);
    }
    for _ in 0..24 {
        let mid = (lo * hi).sqrt();
        if shown(mid) < p99 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    LogNormal::from_median_p99(median, hi)
}

/// Splits `n` whole events over categories in proportion to `weights`.
/// Fractions left over are carried in `carry` (one slot per category) so
/// that, over many calls, each category gets its share even when `n` is
/// small. The counts written to `out` always sum to exactly `n`.
pub(crate) fn split(n: u64, weights: &[f64], carry: &mut [f64], out: &mut [u64]) {
    let k = weights.len().min(carry.len()).min(out.len());
    if k == 0 {
        return;
    }
    let total: f64 = weights[..k]
        .iter()
        .map(|w| if w.is_finite() { w.max(0.0) } else { 0.0 })
        .sum();
    let mut want = [0.0f64; 32];
    let k = k.min(want.len());
    for i in 0..k {
        let w = if weights[i].is_finite() {
            weights[i].max(0.0)
        } else {
            0.0
        };
        let share = if total > 0.0 {
            w / total
        } else if i == 0 {
            1.0
        } else {
            0.0
        };
        want[i] = n as f64 * share + carry[i];
        out[i] = want[i].floor().max(0.0) as u64;
    }
    let mut given: u64 = out[..k].iter().sum();
    while given < n {
        let i = (0..k)
            .max_by(|&a, &b| (want[a] - out[a] as f64).total_cmp(&(want[b] - out[b] as f64)))
            .unwrap_or(0);
        out[i] += 1;
        given += 1;
    }
    while given > n {
        let Some(i) = (0..k)
            .filter(|&i| out[i] > 0)
            .min_by(|&a, &b| (want[a] - out[a] as f64).total_cmp(&(want[b] - out[b] as f64)))
        else {
            break;
        };
        out[i] -= 1;
        given -= 1;
    }
    for i in 0..k {
        carry[i] = (want[i] - out[i] as f64).clamp(-2.0, 2.0);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn erfc_matches_known_values() {
        assert!((erfc(0.0) - 1.0).abs() < 1e-6);
        assert!((erfc(1.0) - 0.157_299_207).abs() < 1e-6);
        assert!((erfc(-1.0) - 1.842_700_793).abs() < 1e-6);
        assert!(erfc(10.0) < 1e-9);
    }

    #[test]
    fn lognormal_hits_its_median_and_p99() {
        let d = LogNormal::from_median_p99(0.02, 0.06);
        assert!((d.cdf(0.02) - 0.5).abs() < 1e-6);
        assert!((d.cdf(0.06) - 0.99).abs() < 1e-5);
        assert!(d.mean() > 0.02 && d.mean() < 0.06);
    }

    #[test]
    fn bucket_probabilities_sum_to_one() {
        for (m, p99) in [(0.02, 0.06), (0.09, 0.4), (1.0, 5.0), (0.4, 2.0)] {
            let p = LogNormal::from_median_p99(m, p99).bucket_probabilities();
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            assert!(p.iter().all(|x| *x >= 0.0));
        }
    }

    #[test]
    fn calibrated_distributions_show_the_intended_p99() {
        for (m, p99) in [
            (0.02, 0.06),
            (0.03, 0.095),
            (0.09, 0.4),
            (0.4, 2.0),
            (0.05, 0.15),
        ] {
            let got = bucket_quantile(
                0.99,
                &calibrated(m, p99, &[(1.0, 1.0)]).bucket_probabilities(),
            );
            assert!((got - p99).abs() / p99 < 0.01, "p99 {p99}: shown {got}");
        }
        let worst = bucket_quantile(
            0.99,
            &calibrated(1.0, 5.0, &[(1.0, 1.0)]).bucket_probabilities(),
        );
        assert_eq!(worst, 5.0, "the largest finite bound, as Prometheus shows");
    }

    #[test]
    fn calibration_accounts_for_a_slower_part_of_the_fleet() {
        let mix = [(0.75, 1.0), (0.25, 1.4)];
        let d = calibrated(0.02, 0.06, &mix);
        let mut p = [0.0; N_BUCKETS];
        for (w, f) in mix {
            for (acc, x) in p.iter_mut().zip(d.scaled(f).bucket_probabilities()) {
                *acc += w * x;
            }
        }
        assert!((bucket_quantile(0.99, &p) - 0.06).abs() < 0.001);
        assert!(calibrated(0.02, 0.06, &[]).cdf(0.02) > 0.49);
    }

    #[test]
    fn bucket_quantile_interpolates_like_prometheus() {
        let mut p = [0.0; N_BUCKETS];
        p[0] = 0.5; // (0, 0.005]
        p[4] = 0.5; // (0.05, 0.1]
        assert!((bucket_quantile(0.25, &p) - 0.0025).abs() < 1e-12);
        assert!((bucket_quantile(0.75, &p) - 0.075).abs() < 1e-12);
        let mut tail = [0.0; N_BUCKETS];
        tail[N_BUCKETS - 1] = 1.0;
        assert_eq!(bucket_quantile(0.99, &tail), 5.0);
    }

    #[test]
    fn scaling_moves_the_median() {
        let d = LogNormal::from_median_p99(0.02, 0.06).scaled(2.0);
        assert!((d.cdf(0.04) - 0.5).abs() < 1e-6);
        assert!((d.cdf(0.12) - 0.99).abs() < 1e-5);
    }

    #[test]
    fn degenerate_inputs_do_not_produce_nan() {
        for (m, p) in [
            (0.0, 0.0),
            (f64::NAN, 1.0),
            (0.1, 0.05),
            (-1.0, f64::INFINITY),
        ] {
            let p = LogNormal::from_median_p99(m, p).bucket_probabilities();
            assert!(p.iter().all(|x| x.is_finite()));
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
    }

    #[test]
    fn split_is_exact_and_fair_over_time() {
        let w = [0.8, 0.15, 0.04, 0.01];
        let mut carry = [0.0; 4];
        let mut out = [0u64; 4];
        let mut totals = [0u64; 4];
        for n in (0..2000).map(|i| (i % 7) as u64) {
            split(n, &w, &mut carry, &mut out);
            assert_eq!(out.iter().sum::<u64>(), n);
            for i in 0..4 {
                totals[i] += out[i];
            }
        }
        let all: u64 = totals.iter().sum();
        for i in 0..4 {
            let share = totals[i] as f64 / all as f64;
            assert!((share - w[i]).abs() < 0.002, "{i}: {share}");
        }
    }

    #[test]
    fn split_survives_bad_weights() {
        let mut carry = [0.0; 3];
        let mut out = [0u64; 3];
        split(5, &[f64::NAN, -1.0, 0.0], &mut carry, &mut out);
        assert_eq!(out.iter().sum::<u64>(), 5);
        split(5, &[0.0, 1.0, 0.0], &mut carry, &mut out);
        assert_eq!(out, [0, 5, 0]);
    }
}

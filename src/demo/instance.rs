//! One simulated app instance: its counters, integrated tick by tick from
//! the scenario's rates, and its gauges.

use super::dist::{split, LogNormal, N_BUCKETS};
use super::rng::{Rng, Wobble};
use super::script::Conditions;

/// CPU cores each instance may use (`app_cpu_limit_cores`).
pub(crate) const CPU_LIMIT_CORES: f64 = 2.0;
/// Memory limit of each instance (`app_memory_limit_bytes`), 1 GiB.
pub(crate) const MEMORY_LIMIT_BYTES: f64 = 1_073_741_824.0;
/// Capacity of each instance's event queue.
pub(crate) const QUEUE_CAPACITY: f64 = 1000.0;

/// HTTP methods served, with their share of the traffic and how much
/// slower than the typical request they are.
pub(crate) const METHODS: [(&str, f64, f64); 2] = [("GET", 0.8, 1.0), ("POST", 0.2, 1.15)];
/// Status codes answered; the 5xx ones share the error ratio.
pub(crate) const CODES: [&str; 4] = ["200", "404", "500", "503"];
/// Share of requests answered 404 (client errors, not counted as errors).
const NOT_FOUND_RATIO: f64 = 0.01;

/// How much slower than typical the fleet's weak instance is.
const WEAK_LATENCY: f64 = 1.25;

/// The instance that becomes the bottleneck (seed 003): the oldest, which
/// the autoscaler never retires.
pub(crate) const BOTTLENECK_ID: u64 = 0;

/// Whether an instance leaks memory when the scenario says so (seed 004):
/// every other one, the bottleneck not among them.
pub(crate) fn leaks(id: u64) -> bool {
    id % 2 == 1
}

/// The fleet's traffic as (weight, duration factor) pairs, for a fleet of
/// `n` instances that includes the weak one: what the dashboard's p99
/// over the summed buckets mixes together.
pub(crate) fn latency_mix(n: usize) -> [(f64, f64); 4] {
    let weak = 1.0 / n.max(1) as f64;
    let [(_, get_share, get_slow), (_, post_share, post_slow)] = METHODS;
    [
        (weak * get_share, WEAK_LATENCY * get_slow),
        (weak * post_share, WEAK_LATENCY * post_slow),
        ((1.0 - weak) * get_share, get_slow),
        ((1.0 - weak) * post_share, post_slow),
    ]
}

/// Counters of one HTTP method.
#[derive(Clone, Debug, Default)]
pub(crate) struct MethodStats {
    /// Requests per bucket, not cumulative; the last is above 5 s.
    pub(crate) buckets: [u64; N_BUCKETS],
    pub(crate) sum: f64,
    pub(crate) codes: [u64; CODES.len()],
    /// Whether a code's series exists yet (series appear on first use).
    pub(crate) seen: [bool; CODES.len()],
    bucket_carry: [f64; N_BUCKETS],
    code_carry: [f64; CODES.len()],
}

impl MethodStats {
    pub(crate) fn count(&self) -> u64 {
        self.buckets.iter().sum()
    }
}

/// A simulated app instance.
#[derive(Clone, Debug)]
pub(crate) struct Instance {
    pub(crate) id: u64,
    /// Real seconds after the fleet's start when it started.
    pub(crate) started_at: f64,
    pub(crate) methods: [MethodStats; METHODS.len()],
    pub(crate) cpu_seconds: f64,
    pub(crate) memory_bytes: f64,
    pub(crate) queue_depth: f64,
    rng: Rng,
    latency_factor: f64,
    error_factor: f64,
    cpu_bias: f64,
    memory_bias: f64,
    queue_factor: f64,
    request_carry: f64,
    method_carry: [f64; METHODS.len()],
    traffic_noise: Wobble,
    latency_noise: Wobble,
    cpu_noise: Wobble,
    gauge_noise: Wobble,
}

impl Instance {
    /// Instance `id` of the fleet seeded with `seed`. Instance 0 is the
    /// fleet's weak spot: a bit slower, busier and more error-prone.
    pub(crate) fn new(id: u64, seed: u64, started_at: f64) -> Self {
        let mut rng = Rng::new(seed ^ id.wrapping_add(1).wrapping_mul(0xA076_1D64_78BD_642F));
        let (latency_factor, error_factor, cpu_bias, memory_bias, queue_factor) = if id == 0 {
            (WEAK_LATENCY, 1.5, 0.07, 0.05, 1.5)
        } else {
            (
                1.0 + 0.08 * rng.symmetric(),
                1.0 + 0.2 * rng.symmetric(),
                0.03 * rng.symmetric(),
                0.04 * rng.symmetric(),
                1.0 + 0.2 * rng.symmetric(),
            )
        };
        Instance {
            id,
            started_at,
            methods: Default::default(),
            cpu_seconds: 0.0,
            memory_bytes: 0.0,
            queue_depth: 0.0,
            rng,
            latency_factor,
            error_factor,
            cpu_bias,
            memory_bias,
            queue_factor,
            request_carry: 0.0,
            method_carry: [0.0; METHODS.len()],
            traffic_noise: Wobble::default(),
            latency_noise: Wobble::default(),
            cpu_noise: Wobble::default(),
            gauge_noise: Wobble::default(),
        }
    }

    /// Serves `dt` real seconds of the scenario's conditions, taking
    /// `share` of the fleet's traffic.
    /// `latency` is the typical instance's request-duration distribution
    /// (see [`latency_mix`]).
    pub(crate) fn step(&mut self, c: &Conditions, latency: &LogNormal, share: f64, dt: f64) {
        if !(dt.is_finite() && dt > 0.0) {
            return;
        }
        let traffic = 1.0 + 0.05 * self.traffic_noise.step(&mut self.rng);
        let hot = if self.id == BOTTLENECK_ID {
            c.hot_latency.max(1.0)
        } else {
            1.0
        };
        let slower =
            hot * self.latency_factor * (1.0 + 0.04 * self.latency_noise.step(&mut self.rng));
        let cpu =
            (c.cpu + self.cpu_bias + 0.02 * self.cpu_noise.step(&mut self.rng)).clamp(0.01, 0.99);
        let gauge = self.gauge_noise.step(&mut self.rng);

        let rate = (c.traffic_rps * share * traffic).max(0.0);
        self.request_carry += rate * dt;
        let n = self.request_carry.floor().max(0.0);
        self.request_carry -= n;

        let errors = (c.error_ratio * self.error_factor).clamp(0.0, 0.95);
        let not_found = NOT_FOUND_RATIO.min(1.0 - errors);
        let code_weights = [
            1.0 - errors - not_found,
            not_found,
            errors * 0.6,
            errors * 0.4,
        ];
        let weights = METHODS.map(|m| m.1);
        let mut per_method = [0u64; METHODS.len()];
        split(n as u64, &weights, &mut self.method_carry, &mut per_method);

        for ((stats, (_, _, slowness)), n) in self.methods.iter_mut().zip(METHODS).zip(per_method) {
            let dist = latency.scaled(slower * slowness);
            let mut out = [0u64; N_BUCKETS];
            split(
                n,
                &dist.bucket_probabilities(),
                &mut stats.bucket_carry,
                &mut out,
            );
            for (b, k) in stats.buckets.iter_mut().zip(out) {
                *b += k;
            }
            stats.sum += n as f64 * dist.mean();
            let mut out = [0u64; CODES.len()];
            split(n, &code_weights, &mut stats.code_carry, &mut out);
            for (i, k) in out.into_iter().enumerate() {
                stats.codes[i] += k;
                stats.seen[i] |= k > 0 || i == 0;
            }
        }

        self.cpu_seconds += cpu * CPU_LIMIT_CORES * dt;
        let leak = if leaks(self.id) { c.leak } else { 0.0 };
        let memory = (c.memory_fill + leak + self.memory_bias + 0.01 * gauge).clamp(0.05, 0.97);
        self.memory_bytes = (memory * MEMORY_LIMIT_BYTES / 4096.0).round() * 4096.0;
        let queue = (c.queue_fill * self.queue_factor * (1.0 + 0.1 * gauge)).clamp(0.0, 1.0);
        self.queue_depth = (queue * QUEUE_CAPACITY).round();
    }

    /// Total requests served.
    #[cfg(test)]
    pub(crate) fn requests(&self) -> u64 {
        self.methods.iter().map(MethodStats::count).sum()
    }

    /// Whether the latency noise has moved yet (used by tests).
    #[cfg(test)]
    pub(crate) fn noisy(&self) -> bool {
        self.latency_noise.value() != 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::script::Script;
    use crate::demo::Scenario;

    fn typical(c: &Conditions) -> LogNormal {
        LogNormal::from_median_p99(c.p50, c.p99)
    }

    #[test]
    fn counters_are_consistent() {
        let script = Script::new(Scenario::Incident, 4);
        let mut inst = Instance::new(1, 42, 0.0);
        for i in 0..3000 {
            inst.step(
                &script.at(i as f64 * 0.1),
                &typical(&script.at(i as f64 * 0.1)),
                0.25,
                0.1,
            );
            for m in &inst.methods {
                assert_eq!(m.codes.iter().sum::<u64>(), m.count());
            }
        }
        assert!(inst.noisy());
        assert!(inst.requests() > 10_000);
        assert!(inst.methods[0].seen[2], "5xx appear during the incident");
    }

    #[test]
    fn five_hundreds_appear_only_when_errors_occur() {
        let c = Conditions {
            error_ratio: 0.0,
            ..Script::new(Scenario::Calm, 4).at(0.0)
        };
        let mut inst = Instance::new(2, 1, 0.0);
        for _ in 0..100 {
            inst.step(&c, &typical(&c), 0.25, 0.1);
        }
        assert!(inst.methods[0].seen[0]);
        assert!(!inst.methods[0].seen[2] && !inst.methods[0].seen[3]);
    }

    #[test]
    fn rates_match_the_conditions() {
        let c = Script::new(Scenario::Calm, 4).at(0.0);
        let mut inst = Instance::new(3, 9, 0.0);
        for _ in 0..1000 {
            inst.step(&c, &typical(&c), 0.25, 0.1);
        }
        let rps = inst.requests() as f64 / 100.0;
        assert!((rps - 50.0).abs() < 5.0, "rps {rps}");
        let cpu = inst.cpu_seconds / 100.0 / CPU_LIMIT_CORES;
        assert!((cpu - 0.30).abs() < 0.05, "cpu {cpu}");
    }

    #[test]
    fn bad_steps_change_nothing() {
        let c = Script::new(Scenario::Calm, 4).at(0.0);
        let mut inst = Instance::new(0, 0, 0.0);
        inst.step(&c, &typical(&c), 0.5, f64::NAN);
        inst.step(&c, &typical(&c), 0.5, -1.0);
        assert_eq!(inst.requests(), 0);
        assert_eq!(inst.cpu_seconds, 0.0);
    }
}

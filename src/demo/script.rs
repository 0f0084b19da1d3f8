//! The scenario scripts: what the fleet should look like at each moment of
//! simulated time. Pure functions of time; no state, no clock.

use super::Scenario;

/// Length of one loop of the incident scenario, in simulated seconds.
pub const LOOP_SECS: f64 = 330.0;
/// The fleet never shrinks below this many app instances.
pub const MIN_INSTANCES: usize = 2;
/// Requests per second each starting instance serves when calm.
const BASE_RPS_PER_INSTANCE: f64 = 50.0;

/// Phase boundaries of the incident loop (simulated seconds).
const SURGE_AT: f64 = 60.0;
const RUNAWAY_AT: f64 = 120.0;
const STALL_AT: f64 = 180.0;
const RECOVERY_AT: f64 = 240.0;

/// A named stretch of the scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Calm,
    Surge,
    Runaway,
    Stall,
    Recovery,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Calm => "calm",
            Phase::Surge => "surge",
            Phase::Runaway => "runaway",
            Phase::Stall => "stall",
            Phase::Recovery => "recovery",
        }
    }
}

/// What the fleet looks like at one moment, for a typical instance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Conditions {
    pub phase: Phase,
    /// Requests per second over the whole fleet.
    pub traffic_rps: f64,
    /// Median request duration, seconds.
    pub p50: f64,
    /// 0.99 quantile of request duration, seconds.
    pub p99: f64,
    /// Fraction of requests answered with a 5xx.
    pub error_ratio: f64,
    /// Busy fraction of the instance's CPU limit.
    pub cpu: f64,
    /// Event queue depth as a fraction of its capacity.
    pub queue_fill: f64,
    /// Resident memory as a fraction of the memory limit.
    pub memory_fill: f64,
    /// Instances the autoscaler wants (before clamping to its limits).
    pub desired: usize,
    /// The autoscaler's `max_instances` setting.
    pub max: usize,
}

/// One keyframe of the incident; values in between are interpolated.
#[derive(Clone, Copy, Debug)]
struct Key {
    t: f64,
    traffic: f64,
    p50: f64,
    p99: f64,
    err: f64,
    cpu: f64,
    queue: f64,
    mem: f64,
}

#[allow(clippy::too_many_arguments)]
const fn key(
    t: f64,
    traffic: f64,
    p50: f64,
    p99: f64,
    err: f64,
    cpu: f64,
    queue: f64,
    mem: f64,
) -> Key {
    Key {
        t,
        traffic,
        p50,
        p99,
        err,
        cpu,
        queue,
        mem,
    }
}

/// The incident, after the write-ups: a 10x surge, the autoscaler running
/// away towards a mis-set limit, the fleet stalling, the limit corrected.
#[rustfmt::skip]
const INCIDENT: [Key; 10] = [
    //   t      traffic p50    p99    errors cpu   queue mem
    key(0.0,    1.0,  0.020, 0.060, 0.002, 0.30, 0.02, 0.35),
    key(60.0,   1.0,  0.020, 0.060, 0.002, 0.30, 0.02, 0.35),
    key(80.0,  10.0,  0.030, 0.095, 0.004, 0.52, 0.25, 0.45),
    key(120.0, 10.0,  0.035, 0.110, 0.005, 0.58, 0.40, 0.50),
    key(150.0, 10.0,  0.090, 0.400, 0.060, 0.84, 0.85, 0.70),
    key(180.0, 10.0,  0.400, 2.000, 0.200, 0.90, 1.00, 0.86),
    key(205.0, 10.0,  1.000, 5.000, 0.300, 0.94, 1.00, 0.90),
    key(240.0, 10.0,  1.000, 5.000, 0.300, 0.94, 1.00, 0.90),
    key(255.0,  8.0,  0.050, 0.150, 0.020, 0.60, 0.50, 0.60),
    key(275.0,  3.0,  0.022, 0.070, 0.003, 0.36, 0.05, 0.40),
];
// From 295 s to the end of the loop: calm again (the first keyframe).
const CALM_AGAIN_AT: f64 = 295.0;

/// A scenario for a fleet of a given starting size.
#[derive(Clone, Debug)]
pub struct Script {
    scenario: Scenario,
    base: usize,
    surge: usize,
    wrong_max: usize,
    right_max: usize,
}

impl Script {
    /// `instances` is the starting size (at least [`MIN_INSTANCES`]).
    pub fn new(scenario: Scenario, instances: usize) -> Self {
        let base = instances.max(MIN_INSTANCES);
        Script {
            scenario,
            base,
            surge: 3 * base,
            wrong_max: (6 * base).max(40),
            right_max: (4 * base).max(16),
        }
    }

    pub fn start_size(&self) -> usize {
        self.base
    }

    /// Conditions at `sim_secs` simulated seconds after the start.
    pub fn at(&self, sim_secs: f64) -> Conditions {
        let base_rps = BASE_RPS_PER_INSTANCE * self.base as f64;
        if self.scenario == Scenario::Calm {
            return self.conditions(
                Phase::Calm,
                &INCIDENT[0],
                base_rps,
                self.base,
                self.right_max,
            );
        }
        let t = if sim_secs.is_finite() && sim_secs > 0.0 {
            sim_secs % LOOP_SECS
        } else {
            0.0
        };
        let phase = match t {
            t if t < SURGE_AT => Phase::Calm,
            t if t < RUNAWAY_AT => Phase::Surge,
            t if t < STALL_AT => Phase::Runaway,
            t if t < RECOVERY_AT => Phase::Stall,
            _ => Phase::Recovery,
        };
        let k = interpolate(t);
        let by_traffic =
            ((self.base as f64 * k.traffic * 0.3).ceil() as usize).clamp(self.base, self.surge);
        let (desired, max) = match phase {
            Phase::Calm | Phase::Surge => (by_traffic, self.wrong_max),
            Phase::Runaway | Phase::Stall => (self.wrong_max, self.wrong_max),
            Phase::Recovery => (by_traffic, self.right_max),
        };
        self.conditions(phase, &k, base_rps, desired, max)
    }

    fn conditions(
        &self,
        phase: Phase,
        k: &Key,
        base_rps: f64,
        desired: usize,
        max: usize,
    ) -> Conditions {
        Conditions {
            phase,
            traffic_rps: base_rps * k.traffic,
            p50: k.p50,
            p99: k.p99,
            error_ratio: k.err,
            cpu: k.cpu,
            queue_fill: k.queue,
            memory_fill: k.mem,
            desired: desired.clamp(MIN_INSTANCES, max.max(MIN_INSTANCES)),
            max,
        }
    }
}

/// The incident's keyframes interpolated at `t` (within one loop).
fn interpolate(t: f64) -> Key {
    let last = INCIDENT[INCIDENT.len() - 1];
    let (a, b) = if t >= last.t {
        (
            last,
            Key {
                t: CALM_AGAIN_AT,
                ..INCIDENT[0]
            },
        )
    } else {
        let i = INCIDENT.iter().rposition(|k| k.t <= t).unwrap_or(0);
        (INCIDENT[i], INCIDENT[(i + 1).min(INCIDENT.len() - 1)])
    };
    let f = if b.t > a.t {
        ((t - a.t) / (b.t - a.t)).clamp(0.0, 1.0)
    } else {
        1.0
    };
    let mix = |x: f64, y: f64| x + (y - x) * f;
    Key {
        t,
        traffic: mix(a.traffic, b.traffic),
        p50: mix(a.p50, b.p50),
        p99: mix(a.p99, b.p99),
        err: mix(a.err, b.err),
        cpu: mix(a.cpu, b.cpu),
        queue: mix(a.queue, b.queue),
        mem: mix(a.mem, b.mem),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_follow_the_loop() {
        let s = Script::new(Scenario::Incident, 4);
        let names: Vec<_> = [0.0, 70.0, 130.0, 200.0, 250.0, 329.0, 330.0, 400.0]
            .iter()
            .map(|t| s.at(*t).phase.as_str())
            .collect();
        assert_eq!(
            names,
            ["calm", "surge", "runaway", "stall", "recovery", "recovery", "calm", "surge"]
        );
    }

    #[test]
    fn incident_crosses_and_recovers_the_thresholds() {
        let s = Script::new(Scenario::Incident, 4);
        let calm = s.at(30.0);
        assert!(calm.p99 < 0.1 && calm.cpu < 0.5 && calm.error_ratio < 0.005);
        let stall = s.at(220.0);
        assert!(stall.p99 >= 2.0 && stall.cpu > 0.85 && stall.error_ratio >= 0.25);
        assert!(stall.queue_fill >= 1.0);
        assert_eq!(stall.desired, 40);
        assert_eq!(stall.max, 40);
        let surge = s.at(100.0);
        assert!((surge.traffic_rps / calm.traffic_rps - 10.0).abs() < 1e-9);
        let after = s.at(310.0);
        assert_eq!(after.p99, calm.p99);
        assert_eq!(after.desired, 4);
        assert_eq!(after.max, 16);
    }

    #[test]
    fn interpolation_is_continuous() {
        let s = Script::new(Scenario::Incident, 4);
        let mut prev = s.at(0.0);
        for i in 1..3300 {
            let c = s.at(i as f64 * 0.1);
            assert!((c.p99 - prev.p99).abs() < 0.1, "jump at {}", i);
            assert!((c.cpu - prev.cpu).abs() < 0.01);
            prev = c;
        }
    }

    #[test]
    fn calm_scenario_is_constant() {
        let s = Script::new(Scenario::Calm, 6);
        let a = s.at(0.0);
        for t in [10.0, 150.0, 220.0, 1e6, f64::NAN] {
            assert_eq!(s.at(t), a);
        }
        assert_eq!(a.desired, 6);
    }

    #[test]
    fn bad_times_are_treated_as_start() {
        let s = Script::new(Scenario::Incident, 2);
        assert_eq!(s.at(f64::NAN).phase, Phase::Calm);
        assert_eq!(s.at(-5.0).phase, Phase::Calm);
        assert!(s.at(0.0).desired >= MIN_INSTANCES);
    }
}

//! The scenario scripts: what the fleet should look like at each moment of
//! simulated time. Pure functions of time; no state, no clock.
//!
//! The incident loop plays the five seed incidents one after another, each
//! in a phase of its own in which its cause leads (crosses its critical
//! threshold first, within seconds of the phase start) and its symptoms,
//! if any, follow later; a recovery phase between two incidents lets the
//! previous one's alerts resolve. `seed-000` … `seed-004` play one incident
//! alone: calm, the incident, recovery.

use super::Scenario;

/// Length of one loop of the incident scenario, in simulated seconds.
pub const LOOP_SECS: f64 = CALM_SECS + 5.0 * (INCIDENT_SECS + RECOVERY_SECS);
// The whole loop lasts at most 12 minutes at speed 1.
const _: () = assert!(LOOP_SECS <= 720.0);
/// The fleet never shrinks below this many app instances.
pub const MIN_INSTANCES: usize = 2;
/// Requests per second each starting instance serves when calm.
const BASE_RPS_PER_INSTANCE: f64 = 50.0;

/// Calm at the start of a loop, so the dashboard warms up.
const CALM_SECS: f64 = 60.0;
/// One incident's phase.
const INCIDENT_SECS: f64 = 90.0;
/// The recovery after an incident: long enough for its alerts to resolve.
const RECOVERY_SECS: f64 = 40.0;
/// How long the recovery takes to bring every value back to calm.
const RECOVERY_RAMP_SECS: f64 = 15.0;

/// A named stretch of the scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Calm,
    /// Seed 000: the autoscaler runs away to a mis-set `max_instances`.
    Runaway,
    /// Seed 001: the event queue overflows in a 10x traffic surge.
    Overflow,
    /// Seed 002: errors at 30 % and p99 at 5 s.
    Errors,
    /// Seed 003: one instance (the config layer) is the bottleneck.
    Bottleneck,
    /// Seed 004: memory climbs to its limit on some instances.
    Memory,
    Recovery,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Calm => "calm",
            Phase::Runaway => "runaway",
            Phase::Overflow => "overflow",
            Phase::Errors => "errors",
            Phase::Bottleneck => "bottleneck",
            Phase::Memory => "memory",
            Phase::Recovery => "recovery",
        }
    }

    /// The seed incident the phase plays (none for calm and recovery).
    pub fn seed(self) -> Option<u8> {
        match self {
            Phase::Runaway => Some(0),
            Phase::Overflow => Some(1),
            Phase::Errors => Some(2),
            Phase::Bottleneck => Some(3),
            Phase::Memory => Some(4),
            Phase::Calm | Phase::Recovery => None,
        }
    }

    /// The incident phase of a seed.
    pub fn of_seed(seed: u8) -> Option<Phase> {
        INCIDENTS.get(usize::from(seed)).copied()
    }

    /// `phase: NAME seed=NNN` (`seed=none` for calm and recovery).
    pub fn line(self) -> String {
        match self.seed() {
            Some(s) => format!("phase: {} seed={s:03}", self.as_str()),
            None => format!("phase: {} seed=none", self.as_str()),
        }
    }
}

/// The incident phases in seed order.
const INCIDENTS: [Phase; 5] = [
    Phase::Runaway,
    Phase::Overflow,
    Phase::Errors,
    Phase::Bottleneck,
    Phase::Memory,
];

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
    /// How many times slower than typical the bottleneck instance (the
    /// oldest) answers; 1 when there is none.
    pub hot_latency: f64,
    /// Memory (fraction of the limit) leaking instances hold on top of
    /// `memory_fill`; 0 when nothing leaks.
    pub leak: f64,
    /// Instances the autoscaler wants (clamped to its limits).
    pub desired: usize,
    /// The autoscaler's `max_instances` setting.
    pub max: usize,
}

/// One keyframe; values in between are interpolated. `t` is seconds
/// into the phase.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Key {
    t: f64,
    traffic: f64,
    p50: f64,
    p99: f64,
    err: f64,
    cpu: f64,
    queue: f64,
    mem: f64,
    hot: f64,
    leak: f64,
}

/// The calm fleet: 60 ms p99, 0.2 % errors, CPU 30 %.
const CALM: Key = Key {
    t: 0.0,
    traffic: 1.0,
    p50: 0.020,
    p99: 0.060,
    err: 0.002,
    cpu: 0.30,
    queue: 0.02,
    mem: 0.35,
    hot: 1.0,
    leak: 0.0,
};

/// A keyframe: calm but for the fields set by `f`.
const fn at(t: f64, k: Key) -> Key {
    Key { t, ..k }
}

/// Seed 000. The autoscaler wants its (mis-set) limit at once: pinned at
/// `max_instances` within seconds. Only once the fleet has grown into it
/// does contention stall it (latency and CPU, later).
#[rustfmt::skip]
const RUNAWAY: [Key; 4] = [
    at(0.0, CALM),
    at(10.0, Key { traffic: 3.0, ..CALM }),
    at(30.0, Key { traffic: 3.0, cpu: 0.35, queue: 0.05, ..CALM }),
    at(50.0, Key { traffic: 3.0, p50: 0.15, p99: 0.60, err: 0.03, cpu: 0.90, queue: 0.50, mem: 0.60, ..CALM }),
];

/// Seed 001. 10x traffic in ten seconds: the event queues overflow in the
/// surge itself; latency, errors and CPU stay under their critical lines.
#[rustfmt::skip]
const OVERFLOW: [Key; 3] = [
    at(0.0, CALM),
    at(10.0, Key { traffic: 10.0, p50: 0.025, p99: 0.08, err: 0.003, cpu: 0.50, queue: 1.0, mem: 0.45, ..CALM }),
    at(60.0, Key { traffic: 10.0, p50: 0.030, p99: 0.12, err: 0.006, cpu: 0.55, queue: 1.0, mem: 0.50, ..CALM }),
];

/// Seed 002. Errors jump to 30 % first; p99 follows to 5 s; then a partial
/// recovery to 2 % errors and a p99 under a second.
#[rustfmt::skip]
const ERRORS: [Key; 6] = [
    at(0.0, CALM),
    at(8.0, Key { err: 0.30, p99: 0.07, ..CALM }),
    at(25.0, Key { err: 0.30, p99: 0.08, cpu: 0.35, ..CALM }),
    at(45.0, Key { err: 0.30, p50: 1.0, p99: 5.0, cpu: 0.45, queue: 0.30, ..CALM }),
    at(65.0, Key { err: 0.30, p50: 1.0, p99: 5.0, cpu: 0.45, queue: 0.30, ..CALM }),
    at(75.0, Key { err: 0.02, p50: 0.10, p99: 0.80, cpu: 0.40, queue: 0.10, ..CALM }),
];

/// Seed 003. One instance (the config layer every request passes) answers
/// ten times slower; the rest of the fleet is fine.
#[rustfmt::skip]
const BOTTLENECK: [Key; 2] = [
    at(0.0, CALM),
    at(10.0, Key { hot: 10.0, ..CALM }),
];

/// Seed 004. Memory climbs to its limit on the leaking instances.
#[rustfmt::skip]
const MEMORY: [Key; 3] = [
    at(0.0, CALM),
    at(15.0, Key { leak: 0.65, ..CALM }),
    at(60.0, Key { leak: 0.65, p99: 0.10, cpu: 0.40, ..CALM }),
];

fn keys_of(phase: Phase) -> &'static [Key] {
    match phase {
        Phase::Runaway => &RUNAWAY,
        Phase::Overflow => &OVERFLOW,
        Phase::Errors => &ERRORS,
        Phase::Bottleneck => &BOTTLENECK,
        Phase::Memory => &MEMORY,
        Phase::Calm | Phase::Recovery => &[CALM],
    }
}

/// A scenario for a fleet of a given starting size.
#[derive(Clone, Debug)]
pub struct Script {
    scenario: Scenario,
    base: usize,
    surge: usize,
    wrong_max: usize,
    right_max: usize,
    /// The phases of one loop with their lengths.
    phases: Vec<(Phase, f64)>,
}

impl Script {
    /// `instances` is the starting size (at least [`MIN_INSTANCES`]).
    pub fn new(scenario: Scenario, instances: usize) -> Self {
        let base = instances.max(MIN_INSTANCES);
        let incidents: Vec<Phase> = match scenario {
            Scenario::Calm => vec![],
            Scenario::Incident => INCIDENTS.to_vec(),
            Scenario::Seed(s) => Phase::of_seed(s).into_iter().collect(),
        };
        let mut phases = vec![(Phase::Calm, CALM_SECS)];
        for p in incidents {
            phases.push((p, INCIDENT_SECS));
            phases.push((Phase::Recovery, RECOVERY_SECS));
        }
        Script {
            scenario,
            base,
            surge: 3 * base,
            wrong_max: (6 * base).max(40),
            right_max: (4 * base).max(16),
            phases,
        }
    }

    pub fn start_size(&self) -> usize {
        self.base
    }

    /// Length of one loop, simulated seconds (infinite for calm).
    pub fn loop_secs(&self) -> f64 {
        if self.scenario == Scenario::Calm {
            return f64::INFINITY;
        }
        self.phases.iter().map(|(_, d)| d).sum()
    }

    /// Every phase of one loop with its start, simulated seconds.
    pub fn timeline(&self) -> Vec<(Phase, f64)> {
        let mut start = 0.0;
        self.phases
            .iter()
            .map(|(p, d)| {
                let s = start;
                start += d;
                (*p, s)
            })
            .collect()
    }

    /// The phases that start in `(from, to]` simulated seconds, with their
    /// start, in order (every loop; at most `limit` of them).
    pub fn phase_starts(&self, from: f64, to: f64, limit: usize) -> Vec<(f64, Phase)> {
        let len = self.loop_secs();
        let mut out = Vec::new();
        if !(len.is_finite() && from.is_finite() && to.is_finite()) || to <= from {
            return out;
        }
        let timeline = self.timeline();
        let mut lap = (from.max(0.0) / len).floor();
        while out.len() < limit && lap * len <= to {
            for (p, start) in &timeline {
                let t = lap * len + start;
                if t > from && t <= to && out.len() < limit {
                    out.push((t, *p));
                }
            }
            lap += 1.0;
        }
        out
    }

    /// Conditions at `sim_secs` simulated seconds after the start.
    pub fn at(&self, sim_secs: f64) -> Conditions {
        let t = if sim_secs.is_finite() && sim_secs > 0.0 && self.loop_secs().is_finite() {
            sim_secs % self.loop_secs()
        } else {
            0.0
        };
        let mut start = 0.0;
        let mut before: Option<Phase> = None;
        let mut seen_runaway = false;
        for (i, (phase, secs)) in self.phases.iter().enumerate() {
            if t < start + secs || i + 1 == self.phases.len() {
                let into = t - start;
                let k = match (phase, before) {
                    (Phase::Recovery, Some(prev)) => {
                        let from = keys_of(prev)[keys_of(prev).len() - 1];
                        mix(&from, &CALM, (into / RECOVERY_RAMP_SECS).clamp(0.0, 1.0))
                    }
                    _ => interpolate(keys_of(*phase), into),
                };
                let runaway_ahead = self.phases[i..].iter().any(|(p, _)| *p == Phase::Runaway);
                return self.conditions(*phase, &k, runaway_ahead && !seen_runaway);
            }
            seen_runaway |= *phase == Phase::Runaway;
            before = Some(*phase);
            start += secs;
        }
        self.conditions(Phase::Calm, &CALM, false)
    }

    /// `mis_set`: the limit is still the wrong one (the runaway is ahead,
    /// or under way).
    fn conditions(&self, phase: Phase, k: &Key, mis_set: bool) -> Conditions {
        let by_traffic =
            ((self.base as f64 * k.traffic * 0.3).ceil() as usize).clamp(self.base, self.surge);
        let (desired, max) = match phase {
            Phase::Runaway => (self.wrong_max, self.wrong_max),
            _ if mis_set => (by_traffic, self.wrong_max),
            _ => (by_traffic, self.right_max),
        };
        Conditions {
            phase,
            traffic_rps: BASE_RPS_PER_INSTANCE * self.base as f64 * k.traffic,
            p50: k.p50,
            p99: k.p99,
            error_ratio: k.err,
            cpu: k.cpu,
            queue_fill: k.queue,
            memory_fill: k.mem,
            hot_latency: k.hot,
            leak: k.leak,
            desired: desired.clamp(MIN_INSTANCES, max.max(MIN_INSTANCES)),
            max,
        }
    }
}

/// Keyframes interpolated at `t` seconds into their phase; past the last
/// one, the last one holds.
fn interpolate(keys: &[Key], t: f64) -> Key {
    let i = keys.iter().rposition(|k| k.t <= t).unwrap_or(0);
    let a = keys[i];
    let b = keys[(i + 1).min(keys.len() - 1)];
    let f = if b.t > a.t {
        ((t - a.t) / (b.t - a.t)).clamp(0.0, 1.0)
    } else {
        1.0
    };
    mix(&a, &b, f)
}

fn mix(a: &Key, b: &Key, f: f64) -> Key {
    let m = |x: f64, y: f64| if f >= 1.0 { y } else { x + (y - x) * f };
    Key {
        t: m(a.t, b.t),
        traffic: m(a.traffic, b.traffic),
        p50: m(a.p50, b.p50),
        p99: m(a.p99, b.p99),
        err: m(a.err, b.err),
        cpu: m(a.cpu, b.cpu),
        queue: m(a.queue, b.queue),
        mem: m(a.mem, b.mem),
        hot: m(a.hot, b.hot),
        leak: m(a.leak, b.leak),
    }
}

#[cfg(test)]
#[path = "script_tests.rs"]
mod tests;

//! Plays the scenarios through the simulation and reads them the way the
//! dashboard does: rates over a 10 s window from the counters, quantiles
//! from the bucket counts, gauges per instance. Each seed incident must
//! cross its cause's critical threshold first, and the detected rules
//! (their `for`, their dead band) must fire the cause first, within a
//! minute of the phase start; between incidents everything recovers.

use super::dist::{bucket_quantile, N_BUCKETS};
use super::instance::{Instance, CPU_LIMIT_CORES, MEMORY_LIMIT_BYTES, QUEUE_CAPACITY};
use super::script::{Phase, Script, LOOP_SECS};
use super::sim::Sim;
use super::Scenario;
use std::collections::BTreeMap;

/// Counters of one instance at one moment.
#[derive(Clone)]
struct Totals {
    buckets: [u64; N_BUCKETS],
    requests: u64,
    errors: u64,
    cpu: f64,
}

fn totals(inst: &Instance) -> Totals {
    let mut buckets = [0; N_BUCKETS];
    let mut errors = 0;
    for m in &inst.methods {
        for (b, k) in buckets.iter_mut().zip(m.buckets) {
            *b += k;
        }
        errors += m.codes[2] + m.codes[3];
    }
    Totals {
        buckets,
        requests: buckets.iter().sum(),
        errors,
        cpu: inst.cpu_seconds,
    }
}

/// One instance's per-instance panel values.
#[derive(Clone, Copy, Debug)]
struct PerInstance {
    cpu: f64,
    queue: f64,
    memory: f64,
}

/// What the default panels would show.
#[derive(Debug)]
struct View {
    t: f64,
    phase: Phase,
    p99: f64,
    errors: f64,
    instances: BTreeMap<u64, PerInstance>,
    desired: usize,
    max: usize,
}

impl View {
    fn most(&self, f: impl Fn(&PerInstance) -> f64) -> f64 {
        self.instances.values().map(f).fold(0.0, f64::max)
    }
}

/// Reads the fleet every `every` real seconds with a rate window five
/// times that (2 s and 10 s by default on the dashboard).
fn play_every(scenario: Scenario, speed: f64, real_secs: f64, every: f64) -> Vec<View> {
    let mut sim = Sim::new(Script::new(scenario, 4), speed, 11);
    let mut history: Vec<(f64, BTreeMap<u64, Totals>)> = Vec::new();
    let mut views = Vec::new();
    let mut t = 0.0;
    while t <= real_secs {
        sim.advance_to(t);
        let now: BTreeMap<u64, Totals> = sim
            .live_ids()
            .iter()
            .filter_map(|id| sim.instance(*id))
            .map(|i| (i.id, totals(i)))
            .collect();
        if let Some((t0, before)) = history
            .iter()
            .rev()
            .find(|(t0, _)| t - t0 >= 5.0 * every - 1e-9)
        {
            let window = t - t0;
            let mut buckets = [0.0; N_BUCKETS];
            let (mut requests, mut errors) = (0.0, 0.0);
            let mut instances = BTreeMap::new();
            for (id, after) in &now {
                let Some(b) = before.get(id) else { continue };
                for ((acc, a), b) in buckets.iter_mut().zip(after.buckets).zip(b.buckets) {
                    *acc += (a - b) as f64;
                }
                requests += (after.requests - b.requests) as f64;
                errors += (after.errors - b.errors) as f64;
                let Some(inst) = sim.instance(*id) else {
                    continue;
                };
                instances.insert(
                    *id,
                    PerInstance {
                        cpu: (after.cpu - b.cpu) / window / CPU_LIMIT_CORES,
                        queue: inst.queue_depth / QUEUE_CAPACITY,
                        memory: inst.memory_bytes / MEMORY_LIMIT_BYTES,
                    },
                );
            }
            let total: f64 = buckets.iter().sum();
            let probabilities = buckets.map(|b| b / total.max(1.0));
            let a = sim.autoscaler();
            views.push(View {
                t: sim.sim_now(),
                phase: sim.phase(),
                p99: bucket_quantile(0.99, &probabilities),
                errors: errors / requests.max(1.0),
                instances,
                desired: a.desired,
                max: a.max,
            });
        }
        history.push((t, now));
        t += every;
    }
    views
}

fn play(scenario: Scenario, speed: f64, real_secs: f64) -> Vec<View> {
    play_every(scenario, speed, real_secs, 2.0)
}

fn within(views: &[View], from: f64, to: f64) -> impl Iterator<Item = &View> {
    views
        .iter()
        .filter(move |v| v.t % LOOP_SECS >= from && v.t % LOOP_SECS < to)
}

fn calm_enough(v: &View) -> bool {
    v.p99 < 0.15
        && v.errors < 0.01
        && v.most(|i| i.cpu) < 0.70
        && v.most(|i| i.queue) < 0.80
        && v.most(|i| i.memory) < 0.85
        && v.desired < v.max
}

/// The critical rules as detected: name, threshold, `for` (seconds), and
/// the values they judge in a view (a key per alert instance). Upward
/// thresholds with the detected dead band of 10 %, except the autoscaler's
/// (a step: desired >= max, no band).
const CRITICAL: [(&str, f64, f64); 6] = [
    ("InstancesNearMax", 1.0, 15.0),
    ("QueueNearFull", 0.95, 30.0),
    ("ErrorRatioHigh", 0.05, 30.0),
    ("LatencyP99High", 0.2, 30.0),
    ("MemoryNearLimit", 0.95, 30.0),
    ("CpuHigh", 0.8, 30.0),
];

fn judged(rule: &str, v: &View) -> Vec<(u64, f64)> {
    let per = |f: fn(&PerInstance) -> f64| v.instances.iter().map(|(id, i)| (*id, f(i))).collect();
    match rule {
        // desired / max: at or past 1 when pinned.
        "InstancesNearMax" => vec![(u64::MAX, v.desired as f64 / v.max as f64 + 1e-9)],
        "QueueNearFull" => per(|i| i.queue),
        "ErrorRatioHigh" => vec![(u64::MAX, v.errors)],
        "LatencyP99High" => vec![(u64::MAX, v.p99)],
        "MemoryNearLimit" => per(|i| i.memory),
        _ => per(|i| i.cpu),
    }
}

/// When each critical rule's instances fire, as the alert state machine
/// with the detected dead band would: (time, rule), in time order.
fn firings(views: &[View]) -> Vec<(f64, &'static str)> {
    let mut out = Vec::new();
    for (rule, threshold, for_secs) in CRITICAL {
        let clear = if rule == "InstancesNearMax" {
            threshold
        } else {
            0.9 * threshold
        };
        // Per alert instance: since when pending (None: inactive), firing.
        let mut state: BTreeMap<u64, (f64, bool)> = BTreeMap::new();
        for v in views {
            let values: BTreeMap<u64, f64> = judged(rule, v).into_iter().collect();
            state.retain(|k, _| values.get(k).is_some_and(|x| *x >= clear));
            for (k, x) in values {
                let crosses = if rule == "InstancesNearMax" {
                    x >= threshold
                } else {
                    x > threshold
                };
                match state.get_mut(&k) {
                    None if crosses => {
                        state.insert(k, (v.t, false));
                    }
                    Some((since, fired)) if !*fired && v.t - *since >= for_secs => {
                        *fired = true;
                        out.push((v.t, rule));
                    }
                    _ => {}
                }
            }
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// The alert that names each seed incident's cause.
fn cause(phase: Phase) -> &'static str {
    match phase {
        Phase::Runaway => "InstancesNearMax",
        Phase::Overflow => "QueueNearFull",
        Phase::Errors => "ErrorRatioHigh",
        Phase::Bottleneck => "LatencyP99High",
        _ => "MemoryNearLimit",
    }
}

/// Per incident phase: its cause crosses its critical threshold first and
/// within a minute, and is the first critical alert to fire in the phase,
/// within a minute; nothing is still active when the phase starts.
fn check_causes_lead(scenario: Scenario, views: &[View]) {
    let fired = firings(views);
    let script = Script::new(scenario, 4);
    let mut checked = 0;
    for (phase, start) in script.timeline() {
        if phase.seed().is_none() {
            continue;
        }
        let end = start + 90.0;
        let name = cause(phase);
        let in_phase = |v: &&View| v.t >= start && v.t < end;
        // First crossing of each critical threshold in the phase.
        let crossed = |rule: &str, threshold: f64| {
            views
                .iter()
                .filter(in_phase)
                .find(|v| judged(rule, v).iter().any(|(_, x)| *x > threshold))
                .map(|v| v.t)
        };
        let cause_at = CRITICAL
            .iter()
            .find(|(r, _, _)| *r == name)
            .and_then(|(r, t, _)| crossed(r, if *r == "InstancesNearMax" { 0.999 } else { *t }))
            .unwrap_or_else(|| panic!("{name} never crosses in {phase:?}"));
        assert!(cause_at - start <= 60.0, "{phase:?}: {name} at {cause_at}");
        for (rule, threshold, _) in CRITICAL.iter().filter(|(r, _, _)| *r != name) {
            let t = if *rule == "InstancesNearMax" {
                0.999
            } else {
                *threshold
            };
            if let Some(other) = crossed(rule, t) {
                assert!(
                    other > cause_at,
                    "{phase:?}: {rule} crosses at {other}, before its cause {name} at {cause_at}"
                );
            }
        }
        let first = fired
            .iter()
            .find(|(t, _)| *t >= start && *t < end)
            .unwrap_or_else(|| panic!("{phase:?}: nothing fires"));
        assert_eq!(first.1, name, "{phase:?}: first critical to fire {first:?}");
        assert!(
            first.0 - start <= 60.0,
            "{phase:?}: {name} fires at {}",
            first.0
        );
        // The phase opens on a recovered fleet: the last reading before it
        // is calm, so every previous alert has resolved.
        if let Some(v) = views.iter().rev().find(|v| v.t < start) {
            assert!(calm_enough(v), "{phase:?} opens on {v:?}");
        }
        checked += 1;
    }
    assert!(checked >= 1);
}

#[test]
fn each_seed_incident_fires_its_cause_first_in_the_loop() {
    let views = play(Scenario::Incident, 1.0, LOOP_SECS + 70.0);
    for v in &views {
        assert!(v.instances.len() >= 2, "{v:?}");
    }
    for v in within(&views, 0.0, 60.0) {
        assert!(calm_enough(v), "calm: {v:?}");
    }
    check_causes_lead(Scenario::Incident, &views);
    // The next loop opens calm again.
    for v in views
        .iter()
        .filter(|v| v.t >= LOOP_SECS && v.t < LOOP_SECS + 60.0)
    {
        assert!(calm_enough(v), "calm again: {v:?}");
    }
    assert!(Script::new(Scenario::Incident, 4).loop_secs() <= 720.0);
}

#[test]
fn each_seed_alone_fires_its_cause_first() {
    for seed in 0..super::SEEDS {
        let views = play(Scenario::Seed(seed), 1.0, 190.0);
        check_causes_lead(Scenario::Seed(seed), &views);
    }
}

#[test]
fn the_incidents_reach_what_the_write_ups_say() {
    let views = play(Scenario::Incident, 1.0, LOOP_SECS);
    let phase = |p: Phase| views.iter().filter(move |v| v.phase == p);
    // 000: the fleet runs to the mis-set limit, then stalls.
    assert_eq!(
        phase(Phase::Runaway).map(|v| v.instances.len()).max(),
        Some(40)
    );
    assert!(phase(Phase::Runaway).any(|v| v.p99 > 0.2 && v.most(|i| i.cpu) > 0.8));
    // 001: every instance's queue near full in the 10x surge, latency fine.
    assert!(phase(Phase::Overflow).any(|v| v.most(|i| i.queue) >= 1.0));
    assert!(phase(Phase::Overflow).all(|v| v.p99 < 0.15 && v.errors < 0.01));
    // 002: errors 30 % and p99 at the 5 s bucket, then 2 % and under 1 s.
    let worst = phase(Phase::Errors).map(|v| v.errors).fold(0.0, f64::max);
    assert!((0.25..0.40).contains(&worst), "worst errors {worst}");
    let worst = phase(Phase::Errors).map(|v| v.p99).fold(0.0, f64::max);
    assert!((4.0..=5.0).contains(&worst), "worst p99 {worst}");
    let last = phase(Phase::Errors).next_back().unwrap();
    assert!(last.errors < 0.03 && last.p99 < 1.0, "{last:?}");
    // 003: one instance slow; the fleet's CPU, errors and queues fine.
    assert!(phase(Phase::Bottleneck).any(|v| v.p99 > 0.3));
    assert!(phase(Phase::Bottleneck).all(|v| v.errors < 0.01 && v.most(|i| i.cpu) < 0.7));
    // 004: memory at its limit on some instances, not all.
    let v = phase(Phase::Memory).next_back().unwrap();
    let full = v.instances.values().filter(|i| i.memory > 0.95).count();
    assert!(full >= 1 && full < v.instances.len(), "{v:?}");
}

#[test]
fn calm_scenario_never_crosses_a_threshold() {
    let views = play(Scenario::Calm, 5.0, 120.0);
    assert!(!views.is_empty());
    for v in &views {
        assert!(calm_enough(v), "{v:?}");
        assert_eq!(v.instances.len(), 4);
        assert!(v.p99 > 0.04 && v.p99 < 0.1, "calm p99 near 60 ms: {v:?}");
        assert!(
            v.errors > 0.0005 && v.errors < 0.005,
            "calm errors near 0.2 %: {v:?}"
        );
    }
}

#[test]
fn high_speed_reads_the_same_rates() {
    // 20 times faster, read 20 times as often: the same picture, because
    // counters grow per real second and the script per simulated one.
    let views = play_every(Scenario::Incident, 20.0, 20.0, 0.1);
    let peak = || within(&views, 370.0, 385.0);
    for v in peak() {
        assert!(v.p99 > 1.0 && v.errors > 0.15, "errors peak: {v:?}");
    }
    assert!(peak().count() > 0);
}

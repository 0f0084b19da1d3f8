//! Plays the scenarios through the simulation and reads them the way the
//! dashboard does: rates over a 10 s window from the counters, quantiles
//! from the bucket counts. The default thresholds must be crossed clearly
//! by the incident and clearly recovered from.

use super::dist::{bucket_quantile, N_BUCKETS};
use super::instance::{Instance, CPU_LIMIT_CORES, MEMORY_LIMIT_BYTES, QUEUE_CAPACITY};
use super::script::{Script, LOOP_SECS};
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

/// What the default panels would show.
#[derive(Debug)]
struct View {
    t: f64,
    p99: f64,
    errors: f64,
    busiest_cpu: f64,
    fullest_queue: f64,
    most_memory: f64,
    instances: usize,
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
            let (mut requests, mut errors, mut busiest) = (0.0, 0.0, 0.0f64);
            for (id, after) in &now {
                let Some(b) = before.get(id) else { continue };
                for ((acc, a), b) in buckets.iter_mut().zip(after.buckets).zip(b.buckets) {
                    *acc += (a - b) as f64;
                }
                requests += (after.requests - b.requests) as f64;
                errors += (after.errors - b.errors) as f64;
                busiest = busiest.max((after.cpu - b.cpu) / window / CPU_LIMIT_CORES);
            }
            let total: f64 = buckets.iter().sum();
            let probabilities = buckets.map(|b| b / total.max(1.0));
            let live: Vec<&Instance> = sim
                .live_ids()
                .iter()
                .filter_map(|id| sim.instance(*id))
                .collect();
            views.push(View {
                t: sim.sim_now(),
                p99: bucket_quantile(0.99, &probabilities),
                errors: errors / requests.max(1.0),
                busiest_cpu: busiest,
                fullest_queue: live
                    .iter()
                    .map(|i| i.queue_depth / QUEUE_CAPACITY)
                    .fold(0.0, f64::max),
                most_memory: live
                    .iter()
                    .map(|i| i.memory_bytes / MEMORY_LIMIT_BYTES)
                    .fold(0.0, f64::max),
                instances: live.len(),
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
        && v.busiest_cpu < 0.70
        && v.fullest_queue < 0.80
        && v.most_memory < 0.85
}

#[test]
fn incident_crosses_every_threshold_and_recovers() {
    let views = play(Scenario::Incident, 1.0, LOOP_SECS + 60.0);
    for v in &views {
        assert!(v.instances >= 2, "{v:?}");
    }
    for v in within(&views, 0.0, 60.0).chain(within(&views, 300.0, LOOP_SECS)) {
        assert!(calm_enough(v), "calm: {v:?}");
    }
    // Critical thresholds: p99 200 ms, CPU 80 %, errors 5 %, queue 95 %.
    let seconds_over =
        |f: &dyn Fn(&View) -> bool| views.iter().filter(|v| f(v)).count() as f64 * 2.0;
    assert!(seconds_over(&|v| v.p99 > 0.2) >= 60.0);
    assert!(seconds_over(&|v| v.busiest_cpu > 0.8) >= 60.0);
    assert!(seconds_over(&|v| v.errors > 0.05) >= 60.0);
    assert!(seconds_over(&|v| v.fullest_queue >= 0.95) >= 60.0);
    assert!(seconds_over(&|v| v.most_memory > 0.85) >= 30.0);
    for v in within(&views, 190.0, 240.0) {
        assert!(
            v.p99 > 1.0 && v.errors > 0.15 && v.busiest_cpu > 0.85,
            "stall: {v:?}"
        );
        assert!(v.fullest_queue >= 1.0, "queue at capacity: {v:?}");
    }
    let worst = views.iter().map(|v| v.p99).fold(0.0, f64::max);
    assert!((4.0..=5.0).contains(&worst), "worst p99 {worst}");
    let worst_errors = views.iter().map(|v| v.errors).fold(0.0, f64::max);
    assert!(
        (0.25..0.40).contains(&worst_errors),
        "worst errors {worst_errors}"
    );
    assert_eq!(views.iter().map(|v| v.instances).max(), Some(40));
}

#[test]
fn calm_scenario_never_crosses_a_threshold() {
    let views = play(Scenario::Calm, 5.0, 120.0);
    assert!(!views.is_empty());
    for v in &views {
        assert!(calm_enough(v), "{v:?}");
        assert_eq!(v.instances, 4);
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
    let views = play_every(Scenario::Incident, 20.0, 12.0, 0.1);
    for v in within(&views, 190.0, 240.0) {
        assert!(
            v.p99 > 1.0 && v.errors > 0.15 && v.busiest_cpu > 0.85,
            "stall: {v:?}"
        );
    }
    assert!(within(&views, 190.0, 240.0).count() > 0);
}

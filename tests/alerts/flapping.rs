//! The detected rules on a noisy value: a queue whose fill wobbles at its
//! critical threshold starts `pending` once and fires, where a plain
//! `X > T` rule on the same value starts and drops `pending` over and over;
//! and the autoscaler pinned at its limit is critical within a minute, its
//! summary still true when it resolves.

use std::sync::Arc;
use std::time::Duration;
use vitals::alerts::rulefile;
use vitals::engine::{Engine, EngineOptions};
use vitals::frame::{AlertState, Frame, Severity};
use vitals::scrape::{expo, ScrapeResult, Target};

const T0: i64 = 1_795_348_800_000;

fn target() -> Target {
    Target {
        url: "http://127.0.0.1:9100/metrics".into(),
        job: "app".into(),
        instance: "127.0.0.1:9100".into(),
        labels: Default::default(),
        ..Default::default()
    }
}

fn scrape(t: &Target, t_ms: i64, body: &str) -> ScrapeResult {
    ScrapeResult {
        target: Arc::new(t.clone()),
        time_ms: t_ms,
        duration: Duration::from_millis(2),
        outcome: Ok(expo::parse_page(body.as_bytes(), None)),
    }
}

fn queue_page(fill: f64) -> String {
    format!(
        "# TYPE app_event_queue_depth gauge\napp_event_queue_depth {}\n\
         # TYPE app_event_queue_capacity gauge\napp_event_queue_capacity 1000\n",
        (fill * 1000.0).round()
    )
}

/// Deterministic noise in [-1, 1).
fn noise(i: u64) -> f64 {
    let mut z = i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

/// Feeds one page every 2 s and returns each frame.
fn run(e: &mut Engine, pages: impl Iterator<Item = String>) -> Vec<Frame> {
    let t = target();
    e.set_targets(std::slice::from_ref(&t), T0);
    pages
        .enumerate()
        .map(|(i, body)| {
            let now = T0 + i as i64 * 2000;
            e.apply(scrape(&t, now, &body));
            e.tick(now)
        })
        .collect()
}

/// How many times an alert named `name` of `severity` went to pending,
/// and to firing, over the frames.
fn starts(frames: &[Frame], name: &str, severity: Severity) -> (usize, usize) {
    let h = &frames.last().expect("frames").alert_history;
    let is = |t: &&vitals::alerts::Transition| t.rule == name && t.severity == severity;
    let to = |phase: &str| {
        h.iter()
            .filter(is)
            .filter(|t| t.to.as_str() == phase)
            .count()
    };
    (to("pending"), to("firing"))
}

#[test]
fn a_noisy_value_at_a_detected_threshold_starts_pending_once() {
    // Five minutes of a queue 95 % full, give or take 4 %, then calm.
    let fills = |i: u64| if i < 150 { 0.95 + 0.04 * noise(i) } else { 0.3 };
    let pages = || (0..170).map(|i| queue_page(fills(i)));
    let mut detected = Engine::new(EngineOptions::default());
    let frames = run(&mut detected, pages());
    assert_eq!(
        starts(&frames, "QueueNearFull", Severity::Critical),
        (1, 1),
        "{:#?}",
        frames.last().unwrap().alert_history
    );
    let crit = |f: &Frame| {
        f.alerts
            .iter()
            .find(|a| a.name == "QueueNearFull" && a.severity == Severity::Critical)
            .map(|a| a.state)
    };
    assert_eq!(crit(&frames[149]), Some(AlertState::Firing));
    assert_eq!(crit(&frames[169]), Some(AlertState::Resolved));

    // The same value under a plain rule with no dead band flaps.
    let text = "groups:\n  - name: g\n    rules:\n      - alert: Plain\n        \
                expr: app_event_queue_depth / app_event_queue_capacity > 0.95\n        \
                for: 30s\n        labels:\n          severity: critical\n";
    let mut plain = Engine::new(EngineOptions {
        rules: rulefile::parse("r.yml", text).unwrap(),
        ..Default::default()
    });
    let frames = run(&mut plain, pages());
    let (pending, _) = starts(&frames, "Plain", Severity::Critical);
    assert!(pending > 20, "{pending} pending starts without a dead band");
}

fn autoscaler_page(current: u32, desired: u32, max: u32) -> String {
    format!(
        "# TYPE autoscaler_current_instances gauge\nautoscaler_current_instances {current}\n\
         # TYPE autoscaler_desired_instances gauge\nautoscaler_desired_instances {desired}\n\
         # TYPE autoscaler_max_instances gauge\nautoscaler_max_instances {max}\n"
    )
}

#[test]
fn the_autoscaler_pinned_at_its_limit_fires_critical_within_a_minute() {
    // Calm, then the autoscaler wants its limit (40) while the fleet grows
    // towards it, then the limit is lowered to 16 under the fleet's size
    // and the fleet shrinks.
    let page = |i: u32| match i {
        0..10 => autoscaler_page(4, 4, 40),
        10..40 => autoscaler_page((4 + (i - 10) * 2).min(40), 40, 40),
        40..45 => autoscaler_page(23, 4, 16),
        _ => autoscaler_page(4, 4, 16),
    };
    let mut e = Engine::new(EngineOptions::default());
    let frames = run(&mut e, (0..60).map(page));
    let fired = frames.iter().position(|f| {
        f.alerts.iter().any(|a| {
            a.name == "InstancesNearMax"
                && a.severity == Severity::Critical
                && a.state == AlertState::Firing
        })
    });
    let fired = fired.expect("the critical fires");
    assert!(
        (fired - 10) * 2 <= 60,
        "fired {} s after the pin",
        (fired - 10) * 2
    );
    let h = &frames.last().unwrap().alert_history;
    let resolved: Vec<&str> = h
        .iter()
        .filter(|t| t.rule == "InstancesNearMax" && t.to.as_str() == "resolved")
        .map(|t| t.summary.as_str())
        .collect();
    assert_eq!(
        resolved.len(),
        2,
        "warning and critical both resolve: {h:#?}"
    );
    for s in resolved {
        assert!(!s.contains("143") && s.contains(" instances"), "{s}");
    }
}

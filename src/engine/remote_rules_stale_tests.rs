//! Staleness and hysteresis over a server, against the local run.

use super::{options, state, transitions, Twin};
use crate::alerts::rulefile::FileRule;
use crate::frame::AlertState;

const DIRECT: &str = "groups:
  - name: queue
    rules:
      - alert: QueueDeep
        expr: app_queue_depth > 50
";

fn stale_run(targets_endpoint: bool) {
    let mut w = Twin::new(options(DIRECT, &[]));
    w.targets_endpoint = targets_endpoint;
    w.connect(&[]);
    let (_, remote) = w.step(&[Some(60.0), Some(60.0)]);
    assert_eq!(
        state(&remote, "QueueDeep", "h1:9100"),
        Some((AlertState::Firing, false))
    );
    let (local, remote) = w.step(&[None, Some(60.0)]);
    assert_eq!(
        state(&remote, "QueueDeep", "h1:9100"),
        Some((AlertState::Firing, true)),
        "held, never resolved"
    );
    assert_eq!(transitions(&remote), transitions(&local));
    for depths in [
        [None, Some(60.0)],
        [Some(60.0), Some(40.0)],
        [Some(10.0), None],
    ] {
        let (local, remote) = w.step(&depths);
        assert_eq!(transitions(&remote), transitions(&local), "at {}", w.t);
    }
    let (local, remote) = w.step(&[Some(10.0), Some(10.0)]);
    assert_eq!(transitions(&remote), transitions(&local));
    let to: Vec<_> = transitions(&remote).iter().map(|t| (t.3, t.4)).collect();
    assert_eq!(
        to,
        [
            ("inactive", "firing"),
            ("inactive", "firing"),
            ("firing", "stale"),
            ("stale", "firing"),
            ("firing", "resolved"),
            ("firing", "resolved"),
        ]
    );
}

#[test]
fn a_target_down_on_the_server_holds_its_alerts_stale() {
    stale_run(true);
}

#[test]
fn without_a_targets_endpoint_up_tells_which_targets_are_down() {
    stale_run(false);
}

#[test]
fn a_target_back_on_the_endpoint_before_its_data_stays_stale() {
    let mut w = Twin::new(options(DIRECT, &[]));
    w.connect(&[]);
    w.step(&[Some(60.0), Some(60.0)]);
    let (_, remote) = w.step(&[None, Some(60.0)]);
    assert_eq!(
        state(&remote, "QueueDeep", "h1:9100"),
        Some((AlertState::Firing, true))
    );
    assert!(w
        .remote
        .remote_plan()
        .instant
        .contains(&"up == 0".to_string()));
    // The endpoint lists h1 up again; the data at the instant asked still
    // has it down (a store that makes samples searchable a moment later,
    // or an instant before now).
    w.scrape(&[None, Some(60.0)]);
    let mut r = w.answers();
    let mut health = w.health();
    for h in &mut health {
        h.health = crate::promapi::Health::Up;
    }
    r.targets = Some(Ok(health));
    w.remote.apply_refresh(r);
    let f = w.remote.tick(w.t);
    assert_eq!(
        state(&f, "QueueDeep", "h1:9100"),
        Some((AlertState::Firing, true)),
        "held stale, not resolved: {:?}",
        transitions(&f)
    );
    let (_, remote) = w.step(&[Some(60.0), Some(60.0)]);
    assert_eq!(
        state(&remote, "QueueDeep", "h1:9100"),
        Some((AlertState::Firing, false))
    );
    let to: Vec<_> = transitions(&remote).iter().map(|t| (t.3, t.4)).collect();
    assert!(!to.iter().any(|t| t.1 == "resolved"), "{to:?}");
    assert!(to.contains(&("stale", "firing")), "{to:?}");
}

const HOLD: &str = "groups:
  - name: queue
    rules:
      - alert: QueueFull
        expr: app_queue_depth > 90
";

#[test]
fn clear_below_holds_over_a_server() {
    let mut opts = options(HOLD, &[]);
    for r in &mut opts.rules {
        if let FileRule::Alerting(a) = r {
            a.clear_below = Some(50.0);
        }
    }
    let mut w = Twin::new(opts);
    w.connect(&[]);
    assert!(w
        .remote
        .remote_plan()
        .instant
        .contains(&"app_queue_depth".to_string()));
    let mut states = Vec::new();
    for d in [95.0, 80.0, 60.0, 40.0, 95.0] {
        let (local, remote) = w.step(&[Some(d), Some(10.0)]);
        assert_eq!(transitions(&remote), transitions(&local), "at {}", w.t);
        states.push(state(&remote, "QueueFull", "h1:9100").map(|s| s.0));
    }
    use AlertState::*;
    assert_eq!(
        states,
        [
            Some(Firing),
            Some(Firing),
            Some(Firing),
            Some(Resolved),
            Some(Firing)
        ]
    );
    // A failed answer for the left-hand side holds the rule.
    w.scrape(&[Some(60.0), Some(10.0)]);
    let mut r = w.answers();
    r.instant
        .insert("app_queue_depth".into(), Err("timeout".into()));
    w.remote.apply_refresh(r);
    let f = w.remote.tick(w.t);
    assert_eq!(state(&f, "QueueFull", "h1:9100").map(|s| s.0), Some(Firing));
    assert!(f.notice.unwrap().contains("timeout"));
}

const AGGREGATED: &str = "groups:
  - name: queue
    rules:
      - alert: QueuesDeep
        expr: sum(app_queue_depth) > 100
";

#[test]
fn an_aggregate_reading_a_target_the_server_lost_is_held_stale() {
    let mut w = Twin::new(options(AGGREGATED, &[]));
    w.connect(&[]);
    let reads = "group by (job, instance) (last_over_time(app_queue_depth[5m]))";
    assert!(!w.remote.remote_plan().instant.contains(&reads.to_string()));
    let (_, remote) = w.step(&[Some(60.0), Some(60.0)]);
    let firing = |f: &crate::frame::Frame| {
        f.alerts
            .iter()
            .find(|a| a.name == "QueuesDeep")
            .map(|a| (a.state, a.stale))
    };
    assert_eq!(firing(&remote), Some((AlertState::Firing, false)));
    assert!(
        w.remote.remote_plan().instant.contains(&reads.to_string()),
        "asked while an aggregate is active: {:?}",
        w.remote.remote_plan()
    );
    for depths in [
        [Some(60.0), Some(60.0)],
        [Some(60.0), None],
        [Some(60.0), None],
        [Some(60.0), Some(60.0)],
        [Some(60.0), Some(10.0)],
    ] {
        let (local, remote) = w.step(&depths);
        assert_eq!(transitions(&remote), transitions(&local), "at {}", w.t);
    }
    let (local, remote) = w.step(&[Some(60.0), Some(10.0)]);
    assert_eq!(transitions(&remote), transitions(&local));
    let to: Vec<_> = transitions(&remote).iter().map(|t| (t.3, t.4)).collect();
    assert_eq!(
        to,
        [
            ("inactive", "firing"),
            ("firing", "stale"),
            ("stale", "firing"),
            ("firing", "resolved"),
        ]
    );
    assert!(!w.remote.remote_plan().instant.contains(&reads.to_string()));
}

#[test]
fn the_targets_read_query_covers_every_selector() {
    let reads =
        |text: &str| crate::engine::remote_route::reads_text(&crate::promql::parse(text).unwrap());
    assert_eq!(
        reads("sum(rate(a[1m])) / on () sum(b offset 5m) > 0 and on () up == 1").as_deref(),
        Some(
            "group by (job, instance) (last_over_time(a[1m])) or \
             group by (job, instance) (last_over_time(b[5m] offset 5m))"
        )
    );
    assert_eq!(
        reads(r#"max_over_time(rate({job="x"}[1m])[10m:1m])"#).as_deref(),
        Some(
            r#"group by (job, instance) (last_over_time({__name__!~"up|scrape_.+",job="x"}[11m]))"#
        )
    );
    assert_eq!(reads("vector(1)"), None);
    assert_eq!(reads("up == 0"), None);
}

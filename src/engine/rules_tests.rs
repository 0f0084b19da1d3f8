//! Rule evaluation when scraping.

use crate::engine::{Engine, EngineOptions};
use crate::frame::AlertState;
use crate::scrape::{expo, ScrapeResult, Target};
use std::sync::Arc;
use std::time::Duration;

fn scrape(t: &Target, t_ms: i64, depth: f64) -> ScrapeResult {
    let body = format!(
        "# TYPE app_queue_depth gauge\napp_queue_depth {depth}\n# TYPE app_queue_capacity gauge\napp_queue_capacity 100\n"
    );
    ScrapeResult {
        target: Arc::new(t.clone()),
        time_ms: t_ms,
        duration: Duration::from_millis(2),
        outcome: Ok(expo::parse_page(body.as_bytes(), None)),
    }
}

#[test]
fn a_panel_threshold_with_clear_below_holds_on_the_panel_value() {
    let mut e = Engine::new(EngineOptions {
        for_override: Some(Duration::ZERO),
        ..Default::default()
    });
    let t = Target {
        url: "http://127.0.0.1:9100/metrics".into(),
        job: "app".into(),
        instance: "127.0.0.1:9100".into(),
        labels: Default::default(),
        ..Default::default()
    };
    let t0 = 1_795_348_800_000;
    e.set_targets(std::slice::from_ref(&t), t0);
    e.apply(scrape(&t, t0, 10.0));
    e.tick(t0);
    let rule = e
        .rules
        .iter_mut()
        .find(|r| r.state.spec.name == "QueueNearFull")
        .expect("the saturation panel's critical threshold");
    rule.state.spec.clear_below = Some(0.5);
    let state = |e: &mut Engine, i: i64, depth: f64| {
        let now = t0 + i * 2000;
        e.apply(scrape(&t, now, depth));
        let f = e.tick(now);
        f.alerts
            .iter()
            .find(|a| a.name == "QueueNearFull")
            .map(|a| (a.state, a.value))
    };
    assert_eq!(
        state(&mut e, 1, 97.0),
        Some((AlertState::Firing, Some(0.97)))
    );
    assert_eq!(
        state(&mut e, 2, 90.0),
        Some((AlertState::Firing, Some(0.9)))
    );
    assert_eq!(
        state(&mut e, 3, 60.0),
        Some((AlertState::Firing, Some(0.6)))
    );
    assert_eq!(
        state(&mut e, 4, 40.0).map(|s| s.0),
        Some(AlertState::Resolved)
    );
}

#[test]
fn a_rule_whose_expression_says_its_unit_shows_its_value_in_it() {
    let ratio = "abs(count(up == 1) - count(up offset 5m == 1)) / count(up offset 5m == 1) > 0.5";
    assert_eq!(super::unit_of(ratio), Some(crate::frame::Unit::Ratio));
    assert_eq!(
        super::unit_of("max(autoscaler_desired_instances) >= max(autoscaler_max_instances)"),
        None,
        "no unit of its own: its panel's applies"
    );
    let a = crate::frame::Alert {
        unit: super::unit_of(ratio),
        panel: Some("instances".into()),
        ..Default::default()
    };
    let panels = [crate::frame::Panel {
        id: "instances".into(),
        unit: crate::frame::Unit::Count,
        ..Default::default()
    }];
    assert_eq!(a.unit_in(&panels), crate::frame::Unit::Ratio);
    let b = crate::frame::Alert {
        panel: Some("instances".into()),
        ..Default::default()
    };
    assert_eq!(b.unit_in(&panels), crate::frame::Unit::Count);
}

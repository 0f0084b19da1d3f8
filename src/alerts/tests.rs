use super::*;

fn spec(for_s: u64, keep_s: u64) -> RuleSpec {
    RuleSpec {
        name: "High".into(),
        expr: "x > 1".into(),
        for_: Duration::from_secs(for_s),
        keep_firing_for: Duration::from_secs(keep_s),
        severity: Severity::Critical,
        labels: Labels::new(),
        summary: "value {{ $value }} on {{ $labels.instance }}".into(),
        threshold: Some(1.0),
        panel: None,
        annotations: Default::default(),
        clear_below: None,
        unit: None,
    }
}

fn series(instance: &str, v: f64) -> (Labels, f64) {
    (
        Labels::from_pairs([("__name__", "x"), ("instance", instance)]),
        v,
    )
}

fn tos(t: &[Transition]) -> Vec<(&str, &str)> {
    t.iter().map(|t| (t.from.as_str(), t.to.as_str())).collect()
}

#[test]
fn pending_then_firing_then_resolved() {
    let mut r = RuleState::new(spec(30, 0));
    let hot = [series("a", 2.0)];
    assert_eq!(
        tos(&r.step(0, Evaluation::Ok(&hot), |_| false)),
        [("inactive", "pending")]
    );
    let a = r.alerts(10_000);
    assert_eq!(a[0].pending_remaining, Some(Duration::from_secs(20)));
    assert_eq!(a[0].labels.get("alertname"), Some("High"));
    assert_eq!(a[0].summary, "value 2 on a");
    assert!(r.step(20_000, Evaluation::Ok(&hot), |_| false).is_empty());
    assert_eq!(
        tos(&r.step(30_000, Evaluation::Ok(&hot), |_| false)),
        [("pending", "firing")]
    );
    assert_eq!(
        tos(&r.step(32_000, Evaluation::Ok(&[]), |_| false)),
        [("firing", "resolved")]
    );
    let a = r.alerts(32_000);
    assert_eq!(a[0].state, AlertState::Resolved);
    // comes back: pending again, a fresh countdown
    assert_eq!(
        tos(&r.step(34_000, Evaluation::Ok(&hot), |_| false)),
        [("resolved", "pending")]
    );
    assert_eq!(r.alerts(34_000)[0].active_since_ms, Some(34_000));
}

#[test]
fn pending_that_clears_goes_inactive_and_is_forgotten() {
    let mut r = RuleState::new(spec(30, 0));
    r.step(0, Evaluation::Ok(&[series("a", 2.0)]), |_| false);
    assert_eq!(
        tos(&r.step(2_000, Evaluation::Ok(&[]), |_| false)),
        [("pending", "inactive")]
    );
    assert!(r.alerts(2_000).is_empty());
}

#[test]
fn zero_for_fires_at_once() {
    let mut r = RuleState::new(spec(0, 0));
    assert_eq!(
        tos(&r.step(0, Evaluation::Ok(&[series("a", 2.0)]), |_| false)),
        [("inactive", "firing")]
    );
}

#[test]
fn each_series_is_its_own_instance() {
    let mut r = RuleState::new(spec(0, 0));
    let t = r.step(
        0,
        Evaluation::Ok(&[series("a", 2.0), series("b", 3.0)]),
        |_| false,
    );
    assert_eq!(t.len(), 2);
    let t = r.step(2_000, Evaluation::Ok(&[series("b", 3.0)]), |_| false);
    assert_eq!(tos(&t), [("firing", "resolved")]);
    assert_eq!(t[0].labels.get("instance"), Some("a"));
}

#[test]
fn keep_firing_for_holds_through_a_short_dip() {
    let mut r = RuleState::new(spec(0, 10));
    let hot = [series("a", 2.0)];
    r.step(0, Evaluation::Ok(&hot), |_| false);
    assert!(r.step(2_000, Evaluation::Ok(&[]), |_| false).is_empty());
    assert!(r.step(8_000, Evaluation::Ok(&[]), |_| false).is_empty());
    assert!(r.step(9_000, Evaluation::Ok(&hot), |_| false).is_empty());
    assert!(r.step(18_000, Evaluation::Ok(&[]), |_| false).is_empty());
    assert_eq!(
        tos(&r.step(19_000, Evaluation::Ok(&[]), |_| false)),
        [("firing", "resolved")]
    );
}

#[test]
fn stale_holds_state_and_never_resolves() {
    let mut r = RuleState::new(spec(0, 0));
    let hot = [series("a", 2.0), series("b", 2.0)];
    r.step(0, Evaluation::Ok(&hot), |_| false);
    // target a cannot be scraped: its series vanish, its alert is held as stale
    let down_a = |l: &Labels| l.get("instance") == Some("a");
    let only_b = [series("b", 2.0)];
    assert_eq!(
        tos(&r.step(2_000, Evaluation::Ok(&only_b), down_a)),
        [("firing", "stale")]
    );
    assert!(r.step(4_000, Evaluation::Ok(&only_b), down_a).is_empty());
    let a = r.alerts(4_000);
    assert_eq!(a[0].state, AlertState::Firing);
    assert!(a[0].stale);
    assert!(!a[1].stale);
    // target back, still hot: firing again, not stale
    assert_eq!(
        tos(&r.step(6_000, Evaluation::Ok(&hot), |_| false)),
        [("stale", "firing")]
    );
    assert!(!r.alerts(6_000)[0].stale);
    // stale again, then back and cool: resolved from stale
    r.step(8_000, Evaluation::Ok(&only_b), down_a);
    assert_eq!(
        tos(&r.step(10_000, Evaluation::Ok(&only_b), |_| false)),
        [("stale", "resolved")]
    );
}

#[test]
fn flapping_input_with_for_never_fires() {
    let mut r = RuleState::new(spec(30, 0));
    for i in 0..40 {
        let v = if i % 2 == 0 {
            vec![series("a", 2.0)]
        } else {
            vec![]
        };
        let t = r.step(i * 2_000, Evaluation::Ok(&v), |_| false);
        assert!(t.iter().all(|t| t.to != Phase::Firing));
    }
}

#[test]
fn errors_hold_state_and_are_reported() {
    let mut r = RuleState::new(spec(0, 0));
    r.step(0, Evaluation::Ok(&[series("a", 2.0)]), |_| false);
    r.step(2_000, Evaluation::Error("boom".into()), |_| false);
    assert_eq!(r.error.as_deref(), Some("boom"));
    assert_eq!(r.alerts(2_000)[0].state, AlertState::Firing);
}

#[test]
fn resolved_alerts_are_forgotten_after_retention() {
    let mut r = RuleState::new(spec(0, 0));
    r.step(0, Evaluation::Ok(&[series("a", 2.0)]), |_| false);
    r.step(1_000, Evaluation::Ok(&[]), |_| false);
    r.step(1_000 + RESOLVED_RETENTION_MS, Evaluation::Ok(&[]), |_| {
        false
    });
    assert!(r.alerts(1_000 + RESOLVED_RETENTION_MS).is_empty());
}

/// One evaluation of `x > 1` with hysteresis `clear_below`, as the engine
/// runs it: the filtered result, plus held series.
fn step_hyst(r: &mut RuleState, t: i64, values: &[(&str, f64)], clear: f64) -> Vec<Transition> {
    let unfiltered: Vec<(Labels, f64)> = values.iter().map(|(i, v)| series(i, *v)).collect();
    let filtered: Vec<(Labels, f64)> = unfiltered.iter().filter(|s| s.1 > 1.0).cloned().collect();
    let results = hold_above(r, filtered, &unfiltered, clear);
    r.step(t, Evaluation::Ok(&results), |_| false)
}

#[test]
fn hysteresis_holds_firing_until_the_value_falls_below_clear_below() {
    let mut r = RuleState::new(spec(0, 0));
    assert_eq!(
        tos(&step_hyst(&mut r, 0, &[("a", 1.5)], 0.5)),
        [("inactive", "firing")]
    );
    // Under the threshold but above clear_below: still firing, value shown.
    assert!(step_hyst(&mut r, 2_000, &[("a", 0.8)], 0.5).is_empty());
    assert_eq!(r.alerts(2_000)[0].state, AlertState::Firing);
    assert_eq!(r.alerts(2_000)[0].value, Some(0.8));
    // Exactly clear_below is not below it.
    assert!(step_hyst(&mut r, 4_000, &[("a", 0.5)], 0.5).is_empty());
    assert_eq!(
        tos(&step_hyst(&mut r, 6_000, &[("a", 0.49)], 0.5)),
        [("firing", "resolved")]
    );
    // Back above clear_below but not above the threshold: stays resolved.
    assert!(step_hyst(&mut r, 8_000, &[("a", 0.9)], 0.5).is_empty());
    assert_eq!(r.alerts(8_000)[0].state, AlertState::Resolved);
}

#[test]
fn hysteresis_holds_pending_and_resolves_when_the_series_goes() {
    let mut r = RuleState::new(spec(30, 0));
    step_hyst(&mut r, 0, &[("a", 1.5)], 0.5);
    // Pending is held too: a dip under the threshold but not under
    // clear_below keeps `for` running, and it fires on time.
    assert!(step_hyst(&mut r, 2_000, &[("a", 0.9)], 0.5).is_empty());
    assert_eq!(r.alerts(2_000)[0].state, AlertState::Pending);
    assert_eq!(
        tos(&step_hyst(&mut r, 30_000, &[("a", 0.7)], 0.5)),
        [("pending", "firing")]
    );
    let mut r = RuleState::new(spec(30, 0));
    step_hyst(&mut r, 0, &[("a", 1.5)], 0.5);
    // Under clear_below, pending ends.
    assert_eq!(
        tos(&step_hyst(&mut r, 2_000, &[("a", 0.4)], 0.5)),
        [("pending", "inactive")]
    );
    let mut r = RuleState::new(spec(0, 0));
    step_hyst(&mut r, 0, &[("a", 1.5), ("b", 1.5)], 0.5);
    // a's series disappears; b's value is NaN: both resolve.
    let t = step_hyst(&mut r, 2_000, &[("b", f64::NAN)], 0.5);
    assert_eq!(tos(&t), [("firing", "resolved"), ("firing", "resolved")]);
}

#[test]
fn flapping_input_fires_once_with_hysteresis_and_many_times_without() {
    // A value wobbling around the threshold 1.0 for two minutes, then calm.
    let wobble = |i: i64| {
        if i < 60 {
            [1.2, 0.9, 1.1, 0.7][i as usize % 4]
        } else {
            0.2
        }
    };
    let count = |clear: f64| {
        let mut r = RuleState::new(spec(0, 0));
        let mut fired = 0;
        let mut resolved = 0;
        for i in 0..70 {
            for t in step_hyst(&mut r, i * 2_000, &[("a", wobble(i))], clear) {
                fired += usize::from(t.to == Phase::Firing);
                resolved += usize::from(t.to == Phase::Resolved);
            }
        }
        (fired, resolved)
    };
    assert_eq!(count(0.5), (1, 1));
    // Without hysteresis (clear_below at the threshold) it flaps.
    let (fired, resolved) = count(f64::INFINITY);
    assert_eq!((fired, resolved), (30, 30));
}

#[test]
fn the_bell_rings_for_new_critical_firing_alerts_only() {
    let mut r = RuleState::new(spec(0, 0));
    let t = r.step(
        0,
        Evaluation::Ok(&[series("a", 2.0), series("b", 2.0)]),
        |_| false,
    );
    let mut alerts = r.alerts(0);
    assert_eq!(bell_rings(&t, &alerts), 2);
    alerts[0].acknowledged = true;
    alerts[1].muted_until_ms = Some(10_000);
    assert_eq!(bell_rings(&t, &alerts), 0);
    let mut warn = RuleState::new(RuleSpec {
        severity: Severity::Warning,
        ..spec(0, 0)
    });
    let t = warn.step(0, Evaluation::Ok(&[series("a", 2.0)]), |_| false);
    assert_eq!(bell_rings(&t, &warn.alerts(0)), 0);
}

use super::*;

#[test]
fn the_loop_plays_every_seed_incident_with_recoveries_in_twelve_minutes() {
    let s = Script::new(Scenario::Incident, 4);
    let names: Vec<(&str, f64)> = s.timeline().iter().map(|(p, t)| (p.as_str(), *t)).collect();
    assert_eq!(
        names,
        [
            ("calm", 0.0),
            ("runaway", 60.0),
            ("recovery", 150.0),
            ("overflow", 190.0),
            ("recovery", 280.0),
            ("errors", 320.0),
            ("recovery", 410.0),
            ("bottleneck", 450.0),
            ("recovery", 540.0),
            ("memory", 580.0),
            ("recovery", 670.0),
        ]
    );
    assert_eq!(s.loop_secs(), LOOP_SECS);
    assert!(s.loop_secs() <= 12.0 * 60.0);
    for (t, name) in [
        (0.0, "calm"),
        (59.9, "calm"),
        (60.0, "runaway"),
        (200.0, "overflow"),
        (709.9, "recovery"),
        (LOOP_SECS, "calm"),
        (LOOP_SECS + 61.0, "runaway"),
    ] {
        assert_eq!(s.at(t).phase.as_str(), name, "at {t}");
    }
}

#[test]
fn a_seed_scenario_plays_its_incident_alone() {
    for seed in 0..5u8 {
        let s = Script::new(Scenario::Seed(seed), 4);
        let phases: Vec<Phase> = s.timeline().iter().map(|(p, _)| *p).collect();
        let incident = Phase::of_seed(seed).unwrap();
        assert_eq!(phases, [Phase::Calm, incident, Phase::Recovery]);
        assert_eq!(incident.seed(), Some(seed));
        assert_eq!(s.loop_secs(), 190.0);
        assert_eq!(s.at(100.0).phase, incident);
    }
    assert_eq!(Phase::of_seed(5), None);
}

#[test]
fn phase_lines_name_the_phase_and_its_seed() {
    assert_eq!(Phase::Runaway.line(), "phase: runaway seed=000");
    assert_eq!(Phase::Memory.line(), "phase: memory seed=004");
    assert_eq!(Phase::Recovery.line(), "phase: recovery seed=none");
    assert_eq!(Phase::Calm.line(), "phase: calm seed=none");
}

#[test]
fn phase_starts_lists_every_phase_crossed_even_between_loops() {
    let s = Script::new(Scenario::Seed(2), 4);
    let got: Vec<(f64, &str)> = s
        .phase_starts(50.0, 400.0, 100)
        .iter()
        .map(|(t, p)| (*t, p.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (60.0, "errors"),
            (150.0, "recovery"),
            (190.0, "calm"),
            (250.0, "errors"),
            (340.0, "recovery"),
            (380.0, "calm")
        ]
    );
    assert_eq!(s.phase_starts(50.0, 1e9, 3).len(), 3);
    assert!(s.phase_starts(60.0, 60.0, 10).is_empty());
    assert!(Script::new(Scenario::Calm, 4)
        .phase_starts(0.0, 1e6, 10)
        .is_empty());
}

#[test]
fn the_runaway_pins_the_autoscaler_at_its_mis_set_limit_and_it_is_corrected() {
    let s = Script::new(Scenario::Incident, 4);
    let calm = s.at(30.0);
    assert_eq!((calm.desired, calm.max), (4, 40));
    let pinned = s.at(60.5);
    assert_eq!((pinned.desired, pinned.max), (40, 40));
    let corrected = s.at(151.0);
    assert_eq!(corrected.max, 16);
    assert!(corrected.desired < 16);
    for t in (0..LOOP_SECS as usize).map(|t| t as f64) {
        let c = s.at(t);
        assert_eq!(
            c.desired >= c.max,
            c.phase == Phase::Runaway,
            "pinned only in the runaway, at {t}"
        );
    }
    // In the overflow the fleet grows with the traffic, under 90 % of max.
    let surge = s.at(250.0);
    assert_eq!((surge.desired, surge.max), (12, 16));
    assert!((surge.traffic_rps / calm.traffic_rps - 10.0).abs() < 1e-9);
}

#[test]
fn each_incident_moves_its_own_signal() {
    let s = Script::new(Scenario::Incident, 4);
    let errors = s.at(320.0 + 50.0);
    assert!(errors.error_ratio >= 0.3 && errors.p99 >= 5.0, "{errors:?}");
    let partly = s.at(320.0 + 80.0);
    assert!(partly.error_ratio <= 0.02 && partly.p99 < 1.0, "{partly:?}");
    let hot = s.at(450.0 + 30.0);
    assert_eq!(hot.hot_latency, 10.0);
    assert!(hot.p99 < 0.1 && hot.cpu < 0.5);
    let leak = s.at(580.0 + 30.0);
    assert!(leak.memory_fill + leak.leak >= 0.97, "{leak:?}");
    let queue = s.at(190.0 + 20.0);
    assert!(queue.queue_fill >= 1.0 && queue.p99 < 0.15 && queue.error_ratio < 0.01);
}

#[test]
fn recoveries_come_back_to_calm() {
    let s = Script::new(Scenario::Incident, 4);
    for (phase, start) in s.timeline() {
        if phase == Phase::Recovery {
            let c = s.at(start + RECOVERY_RAMP_SECS + 1.0);
            let calm = s.at(30.0);
            assert_eq!(c.p99, calm.p99);
            assert_eq!(c.error_ratio, calm.error_ratio);
            assert_eq!(c.hot_latency, 1.0);
            assert_eq!(c.leak, 0.0);
            assert_eq!(c.desired, 4);
        }
    }
}

#[test]
fn interpolation_is_continuous() {
    let s = Script::new(Scenario::Incident, 4);
    let mut prev = s.at(0.0);
    for i in 1..(LOOP_SECS as usize * 10) {
        let c = s.at(i as f64 * 0.1);
        assert!((c.p99 - prev.p99).abs() < 0.1, "p99 jump at {}", i);
        assert!((c.cpu - prev.cpu).abs() < 0.01, "cpu jump at {}", i);
        assert!((c.error_ratio - prev.error_ratio).abs() < 0.05);
        assert!((c.leak - prev.leak).abs() < 0.01);
        assert!((c.hot_latency - prev.hot_latency).abs() < 0.1);
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
    assert_eq!(a.phase, Phase::Calm);
}

#[test]
fn bad_times_are_treated_as_start() {
    let s = Script::new(Scenario::Incident, 2);
    assert_eq!(s.at(f64::NAN).phase, Phase::Calm);
    assert_eq!(s.at(-5.0).phase, Phase::Calm);
    assert!(s.at(0.0).desired >= MIN_INSTANCES);
}

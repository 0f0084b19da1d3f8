use super::*;

fn alert(name: &str, sev: Severity, state: AlertState, instance: &str, value: f64) -> Alert {
    let mut labels = Labels::from_pairs([
        ("alertname", name),
        ("severity", sev.as_str()),
        ("instance", instance),
    ]);
    if instance.is_empty() {
        labels.remove("instance");
    }
    Alert {
        name: name.into(),
        state,
        severity: sev,
        labels,
        value: Some(value),
        threshold: Some(0.7),
        active_since_ms: Some(1_000),
        fired_at_ms: (state == AlertState::Firing).then_some(31_000),
        ..Alert::default()
    }
}

#[test]
fn matchers_read_as_alertmanager_writes_them() {
    let l = Labels::from_pairs([("severity", "critical"), ("job", "api")]);
    for (text, hit) in [
        (r#"severity="critical""#, true),
        ("severity=critical", true),
        (r#"severity != "critical""#, false),
        (r#"job=~"a.*""#, true),
        (r#"job=~"a""#, false),
        (r#"job!~"web|db""#, true),
        (r#"team="""#, true),
        (r#"{team!=""}"#, false),
        (r#"q="say \"hi\"""#, false),
    ] {
        let m = Matcher::parse(text).unwrap();
        assert_eq!(m.matches(&l), hit, "{text}");
    }
    assert_eq!(
        Matcher::parse(r#"q="say \"hi\"""#).unwrap().value,
        r#"say "hi""#
    );
    for bad in [
        "",
        "=x",
        "1a=b",
        "a",
        r#"a="open"#,
        "a=~\"(\"",
        r#"a="x" y"#,
    ] {
        assert!(Matcher::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_firing_critical_inhibits_the_warning_of_the_same_alert_and_labels() {
    let mut alerts = vec![
        alert("CpuHigh", Severity::Warning, AlertState::Firing, "a", 0.9),
        alert("CpuHigh", Severity::Critical, AlertState::Firing, "a", 0.9),
        alert("CpuHigh", Severity::Warning, AlertState::Firing, "b", 0.75),
        // Pending critical inhibits nothing.
        alert("CpuHigh", Severity::Warning, AlertState::Pending, "c", 0.85),
        alert(
            "CpuHigh",
            Severity::Critical,
            AlertState::Pending,
            "c",
            0.85,
        ),
        // Another alert of the same labels is not inhibited.
        alert("MemHigh", Severity::Warning, AlertState::Firing, "a", 0.9),
    ];
    inhibit(&mut alerts, &Grouping::default().inhibit);
    let marks: Vec<bool> = alerts.iter().map(|a| a.inhibited).collect();
    assert_eq!(marks, [true, false, false, false, false, false]);
    // The mark goes when the source stops firing.
    alerts[1].state = AlertState::Resolved;
    inhibit(&mut alerts, &Grouping::default().inhibit);
    assert!(!alerts[0].inhibited);
}

#[test]
fn inhibit_rules_follow_equal_and_never_inhibit_themselves() {
    let rule = InhibitRule {
        source: vec![Matcher::parse(r#"alertname="InstancesNearMax""#).unwrap()],
        target: vec![Matcher::parse(r#"alertname=~"Cpu.*|InstancesNearMax""#).unwrap()],
        equal: Equal::Labels(vec!["job".into()]),
    };
    let mut alerts = vec![
        alert(
            "InstancesNearMax",
            Severity::Critical,
            AlertState::Firing,
            "",
            40.0,
        ),
        alert("CpuHigh", Severity::Warning, AlertState::Firing, "a", 0.9),
    ];
    inhibit(&mut alerts, std::slice::from_ref(&rule));
    // Neither has `job`: both equal on the empty value.
    assert!(!alerts[0].inhibited, "a source does not inhibit itself");
    assert!(alerts[1].inhibited);
    alerts[1].labels.set("job", "api");
    inhibit(&mut alerts, std::slice::from_ref(&rule));
    assert!(!alerts[1].inhibited, "different job");
}

#[test]
fn groups_count_show_the_worst_and_put_the_cause_first() {
    let mut alerts = vec![
        alert("CpuHigh", Severity::Warning, AlertState::Firing, "a", 0.75),
        alert("CpuHigh", Severity::Critical, AlertState::Firing, "b", 0.99),
        alert("CpuHigh", Severity::Warning, AlertState::Firing, "b", 0.99),
        alert("CpuHigh", Severity::Warning, AlertState::Pending, "c", 0.72),
        alert(
            "InstancesNearMax",
            Severity::Critical,
            AlertState::Firing,
            "",
            40.0,
        ),
        alert(
            "QueueNearFull",
            Severity::Warning,
            AlertState::Pending,
            "a",
            0.9,
        ),
        alert("Gone", Severity::Critical, AlertState::Resolved, "a", 0.9),
    ];
    // The cause fired first.
    alerts[4].fired_at_ms = Some(11_000);
    inhibit(&mut alerts, &Grouping::default().inhibit);
    let g = groups(&alerts, &[]);
    let names: Vec<&str> = g.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["InstancesNearMax", "CpuHigh", "QueueNearFull"]);
    let cpu = &g[1];
    assert_eq!(cpu.key, r#"{}:{alertname="CpuHigh"}"#);
    assert_eq!(cpu.severity, Severity::Critical);
    assert_eq!((cpu.firing, cpu.pending, cpu.inhibited), (2, 1, 1));
    assert_eq!(cpu.started_ms, Some(31_000));
    assert_eq!(
        cpu.worst,
        Some(Worst {
            value: 0.99,
            instance: Some("b".into())
        })
    );
    // Firing critical first, the inhibited warning last.
    assert_eq!(cpu.members, [1, 0, 3, 2]);
    assert_eq!(g[2].firing, 0);
    assert_eq!(g[2].pending, 1);
}

#[test]
fn group_by_splits_groups_and_names_them() {
    let mut alerts = vec![
        alert("CpuHigh", Severity::Warning, AlertState::Firing, "a", 0.75),
        alert("CpuHigh", Severity::Warning, AlertState::Firing, "b", 0.8),
    ];
    alerts[0].labels.set("job", "api");
    alerts[1].labels.set("job", "db");
    let g = groups(&alerts, &["job".to_string()]);
    assert_eq!(g.len(), 2);
    assert_eq!(g[0].key, r#"{}:{alertname="CpuHigh", job="api"}"#);
    assert_eq!(groups(&alerts, &[]).len(), 1);
}

#[test]
fn the_worst_of_a_rule_that_fires_low_is_its_lowest_value() {
    let mut alerts = vec![
        alert("TooFew", Severity::Warning, AlertState::Firing, "a", 2.0),
        alert("TooFew", Severity::Warning, AlertState::Firing, "b", 1.0),
    ];
    for a in &mut alerts {
        a.threshold = Some(3.0);
    }
    let g = groups(&alerts, &[]);
    assert_eq!(g[0].worst.as_ref().unwrap().instance.as_deref(), Some("b"));
}

#[test]
fn a_group_is_acknowledged_or_muted_when_all_its_live_alerts_are() {
    let mut alerts = vec![
        alert("CpuHigh", Severity::Warning, AlertState::Firing, "a", 0.75),
        alert("CpuHigh", Severity::Warning, AlertState::Firing, "b", 0.8),
    ];
    alerts[0].acknowledged = true;
    assert!(!groups(&alerts, &[])[0].acknowledged);
    alerts[1].acknowledged = true;
    alerts[1].muted_until_ms = Some(5);
    let g = &groups(&alerts, &[])[0];
    assert!(g.acknowledged && !g.muted);
}

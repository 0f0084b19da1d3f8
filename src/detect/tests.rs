use super::*;

fn cat(items: &[(&str, MetricType, &[&str])]) -> Catalog {
    items
        .iter()
        .map(|(n, k, l)| {
            (
                n.to_string(),
                MetricInfo {
                    kind: *k,
                    labels: l.iter().map(|s| s.to_string()).collect(),
                },
            )
        })
        .collect()
}

#[test]
fn rate_window_is_grafana_rate_interval() {
    assert_eq!(rate_window(Duration::from_secs(2)), Duration::from_secs(10));
    assert_eq!(
        rate_window(Duration::from_secs(15)),
        Duration::from_secs(60)
    );
}

#[test]
fn demo_like_service_gets_every_panel() {
    use MetricType::*;
    let c = cat(&[
        ("http_request_duration_seconds_bucket", Histogram, &["le"]),
        ("http_requests_total", Counter, &["code", "method"]),
        ("process_cpu_seconds_total", Counter, &[]),
        ("app_cpu_limit_cores", Gauge, &[]),
        ("process_resident_memory_bytes", Gauge, &[]),
        ("app_memory_limit_bytes", Gauge, &[]),
        ("app_event_queue_depth", Gauge, &[]),
        ("app_event_queue_capacity", Gauge, &[]),
        ("autoscaler_current_instances", Gauge, &[]),
        ("autoscaler_max_instances", Gauge, &[]),
    ]);
    let d = detect(&c, Duration::from_secs(2));
    let ids: Vec<_> = d.panels.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "latency",
            "traffic",
            "errors",
            "cpu",
            "instances",
            "saturation"
        ]
    );
    assert!(
        d.panels.iter().all(|p| p.error.is_none()),
        "{:#?}",
        d.panels
    );
    assert_eq!(
        d.panels[0].exprs[2].expr,
        "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[10s])))"
    );
    assert_eq!(
        d.panels[2].exprs[0].expr,
        "(sum(rate(http_requests_total{code=~\"5..\"}[10s])) or vector(0)) / sum(rate(http_requests_total[10s]))"
    );
    assert!(d.panels[3].exprs[0].expr.contains("app_cpu_limit_cores"));
    assert_eq!(d.panels[3].unit, Unit::Ratio);
    assert_eq!(d.panels[5].exprs.len(), 2);
    assert!(d.rules.iter().any(|r| r.alert == "InstancesNearMax"));
}

#[test]
fn node_exporter_gets_cpu_and_instances() {
    use MetricType::*;
    let c = cat(&[
        ("node_cpu_seconds_total", Counter, &["cpu", "mode"]),
        ("process_cpu_seconds_total", Counter, &[]),
    ]);
    let d = detect(&c, Duration::from_secs(2));
    assert!(d.panels[3].exprs[0]
        .expr
        .starts_with("1 - avg by (instance)"));
    assert!(d.panels[4].error.is_none());
    assert!(d.panels[0].error.as_deref().unwrap().contains("histogram"));
}

#[test]
fn cpu_without_core_count_is_in_cores_without_thresholds() {
    let c = cat(&[("process_cpu_seconds_total", MetricType::Counter, &[])]);
    let d = detect(&c, Duration::from_secs(2));
    assert_eq!(d.panels[3].unit, Unit::Cores);
    assert!(d.panels[3].exprs[0].thresholds.is_empty());
    assert!(d.table.cpu_is_cores);
}

#[test]
fn status_label_variants() {
    let c = cat(&[("api_requests_total", MetricType::Counter, &["status_code"])]);
    let d = detect(&c, Duration::from_secs(2));
    assert!(d.panels[2].exprs[0].expr.contains("status_code=~\"5..\""));
}

#[test]
fn the_autoscaler_pinned_at_its_limit_is_critical_and_soon() {
    use MetricType::*;
    let c = cat(&[
        ("autoscaler_current_instances", Gauge, &[]),
        ("autoscaler_desired_instances", Gauge, &[]),
        ("autoscaler_max_instances", Gauge, &[]),
    ]);
    let d = detect(&c, Duration::from_secs(2));
    let near: Vec<&RuleDef> = d
        .rules
        .iter()
        .filter(|r| r.alert == "InstancesNearMax")
        .collect();
    assert_eq!(near.len(), 2);
    let (warn, crit) = (near[0], near[1]);
    assert_eq!(warn.severity, Severity::Warning);
    assert_eq!(
        warn.expr,
        "max(autoscaler_current_instances) >= 0.9 * max(autoscaler_max_instances)"
    );
    assert_eq!(crit.severity, Severity::Critical);
    assert_eq!(
        crit.expr,
        "max(autoscaler_desired_instances) >= max(autoscaler_max_instances)"
    );
    // Fires within a minute of the pin, scrape delays included.
    assert!(crit.for_ <= Duration::from_secs(30));
    // The value is a count of instances: the summary reads the same when
    // it resolves after the limit was lowered under the fleet's size.
    for r in &near {
        assert!(
            r.summary.contains("{{ $value }} instances"),
            "{}",
            r.summary
        );
        assert!(!r.summary.contains("humanizePercentage"), "{}", r.summary);
        assert_eq!(r.threshold, None);
    }
}

#[test]
fn detected_thresholds_have_a_dead_band_and_memory_a_critical() {
    let d = detect(
        &cat(&[
            ("process_resident_memory_bytes", MetricType::Gauge, &[]),
            ("app_memory_limit_bytes", MetricType::Gauge, &[]),
            ("app_event_queue_depth", MetricType::Gauge, &[]),
            ("app_event_queue_capacity", MetricType::Gauge, &[]),
        ]),
        Duration::from_secs(2),
    );
    let sat = &d.panels[5];
    let memory: Vec<(Severity, f64)> = sat.exprs[1]
        .thresholds
        .iter()
        .map(|t| (t.severity, t.value))
        .collect();
    assert_eq!(
        memory,
        [(Severity::Warning, 0.85), (Severity::Critical, 0.95)]
    );
    for t in d
        .panels
        .iter()
        .flat_map(|p| &p.exprs)
        .flat_map(|e| &e.thresholds)
    {
        let clear = t.clear_below.expect("a dead band");
        assert!((clear - t.value * (1.0 - DEAD_BAND)).abs() < 1e-12, "{t:?}");
    }
}

//! The engine over a server, fed answers by hand (no network).

use super::*;
use crate::frame::{AlertState, SourceKind};
use crate::promapi::{Discovery, Refresh};
use crate::vocab::labels::Labels;
use std::collections::HashMap;

const T0: i64 = 1_795_348_800_000;

fn discovery() -> Discovery {
    use crate::scrape::expo::MetricType::*;
    let names = [
        "up",
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "process_cpu_seconds_total",
        "app_cpu_limit_cores",
    ];
    Discovery {
        names: names.iter().map(|s| s.to_string()).collect(),
        types: HashMap::from([
            ("http_requests_total".into(), Counter),
            ("http_request_duration_seconds".into(), Histogram),
            ("process_cpu_seconds_total".into(), Counter),
            ("app_cpu_limit_cores".into(), Gauge),
        ]),
        labels: HashMap::from([
            (
                "http_requests_total".into(),
                vec!["__name__".into(), "code".into(), "instance".into()],
            ),
            (
                "http_request_duration_seconds_bucket".into(),
                vec!["le".into(), "instance".into()],
            ),
        ]),
        version: Some("2.42.0".into()),
        targets: Some(super::remote::plan_tests::targets(Duration::from_secs(15))),
    }
}

fn remote_engine() -> Engine {
    let mut e = Engine::new(EngineOptions {
        exprs: vec!["sum by (instance) (rate(x[1m]))".into()],
        ..EngineOptions::default()
    });
    e.connect_remote("http://prom:9090".into());
    e.apply_discovery(discovery());
    e
}

fn cpu_expr(e: &Engine) -> String {
    let defs = e.panel_defs();
    defs.iter().find(|p| p.id == "cpu").unwrap().exprs[0]
        .expr
        .clone()
}

fn answers(e: &Engine, t_ms: i64, cpu: f64) -> Refresh {
    let plan = e.remote_plan();
    let cpu_expr = cpu_expr(e);
    let mut r = Refresh {
        time_ms: t_ms,
        requests: plan.instant.len() as u32,
        ..Refresh::default()
    };
    for text in &plan.instant {
        let v = if *text == cpu_expr {
            vec![(Labels::from_pairs([("instance", "h1:9100")]), cpu)]
        } else {
            vec![(Labels::new(), 1.0)]
        };
        r.instant.insert(text.clone(), Ok(v));
    }
    r
}

fn failed(e: &Engine, t_ms: i64) -> Refresh {
    let plan = e.remote_plan();
    let err = "http://prom:9090/api/v1/query did not answer within 1s".to_string();
    let mut r = Refresh {
        time_ms: t_ms,
        requests: plan.instant.len() as u32,
        error: Some(err.clone()),
        all_failed: true,
        transient: true,
        ..Refresh::default()
    };
    for text in &plan.instant {
        r.instant.insert(text.clone(), Err(err.clone()));
    }
    r
}

#[test]
fn detected_breakdowns_are_limited_and_user_expressions_are_not() {
    let e = remote_engine();
    // 4 x the server's 15 s scrape interval
    assert_eq!(
        cpu_expr(&e),
        "topk(20, rate(process_cpu_seconds_total[1m]) / on (job, instance) max by (job, instance) (app_cpu_limit_cores))"
    );
    let defs = e.panel_defs();
    let traffic = defs.iter().find(|p| p.id == "traffic").unwrap();
    assert_eq!(traffic.exprs[0].expr, "sum(rate(http_requests_total[1m]))");
    let adhoc = defs.iter().find(|p| p.id == "expr1").unwrap();
    assert_eq!(adhoc.exprs[0].expr, "sum by (instance) (rate(x[1m]))");
    let plan = e.remote_plan();
    assert!(plan.instant.contains(&cpu_expr(&e)));
    assert!(plan.charts.contains(&adhoc.exprs[0].expr));
    assert!(
        plan.instant.contains(&"up == 0".to_string()),
        "rules are asked"
    );
    assert_eq!(plan.min_step, Duration::from_secs(15));
    let mut sorted = plan.instant.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), plan.instant.len(), "no text asked twice");
}

#[test]
fn a_failing_server_keeps_the_last_data_and_holds_the_alerts() {
    let mut e = remote_engine();
    let mut t = T0;
    for _ in 0..20 {
        let r = answers(&e, t, 0.9);
        e.apply_refresh(r);
        e.tick(t);
        t += 2_000;
    }
    let f = e.tick(t - 2_000);
    assert_eq!(f.source, SourceKind::Prometheus);
    assert_eq!(f.targets.len(), 2);
    let server = f.server.clone().unwrap();
    assert_eq!(server.version.as_deref(), Some("2.42.0"));
    assert_eq!(server.error, None);
    let firing = |f: &Frame| {
        f.alerts
            .iter()
            .any(|a| a.name == "CpuHigh" && a.state == AlertState::Firing)
    };
    assert!(firing(&f), "{:?}", f.alerts);
    let row = f
        .instances
        .iter()
        .find(|r| r.instance == "h1:9100")
        .unwrap();
    assert!(row.up);

    // The server stops answering: the same values stay, with the error and
    // the time they are from; the alert holds instead of resolving.
    let last_good = t - 2_000;
    for _ in 0..20 {
        let r = failed(&e, t);
        e.apply_refresh(r);
        e.tick(t);
        t += 2_000;
    }
    let f = e.tick(t);
    let server = f.server.clone().unwrap();
    assert!(server.error.unwrap().contains("did not answer"));
    assert_eq!(server.data_ms, Some(last_good));
    let cpu = f.panels.iter().find(|p| p.id == "cpu").unwrap();
    assert_eq!(cpu.series.iter().find_map(|s| s.value), Some(0.9));
    assert!(firing(&f), "held while the server cannot answer");

    // Back, and below the threshold: resolved.
    let r = answers(&e, t, 0.1);
    e.apply_refresh(r);
    let f = e.tick(t);
    assert!(!firing(&f));
    assert_eq!(f.server.unwrap().error, None);
}

#[test]
fn the_table_window_asks_for_the_rows_in_sight_by_name() {
    let mut e = remote_engine();
    let table_cpu = e.detected.table.cpu.clone().unwrap();
    assert!(table_cpu.starts_with("topk(200, "), "{table_cpu}");
    let before = e.remote_plan().instant;
    let window = vec!["h2:9100".to_string()];
    e.command(crate::frame::Command::TableWindow(window.clone()));
    let plan = e.remote_plan().instant;
    let narrowed = super::remote::window_expr(&table_cpu, &window).unwrap();
    assert!(narrowed.contains(r#"instance=~"h2:9100""#), "{narrowed}");
    assert!(plan.contains(&table_cpu), "the busiest are still asked");
    assert!(plan.contains(&narrowed), "{plan:?}");
    let t = &e.detected.table;
    let columns = [&t.cpu, &t.p99, &t.error_ratio]
        .iter()
        .filter(|c| c.is_some())
        .count();
    assert_eq!(
        plan.len(),
        before.len() + columns,
        "one more query per column"
    );
    // Only h1 is among the busiest; h2's value comes from the window query.
    let mut r = answers(&e, T0, 0.5);
    r.instant.insert(
        table_cpu.clone(),
        Ok(vec![(Labels::from_pairs([("instance", "h1:9100")]), 0.9)]),
    );
    r.instant.insert(
        narrowed.clone(),
        Ok(vec![(Labels::from_pairs([("instance", "h2:9100")]), 0.1)]),
    );
    e.apply_refresh(r);
    let f = e.tick(T0);
    let cpu = |i: &str| f.instances.iter().find(|r| r.instance == i).unwrap().cpu;
    assert_eq!((cpu("h1:9100"), cpu("h2:9100")), (Some(0.9), Some(0.1)));
    // Scrolling away drops the old window's query and its answer.
    e.command(crate::frame::Command::TableWindow(vec![]));
    let plan = e.remote_plan().instant;
    assert!(
        !plan.contains(&narrowed) && plan.contains(&table_cpu),
        "{plan:?}"
    );
    let f = e.tick(T0 + 1);
    let h2 = f
        .instances
        .iter()
        .find(|r| r.instance == "h2:9100")
        .unwrap();
    assert_eq!(h2.cpu, None);
}

#[test]
fn scraping_ignores_the_table_window() {
    let mut e = Engine::new(EngineOptions::default());
    e.command(crate::frame::Command::TableWindow(vec!["a:1".into()]));
    assert!(e.remote_plan().instant.is_empty());
}

/// Over a server the engine judges as it does over scrapes: a value
/// exactly at a threshold is not past it (as `expr > 0.8` does not fire),
/// for the panel's series and for the table's cells.
#[test]
fn a_value_at_a_threshold_is_judged_as_the_alerts_judge_it() {
    use crate::frame::{Level, Severity};
    let mut e = remote_engine();
    let table_cpu = e.detected.table.cpu.clone().unwrap();
    let mut t = T0;
    let mut f = Frame::default();
    for _ in 0..20 {
        let mut r = answers(&e, t, 0.8);
        r.instant.insert(
            table_cpu.clone(),
            Ok(vec![(Labels::from_pairs([("instance", "h1:9100")]), 0.8)]),
        );
        e.apply_refresh(r);
        f = e.tick(t);
        t += 2_000;
    }
    let cpu = f.panels.iter().find(|p| p.id == "cpu").unwrap();
    let s = cpu.series.iter().find(|s| s.value.is_some()).unwrap();
    assert_eq!(
        (s.value, s.level, cpu.level),
        (Some(0.8), Level::Warn, Level::Warn)
    );
    assert_eq!(
        (s.thresholds.warn, s.thresholds.crit),
        (Some(0.7), Some(0.8))
    );
    let row = f
        .instances
        .iter()
        .find(|r| r.instance == "h1:9100")
        .unwrap();
    assert_eq!((row.cpu, row.cpu_level), (Some(0.8), Level::Warn));
    let firing = |sev| {
        f.alerts
            .iter()
            .any(|a| a.name == "CpuHigh" && a.severity == sev && a.state == AlertState::Firing)
    };
    assert!(firing(Severity::Warning), "{:?}", f.alerts);
    assert!(!firing(Severity::Critical), "{:?}", f.alerts);
}

use super::*;
use crate::frame::{AlertState, Level};
use crate::scrape::{expo, ScrapeError, ScrapeResult, Target};

pub(super) fn target(port: u16) -> Target {
    Target {
        url: format!("http://127.0.0.1:{port}/metrics"),
        job: "app".into(),
        instance: format!("127.0.0.1:{port}"),
        labels: Default::default(),
        ..Default::default()
    }
}

/// A page like a web service's after `secs` seconds at `rps` requests per
/// second, `err` of them 5xx, each taking 50 ms (p99 inside the 0.05 bucket).
pub(super) fn page(secs: f64, rps: f64, err: f64, slow: bool) -> String {
    let total = secs * rps;
    let (fast, lat) = if slow { (0.0, total) } else { (total, 0.0) };
    format!(
        "# TYPE http_requests_total counter\n\
         http_requests_total{{code=\"200\"}} {}\n\
         http_requests_total{{code=\"500\"}} {}\n\
         # TYPE http_request_duration_seconds histogram\n\
         http_request_duration_seconds_bucket{{le=\"0.05\"}} {fast}\n\
         http_request_duration_seconds_bucket{{le=\"0.5\"}} {total}\n\
         http_request_duration_seconds_bucket{{le=\"+Inf\"}} {total}\n\
         http_request_duration_seconds_sum {}\n\
         http_request_duration_seconds_count {total}\n\
         # TYPE process_cpu_seconds_total counter\n\
         process_cpu_seconds_total {}\n\
         # TYPE app_cpu_limit_cores gauge\n\
         app_cpu_limit_cores 2\n",
        total * (1.0 - err),
        total * err,
        0.05 * fast + 0.4 * lat,
        secs * 0.5,
    )
}

pub(super) fn ok(t: &Target, t_ms: i64, body: &str) -> ScrapeResult {
    ScrapeResult {
        target: Arc::new(t.clone()),
        time_ms: t_ms,
        duration: Duration::from_millis(3),
        outcome: Ok(expo::parse_page(body.as_bytes(), None)),
    }
}

fn down(t: &Target, t_ms: i64) -> ScrapeResult {
    ScrapeResult {
        target: Arc::new(t.clone()),
        time_ms: t_ms,
        duration: Duration::from_millis(1),
        outcome: Err(ScrapeError::Connect("connection refused".into())),
    }
}

pub(super) const T0: i64 = 1_795_348_800_000;

fn value(f: &Frame, panel: &str, pick: impl Fn(&crate::frame::Series) -> bool) -> f64 {
    let p = f.panels.iter().find(|p| p.id == panel).unwrap();
    assert!(p.error.is_none(), "{panel}: {:?}", p.error);
    p.series
        .iter()
        .find(|s| pick(s))
        .and_then(|s| s.value)
        .unwrap()
}

#[test]
fn default_panels_compute_prometheus_numbers() {
    let (a, b) = (target(9001), target(9002));
    let mut e = Engine::new(EngineOptions::default());
    e.set_targets(&[a.clone(), b.clone()], T0);
    let first = e.tick(T0);
    assert!(first.panels.iter().all(|p| p.warming_up));
    let mut f = first;
    for i in 0..=15 {
        let t = T0 + i * 2000;
        e.apply(ok(&a, t, &page(i as f64 * 2.0, 10.0, 0.1, false)));
        e.apply(ok(&b, t + 500, &page(i as f64 * 2.0, 30.0, 0.0, false)));
        f = e.tick(t + 1000);
    }
    // 10 + 30 req/s, exactly as Prometheus's rate extrapolates a full window.
    assert!((value(&f, "traffic", |_| true) - 40.0).abs() < 1e-9);
    // 1 of 40 req/s is a 5xx.
    assert!((value(&f, "errors", |_| true) - 0.025).abs() < 1e-9);
    // Every request sits in the 0.05 bucket: the quantile interpolates in it.
    let p99 = value(&f, "latency", |s| s.labels.get("quantile") == Some("0.99"));
    assert!((p99 - 0.0495).abs() < 1e-9, "{p99}");
    // 0.5 cpu-seconds per second of a 2-core limit.
    assert!(
        (value(&f, "cpu", |s| s.labels.get("instance")
            == Some("127.0.0.1:9001"))
            - 0.25)
            .abs()
            < 1e-9
    );
    assert_eq!(
        value(&f, "instances", |s| s.labels.get("series") == Some("up")),
        2.0
    );
    let lat = f.panels.iter().find(|p| p.id == "latency").unwrap();
    assert!(!lat.warming_up);
    // The highest finite bucket its quantiles read: a quantile equal to
    // it would lie in `+Inf`. Panels of no histogram have none.
    assert_eq!(lat.top_bucket, Some(0.5));
    assert!(f
        .panels
        .iter()
        .all(|p| p.id == "latency" || p.top_bucket.is_none()));
    // Every alerting rule evaluated is named, firing or not.
    assert!(f.rules.iter().any(|(n, _)| n == "ErrorRatioHigh"));
    assert!(f.rules.iter().any(|(n, _)| n == "LatencyP99High"));
    assert_eq!(lat.level, Level::Ok);
    assert!(lat.series.iter().all(|s| s.points.len() >= 10));
    // error ratio 2.5 % crosses the 1 % warning: pending, not firing yet (for 30 s)
    let err = f
        .alerts
        .iter()
        .find(|a| a.name == "ErrorRatioHigh")
        .unwrap();
    assert_eq!(err.state, AlertState::Pending);
    assert_eq!(f.instances.len(), 2);
    let row = &f.instances[0];
    assert!((row.error_ratio.unwrap() - 0.1).abs() < 1e-9, "{row:?}");
    assert!((row.p99.unwrap() - 0.0495).abs() < 1e-9);
    assert!((row.cpu.unwrap() - 0.25).abs() < 1e-9);
}

#[test]
fn alerts_fire_go_stale_on_scrape_failure_and_resolve_when_back() {
    let (a, b) = (target(9001), target(9002));
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut e = Engine::new(EngineOptions {
        alert_log: Some(log.path().to_path_buf()),
        ..Default::default()
    });
    e.set_targets(&[a.clone(), b.clone()], T0);
    let mut f = e.tick(T0);
    let mut total = 0.0;
    for i in 0..=40 {
        let t = T0 + i * 2000;
        total += 2.0;
        e.apply(ok(&a, t, &page(total, 10.0, 0.0, true)));
        e.apply(ok(&b, t, &page(total, 10.0, 0.0, false)));
        f = e.tick(t + 1000);
    }
    let lat: Vec<_> = f
        .alerts
        .iter()
        .filter(|x| x.name == "LatencyP99High" && x.state == AlertState::Firing)
        .collect();
    assert_eq!(lat.len(), 2, "{:#?}", f.alerts);
    assert!(lat
        .iter()
        .any(|x| x.severity == crate::frame::Severity::Critical));
    // The critical inhibits the warning of the same instance: one group,
    // one alert shown, the warning listed as inhibited.
    let warn = lat
        .iter()
        .find(|x| x.severity == crate::frame::Severity::Warning)
        .unwrap();
    assert!(warn.inhibited);
    let g = f
        .alert_groups
        .iter()
        .find(|g| g.name == "LatencyP99High")
        .unwrap();
    assert_eq!((g.firing, g.inhibited), (1, 1), "{g:#?}");
    assert_eq!(g.severity, crate::frame::Severity::Critical);
    // Target a cannot be scraped: the latency alert holds as stale, never resolved.
    for i in 41..=60 {
        let t = T0 + i * 2000;
        total += 2.0;
        e.apply(down(&a, t));
        e.apply(ok(&b, t, &page(total, 10.0, 0.0, false)));
        f = e.tick(t + 1000);
    }
    let held: Vec<_> = f
        .alerts
        .iter()
        .filter(|x| x.name == "LatencyP99High")
        .collect();
    assert!(
        held.iter()
            .all(|x| x.state == AlertState::Firing && x.stale),
        "{held:#?}"
    );
    let td = f.alerts.iter().find(|x| x.name == "TargetDown").unwrap();
    assert_eq!(td.state, AlertState::Firing);
    assert_eq!(td.labels.get("instance"), Some("127.0.0.1:9001"));
    assert!(!f.targets[0].up);
    assert!(f.targets[0]
        .error
        .as_deref()
        .unwrap()
        .contains("connection refused"));
    // Back and healthy: resolved.
    for i in 61..=70 {
        let t = T0 + i * 2000;
        total += 2.0;
        e.apply(ok(&a, t, &page(total, 10.0, 0.0, false)));
        e.apply(ok(&b, t, &page(total, 10.0, 0.0, false)));
        f = e.tick(t + 1000);
    }
    assert!(f
        .alerts
        .iter()
        .filter(|x| x.name == "LatencyP99High")
        .all(|x| x.state == AlertState::Resolved && !x.stale));
    write_log(&mut e);
    let text = std::fs::read_to_string(log.path()).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let tos: Vec<&str> = lines
        .iter()
        .filter(|l| l["rule"] == "LatencyP99High" && l["severity"] == "critical")
        .map(|l| l["to"].as_str().unwrap())
        .collect();
    assert_eq!(tos, ["pending", "firing", "stale", "resolved"], "{text}");
    let warned: Vec<(&str, bool)> = lines
        .iter()
        .filter(|l| l["rule"] == "LatencyP99High" && l["severity"] == "warning")
        .map(|l| (l["to"].as_str().unwrap(), l["inhibited"] == true))
        .collect();
    assert_eq!(
        warned[..2],
        [("pending", false), ("firing", true)],
        "{text}"
    );
}

#[test]
fn missing_metrics_explain_themselves() {
    let a = target(9001);
    let mut e = Engine::new(EngineOptions::default());
    e.apply(ok(&a, T0, "# TYPE temperature gauge\ntemperature 21\n"));
    let f = e.tick(T0 + 1000);
    let lat = f.panels.iter().find(|p| p.id == "latency").unwrap();
    assert!(lat.series.is_empty());
    assert!(lat.error.as_deref().unwrap().contains("histogram"));
    let inst = f.panels.iter().find(|p| p.id == "instances").unwrap();
    assert!(inst.error.is_none());
}

#[test]
fn adhoc_expressions_become_panels() {
    let a = target(9001);
    let mut e = Engine::new(EngineOptions {
        exprs: vec!["temperature * 2".into(), "sum(".into()],
        ..Default::default()
    });
    e.apply(ok(&a, T0, "temperature 21\n"));
    let f = e.tick(T0 + 1000);
    let p1 = f.panels.iter().find(|p| p.id == "expr1").unwrap();
    assert_eq!(p1.series[0].value, Some(42.0));
    let p2 = f.panels.iter().find(|p| p.id == "expr2").unwrap();
    assert!(p2.error.is_some());
}

#[test]
fn adhoc_panels_take_their_unit_from_the_expression_or_unit_equals() {
    let ratio =
        r#"sum(rate(http_requests_total{code="500"}[10s])) / sum(rate(http_requests_total[10s]))"#;
    let mut e = Engine::new(EngineOptions {
        exprs: vec![
            ratio.into(),
            "unit=seconds 0.25".into(),
            "unit=parsecs up".into(),
        ],
        ..Default::default()
    });
    let a = target(9001);
    e.set_targets(std::slice::from_ref(&a), T0);
    let mut f = e.tick(T0);
    for i in 0..=10 {
        let t = T0 + i * 2000;
        e.apply(ok(&a, t, &page(i as f64 * 2.0, 10.0, 0.175, false)));
        f = e.tick(t + 1000);
    }
    let p = |id: &str| f.panels.iter().find(|p| p.id == id).unwrap();
    assert_eq!(p("expr1").unit, crate::frame::Unit::Ratio);
    assert!((p("expr1").series[0].value.unwrap() - 0.175).abs() < 1e-9);
    assert_eq!(p("expr2").unit, crate::frame::Unit::Seconds);
    assert_eq!(p("expr2").title, "0.25");
    let err = p("expr3").error.as_deref().unwrap();
    assert!(err.starts_with("unit=parsecs: unknown unit"), "{err}");
}

#[test]
fn exposed_job_and_instance_labels_are_kept_as_exported() {
    let a = target(9001);
    let mut e = Engine::new(EngineOptions::default());
    e.apply(ok(&a, T0, "m{job=\"other\"} 1\n"));
    let v = crate::promql::parse("m").unwrap();
    let r = crate::promql::eval_instant(e.store(), &v, T0 + 1000).unwrap();
    let crate::promql::Value::Vector(v) = r else {
        panic!()
    };
    assert_eq!(v[0].labels.get("job"), Some("app"));
    assert_eq!(v[0].labels.get("exported_job"), Some("other"));
}

#[test]
fn removed_targets_go_stale_at_once() {
    let (a, b) = (target(9001), target(9002));
    let mut e = Engine::new(EngineOptions::default());
    e.set_targets(&[a.clone(), b.clone()], T0);
    e.apply(ok(&a, T0, "m 1\n"));
    e.apply(ok(&b, T0, "m 1\n"));
    e.set_targets(std::slice::from_ref(&a), T0 + 1000);
    let f = e.tick(T0 + 2000);
    assert_eq!(f.targets.len(), 1);
    assert_eq!(
        value(&f, "instances", |s| s.labels.get("series")
            == Some("targets")),
        1.0
    );
}

#[test]
fn a_broken_file_sd_file_is_on_the_status_line_and_in_the_frame() {
    let errors = crate::scrape::SdErrors::default();
    let mut e = Engine::new(EngineOptions {
        file_sd_errors: errors.clone(),
        ..Default::default()
    });
    let f = e.tick(T0);
    assert!(f.notice.is_none() && f.file_sd.is_empty());
    let path = std::path::Path::new("/srv/sd/api.json");
    errors.set(
        path,
        Some("file_sd /srv/sd/api.json:1:2: expected value".into()),
    );
    let f = e.tick(T0 + 1000);
    assert_eq!(
        f.notice.as_deref(),
        Some("file_sd /srv/sd/api.json:1:2: expected value; keeping its last targets")
    );
    assert_eq!(f.file_sd.len(), 1);
    assert_eq!(f.file_sd[0].0, "/srv/sd/api.json");
    errors.set(
        std::path::Path::new("/srv/sd/b.json"),
        Some("file_sd /srv/sd/b.json: gone".into()),
    );
    let f = e.tick(T0 + 2000);
    assert!(f.notice.unwrap().ends_with("(and 1 more file_sd files)"));
    errors.set(path, None);
    errors.set(std::path::Path::new("/srv/sd/b.json"), None);
    let f = e.tick(T0 + 3000);
    assert!(f.notice.is_none() && f.file_sd.is_empty());
}

/// What the run loop's writer (`crate::sinks::log`) does with what the
/// engine left: its transitions appended to its alert log, a line each.
pub(crate) fn write_log(e: &mut Engine) {
    use std::io::Write;
    let w = e.take_writes();
    let Some(path) = e.alert_log() else {
        return;
    };
    let mut text = String::new();
    for t in &w.transitions {
        text.push_str(&crate::alerts::log::line(t).to_string());
        text.push('\n');
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .unwrap();
}

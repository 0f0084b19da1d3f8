//! Prometheus rule files: parsing, error positions, and the engine running
//! recording and alerting rules from them.

use std::sync::Arc;
use std::time::Duration;
use vitals::alerts::rulefile::{self, FileRule};
use vitals::engine::{Engine, EngineOptions};
use vitals::frame::{AlertState, Severity};
use vitals::scrape::{expo, ScrapeResult, Target};

const GOOD: &str = r#"
groups:
  - name: app
    labels:
      team: core
    rules:
      - record: job:queue:sum
        expr: sum by (job) (queue_depth)
        labels:
          source: recorded
      - alert: HighRate
        expr: job:queue:sum > 5
        for: 10s
        keep_firing_for: 4s
        labels:
          severity: critical
        annotations:
          summary: "rate {{ $value }} on {{ $labels.job }}"
          runbook_url: https://runbooks.example/high-rate
      - alert: Always
        expr: 1
"#;

#[test]
fn parses_alerting_and_recording_rules() {
    let rules = rulefile::parse("r.yml", GOOD).unwrap();
    assert_eq!(rules.len(), 3);
    let FileRule::Recording(rec) = &rules[0] else {
        panic!("{:?}", rules[0])
    };
    assert_eq!(rec.record, "job:queue:sum");
    assert_eq!(rec.labels.get("team"), Some("core"));
    assert_eq!(rec.labels.get("source"), Some("recorded"));
    let FileRule::Alerting(a) = &rules[1] else {
        panic!("{:?}", rules[1])
    };
    assert_eq!(a.name, "HighRate");
    assert_eq!(a.for_, Duration::from_secs(10));
    assert_eq!(a.keep_firing_for, Duration::from_secs(4));
    assert_eq!(a.severity, Severity::Critical);
    assert_eq!(a.labels.get("team"), Some("core"));
    assert_eq!(
        a.annotations.get("runbook_url").map(String::as_str),
        Some("https://runbooks.example/high-rate")
    );
    let FileRule::Alerting(b) = &rules[2] else {
        panic!("{:?}", rules[2])
    };
    assert_eq!((b.expr.as_str(), b.severity), ("1", Severity::Warning));
}

fn err(text: &str) -> String {
    let e = rulefile::parse("rules.yml", text).unwrap_err();
    assert!(!e.contains('\n'), "one line: {e}");
    e
}

#[test]
fn errors_name_file_line_and_column() {
    let e = err("groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: up ==\n");
    assert!(e.starts_with("rules.yml:4:9: alert \"X\": expr:"), "{e}");

    let e = err("groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: up\n        for: 5 minutes\n");
    assert!(
        e.starts_with("rules.yml:4:9: alert \"X\": for \"5 minutes\""),
        "{e}"
    );

    let e = err("groups:\n  - name: a\n    rules:\n      - alert: X\n        exp: up\n");
    assert!(e.starts_with("rules.yml:5:9: "), "{e}");
    assert!(e.contains("unknown field `exp`"), "{e}");

    let e = err("groups:\n  - name: a\n    rules: [\n");
    assert!(
        e.starts_with("rules.yml:4:1: ") || e.starts_with("rules.yml:3:"),
        "{e}"
    );

    let e = err("groups:\n  - name: a\n    rules:\n      - expr: up\n");
    assert!(
        e.starts_with("rules.yml:4:9: a rule needs 'alert' or 'record'"),
        "{e}"
    );

    let e =
        err("groups:\n  - name: a\n    rules:\n      - record: \"bad name\"\n        expr: up\n");
    assert!(
        e.starts_with("rules.yml:4:9: record \"bad name\": invalid metric name"),
        "{e}"
    );

    let e = err("groups:\n  - name: a\n  - name: a\n");
    assert!(e.starts_with("rules.yml:3:5: group \"a\" repeated"), "{e}");

    // The second rule of the same name is the one reported.
    let e = err("groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: up\n      - alert: X\n        expr: up[\n");
    assert!(e.starts_with("rules.yml:6:9: "), "{e}");
}

#[test]
fn load_reports_a_missing_file() {
    let e = rulefile::load(std::path::Path::new("/nonexistent/rules.yml")).unwrap_err();
    assert!(e.starts_with("/nonexistent/rules.yml: "), "{e}");
}

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

fn scrape(t: &Target, t_ms: i64, total: f64) -> ScrapeResult {
    let body = format!(
        "# TYPE queue_depth gauge\nqueue_depth{{q=\"a\"}} {total}\nqueue_depth{{q=\"b\"}} 0\n"
    );
    ScrapeResult {
        target: Arc::new(t.clone()),
        time_ms: t_ms,
        duration: Duration::from_millis(2),
        outcome: Ok(expo::parse_page(body.as_bytes(), None)),
    }
}

#[test]
fn recorded_series_feed_panels_and_alerts() {
    let rules = rulefile::parse("r.yml", GOOD).unwrap();
    let mut e = Engine::new(EngineOptions {
        interval: Duration::from_secs(2),
        exprs: vec!["job:queue:sum".into()],
        rules,
        ..Default::default()
    });
    let t = target();
    e.set_targets(std::slice::from_ref(&t), T0);
    // A queue ten deep.
    let mut fired_at = None;
    for i in 0..=20 {
        let now = T0 + i * 2000;
        e.apply(scrape(&t, now, 10.0));
        let f = e.tick(now);
        let high = f.alerts.iter().find(|a| a.name == "HighRate");
        if let Some(a) = high {
            assert_eq!(a.labels.get("job"), Some("app"));
            assert_eq!(a.labels.get("team"), Some("core"));
            assert_eq!(a.labels.get("severity"), Some("critical"));
            assert_eq!(a.severity, Severity::Critical);
            if a.state == AlertState::Firing && fired_at.is_none() {
                fired_at = Some(now);
                assert_eq!(a.summary, "rate 10 on app");
                assert_eq!(a.value, Some(10.0));
            }
        }
        {
            let p = f.panels.iter().find(|p| p.id == "expr1").unwrap();
            assert!(p.error.is_none(), "{:?}", p.error);
            let v = p.series[0].value.unwrap();
            assert_eq!(v, 10.0);
        }
        let always = f.alerts.iter().find(|a| a.name == "Always").unwrap();
        assert_eq!(always.state, AlertState::Firing);
    }
    // Pending from the first tick, firing once `for: 10s` has passed.
    assert_eq!(fired_at, Some(T0 + 10_000));
    let stored = e
        .store()
        .metric_names()
        .into_iter()
        .any(|n| n == "job:queue:sum");
    assert!(stored);
}

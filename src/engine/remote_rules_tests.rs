//! Rules over a server, on explicit time: the same scrapes drive a local
//! engine, and a stand-in server answers the remote engine's plan by
//! evaluating each text over the local engine's store (which holds what
//! Prometheus would: the samples, `up`, staleness markers). Every alert
//! transition must be the same in both runs.

use crate::alerts::rulefile;
use crate::engine::panels::eval_vector;
use crate::engine::tests::{ok, T0};
use crate::engine::{Engine, EngineOptions};
use crate::frame::{AlertState, Frame};
use crate::promapi::{self, Discovery, Health, Refresh, TargetHealth};
use crate::promql;
use crate::scrape::{ScrapeError, ScrapeResult, Target};
use crate::vocab::labels::Labels;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

const STEP: i64 = 2_000;
const URL: &str = "http://prom:9090";

const RULES: &str = "groups:
  - name: queue
    rules:
      - record: instance:queue_depth:max
        expr: max by (job, instance) (app_queue_depth)
        labels:
          source: rule
      - record: instance:queue_depth:double
        expr: instance:queue_depth:max * 2
      - alert: QueueDeep
        expr: instance:queue_depth:max > 50
        for: 4s
      - alert: QueueVeryDeep
        expr: instance:queue_depth:double > 150
";

const RECORDED_EXPR: &str = "max by (job, instance) (app_queue_depth)";
const MIXED: &str = "instance:queue_depth:max / on (job, instance) app_queue_capacity";

fn target(host: &str) -> Target {
    Target {
        url: format!("http://{host}/metrics"),
        job: "app".into(),
        instance: host.into(),
        ..Default::default()
    }
}

fn options(rules: &str, exprs: &[&str]) -> EngineOptions {
    EngineOptions {
        interval: Duration::from_millis(STEP as u64),
        retention: Duration::from_secs(120),
        rules: rulefile::parse("rules.yml", rules).unwrap(),
        exprs: exprs.iter().map(|s| s.to_string()).collect(),
        detected_panels: false,
        ..EngineOptions::default()
    }
}

/// One local engine scraping, one remote engine over the stand-in server.
struct Twin {
    local: Engine,
    remote: Engine,
    targets: Vec<Target>,
    /// Whether each target answered its last scrape.
    up: Vec<bool>,
    /// Whether the server has a targets endpoint.
    targets_endpoint: bool,
    t: i64,
}

impl Twin {
    fn new(opts: EngineOptions) -> Twin {
        let targets = vec![target("h1:9100"), target("h2:9100")];
        let mut local = Engine::new(opts.clone());
        local.set_targets(&targets, T0);
        Twin {
            local,
            remote: Engine::new(opts),
            up: vec![true; targets.len()],
            targets,
            targets_endpoint: true,
            t: T0,
        }
    }

    fn health(&self) -> Vec<TargetHealth> {
        self.targets
            .iter()
            .zip(&self.up)
            .map(|(t, up)| TargetHealth {
                scrape_url: t.url.clone(),
                job: t.job.clone(),
                instance: t.instance.clone(),
                labels: t.target_labels(),
                health: if *up { Health::Up } else { Health::Down },
                last_error: String::new(),
                last_scrape_duration: Duration::from_millis(3),
                scrape_interval: Some(Duration::from_millis(STEP as u64)),
            })
            .collect()
    }

    /// The remote engine finds the server, which lists `extra` names
    /// besides the scraped ones.
    fn connect(&mut self, extra: &[&str]) {
        self.remote.connect_remote(URL.into());
        let mut names: Vec<String> = ["up", "app_queue_depth", "app_queue_capacity"]
            .iter()
            .chain(extra)
            .map(|s| s.to_string())
            .collect();
        names.sort();
        self.remote.apply_discovery(Discovery {
            names,
            targets: self.targets_endpoint.then(|| self.health()),
            ..Discovery::default()
        });
    }

    /// One scrape of every target (`None`: it cannot be scraped) at the
    /// next step, evaluated by the local engine.
    fn scrape(&mut self, depths: &[Option<f64>]) -> Frame {
        self.t += STEP;
        for (i, d) in depths.iter().enumerate() {
            let t = &self.targets[i];
            self.up[i] = d.is_some();
            let r = match d {
                Some(d) => ok(
                    t,
                    self.t,
                    &format!("app_queue_depth {d}\napp_queue_capacity 100\n"),
                ),
                None => ScrapeResult {
                    target: Arc::new(t.clone()),
                    time_ms: self.t,
                    duration: Duration::from_millis(1),
                    outcome: Err(ScrapeError::Connect("connection refused".into())),
                },
            };
            self.local.apply(r);
        }
        self.local.tick(self.t)
    }

    /// What the server answers to the remote engine's plan at the current
    /// step: instant and range queries over the local store.
    fn answers(&self) -> Refresh {
        let plan = self.remote.remote_plan();
        let store = self.local.store();
        let mut r = Refresh {
            time_ms: self.t,
            targets: self.targets_endpoint.then(|| Ok(self.health())),
            ..Refresh::default()
        };
        for text in &plan.instant {
            let e = promql::parse(text).unwrap();
            r.instant
                .insert(text.clone(), eval_vector(store, &e, self.t));
        }
        let (start, end, step) =
            promapi::range_params(self.t, plan.window, promapi::CHART_POINTS, plan.min_step);
        for text in &plan.charts {
            let e = promql::parse(text).unwrap();
            let series = promql::eval_range(store, &e, start, end, step).unwrap();
            let series: Vec<promapi::RangeSeries> =
                series.into_iter().map(|s| (s.labels, s.points)).collect();
            r.charts.insert(text.clone(), Ok(Arc::new(series)));
        }
        r
    }

    /// A step of both runs.
    fn step(&mut self, depths: &[Option<f64>]) -> (Frame, Frame) {
        let local = self.scrape(depths);
        let r = self.answers();
        self.remote.apply_refresh(r);
        (local, self.remote.tick(self.t))
    }
}

fn transitions(f: &Frame) -> Vec<(i64, String, String, &'static str, &'static str)> {
    f.alert_history
        .iter()
        .map(|t| {
            (
                t.time_ms,
                t.rule.clone(),
                t.labels.to_string(),
                t.from.as_str(),
                t.to.as_str(),
            )
        })
        .collect()
}

fn state(f: &Frame, rule: &str, instance: &str) -> Option<(AlertState, bool)> {
    f.alerts
        .iter()
        .find(|a| a.name == rule && a.labels.get("instance") == Some(instance))
        .map(|a| (a.state, a.stale))
}

/// The samples (value bits, so staleness markers compare) of a series.
fn samples(e: &Engine, labels: &Labels, from: i64) -> Vec<(i64, u64)> {
    e.store()
        .find(labels)
        .map(|s| {
            s.range(from, i64::MAX)
                .map(|(t, v)| (t, v.to_bits()))
                .collect()
        })
        .unwrap_or_default()
}

fn recorded(instance: &str) -> Labels {
    Labels::from_pairs([
        ("__name__", "instance:queue_depth:max"),
        ("instance", instance),
        ("job", "app"),
        ("source", "rule"),
    ])
}

/// The depths of h1 and h2 at each step: h1 rises and falls, h2 goes
/// away for a while and comes back.
fn script() -> Vec<[Option<f64>; 2]> {
    let mut s = Vec::new();
    for i in 0..30 {
        let h1 = [10.0, 60.0, 70.0, 80.0, 90.0, 40.0][i / 5];
        let h2 = if (12..18).contains(&i) {
            None
        } else {
            Some(55.0 + i as f64)
        };
        s.push([Some(h1), h2]);
    }
    s
}

#[test]
fn answers_without_a_range_query_are_recorded_from_the_first_on() {
    // As `snapshot` and `check` step through the server's history: one
    // answer per step, no chart.
    let mut w = Twin::new(options(RULES, &["instance:queue_depth:max"]));
    w.connect(&[]);
    let script = script();
    for depths in &script[..8] {
        w.scrape(depths);
        let mut r = w.answers();
        r.charts.clear();
        w.remote.apply_refresh(r);
        let remote = w.remote.tick(w.t);
        assert!(
            w.remote.remote_plan().charts.is_empty(),
            "no backfill asked"
        );
        assert_eq!(remote.notice, None);
    }
    let first = T0 + STEP;
    let l = recorded("h1:9100");
    assert_eq!(samples(&w.remote, &l, T0), samples(&w.local, &l, T0));
    assert_eq!(samples(&w.remote, &l, T0)[0].0, first);
}

#[test]
fn recording_rules_vitals_records_run_as_they_do_locally() {
    let mut w = Twin::new(options(RULES, &["instance:queue_depth:max", MIXED]));
    w.connect(&[]);
    let plan = w.remote.remote_plan();
    assert!(
        plan.instant.contains(&RECORDED_EXPR.to_string()),
        "{plan:?}"
    );
    assert!(plan.charts.contains(&RECORDED_EXPR.to_string()), "backfill");
    for text in [
        "instance:queue_depth:max",
        "instance:queue_depth:max * 2",
        "instance:queue_depth:max > 50",
        "instance:queue_depth:double > 150",
        MIXED,
    ] {
        assert!(
            !plan.instant.iter().chain(&plan.charts).any(|t| t == text),
            "{text} is not sent: {plan:?}"
        );
    }
    let (mut local, mut remote) = (Frame::default(), Frame::default());
    for depths in script() {
        (local, remote) = w.step(&depths);
        assert_eq!(transitions(&remote), transitions(&local), "at {}", w.t);
    }
    let plan = w.remote.remote_plan();
    assert!(plan.charts.is_empty(), "backfilled once: {plan:?}");
    let kinds: BTreeSet<(&str, &str)> = local
        .alert_history
        .iter()
        .map(|t| (t.from.as_str(), t.to.as_str()))
        .collect();
    for k in [
        ("inactive", "pending"),
        ("pending", "firing"),
        ("firing", "stale"),
        ("stale", "firing"),
        ("firing", "resolved"),
    ] {
        assert!(kinds.contains(&k), "{k:?} happens: {kinds:?}");
    }
    // The recorded series, staleness markers included, are the local ones.
    for i in ["h1:9100", "h2:9100"] {
        let l = recorded(i);
        assert_eq!(samples(&w.remote, &l, T0), samples(&w.local, &l, T0), "{i}");
        assert!(samples(&w.remote, &l, T0).len() > 20);
    }
    // The panel over the recorded name is evaluated over the store; the
    // one mixing it with a server metric says why it cannot be shown.
    let panel = |f: &Frame, id: &str| f.panels.iter().find(|p| p.id == id).cloned().unwrap();
    let series = |f: &Frame| {
        let p = panel(f, "expr1");
        let v: Vec<_> = p
            .series
            .iter()
            .map(|s| (s.labels.clone(), s.value, s.points.clone()))
            .collect();
        format!("{v:?}")
    };
    assert_eq!(series(&remote), series(&local));
    assert_eq!(
        panel(&remote, "expr2").error.as_deref(),
        Some("instance:queue_depth:max is recorded by vitals, not by http://prom:9090; an expression over a server cannot mix it with server metrics")
    );
    assert_eq!(panel(&local, "expr2").error, None);
}

#[test]
fn the_recorded_history_is_backfilled_from_one_range_query() {
    let mut w = Twin::new(options(RULES, &["instance:queue_depth:max"]));
    let script = script();
    for depths in &script[..25] {
        w.scrape(depths);
    }
    w.connect(&[]);
    let charts = w.remote.remote_plan().charts;
    assert_eq!(charts, vec![RECORDED_EXPR.to_string()]);
    let (local, remote) = w.step(&script[25]);
    let from = w.t - 120_000;
    for i in ["h1:9100", "h2:9100"] {
        let l = recorded(i);
        let ours = samples(&w.remote, &l, from);
        assert_eq!(ours, samples(&w.local, &l, from), "{i}");
        assert!(ours.len() > 20, "{i}: {ours:?}");
        let marked = ours
            .iter()
            .any(|(_, v)| crate::store::is_stale_nan(f64::from_bits(*v)));
        assert_eq!(marked, i == "h2:9100", "{i}: h2's gap is marked");
    }
    // The chained rule is backfilled over the store too.
    let double = Labels::from_pairs([
        ("__name__", "instance:queue_depth:double"),
        ("instance", "h1:9100"),
        ("job", "app"),
        ("source", "rule"),
    ]);
    assert_eq!(
        samples(&w.remote, &double, from),
        samples(&w.local, &double, from)
    );
    // The chart of the panel over the recorded name is full at once.
    let chart = |f: &Frame| {
        f.panels.iter().find(|p| p.id == "expr1").unwrap().series[0]
            .points
            .clone()
    };
    assert_eq!(chart(&remote), chart(&local));
    assert!(w.remote.remote_plan().charts.is_empty());
}

#[test]
fn a_name_the_server_lists_is_the_servers_own() {
    let mut w = Twin::new(options(RULES, &["instance:queue_depth:max"]));
    w.connect(&["instance:queue_depth:max", "instance:queue_depth:double"]);
    let plan = w.remote.remote_plan();
    assert!(!plan.instant.contains(&RECORDED_EXPR.to_string()));
    assert!(plan
        .charts
        .contains(&"instance:queue_depth:max".to_string()));
    assert!(plan
        .instant
        .contains(&"instance:queue_depth:max > 50".to_string()));
    for depths in script() {
        let (local, remote) = w.step(&depths);
        assert_eq!(transitions(&remote), transitions(&local), "at {}", w.t);
    }
    assert_eq!(w.remote.store().series_count(), 0, "nothing recorded here");
}

#[path = "remote_rules_stale_tests.rs"]
mod stale;

#[test]
fn the_backfill_follows_the_grid_of_the_chart_points() {
    let l = Labels::new;
    let on = vec![(l(), vec![(10, 1.0), (20, 1.0)])];
    assert_eq!(super::chart_grid(&on, (0, 20, 10), 25), (0, 20, 10));
    let off = vec![(l(), vec![(15, 1.0), (30, 1.0)]), (l(), vec![(45, 1.0)])];
    assert_eq!(super::chart_grid(&off, (0, 40, 10), 45), (15, 30, 15));
    assert_eq!(super::chart_grid(&[], (0, 40, 10), 45), (0, 40, 10));
}

#[test]
fn a_restart_mid_incident_does_not_log_the_replayed_transitions_again() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("alerts.jsonl");
    let rules = "groups:
  - name: q
    rules:
      - alert: QueueDeep
        expr: app_queue_depth > 50
        for: 4s
";
    let lines = || -> Vec<serde_json::Value> {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let opts = EngineOptions {
        alert_log: Some(log.clone()),
        ..options(rules, &[])
    };
    // Only the engine over the server logs (the scraping twin stands in
    // for the server's history).
    let mut twin = Twin::new(options(rules, &[]));
    twin.remote = Engine::new(opts.clone());
    twin.connect(&[]);
    let mut history = Vec::new();
    for _ in 0..8 {
        twin.scrape(&[Some(80.0), Some(10.0)]);
        history.push(twin.answers());
    }
    // The first start catches up: pending, then firing, logged once each.
    twin.remote.catch_up(history[..5].to_vec());
    crate::engine::tests::write_log(&mut twin.remote);
    let first: Vec<(String, String)> = lines()
        .iter()
        .map(|l| (l["from"].to_string(), l["to"].to_string()))
        .collect();
    assert_eq!(
        first,
        [
            ("\"inactive\"".into(), "\"pending\"".into()),
            ("\"pending\"".into(), "\"firing\"".into())
        ]
    );
    // A restart a few steps later replays the same incident from a later
    // start: the log already holds it (the application reads its states
    // at start).
    let logged = std::fs::read_to_string(&log).unwrap();
    twin.remote = Engine::new(EngineOptions {
        logged_states: crate::alerts::log::states_of(logged.lines()),
        ..opts.clone()
    });
    twin.connect(&[]);
    twin.remote.catch_up(history[3..].to_vec());
    crate::engine::tests::write_log(&mut twin.remote);
    assert_eq!(lines().len(), 2, "{:?}", lines());
    let (_, f) = twin.step(&[Some(80.0), Some(10.0)]);
    assert_eq!(
        state(&f, "QueueDeep", "h1:9100"),
        Some((AlertState::Firing, false))
    );
    // What happens after the catch-up is logged as always.
    let (_, f) = twin.step(&[Some(10.0), Some(10.0)]);
    assert_eq!(
        state(&f, "QueueDeep", "h1:9100"),
        Some((AlertState::Resolved, false))
    );
    crate::engine::tests::write_log(&mut twin.remote);
    let all = lines();
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!(all[2]["from"], "firing");
    // A new engine whose log has no such alert logs the replay in full.
    let other = dir.path().join("other.jsonl");
    twin.remote = Engine::new(EngineOptions {
        alert_log: Some(other.clone()),
        ..opts
    });
    twin.connect(&[]);
    twin.remote.catch_up(history[3..].to_vec());
    crate::engine::tests::write_log(&mut twin.remote);
    let n = std::fs::read_to_string(&other).unwrap().lines().count();
    assert_eq!(n, 2);
}

#[test]
fn catching_up_with_history_notifies_only_what_still_fires() {
    use crate::alerts::notify::Outgoing;
    let rules = "groups:
  - name: q
    rules:
      - alert: QueueDeep
        expr: app_queue_depth > 50
";
    let mut twin = Twin::new(options(rules, &[]));
    twin.connect(&[]);
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    twin.remote.connect_sinks(crate::engine::SinkLink {
        tx,
        resend_delay: Duration::from_secs(60),
        alertmanager: true,
        webhook: true,
    });
    // h2 fired and resolved in the past; h1 still fires at the end.
    let mut history = Vec::new();
    for i in 0..6 {
        let h2 = if (1..3).contains(&i) { 80.0 } else { 10.0 };
        twin.scrape(&[Some(if i >= 4 { 80.0 } else { 10.0 }), Some(h2)]);
        history.push(twin.answers());
    }
    twin.remote.catch_up(history);
    assert!(rx.try_recv().is_err(), "the history was notified");
    twin.step(&[Some(80.0), Some(10.0)]);
    let mut sent = Vec::new();
    while let Ok(o) = rx.try_recv() {
        let (sink, alerts) = match o {
            Outgoing::Alertmanager(a) => ("alertmanager", a),
            Outgoing::Webhook(g) => ("webhook", g.into_iter().flat_map(|g| g.alerts).collect()),
        };
        for a in alerts {
            let instance = a.labels.get("instance").unwrap_or_default().to_string();
            sent.push((sink, instance, a.resolved));
        }
    }
    assert_eq!(
        sent,
        [
            ("alertmanager", "h1:9100".to_string(), false),
            ("webhook", "h1:9100".to_string(), false)
        ]
    );
}

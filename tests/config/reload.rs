//! Reloading the configuration: the store keeps every series, unchanged
//! panels keep their chart history and unchanged rules their alert state,
//! targets are replaced one by one; a bad file changes nothing and says why
//! in one line on the notice line.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use vitals::config::reload::{reconfig, Reloader, TargetFeed};
use vitals::config::{self, Overrides};
use vitals::engine::{Engine, EngineOptions, Reconfig};
use vitals::frame::{AlertState, Command, Frame};
use vitals::scrape::{expo, ScrapeResult, Target};

const T0: i64 = 1_795_348_800_000;

const V1: &str = r#"
[[target]]
url = "127.0.0.1:9101"
job = "app"

[[target]]
url = "127.0.0.1:9102"
job = "app"

[[panel]]
title = "Depth"
expr = "sum(queue_depth)"

[[rule]]
name = "DeepQueue"
expr = "sum(queue_depth) > 5"
for = "10s"
severity = "critical"
"#;

/// V1 with the second target replaced, the interval changed and a panel added.
const V2: &str = r#"
interval = "5s"

[[target]]
url = "127.0.0.1:9101"
job = "app"

[[target]]
url = "127.0.0.1:9103"
job = "app"

[[panel]]
title = "Depth"
expr = "sum(queue_depth)"

[[panel]]
title = "Deepest"
expr = "max(queue_depth)"

[[rule]]
name = "DeepQueue"
expr = "sum(queue_depth) > 5"
for = "10s"
severity = "critical"
"#;

const BAD: &str = r#"
[[panel]]
title = "Depth"
expr = "sum(queue_depth"
"#;

fn scrape(t: &Target, t_ms: i64, depth: f64) -> ScrapeResult {
    let body = format!("# TYPE queue_depth gauge\nqueue_depth {depth}\n");
    ScrapeResult {
        target: Arc::new(t.clone()),
        time_ms: t_ms,
        duration: Duration::from_millis(2),
        outcome: Ok(expo::parse_page(body.as_bytes(), None)),
    }
}

fn points(f: &Frame, panel: &str) -> usize {
    let p = f
        .panels
        .iter()
        .find(|p| p.id == panel)
        .unwrap_or_else(|| panic!("no panel {panel}"));
    assert!(p.error.is_none(), "{:?}", p.error);
    p.series.iter().map(|s| s.points.len()).sum()
}

fn reloader(path: &Path, tx: watch::Sender<Vec<Target>>) -> (Reloader, Reconfig) {
    let s = config::load_settings(Some(path), &Overrides::default()).unwrap();
    let feed = TargetFeed::start(tx, s.targets.clone(), s.file_sd.clone());
    let rc = reconfig(&s, vec![], String::new());
    let r = Reloader {
        file: path.to_path_buf(),
        flags: Overrides::default(),
        rule_files: vec![],
        feed,
        current: s,
    };
    (r, rc)
}

#[test]
fn reload_keeps_history_and_a_bad_file_keeps_the_old_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vitals.toml");
    std::fs::write(&path, V1).unwrap();
    let (tx, mut targets) = watch::channel(vec![]);
    let (mut reloader, rc) = reloader(&path, tx);
    let first: Vec<Target> = targets.borrow_and_update().clone();
    assert_eq!(first.len(), 2);
    let mut e = Engine::new(EngineOptions {
        panels: rc.panels,
        detected_panels: rc.detected_panels,
        rules: rc.rules,
        ..Default::default()
    });
    e.set_targets(&first, T0);
    let mut now = T0;
    let mut frame = Frame::default();
    for i in 0..10 {
        now = T0 + i * 2000;
        for t in &first {
            e.apply(scrape(t, now, 4.0));
        }
        frame = e.tick(now);
    }
    assert_eq!(points(&frame, "depth"), 10);
    let deep = |f: &Frame| {
        f.alerts
            .iter()
            .find(|a| a.name == "DeepQueue")
            .map(|a| (a.state, a.active_since_ms))
    };
    let (state, since) = deep(&frame).expect("DeepQueue active");
    assert_eq!(state, AlertState::Firing);
    let series_before = e.store().series_count();

    // A good new file: targets replaced one by one, a panel added.
    std::fs::write(&path, V2).unwrap();
    let rc = reloader.reload().expect("V2 loads");
    assert_eq!(
        rc.message,
        "config reloaded: 2 targets, 0 file_sd, 2 panels, 1 rules; interval apply at the next start"
    );
    assert!(targets.has_changed().unwrap());
    let second: Vec<Target> = targets.borrow_and_update().clone();
    let urls: Vec<&str> = second.iter().map(|t| t.url.as_str()).collect();
    assert_eq!(
        urls,
        vec![
            "http://127.0.0.1:9101/metrics",
            "http://127.0.0.1:9103/metrics"
        ]
    );
    // The unchanged target is the same target: its scrape loop is kept.
    assert_eq!(second[0], first[0]);
    e.reconfigure(rc);
    e.set_targets(&second, now);
    assert!(
        e.store().series_count() >= series_before,
        "store not cleared"
    );
    now += 2000;
    for t in &second {
        e.apply(scrape(t, now, 4.0));
    }
    let frame = e.tick(now);
    assert_eq!(
        points(&frame, "depth"),
        11,
        "history of the unchanged panel kept"
    );
    assert_eq!(points(&frame, "deepest"), 1, "the new panel starts");
    assert_eq!(
        deep(&frame),
        Some((AlertState::Firing, since)),
        "the unchanged rule keeps firing"
    );
    assert_eq!(
        frame
            .targets
            .iter()
            .map(|t| t.url.as_str())
            .collect::<Vec<_>>(),
        urls,
        "removed target gone, added one known"
    );

    // A bad file: nothing changes, one line says why.
    std::fs::write(&path, BAD).unwrap();
    let defs_before = e.panel_defs();
    let err = reloader.reload().expect_err("BAD is refused");
    assert_eq!(
        err,
        format!(
            "reload failed, running configuration kept: {}:4:24: panel[0].expr: unclosed left parenthesis",
            path.display()
        )
    );
    assert!(!targets.has_changed().unwrap(), "targets untouched");
    assert_eq!(e.panel_defs(), defs_before);
    assert_eq!(reloader.current.panels.len(), 2);
}

#[test]
fn the_engine_asks_the_reloader_and_shows_the_outcome() {
    let mut e = Engine::new(EngineOptions::default());
    e.command(Command::Reload);
    assert_eq!(
        e.tick(T0).notice.as_deref(),
        Some("reload: no configuration file in use")
    );

    let mut e = Engine::new(EngineOptions::default());
    let (req_tx, mut req_rx) = mpsc::channel(1);
    e.connect_reload(req_tx);
    e.command(Command::Reload);
    assert_eq!(req_rx.try_recv(), Ok(()));
    // A second request while one is pending is not an error.
    e.command(Command::Reload);
    e.command(Command::Reload);
    assert!(e.tick(T0).notice.is_none());

    // The reloader's answer, as the run loop hands it over.
    e.reloaded(
        Err("reload failed, running configuration kept: x".into()),
        T0 + 2000,
    );
    let f = e.tick(T0 + 2000);
    assert_eq!(
        f.notice.as_deref(),
        Some("reload failed, running configuration kept: x")
    );
    // A failure stays on screen until a reload succeeds.
    assert!(e.tick(T0 + 60_000).notice.is_some());

    let panel = vitals::detect::PanelDef {
        id: "up".into(),
        title: "Up".into(),
        unit: Default::default(),
        kind: Default::default(),
        exprs: vec![vitals::detect::ExprDef {
            expr: "up".into(),
            add_labels: vec![],
            legend: String::new(),
            thresholds: vec![],
            is_limit: false,
        }],
        error: None,
        warn: None,
        crit: None,
    };
    e.reloaded(
        Ok(Reconfig {
            panels: vec![panel],
            detected_panels: false,
            rules: vec![],
            message: "config reloaded".into(),
            ..Default::default()
        }),
        T0 + 62_000,
    );
    let f = e.tick(T0 + 62_000);
    assert_eq!(f.notice.as_deref(), Some("config reloaded"));
    let ids: Vec<&str> = f.panels.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        vec!["up"],
        "panels = custom: only the configured panel"
    );
    assert_eq!(
        e.tick(T0 + 62_000 + 9_999).notice.as_deref(),
        Some("config reloaded")
    );
    assert!(
        e.tick(T0 + 72_000).notice.is_none(),
        "the notice goes after 10 s"
    );

    drop(req_rx);
    e.command(Command::Reload);
    assert_eq!(
        e.tick(T0 + 74_000).notice.as_deref(),
        Some("reload: the configuration reloader stopped")
    );
}

/// A reload that changes the theme asks the screen for it (once, numbered);
/// one that changes the retention applies it to the store at once.
#[test]
fn theme_and_retention_apply_at_reload() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vitals.toml");
    std::fs::write(&path, V1).unwrap();
    let (tx, _targets) = watch::channel(vec![]);
    let (mut reloader, rc) = reloader(&path, tx);
    assert_eq!((rc.theme.as_deref(), rc.retention), (None, None));
    let mut e = Engine::new(EngineOptions::default());
    assert_eq!(e.tick(T0).theme, None);

    std::fs::write(
        &path,
        format!("theme = \"light\"\nretention = \"30m\"\n{V1}"),
    )
    .unwrap();
    let rc = reloader.reload().expect("loads");
    assert!(!rc.message.contains("next start"), "{}", rc.message);
    assert_eq!(rc.theme.as_deref(), Some("light"));
    assert_eq!(rc.retention, Some(Duration::from_secs(30 * 60)));
    e.reconfigure(rc);
    assert_eq!(e.store().retention_ms(), 30 * 60 * 1000);
    let f = e.tick(T0 + 1000);
    assert_eq!(f.theme, Some((1, "light".to_string())));
    // Later frames repeat the same request; the screen applies it once.
    assert_eq!(e.tick(T0 + 2000).theme, Some((1, "light".to_string())));

    // Unchanged on the next reload: nothing new is asked.
    let rc = reloader.reload().expect("loads");
    assert_eq!((rc.theme.as_deref(), rc.retention), (None, None));
    e.reconfigure(rc);
    assert_eq!(e.tick(T0 + 3000).theme, Some((1, "light".to_string())));

    std::fs::write(&path, format!("theme = \"dark\"\n{V1}")).unwrap();
    let rc = reloader.reload().expect("loads");
    e.reconfigure(rc);
    assert_eq!(e.tick(T0 + 4000).theme, Some((2, "dark".to_string())));
    assert_eq!(
        e.store().retention_ms(),
        60 * 60 * 1000,
        "the default again"
    );
}

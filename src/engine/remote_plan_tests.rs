//! What each refresh asks the server: the instance-table window and the
//! charts' range step (fed by hand, no network).

use super::Engine;
use crate::engine::EngineOptions;
use crate::frame::Command;
use crate::promapi::{Discovery, Health, Refresh, TargetHealth, CHART_POINTS};
use crate::vocab::labels::Labels;
use std::time::Duration;

const T0: i64 = 1_795_348_800_000;

/// Two targets of job `app` scraped every `scrape_interval`.
pub(in crate::engine) fn targets(scrape_interval: Duration) -> Vec<TargetHealth> {
    let target = |i: &str| TargetHealth {
        scrape_url: format!("http://{i}/metrics"),
        job: "app".into(),
        instance: i.into(),
        labels: Labels::from_pairs([("job", "app"), ("instance", i)]),
        health: Health::Up,
        last_error: String::new(),
        last_scrape_duration: Duration::from_millis(3),
        scrape_interval: Some(scrape_interval),
    };
    vec![target("h1:9100"), target("h2:9100")]
}

/// An engine over a server that lists `targets`.
fn engine_with(targets: Vec<TargetHealth>) -> Engine {
    let mut e = Engine::new(EngineOptions::default());
    e.connect_remote("http://prom:9090".into());
    e.apply_discovery(Discovery {
        names: ["up", "process_cpu_seconds_total", "app_cpu_limit_cores"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        version: Some("2.42.0".into()),
        targets: Some(targets),
        ..Discovery::default()
    });
    e
}

fn engine(scrape_interval: Duration) -> Engine {
    engine_with(targets(scrape_interval))
}

/// Answers every instant query of the plan; the table's CPU query with
/// `busiest` series.
fn refresh(e: &Engine, t_ms: i64, busiest: usize) -> Refresh {
    let table_cpu = e.detected.table.cpu.clone().unwrap();
    let mut r = Refresh {
        time_ms: t_ms,
        ..Refresh::default()
    };
    for text in e.remote_plan().instant {
        let v = if text == table_cpu {
            (0..busiest)
                .map(|i| {
                    (
                        Labels::from_pairs([("instance", format!("h{i}:9100"))]),
                        0.5,
                    )
                })
                .collect()
        } else {
            vec![(Labels::new(), 1.0)]
        };
        r.instant.insert(text, Ok(v));
    }
    r
}

#[test]
fn the_window_is_left_out_while_the_busiest_answer_holds_every_row() {
    let mut e = engine(Duration::from_secs(15));
    let table_cpu = e.detected.table.cpu.clone().unwrap();
    let window = vec!["h1:9100".to_string()];
    e.command(Command::TableWindow(window.clone()));
    let narrowed = super::window_expr(&table_cpu, &window).unwrap();
    let plan = e.remote_plan();
    assert!(plan.instant.contains(&narrowed));
    assert!(plan.covered.contains(&crate::promapi::Covered {
        text: narrowed.clone(),
        by: table_cpu.clone(),
        limit: super::TABLE_TOP_N,
    }));
    // The busiest-first query is never left out.
    assert!(plan.covered.iter().all(|c| c.text != table_cpu));
}

#[test]
fn a_window_answer_older_than_the_busiest_one_is_not_shown() {
    let mut e = engine(Duration::from_secs(15));
    let table_cpu = e.detected.table.cpu.clone().unwrap();
    let window = vec!["h1:9100".to_string()];
    e.command(Command::TableWindow(window.clone()));
    let narrowed = super::window_expr(&table_cpu, &window).unwrap();
    let mut r = refresh(&e, T0, 0);
    r.instant.insert(
        narrowed.clone(),
        Ok(vec![(Labels::from_pairs([("instance", "h1:9100")]), 0.7)]),
    );
    e.apply_refresh(r);
    let cpu = |e: &mut Engine, t| {
        let f = e.tick(t);
        f.instances
            .iter()
            .find(|r| r.instance == "h1:9100")
            .unwrap()
            .cpu
    };
    assert_eq!(cpu(&mut e, T0), Some(0.7));
    // The next refresh leaves the window out (the busiest answer was
    // complete): its old value must not stay on screen.
    let mut r = refresh(&e, T0 + 1000, 0);
    r.instant.remove(&narrowed);
    e.apply_refresh(r);
    assert_eq!(cpu(&mut e, T0 + 1000), None);
}

#[test]
fn the_chart_step_follows_the_chart_width() {
    let mut e = engine(Duration::from_secs(1));
    // Before the screen says: the default resolution.
    assert_eq!(e.remote_plan().points, CHART_POINTS);
    // A 38-cell chart has 76 dots: 15 min / 76 = 11.8 s, rounded to 15 s.
    e.command(Command::ChartWidth(38));
    let plan = e.remote_plan();
    assert_eq!(plan.points, 76);
    let (start, end, step) = plan.chart_range(T0 + 7_000);
    assert_eq!(step, 15_000);
    assert_eq!((start % step, end % step), (0, 0));
    assert_eq!(end - start, 15 * 60 * 1000);
    // Consecutive refreshes within one step ask for the same grid.
    assert_eq!(plan.chart_range(T0 + 14_000), (start, end, step));
    // A wide chart is never asked finer than the server scrapes.
    e.command(Command::ChartWidth(1000));
    assert_eq!(e.remote_plan().chart_range(T0).2, 1_000);
    let mut slow = engine(Duration::from_secs(30));
    slow.command(Command::ChartWidth(1000));
    assert_eq!(slow.remote_plan().chart_range(T0).2, 30_000);
    // A chart too narrow to draw keeps the last width.
    e.command(Command::ChartWidth(0));
    assert_eq!(e.remote_plan().points, 2000);
}

#[test]
fn scraping_ignores_the_chart_width() {
    let mut e = Engine::new(EngineOptions::default());
    e.command(Command::ChartWidth(40));
    assert_eq!(e.remote_plan(), crate::promapi::Plan::default());
}

#[test]
fn targets_are_listed_in_a_fixed_order_whatever_the_server_sends() {
    let mut e = engine(Duration::from_secs(15));
    let names = |f: crate::frame::Frame| -> Vec<String> {
        f.targets.into_iter().map(|t| t.instance).collect()
    };
    assert_eq!(names(e.tick(T0)), ["h1:9100", "h2:9100"]);
    // The same targets listed the other way round: the rows stay put.
    let mut r = refresh(&e, T0 + 1000, 0);
    let mut d = e.backend.server().unwrap().targets.clone().unwrap();
    d.reverse();
    r.targets = Some(Ok(d));
    e.apply_refresh(r);
    assert_eq!(names(e.tick(T0 + 1000)), ["h1:9100", "h2:9100"]);
}

#[test]
fn the_sorted_column_is_ranked_past_the_rows_in_sight() {
    use crate::frame::{TableColumn, TableRank};
    let mut e = engine(Duration::from_secs(15));
    let table_cpu = e.detected.table.cpu.clone().unwrap();
    let inner = table_cpu
        .strip_prefix("topk(200, ")
        .and_then(|s| s.strip_suffix(')'))
        .unwrap()
        .to_string();
    let rank = |worst_first, rows| {
        Command::TableRank(Some(TableRank {
            column: TableColumn::Cpu,
            worst_first,
            rows,
        }))
    };
    // Busiest first, scrolled to row 230: the 300 busiest are asked.
    e.command(rank(true, 230));
    let plan = e.remote_plan();
    let ranked = format!("topk(300, {inner})");
    assert!(plan.instant.contains(&ranked), "{:?}", plan.instant);
    assert!(!plan.instant.contains(&table_cpu));
    // The rows take their values from that answer.
    let mut r = refresh(&e, T0, 0);
    let h2 = Labels::from_pairs([("instance", "h2:9100")]);
    r.instant
        .insert(ranked.clone(), Ok(vec![(h2.clone(), 0.9)]));
    e.apply_refresh(r);
    let f = e.tick(T0);
    let row = f
        .instances
        .iter()
        .find(|r| r.instance == "h2:9100")
        .unwrap();
    assert_eq!(row.cpu, Some(0.9));
    // Least busy first: the fleet's least busy, not the busiest 200 reversed.
    e.command(rank(false, 20));
    let plan = e.remote_plan();
    assert!(plan.instant.contains(&format!("bottomk(200, {inner})")));
    assert!(!plan.instant.iter().any(|t| t.starts_with("topk(300, ")));
    // Unsorted: the busiest 200 again.
    e.command(Command::TableRank(None));
    assert!(e.remote_plan().instant.contains(&table_cpu));
}

#[test]
fn a_pinned_instance_is_asked_for_its_own_panels() {
    let mut e = engine(Duration::from_secs(15));
    e.tick(T0);
    e.command(Command::Pin(Some("h1:9100".into())));
    e.tick(T0 + 1000);
    let plan = e.remote_plan();
    let cpu = e.panels.iter().find(|p| p.def.id == "cpu").unwrap();
    let fleet = cpu.def.exprs[0].expr.clone();
    let pinned = super::super::pin::pin_text(&fleet, "h1:9100");
    assert_ne!(pinned, fleet);
    assert!(plan.instant.contains(&pinned), "{:?}", plan.instant);
    assert!(plan.charts.contains(&pinned));
    assert!(
        plan.groups.iter().any(|g| g.contains(&pinned)),
        "batched as its fleet text is"
    );
    // Its answers are what the pinned panel shows.
    let mut r = refresh(&e, T0 + 2000, 0);
    let h1 = Labels::from_pairs([("instance", "h1:9100")]);
    r.instant
        .insert(pinned.clone(), Ok(vec![(h1.clone(), 0.25)]));
    let chart = vec![(h1, vec![(T0, 0.2), (T0 + 1000, 0.25)])];
    r.charts.insert(pinned, Ok(std::sync::Arc::new(chart)));
    e.apply_refresh(r);
    let f = e.tick(T0 + 2000);
    let p = f.panels.iter().find(|p| p.id == "cpu").unwrap();
    assert_eq!(p.series.len(), 1, "{p:?}");
    assert_eq!(p.series[0].value, Some(0.25));
    assert!(
        p.series[0].points.len() >= 2,
        "the chart comes from the range answer"
    );
    // Unpinned: the pinned texts are no longer asked.
    e.command(Command::Pin(None));
    e.tick(T0 + 3000);
    assert!(!e
        .remote_plan()
        .instant
        .iter()
        .any(|t| t.contains("h1:9100") && t.starts_with("topk(20")));
}

#[test]
fn a_scrape_interval_learned_later_sets_the_rate_window() {
    // The server had no targets at the first discovery: the rate window
    // is 1m until it learns how often they are scraped.
    let mut e = engine_with(vec![]);
    let cpu = |e: &Engine| e.detected.table.cpu.clone().unwrap();
    assert!(cpu(&e).contains("[1m]"), "{}", cpu(&e));
    let r = Refresh {
        time_ms: T0,
        targets: Some(Ok(targets(Duration::from_secs(5)))),
        ..Refresh::default()
    };
    e.apply_refresh(r);
    e.tick(T0);
    assert!(cpu(&e).contains("[20s]"), "4 x 5s: {}", cpu(&e));
    assert!(e.remote_plan().instant.contains(&cpu(&e)));
}

#[test]
fn answers_to_texts_no_longer_asked_are_dropped() {
    let mut e = engine(Duration::from_secs(15));
    let table_cpu = e.detected.table.cpu.clone().unwrap();
    let mut t = T0;
    // Scroll through windows and pin instances, as a long session does.
    for i in 0..5 {
        let w = vec![format!("h{i}:9100")];
        e.command(Command::TableWindow(w));
        e.command(Command::Pin(Some(format!("h{i}:9100"))));
        e.tick(t);
        e.apply_refresh(refresh(&e, t, 300));
        t += 1000;
    }
    let plan = e.remote_plan();
    let r = e.backend.server().unwrap();
    assert!(r.instant.keys().all(|k| plan.instant.contains(k)));
    assert!(r.charts.keys().all(|k| plan.charts.contains(k)));
    let old_window = super::window_expr(&table_cpu, &["h0:9100".to_string()]).unwrap();
    assert!(!r.instant.contains_key(&old_window));
    assert!(r.instant.contains_key(&table_cpu));
}

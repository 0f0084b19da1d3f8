use super::*;
use crate::engine::tests::{ok, page, target, T0};
use crate::engine::EngineOptions;
use crate::frame::{Frame, Series};

fn value(f: &Frame, panel: &str, pick: impl Fn(&Series) -> bool) -> f64 {
    let p = f.panels.iter().find(|p| p.id == panel).unwrap();
    assert!(p.error.is_none(), "{panel}: {:?}", p.error);
    p.series
        .iter()
        .find(|s| pick(s))
        .and_then(|s| s.value)
        .unwrap_or_else(|| panic!("{panel}: no value in {:?}", p.series))
}

fn p99(s: &Series) -> bool {
    s.labels.get("quantile") == Some("0.99")
}

#[test]
fn selectors_gain_the_instance_matcher() {
    let cases = [
        (
            "histogram_quantile(0.99, sum by (le) (rate(x_bucket[1m])))",
            r#"x_bucket{instance="a:1"}[1m]"#,
        ),
        ("up", r#"up{instance="a:1"}"#),
        (r#"m{job="j"} / on() n"#, r#"n{instance="a:1"}"#),
        ("max_over_time(m[5m:30s])", r#"m{instance="a:1"}"#),
        ("-sum(m)", r#"m{instance="a:1"}"#),
        ("topk(1, m)", r#"m{instance="a:1"}"#),
    ];
    for (text, want) in cases {
        let got = pin_text(text, "a:1");
        assert!(got.contains(want), "{text} -> {got}");
        assert!(promql::parse(&got).is_ok(), "{got} parses again");
    }
    let both = pin_text(r#"m{job="j"} / on() n"#, "a:1");
    assert_eq!(both.matches(r#"instance="a:1""#).count(), 2, "{both}");
    assert_eq!(pin_text("1 + 2", "a:1"), "1 + 2");
    assert_eq!(pin_text("sum(", "a:1"), "sum(", "unparsable text is kept");
}

/// Two instances, one fast (10 req/s, 10 % errors) and one slow (30 req/s,
/// no errors); pinned, each shows its own numbers.
#[test]
fn pinned_panels_show_the_instance_own_values() {
    let (a, b) = (target(9001), target(9002));
    let mut e = Engine::new(EngineOptions::default());
    e.set_targets(&[a.clone(), b.clone()], T0);
    let _ = e.tick(T0);
    let feed = |e: &mut Engine, from: i64, to: i64| {
        let mut f = None;
        for i in from..=to {
            let t = T0 + i * 2000;
            e.apply(ok(&a, t, &page(i as f64 * 2.0, 10.0, 0.1, false)));
            e.apply(ok(&b, t + 500, &page(i as f64 * 2.0, 30.0, 0.0, true)));
            f = Some(e.tick(t + 1000));
        }
        f.unwrap()
    };
    let f = feed(&mut e, 0, 40);
    let fleet_p99 = value(&f, "latency", p99);
    let fleet_points = f.panels.iter().find(|p| p.id == "latency").unwrap().series[0]
        .points
        .len();
    assert!((value(&f, "traffic", |_| true) - 40.0).abs() < 1e-9);
    assert_eq!(f.pinned, None);

    e.command(crate::frame::Command::Pin(Some(a.instance.clone())));
    let f = e.tick(T0 + 40 * 2000 + 1500);
    assert_eq!(f.pinned.as_deref(), Some("127.0.0.1:9001"));
    // Its own p99 (every request in the 0.05 bucket), not the fleet's.
    let pinned_p99 = value(&f, "latency", p99);
    assert!((pinned_p99 - 0.0495).abs() < 1e-9, "{pinned_p99}");
    assert!((fleet_p99 - pinned_p99).abs() > 0.1, "fleet {fleet_p99}");
    assert!((value(&f, "traffic", |_| true) - 10.0).abs() < 1e-9);
    assert!((value(&f, "errors", |_| true) - 0.1).abs() < 1e-9);
    let lat = f.panels.iter().find(|p| p.id == "latency").unwrap();
    assert!(lat
        .exprs
        .iter()
        .all(|x| x.contains(r#"instance="127.0.0.1:9001""#)));
    // The Instances panel stays the fleet's: both targets up.
    assert!((value(&f, "instances", |_| true) - 2.0).abs() < 1e-9);
    let inst = f.panels.iter().find(|p| p.id == "instances").unwrap();
    assert!(inst.exprs.iter().all(|x| !x.contains("127.0.0.1:9001")));
    // The chart is full at once, backfilled over the store.
    let points = lat.series.iter().find(|s| p99(s)).unwrap().points.len();
    assert!(points + 3 >= fleet_points, "{points} of {fleet_points}");
    // The backfilled history agrees with the live evaluation.
    let hist = &lat.series.iter().find(|s| p99(s)).unwrap().points;
    let old = hist[hist.len() / 2].1;
    assert!((old - 0.0495).abs() < 1e-9, "{old}");

    // The other instance: all requests slow (0.05..0.5 bucket).
    e.command(crate::frame::Command::Pin(Some(b.instance.clone())));
    let f = feed(&mut e, 41, 42);
    let slow = value(&f, "latency", p99);
    assert!((slow - 0.4955).abs() < 1e-9, "{slow}");
    assert!((value(&f, "errors", |_| true)).abs() < 1e-12);

    // Esc: the fleet again, with its history unbroken.
    e.command(crate::frame::Command::Pin(None));
    let f = feed(&mut e, 43, 43);
    assert_eq!(f.pinned, None);
    assert!((value(&f, "traffic", |_| true) - 40.0).abs() < 1e-9);
    let lat = f.panels.iter().find(|p| p.id == "latency").unwrap();
    assert!(lat.series.iter().find(|s| p99(s)).unwrap().points.len() >= fleet_points);
}

/// A full retention of history (15 minutes at 2 s): pinning fills the
/// whole chart at once, every point the instance's own value.
#[test]
#[allow(clippy::print_stdout)] // the figure is printed for the record
fn pinning_backfills_the_whole_retention() {
    let (a, b) = (target(9001), target(9002));
    let mut e = Engine::new(EngineOptions::default());
    e.set_targets(&[a.clone(), b.clone()], T0);
    let n = 450;
    let mut fleet = None;
    for i in 0..=n {
        let t = T0 + i * 2000;
        e.apply(ok(&a, t, &page(i as f64 * 2.0, 10.0, 0.1, false)));
        e.apply(ok(&b, t + 500, &page(i as f64 * 2.0, 30.0, 0.0, true)));
        fleet = Some(e.tick(t + 1000));
    }
    let fleet = fleet.unwrap();
    let fleet_points = fleet
        .panels
        .iter()
        .find(|p| p.id == "traffic")
        .unwrap()
        .series[0]
        .points
        .len();
    let started = std::time::Instant::now();
    e.command(crate::frame::Command::Pin(Some(b.instance.clone())));
    let f = e.tick(T0 + n * 2000 + 1500);
    println!(
        "pinning over {fleet_points} points per series took {:?} (debug build)",
        started.elapsed()
    );
    let traffic = &f.panels.iter().find(|p| p.id == "traffic").unwrap().series[0];
    assert!(
        traffic.points.len() + 2 >= fleet_points,
        "{} of {fleet_points}",
        traffic.points.len()
    );
    // Once the rate window is full, every point is the instance's 30 req/s.
    let warm = traffic.points.iter().skip(10);
    assert!(warm.clone().all(|(_, v)| (v - 30.0).abs() < 1e-9));
    let times: Vec<i64> = traffic.points.iter().map(|p| p.0).collect();
    assert!(
        times.windows(2).all(|w| w[0] < w[1]),
        "oldest first, no repeats"
    );
}

#[test]
fn narrowing_to_instances_escapes_their_names() {
    let names = vec!["10.0.0.1:9100".to_string(), "[::1]:80".to_string()];
    let got = narrow_to_instances("topk(200, sum by (instance) (rate(x[1m])))", &names).unwrap();
    assert_eq!(
        got,
        r#"topk(200, sum by (instance) (rate(x{instance=~"10\\.0\\.0\\.1:9100|\\[::1\\]:80"}[1m])))"#
    );
    // What the server reads back selects exactly those names.
    let got = narrow_to_instances("rate(x[1m])", &names).unwrap();
    let Expr::Call(c) = promql::parse(&got).unwrap() else {
        panic!("{got}")
    };
    let Expr::MatrixSelector(ms) = c.args.args[0].as_ref().clone() else {
        panic!("{got}")
    };
    let m = ms
        .vs
        .matchers
        .matchers
        .iter()
        .find(|m| m.name == "instance")
        .unwrap();
    assert!(m.is_match("10.0.0.1:9100") && m.is_match("[::1]:80"));
    assert!(!m.is_match("10a0.0.1:9100") && !m.is_match("10.0.0.1:91000"));
    assert_eq!(narrow_to_instances("x", &[]), None);
    assert_eq!(narrow_to_instances("x +", &names), None);
}

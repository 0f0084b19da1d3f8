use super::*;
use crate::record::export_fmt::{put_seconds, put_value};
use crate::record::{ConfigRecord, Entry, Recorder, DEFAULT_MAX_BYTES};
use crate::scrape::expo::MetricType;
use crate::scrape::{Body, FamilyMeta, Page, ScrapeError};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

fn target(port: u16) -> Arc<Target> {
    Arc::new(Target {
        url: format!("http://127.0.0.1:{port}/metrics"),
        job: "node".into(),
        instance: format!("127.0.0.1:{port}"),
        ..Default::default()
    })
}

fn scrape(t: &Arc<Target>, time_ms: i64, body: &str) -> ScrapeResult {
    ScrapeResult {
        target: t.clone(),
        time_ms,
        duration: Duration::from_millis(250),
        outcome: Ok(Page {
            body: Some(Body {
                bytes: body.as_bytes().to_vec(),
                content_type: None,
            }),
            ..Default::default()
        }),
    }
}

fn failed(t: &Arc<Target>, time_ms: i64) -> ScrapeResult {
    ScrapeResult {
        outcome: Err(ScrapeError::Other("connection refused".into())),
        ..scrape(t, time_ms, "")
    }
}

fn write(dir: &std::path::Path, scrapes: Vec<ScrapeResult>) -> Recording {
    let mut r = Recorder::open(dir, DEFAULT_MAX_BYTES).unwrap();
    r.write(Entry::Config(ConfigRecord::default())).unwrap();
    for s in scrapes {
        let t = s.time_ms;
        r.write(Entry::Scrape(s)).unwrap();
        r.write(Entry::Tick(t)).unwrap();
    }
    drop(r);
    Recording::open(dir).unwrap()
}

fn run(rec: &Recording, opts: &Options) -> (String, Summary) {
    let mut out = Vec::new();
    let mut notices = Vec::new();
    let s = export(rec, opts, &mut out, &mut notices).unwrap();
    assert!(notices.is_empty(), "{notices:?}");
    (String::from_utf8(out).unwrap(), s)
}

/// Sample lines as (series, time ms, value text), in output order.
fn samples(om: &str) -> Vec<(String, i64, String)> {
    om.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let (rest, ts) = l.rsplit_once(' ').unwrap();
            let (series, v) = rest.rsplit_once(' ').unwrap();
            let ms = (ts.parse::<f64>().unwrap() * 1000.0).round() as i64;
            (series.to_string(), ms, v.to_string())
        })
        .collect()
}

const PAGE: &str = "# HELP http_requests_total Requests \"served\".\n# TYPE http_requests_total counter\n\
http_requests_total{code=\"200\",path=\"/a\\\\b\"} 10\nhttp_requests_total{code=\"500\",path=\"x\\ny\"} 1.5\n\
# TYPE temp_celsius gauge\ntemp_celsius NaN\n\
# TYPE lat_seconds histogram\nlat_seconds_bucket{le=\"0.1\"} 3\nlat_seconds_bucket{le=\"+Inf\"} 4\n\
lat_seconds_sum 0.25\nlat_seconds_count 4\nplain -Inf 1234\nplain{job=\"app\"} 1e300\n";

#[test]
fn openmetrics_as_promtool_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let a = target(9100);
    let rec = write(
        dir.path(),
        vec![
            scrape(&a, 1_700_000_000_000, PAGE),
            failed(&a, 1_700_000_001_500),
        ],
    );
    let (om, s) = run(&rec, &Options::new(Format::OpenMetrics));
    let want = r#"# TYPE http_requests counter
# HELP http_requests Requests \"served\".
http_requests_total{code="200",instance="127.0.0.1:9100",job="node",path="/a\\b"} 10 1700000000
http_requests_total{code="500",instance="127.0.0.1:9100",job="node",path="x\ny"} 1.5 1700000000
# TYPE lat_seconds histogram
lat_seconds_bucket{instance="127.0.0.1:9100",job="node",le="+Inf"} 4 1700000000
lat_seconds_bucket{instance="127.0.0.1:9100",job="node",le="0.1"} 3 1700000000
lat_seconds_count{instance="127.0.0.1:9100",job="node"} 4 1700000000
lat_seconds_sum{instance="127.0.0.1:9100",job="node"} 0.25 1700000000
# TYPE plain unknown
plain{exported_job="app",instance="127.0.0.1:9100",job="node"} 1e300 1700000000
plain{instance="127.0.0.1:9100",job="node"} -Inf 1700000000
# TYPE scrape_duration_seconds gauge
scrape_duration_seconds{instance="127.0.0.1:9100",job="node"} 0.25 1700000000
scrape_duration_seconds{instance="127.0.0.1:9100",job="node"} 0.25 1700000001.500
# TYPE scrape_samples_scraped gauge
scrape_samples_scraped{instance="127.0.0.1:9100",job="node"} 9 1700000000
scrape_samples_scraped{instance="127.0.0.1:9100",job="node"} 0 1700000001.500
# TYPE temp_celsius gauge
temp_celsius{instance="127.0.0.1:9100",job="node"} NaN 1700000000
# TYPE up gauge
up{instance="127.0.0.1:9100",job="node"} 1 1700000000
up{instance="127.0.0.1:9100",job="node"} 0 1700000001.500
# EOF
"#;
    assert_eq!(om, want);
    assert_eq!((s.samples, s.scrapes), (15, 2));
}

#[test]
fn json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let a = target(9100);
    let rec = write(
        dir.path(),
        vec![scrape(&a, 1_000, PAGE), scrape(&a, 2_000, PAGE)],
    );
    let (json, _) = run(&rec, &Options::new(Format::Json));
    let lines: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 12);
    let find = |name: &str| {
        lines
            .iter()
            .find(|l| l["labels"]["__name__"] == name)
            .unwrap()
    };
    let up = find("up");
    assert_eq!(up["type"], "gauge");
    assert_eq!(up["labels"]["instance"], "127.0.0.1:9100");
    assert_eq!(up["samples"], serde_json::json!([[1000, 1], [2000, 1]]));
    assert_eq!(find("temp_celsius")["samples"][0][1], "NaN");
    assert_eq!(find("http_requests_total")["type"], "counter");
    let plain: Vec<_> = lines
        .iter()
        .filter(|l| l["labels"]["__name__"] == "plain")
        .map(|l| l["samples"][1][1].clone())
        .collect();
    assert_eq!(
        plain,
        vec![serde_json::json!(1e300), serde_json::json!("-Inf")]
    );
}

/// Every (series, time, value) of an export, checking each series'
/// samples are in time order across the output.
fn points(om: &str) -> BTreeMap<(String, i64), String> {
    let mut last: BTreeMap<String, i64> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for (series, t, v) in samples(om) {
        let prev = last.insert(series.clone(), t);
        assert!(prev.is_none_or(|p| p < t), "{series} at {t} after {prev:?}");
        assert!(out.insert((series, t), v).is_none());
    }
    out
}

#[test]
fn windows_repeat_families_in_time_order_and_churn_is_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (target(9100), target(9200));
    let mut scrapes = Vec::new();
    for i in 0..40i64 {
        let t = 1_700_000_000_000 + i * 1000;
        // A new series every scrape (churn), one steady.
        let page = format!("# TYPE c_total counter\nc_total {i}\nchurn{{i=\"{i}\"}} {i}\n");
        scrapes.push(scrape(&a, t, &page));
        if i % 7 == 3 {
            scrapes.push(failed(&b, t + 1));
        } else {
            scrapes.push(scrape(&b, t + 1, &page));
        }
    }
    let rec = write(dir.path(), scrapes);
    let (whole, s) = run(&rec, &Options::new(Format::OpenMetrics));
    assert_eq!(whole.matches("# TYPE c counter").count(), 1);
    let small = Options {
        window: 7,
        ..Options::new(Format::OpenMetrics)
    };
    let (windowed, s2) = run(&rec, &small);
    assert!(windowed.matches("# TYPE c counter").count() > 5);
    assert!(windowed.ends_with("\n# EOF\n"));
    assert_eq!(points(&whole), points(&windowed));
    assert_eq!(s, s2);
    assert_eq!(s.samples, 40 * 5 + 34 * 5 + 6 * 3);
}

#[test]
fn the_store_rules_a_page_that_breaks_a_limit_or_repeats_a_series() {
    let dir = tempfile::tempdir().unwrap();
    let strict = Arc::new(Target {
        limits: crate::scrape::ScrapeLimits {
            sample_limit: 2,
            ..Default::default()
        },
        ..Target::clone(&target(9300))
    });
    let rec = write(
        dir.path(),
        vec![
            scrape(&strict, 1_000, "a 1\nb 2\n"),
            scrape(&strict, 2_000, "a 1\nb 2\nc 3\n"),
            // A repeated series keeps its first value; a page's own
            // timestamp is not used.
            scrape(&strict, 3_000, "a 5 99000\na 6\n"),
        ],
    );
    let (om, _) = run(&rec, &Options::new(Format::OpenMetrics));
    let p = points(&om);
    let v = |s: &str, t: i64| p.get(&(s.to_string(), t)).cloned();
    let l = "{instance=\"127.0.0.1:9300\",job=\"node\"}";
    assert_eq!(v(&format!("up{l}"), 2_000).as_deref(), Some("0"));
    assert_eq!(
        v(&format!("scrape_samples_scraped{l}"), 2_000).as_deref(),
        Some("0")
    );
    assert_eq!(v(&format!("c{l}"), 2_000), None);
    assert_eq!(v(&format!("a{l}"), 3_000).as_deref(), Some("5"));
    assert_eq!(
        v(&format!("scrape_samples_scraped{l}"), 3_000).as_deref(),
        Some("2")
    );
    assert!(!om.contains(" 99\n"));
}

#[test]
fn start_and_end_keep_what_is_between() {
    let dir = tempfile::tempdir().unwrap();
    let a = target(9100);
    let scrapes = (0..20).map(|i| scrape(&a, i * 60_000, "g 1\n")).collect();
    let rec = write(dir.path(), scrapes);
    assert_eq!(end_ms(&rec), Ok(19 * 60_000));
    let opts = Options {
        start_ms: Some(5 * 60_000),
        end_ms: Some(12 * 60_000 - 1),
        ..Options::new(Format::OpenMetrics)
    };
    let (om, s) = run(&rec, &opts);
    let times: Vec<i64> = samples(&om)
        .into_iter()
        .filter(|(n, _, _)| n.starts_with("g{"))
        .map(|(_, t, _)| t)
        .collect();
    assert_eq!(times, (5..12).map(|i| i * 60_000).collect::<Vec<_>>());
    assert_eq!(s.scrapes, 7);
}

#[test]
fn a_name_openmetrics_cannot_carry_is_left_out_with_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let a = target(9100);
    let rec = write(
        dir.path(),
        vec![scrape(&a, 1_000, "{\"my.metric\"} 1\nok 2\n")],
    );
    let mut out = Vec::new();
    let mut notices = Vec::new();
    export(
        &rec,
        &Options::new(Format::OpenMetrics),
        &mut out,
        &mut notices,
    )
    .unwrap();
    let om = String::from_utf8(out).unwrap();
    if om.contains("scrape_samples_scraped{instance=\"127.0.0.1:9100\",job=\"node\"} 2 ") {
        // The parser took the quoted name: it is left out.
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(
            notices[0].contains("not a valid OpenMetrics"),
            "{notices:?}"
        );
    }
    assert!(!om.contains("my.metric"));
    assert!(om.contains("\nok{"));
}

#[test]
fn families_values_and_times() {
    let meta = |name: &str, kind| FamilyMeta {
        name: name.into(),
        kind,
        help: None,
        unit: Some("seconds".into()),
    };
    let metas = [
        meta("a_total", MetricType::Counter),
        meta("b", MetricType::Counter),
        meta("c", MetricType::Counter),
        meta("h_seconds", MetricType::Histogram),
        meta("i", MetricType::Info),
        meta("u", MetricType::Untyped),
    ];
    let find = |n: &str| metas.iter().find(|m| m.name == n);
    let fam = |n: &str| {
        let f = family_of(n, find);
        (f.name, f.kind, f.unit)
    };
    assert_eq!(fam("a_total"), ("a".into(), "counter", None));
    assert_eq!(fam("b_total"), ("b".into(), "counter", None));
    assert_eq!(fam("c"), ("c".into(), "unknown", None));
    let secs = Some("seconds".to_string());
    assert_eq!(
        fam("h_seconds_bucket"),
        ("h_seconds".into(), "histogram", secs)
    );
    assert_eq!(fam("i_info"), ("i".into(), "info", None));
    assert_eq!(fam("u"), ("u".into(), "unknown", None));
    assert_eq!(
        fam("nothing_total"),
        ("nothing_total".into(), "unknown", None)
    );
    let v = |x: f64, json| {
        let mut b = Vec::new();
        put_value(&mut b, x, json);
        String::from_utf8(b).unwrap()
    };
    assert_eq!(v(3.0, false), "3");
    assert_eq!(v(-0.0, false), "-0");
    assert_eq!(v(0.1, false), "0.1");
    assert_eq!(v(1.5e-7, false), "1.5e-7");
    assert_eq!(v(2e15, false), "2000000000000000");
    assert_eq!(v(1e19, false), "1e19");
    assert_eq!(v(f64::NAN, true), "\"NaN\"");
    assert_eq!(v(f64::INFINITY, false), "+Inf");
    for x in [
        0.1,
        1.0 / 3.0,
        123456.789e-200,
        f64::MAX,
        9007199254740993.0,
    ] {
        assert_eq!(v(x, false).parse::<f64>().unwrap().to_bits(), x.to_bits());
    }
    let t = |ms: i64| {
        let mut b = Vec::new();
        put_seconds(&mut b, ms);
        String::from_utf8(b).unwrap()
    };
    assert_eq!(t(1_700_000_000_000), "1700000000");
    assert_eq!(t(1_700_000_000_007), "1700000000.007");
    assert_eq!(t(1_700_000_000_120), "1700000000.120");
    assert_eq!(t(-1_500), "-1.500");
}

#[test]
fn a_page_whose_series_change_order_or_vanish_keeps_each_value_on_its_series() {
    let dir = tempfile::tempdir().unwrap();
    let a = target(9100);
    let pages = [
        "a 1\nb 2\nc 3\n",
        "a 4\nb 5\nc 6\n",
        "b 7\nc 8\n",
        "c 9\na 10\nb 11\n",
        "c 12\na 13\nb 14\nd 15\n",
        "c 16\na 17\nb 18\nd 19\n",
    ];
    let scrapes = pages
        .iter()
        .enumerate()
        .map(|(i, p)| scrape(&a, 1_000 * (i as i64 + 1), p))
        .collect();
    let rec = write(dir.path(), scrapes);
    let (om, _) = run(&rec, &Options::new(Format::OpenMetrics));
    let l = "{instance=\"127.0.0.1:9100\",job=\"node\"}";
    let got = |name: &str| -> Vec<(i64, String)> {
        samples(&om)
            .into_iter()
            .filter(|(s, _, _)| *s == format!("{name}{l}"))
            .map(|(_, t, v)| (t / 1000, v))
            .collect()
    };
    let want = |pairs: &[(i64, &str)]| -> Vec<(i64, String)> {
        pairs.iter().map(|(t, v)| (*t, v.to_string())).collect()
    };
    assert_eq!(
        got("a"),
        want(&[(1, "1"), (2, "4"), (4, "10"), (5, "13"), (6, "17")])
    );
    assert_eq!(
        got("b"),
        want(&[
            (1, "2"),
            (2, "5"),
            (3, "7"),
            (4, "11"),
            (5, "14"),
            (6, "18")
        ])
    );
    assert_eq!(
        got("c"),
        want(&[(1, "3"), (2, "6"), (3, "8"), (4, "9"), (5, "12"), (6, "16")])
    );
    assert_eq!(got("d"), want(&[(5, "15"), (6, "19")]));
}

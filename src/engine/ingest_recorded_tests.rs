//! Recorded scrapes through `apply_recorded` against `apply`.

use super::super::EngineOptions;
use super::*;
use crate::record::{ConfigRecord, Entry, Event, Recorder, Recording, DEFAULT_MAX_BYTES};
use crate::scrape::{Body, Page, ScrapeLimits, ScrapeResult};
use crate::vocab::labels::Labels;
use std::sync::Arc;
use std::time::Duration;

fn target(port: u16, sample_limit: u64) -> Target {
    Target {
        url: format!("http://127.0.0.1:{port}/metrics"),
        job: "node".into(),
        instance: format!("127.0.0.1:{port}"),
        labels: Labels::from_pairs([("zone", "a")]),
        limits: ScrapeLimits {
            sample_limit,
            label_value_length_limit: 40,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Scrape `i` of a target: steady series, a histogram, series that come
/// and go, a label clashing with a target label, an invalid line now and
/// then, too many samples or too long a label value once in a while.
fn page(port: u16, i: i64) -> String {
    let mut p = format!(
        "# TYPE req_total counter\nreq_total{{code=\"200\",job=\"x\"}} {}\n\
         req_total{{code=\"500\"}} {}\n# TYPE lat histogram\nlat_bucket{{le=\"1\"}} {i}\n\
         lat_bucket{{le=\"+Inf\"}} {}\nlat_sum {}\nlat_count {}\n# TYPE g gauge\ng {}\n",
        100 + i * 7,
        i / 3,
        i * 2,
        0.5 * i as f64,
        i * 2,
        (i as f64 * 0.37).sin()
    );
    // Churn: a few series live for a few scrapes each.
    for k in (i / 4)..(i / 4 + 3) {
        p.push_str(&format!("churn_{}{{k=\"{k}\",p=\"{port}\"}} {i}\n", k % 5));
    }
    // Now and then a new name: refused once the budget is spent, still
    // in the catalog.
    if i % 50 == 48 {
        p.push_str(&format!("late_{i}{{l{i}=\"1\"}} 1\n"));
    }
    if i % 7 == 3 {
        p.push_str("this is not a line\n");
    }
    if i % 29 == 11 {
        p.push_str(&format!("long{{v=\"{}\"}} 1\n", "x".repeat(60)));
    }
    if port == 9100 && i % 23 == 5 {
        for k in 0..30 {
            p.push_str(&format!("many{{k=\"{k}\"}} {k}\n"));
        }
    }
    p
}

fn scrape(t: &Target, time_ms: i64, i: i64) -> ScrapeResult {
    let outcome = if i % 17 == 9 {
        Err(crate::scrape::ScrapeError::Other(
            "connection refused".into(),
        ))
    } else {
        let port: u16 = t.url[17..21].parse().unwrap();
        Ok(Page {
            body: Some(Body {
                bytes: page(port, i).into_bytes(),
                content_type: None,
            }),
            ..Default::default()
        })
    };
    ScrapeResult {
        target: Arc::new(t.clone()),
        time_ms,
        duration: Duration::from_micros(1234 + i as u64),
        outcome,
    }
}

/// 200 scrapes of two targets, 2 s apart (two segments); target A's
/// sample limit changes half way.
fn record(dir: &std::path::Path) {
    let mut r = Recorder::open(dir, DEFAULT_MAX_BYTES).unwrap();
    r.write(Entry::Config(ConfigRecord {
        source: "scrape".into(),
        interval_ms: 2000,
        ..Default::default()
    }))
    .unwrap();
    let mut targets = vec![target(9100, 40), target(9200, 0)];
    for i in 0..200 {
        let t = 1_000_000 + i * 2_000;
        if i == 0 || i == 100 {
            if i == 100 {
                targets[0].limits.sample_limit = 35;
            }
            r.write(Entry::Targets {
                time_ms: t,
                targets: targets.clone(),
            })
            .unwrap();
        }
        for tg in &targets {
            r.write(Entry::Scrape(scrape(tg, t + 3, i))).unwrap();
        }
        r.write(Entry::Tick(t + 500)).unwrap();
    }
}

/// Everything a frame and the store show, as text.
fn state(e: &mut Engine, f: &crate::frame::Frame) -> String {
    let st = e.store();
    let mut series: Vec<String> = st
        .select(&[])
        .into_iter()
        .filter_map(|id| st.get(id))
        .map(|s| {
            let points: Vec<(i64, u64)> = s
                .range(i64::MIN, i64::MAX)
                .map(|(t, v)| (t, v.to_bits()))
                .collect();
            format!("{} {points:?}", s.labels())
        })
        .collect();
    series.sort();
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{}\n{}",
        f.targets,
        f.panels,
        f.alerts,
        f.instances,
        f.catalog,
        e.catalog,
        e.started_ms,
        st.series_count(),
        series.join("\n")
    )
}

#[test]
fn a_recorded_scrape_lands_as_apply_puts_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("rec");
    record(&p);
    let rec = Recording::open(&p).unwrap();
    assert_eq!(rec.segments.len(), 2);
    let opts = EngineOptions {
        max_series: 60,
        ..Default::default()
    };
    let mut a = Engine::new(opts.clone());
    let mut b = Engine::new(opts);
    let (mut ticks, mut seen) = (0, std::collections::BTreeSet::new());
    for (ea, eb) in rec.events().zip(rec.events().lean()) {
        match (ea, eb) {
            (Event::Targets { time_ms, targets }, Event::Targets { .. }) => {
                a.set_targets(&targets, time_ms);
                b.set_targets(&targets, time_ms);
            }
            (Event::Scrape(ra), Event::LeanScrape(rb)) => {
                a.apply(ra);
                b.apply_recorded(rb);
            }
            (Event::Tick(t), Event::Tick(_)) => {
                let (fa, fb) = (a.tick(t), b.tick(t));
                for s in &fa.targets {
                    let error = s.error.as_deref().unwrap_or_default();
                    seen.insert(error.split(':').next().unwrap_or_default().to_string());
                    seen.insert(format!("invalid {}", s.invalid_lines > 0));
                }
                assert_eq!(state(&mut a, &fa), state(&mut b, &fb), "at {t}");
                ticks += 1;
            }
            (Event::Config(_), Event::Config(_)) => {}
            (x, y) => panic!("{x:?} against {y:?}"),
        }
    }
    assert_eq!(ticks, 200);
    // Every path was taken.
    for want in [
        "connection refused",
        "sample limit exceeded",
        "label value length limit exceeded",
        "series limit reached",
        "line ",
        "invalid true",
    ] {
        assert!(seen.iter().any(|s| s.starts_with(want)), "{want}: {seen:?}");
    }
}

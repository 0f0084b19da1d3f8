use super::*;
use crate::scrape::{Body, Page, ScrapeError};
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
        duration: Duration::from_micros(1234),
        outcome: Ok(Page {
            body: Some(Body {
                bytes: body.as_bytes().to_vec(),
                content_type: None,
            }),
            ..Default::default()
        }),
    }
}

fn page(i: i64) -> String {
    format!(
        "# TYPE x_total counter\nx_total{{code=\"200\"}} {}\nx_total{{code=\"500\"}} {}\n# TYPE g gauge\ng {}\n",
        100 + i * 7,
        i / 3,
        0.25 * i as f64
    )
}

fn pages(ev: &[Event]) -> Vec<(i64, Vec<(String, f64)>)> {
    ev.iter()
        .filter_map(|e| match e {
            Event::Scrape(r) => Some((
                r.time_ms,
                match &r.outcome {
                    Ok(p) => p
                        .samples
                        .iter()
                        .map(|s| (s.labels.to_string(), s.value))
                        .collect(),
                    Err(e) => vec![(e.to_string(), f64::NAN)],
                },
            )),
            _ => None,
        })
        .collect()
}

fn record(dir: &std::path::Path, n: i64) -> Recorder {
    let mut r = Recorder::open(dir, DEFAULT_MAX_BYTES).unwrap();
    let a = target(9100);
    r.write(Entry::Config(ConfigRecord {
        source: "scrape".into(),
        interval_ms: 2000,
        ..Default::default()
    }))
    .unwrap();
    r.write(Entry::Targets {
        time_ms: 1_000,
        targets: vec![Target::clone(&a)],
    })
    .unwrap();
    for i in 0..n {
        let t = 1_000 + i * 2_000;
        r.write(Entry::Scrape(scrape(&a, t, &page(i)))).unwrap();
        r.write(Entry::Tick(t + 5)).unwrap();
    }
    r
}

#[test]
fn scrapes_read_back_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("rec");
    let mut r = record(&p, 200);
    let a = target(9100);
    r.write(Entry::Scrape(ScrapeResult {
        outcome: Err(ScrapeError::Other("connection refused".into())),
        ..scrape(&a, 500_000, "")
    }))
    .unwrap();
    r.write(Entry::Note(Note {
        time_ms: 500_001,
        author: "ann@host".into(),
        text: "restarted db".into(),
    }))
    .unwrap();
    drop(r);
    let rec = Recording::open(&p).unwrap();
    // 400 s of data: two segments of five minutes.
    assert_eq!(rec.segments.len(), 2);
    let mut ev = rec.events();
    let all: Vec<Event> = ev.by_ref().collect();
    assert!(
        ev.error.is_none() && ev.notices.is_empty(),
        "{:?}",
        ev.error
    );
    let got = pages(&all);
    assert_eq!(got.len(), 201);
    for (i, (t, samples)) in got.iter().take(200).enumerate() {
        let i = i as i64;
        assert_eq!(*t, 1_000 + i * 2_000);
        let want = vec![
            (r#"x_total{code="200"}"#.to_string(), (100 + i * 7) as f64),
            (r#"x_total{code="500"}"#.to_string(), (i / 3) as f64),
            ("g{}".to_string(), 0.25 * i as f64),
        ];
        assert_eq!(samples, &want);
    }
    assert_eq!(got[200].1[0].0, "connection refused");
    assert!(matches!(all.last(), Some(Event::Note(n)) if n.text == "restarted db"));
    // The second segment starts with the configuration and the targets.
    let second: Vec<Event> = rec.events_from(1).take(2).collect();
    assert!(matches!(second[0], Event::Config(_)));
    assert!(matches!(&second[1], Event::Targets { targets, .. } if targets.len() == 1));
}

#[test]
fn a_torn_tail_is_skipped_with_a_notice_and_a_restart_appends_a_segment() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("rec");
    drop(record(&p, 10));
    let seg = p.join("00000001.vrec");
    let len = std::fs::metadata(&seg).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&seg).unwrap();
    f.set_len(len - 3).unwrap();
    drop(record(&p, 5));
    let rec = Recording::open(&p).unwrap();
    assert_eq!(rec.segments.len(), 2);
    let mut ev = rec.events();
    let n = pages(&ev.by_ref().collect::<Vec<_>>()).len();
    assert_eq!(n, 15);
    assert!(ev.error.is_none());
    assert_eq!(ev.notices.len(), 1);
    assert!(ev.notices[0].contains("torn record"), "{}", ev.notices[0]);
}

#[test]
fn bad_files_are_one_clear_error_each() {
    let dir = tempfile::tempdir().unwrap();
    let not = dir.path().join("not.vrec");
    std::fs::write(&not, "# HELP x\nx 1\n").unwrap();
    let e = Recording::open(&not).unwrap_err();
    assert!(e.ends_with("not a vitals recording"), "{e}");
    let short = dir.path().join("short.vrec");
    std::fs::write(&short, &wire::MAGIC[..]).unwrap();
    let e = Recording::open(&short).unwrap_err();
    assert!(e.ends_with("truncated header (8 of 20 bytes)"), "{e}");
    let newer = dir.path().join("newer.vrec");
    let mut h = wire::Header {
        major: MAJOR + 1,
        minor: 0,
        start_ms: 0,
    }
    .bytes()
    .to_vec();
    std::fs::write(&newer, &h).unwrap();
    let e = Recording::open(&newer).unwrap_err();
    assert!(e.contains("format 2.0 is newer"), "{e}");
    // A flipped byte in the middle is corruption, not a torn tail.
    let p = dir.path().join("rec");
    drop(record(&p, 10));
    let seg = p.join("00000001.vrec");
    let mut b = std::fs::read(&seg).unwrap();
    let mid = b.len() / 2;
    b[mid] ^= 0x55;
    std::fs::write(&seg, &b).unwrap();
    let rec = Recording::open(&p).unwrap();
    let mut ev = rec.events();
    ev.by_ref().for_each(drop);
    let e = ev.error.unwrap();
    assert!(e.contains("corrupt record at byte"), "{e}");
    h.clear();
}

#[test]
fn files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("rec");
    drop(record(&p, 2));
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&p), 0o700);
    assert_eq!(mode(&p.join("00000001.vrec")), 0o600);
}

#[test]
fn record_max_drops_the_oldest_segment() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("rec");
    let mut r = Recorder::open(&p, 1 << 20).unwrap();
    let a = target(9100);
    let big: String = (0..2000)
        .map(|i| format!("m{{i=\"{i}\"}} {}\n", i * 7))
        .collect();
    for i in 0..2000 {
        let t = i * 2_000;
        r.write(Entry::Scrape(scrape(&a, t, &big))).unwrap();
        r.write(Entry::Tick(t)).unwrap();
    }
    drop(r);
    let rec = Recording::open(&p).unwrap();
    let total: u64 = rec.segments.iter().map(|s| s.bytes).sum();
    assert!(total <= (1 << 20) + (1 << 17), "{total}");
    assert!(rec.start_ms() > 0);
    let mut ev = rec.events();
    assert!(ev.by_ref().count() > 0);
    assert!(ev.error.is_none(), "{:?}", ev.error);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Any bytes changed or cut anywhere in a recording: the reader ends
    /// cleanly, with a notice or with one error — never a panic.
    #[test]
    fn damaged_recordings_never_panic(at in 0usize..4000, byte in proptest::num::u8::ANY, cut in proptest::bool::ANY) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("rec");
        drop(record(&p, 12));
        let seg = p.join("00000001.vrec");
        let mut b = std::fs::read(&seg).unwrap();
        let at = at % b.len();
        if cut { b.truncate(at) } else { b[at] ^= byte | 1 }
        let mut ev = Events::from_bytes(b);
        ev.by_ref().for_each(drop);
        proptest::prop_assert!(ev.notices.len() <= 1);
    }
}

#[test]
fn lean_scrapes_hold_what_scrapes_hold() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("rec");
    drop(record(&p, 200));
    let rec = Recording::open(&p).unwrap();
    let mut keys = std::collections::HashMap::new();
    let mut n = 0;
    for (a, b) in rec.events().zip(rec.events().lean()) {
        assert_eq!(a.time_ms(), b.time_ms());
        let (Event::Scrape(a), Event::LeanScrape(b)) = (a, b) else {
            continue;
        };
        assert_eq!((a.time_ms, a.duration), (b.time_ms, b.duration));
        let (a, b) = (a.outcome.unwrap(), b.outcome.unwrap());
        assert_eq!(a.families, *b.families);
        assert_eq!(a.samples.len(), b.samples.len());
        for (s, (def, v)) in a.samples.iter().zip(&b.samples) {
            assert_eq!((&s.labels, s.value.to_bits()), (&def.labels, v.to_bits()));
            // One key per series, the same in every segment.
            let key = keys
                .entry(def.labels.to_string())
                .or_insert(def.key.clone());
            assert_eq!(*key, def.key);
            n += 1;
        }
    }
    assert_eq!((n, keys.len()), (600, 3));
    assert_eq!(
        keys.values()
            .collect::<std::collections::HashSet<_>>()
            .len(),
        3
    );
}

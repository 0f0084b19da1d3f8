//! The body route against the owned-page route.

use super::*;
use crate::engine::EngineOptions;
use crate::scrape::expo::parse_page;

fn target() -> Arc<Target> {
    Arc::new(Target {
        url: "http://127.0.0.1:9/metrics".into(),
        job: "node".into(),
        instance: "127.0.0.1:9".into(),
        labels: Labels::from_pairs([("zone", "a")]),
        ..Default::default()
    })
}

const PAGE_1: &str = "# HELP req_total Requests.\n# TYPE req_total counter\n\
    req_total{code=\"200\",job=\"x\"} 5\nreq_total{code=\"500\"} 1\n\
    # TYPE lat histogram\nlat_bucket{le=\"1\"} 2\nlat_bucket{le=\"+Inf\"} 3\n\
    lat_sum 1.5\nlat_count 3\nesc{v=\"a\\\"b\\\\c\\nd\",e=\"\"} 7\nbad line here\nup_ish 1\n";
const PAGE_2: &str = "# TYPE req_total counter\nreq_total{code=\"200\",job=\"x\"} 9\n\
    esc{v=\"a\\\"b\\\\c\\nd\",e=\"\"} 8\nnew_one{k=\"v\"} 2\n";
const EMPTY: &str = "garbage\n";

/// The same scrapes through the owned page, straight from the body,
/// and as the scrape tasks send them (the body in the result).
fn all_three(pages: &[(&str, i64)]) -> [Engine; 3] {
    let mut e = [(); 3].map(|()| Engine::new(EngineOptions::default()));
    let t = target();
    for (body, t_ms) in pages {
        let duration = Duration::from_millis(12);
        let page = parse_page(body.as_bytes(), None);
        let outcome = if page.samples.is_empty() {
            Err(ScrapeError::NoSamples(page.first_error))
        } else {
            Ok(page)
        };
        let result = |outcome| ScrapeResult {
            target: t.clone(),
            time_ms: *t_ms,
            duration,
            outcome,
        };
        e[0].apply(result(outcome));
        e[1].apply_body(&t, *t_ms, duration, body.as_bytes(), None);
        e[2].apply(result(Ok(Page {
            body: Some(crate::scrape::Body {
                bytes: body.as_bytes().to_vec(),
                content_type: None,
            }),
            ..Page::default()
        })));
    }
    e
}

/// The same scrapes through the owned page and straight from the body;
/// the body sent in a result lands exactly as `apply_body` puts it.
fn both(pages: &[(&str, i64)]) -> (Engine, Engine) {
    let [a, b, c] = all_three(pages);
    assert_eq!(contents(&b), contents(&c));
    assert_eq!(b.catalog, c.catalog);
    assert_eq!(b.catalog_changed, c.catalog_changed);
    let status = |e: &Engine| {
        e.backend
            .scraped()
            .unwrap()
            .values()
            .next()
            .map(|t| t.status.clone())
    };
    assert_eq!(status(&b), status(&c));
    (a, b)
}

fn contents(e: &Engine) -> Vec<(String, Vec<(i64, u64)>)> {
    let st = e.store();
    let mut out: Vec<(String, Vec<(i64, u64)>)> = st
        .select(&[])
        .into_iter()
        .filter_map(|id| st.get(id))
        .map(|s| {
            let points = s.range(i64::MIN, i64::MAX).map(|(t, v)| (t, v.to_bits()));
            (s.labels().to_string(), points.collect())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_body_path_stores_what_the_page_path_stores() {
    let (a, b) = both(&[
        (PAGE_1, 1000),
        (PAGE_2, 3000),
        (EMPTY, 5000),
        (PAGE_1, 7000),
    ]);
    assert_eq!(contents(&a), contents(&b));
    assert!(contents(&b).len() > 10);
    assert_eq!(a.catalog, b.catalog);
    let status = |e: &Engine| {
        e.backend
            .scraped()
            .unwrap()
            .values()
            .next()
            .map(|t| t.status.clone())
    };
    assert_eq!(status(&a), status(&b));
    let exported = contents(&b)
        .iter()
        .any(|(l, _)| l.contains("exported_job=\"x\"") && l.contains("job=\"node\""));
    assert!(exported, "an exposed job label is kept as exported_job");
}

#[test]
fn a_page_without_samples_takes_the_target_down() {
    let (a, b) = both(&[(PAGE_2, 1000), (EMPTY, 3000)]);
    assert_eq!(contents(&a), contents(&b));
    let t = b.backend.scraped().unwrap().values().next().unwrap();
    assert!(!t.status.up);
    assert!(t
        .status
        .error
        .as_deref()
        .unwrap_or("")
        .contains("no valid sample"));
}

#[test]
fn a_page_over_a_limit_is_refused_whole_on_both_paths() {
    let limited = |limits: crate::scrape::ScrapeLimits| {
        Arc::new(Target {
            limits,
            ..(*target()).clone()
        })
    };
    let samples = limited(crate::scrape::ScrapeLimits {
        sample_limit: 8,
        ..Default::default()
    });
    let labels = limited(crate::scrape::ScrapeLimits {
        label_limit: 6,
        ..Default::default()
    });
    for (t, want) in [
        (samples, "sample limit exceeded"),
        (labels, "label limit exceeded"),
    ] {
        let mut body_path = Engine::new(EngineOptions::default());
        let mut page_path = Engine::new(EngineOptions::default());
        let d = Duration::from_millis(3);
        body_path.apply_body(&t, 1000, d, PAGE_2.as_bytes(), None);
        page_path.apply(ScrapeResult {
            target: t.clone(),
            time_ms: 1000,
            duration: d,
            outcome: Ok(parse_page(PAGE_2.as_bytes(), None)),
        });
        let before = contents(&body_path);
        assert_eq!(before, contents(&page_path));
        let names = body_path.catalog.len();
        // 9 samples, the last with 7 labels with the target's.
        let page = format!("{PAGE_1}wide{{a=\"1\",b=\"2\",c=\"3\"}} 1\n");
        body_path.apply_body(&t, 3000, d, page.as_bytes(), None);
        page_path.apply(ScrapeResult {
            target: t.clone(),
            time_ms: 3000,
            duration: d,
            outcome: Ok(parse_page(page.as_bytes(), None)),
        });
        assert_eq!(contents(&body_path), contents(&page_path));
        assert_eq!(
            body_path.catalog.len(),
            names,
            "no name of the page is noted"
        );
        for e in [&body_path, &page_path] {
            let s = &e.backend.scraped().unwrap().values().next().unwrap().status;
            assert!(!s.up);
            assert!(s.error.as_deref().unwrap().starts_with(want), "{s:?}");
            let up = e.store().find(&target_labels(&t, "up")).unwrap();
            assert_eq!(up.at_or_before(3000), Some((3000, 0.0)));
            // Nothing of the page: no series it would have added.
            assert!(contents(e).iter().all(|(l, _)| !l.contains("lat_bucket")));
        }
    }
}

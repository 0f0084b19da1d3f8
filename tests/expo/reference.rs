//! Real pages compared series by series with a reference parser, Python
//! prometheus_client's text parser (`scripts/expo_reference.py`, which
//! installs it with pip when missing): the pages the project committed
//! (`tests/fixtures/exposition/real/`) and pages captured while the test
//! runs from Debian's node_exporter (its textfile collector serving
//! `tests/fixtures/exposition/textfile/labels.prom`) and from a Prometheus
//! that has scraped itself and that node_exporter a few times.

use crate::expo_util;

use expo_util::{live, names, own, reference};
use vitals::scrape::expo::parse_page;

#[test]
fn committed_pages_match_prometheus_client() {
    for file in names("real").iter().filter(|n| n.ends_with(".txt")) {
        let Some(n) = reference::agrees(&own("real").join(file), false) else {
            return;
        };
        assert!(n > 0, "{file}");
    }
}

#[test]
fn live_pages_match_prometheus_client() {
    let textfile = own("textfile").join("labels.prom");
    let Some(ne) = live::node_exporter(Some(&textfile)) else {
        return;
    };
    let (_, body) = ne.page(live::TEXT_ACCEPT);
    assert!(
        body.windows(26).any(|w| w == b"vitals_fixture_label_value"),
        "the textfile's series are on the page"
    );
    let Some(n) = reference::agrees(&ne.save("node_exporter.txt", &body), false) else {
        return;
    };
    assert!(n > 100, "{n} series on node_exporter's page");

    let Some(prom) = live::prometheus(&[ne.port]) else {
        return;
    };
    // Wait until both jobs have been scraped a few times, so that the
    // page holds the scrape loops' histograms and summaries.
    let body = prom.page_when("Prometheus to scrape its jobs three times", |body| {
        let page = parse_page(body, None);
        page.samples.iter().any(|s| {
            s.labels.name() == Some("prometheus_target_interval_length_seconds_count")
                && s.value >= 6.0
        })
    });
    let Some(n) = reference::agrees(&prom.save("prometheus.txt", &body), false) else {
        return;
    };
    assert!(n > 100, "{n} series on Prometheus's page");
}

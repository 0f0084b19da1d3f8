//! Live pages: Debian's prometheus-node-exporter and prometheus, started by
//! the test on loopback, fetched with the Accept headers for both formats
//! (the server picks; Debian's versions answer 0.0.4) and parsed with no
//! invalid line and one sample per sample line. A program that is not
//! installed skips the test outside CI and fails it in CI.

use crate::expo_util;

use expo_util::live::{self, OM_ACCEPT, TEXT_ACCEPT};
use vitals::scrape::expo::{format_from_content_type, parse_page, Format};

fn check_page(what: &str, ct: Option<&str>, body: &[u8]) -> usize {
    let page = parse_page(body, ct);
    assert_eq!(
        page.invalid_lines, 0,
        "{what} ({ct:?}): {:?}",
        page.first_error
    );
    let text = String::from_utf8_lossy(body);
    let om = format_from_content_type(ct) == Format::OpenMetrics;
    let created = |l: &&str| {
        let name = l.split(['{', ' ']).next().unwrap_or("");
        om && name.ends_with("_created")
    };
    let lines = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| !created(l))
        .count();
    assert_eq!(page.samples.len(), lines, "{what} ({ct:?})");
    page.samples.len()
}

#[test]
fn live_node_exporter_pages() {
    let Some(ne) = live::node_exporter(None) else {
        return;
    };
    for accept in [TEXT_ACCEPT, OM_ACCEPT] {
        let (ct, body) = ne.page(accept);
        let n = check_page("node_exporter", ct.as_deref(), &body);
        assert!(n > 100, "{n} samples");
        let page = parse_page(&body, ct.as_deref());
        assert!(page
            .samples
            .iter()
            .any(|s| s.labels.name() == Some("node_cpu_seconds_total")));
    }
}

#[test]
fn live_prometheus_pages() {
    let Some(prom) = live::prometheus(&[]) else {
        return;
    };
    for accept in [TEXT_ACCEPT, OM_ACCEPT] {
        let (ct, body) = prom.page(accept);
        let n = check_page("prometheus", ct.as_deref(), &body);
        assert!(n > 100, "{n} samples");
    }
}

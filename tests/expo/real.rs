//! Real pages: the ones the project captured from Debian's node_exporter
//! and Prometheus (`tests/fixtures/exposition/real/`, made by
//! `scripts/capture-pages`) — bytes and series as their README says, one
//! sample per sample line in page order, metadata — and label values that
//! other parsers get wrong, on the committed page and on a node_exporter
//! started here whose textfile collector serves
//! `tests/fixtures/exposition/textfile/labels.prom`.

use crate::expo_util;

use expo_util::{live, names, own, TEXT};
use vitals::scrape::expo::{parse_page, MetricType};
use vitals::scrape::Page;

const NODE: &str = "node_exporter-1.5.0-many-collectors.txt";
const PROM: &str = "prometheus-2.42.0-self.txt";
const FEDERATE: &str = "prometheus-2.42.0-federate.txt";

fn load(file: &str) -> (Vec<u8>, Page) {
    let path = own("real").join(file);
    let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let page = parse_page(&body, TEXT);
    (body, page)
}

/// The README's table: (file, bytes, series).
fn readme_rows() -> Vec<(String, u64, usize)> {
    let readme = std::fs::read_to_string(own("real").join("README.md")).expect("README.md");
    readme
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cols: Vec<&str> = l.split('|').map(str::trim).collect();
            let number = |s: &str| s.replace(',', "").parse::<u64>().expect(l);
            (
                cols[1].trim_matches('`').to_string(),
                number(cols[3]),
                number(cols[4]) as usize,
            )
        })
        .collect()
}

#[test]
fn every_committed_page_parses_completely_as_its_readme_says() {
    let rows = readme_rows();
    let pages: Vec<String> = names("real")
        .into_iter()
        .filter(|n| n != "README.md")
        .collect();
    assert!(pages.len() >= 3, "{pages:?}");
    for file in &pages {
        let (_, bytes, series) = rows
            .iter()
            .find(|r| &r.0 == file)
            .unwrap_or_else(|| panic!("README.md has no row for {file}"));
        let (body, page) = load(file);
        assert_eq!(page.invalid_lines, 0, "{file}: {:?}", page.first_error);
        assert_eq!(
            (page.bytes, page.samples.len()),
            (*bytes, *series),
            "{file}"
        );
        expo_util::assert_sample_per_line(file, &body, &page, false);
    }
    assert_eq!(rows.len(), pages.len(), "README.md rows for missing pages");
}

#[test]
fn metadata_on_the_committed_pages() {
    let (_, page) = load(NODE);
    let cpu = page.family_of("node_cpu_seconds_total").expect("cpu");
    assert_eq!(cpu.kind, MetricType::Counter);
    assert_eq!(
        cpu.help.as_deref(),
        Some("Seconds the CPUs spent in each mode.")
    );
    let gc = page.family_of("go_gc_duration_seconds").expect("gc");
    assert_eq!(gc.kind, MetricType::Summary);
    assert!(page.families.len() > 300, "{}", page.families.len());

    let (_, page) = load(PROM);
    let count = |k: MetricType| page.families.iter().filter(|f| f.kind == k).count();
    let kinds = [
        MetricType::Counter,
        MetricType::Gauge,
        MetricType::Histogram,
        MetricType::Summary,
    ];
    for k in kinds {
        assert!(count(k) > 0, "no {k:?} family on {PROM}");
    }
    let rules = page
        .samples
        .iter()
        .filter(|s| s.labels.name() == Some("prometheus_rule_group_rules"))
        .count();
    assert_eq!(rules, 1);

    // Federation: colon names, every sample stamped, empty `instance` of
    // the recording rule's series dropped as an empty label value.
    let (_, page) = load(FEDERATE);
    assert!(page.samples.iter().all(|s| s.timestamp_ms.is_some()));
    let sums: Vec<_> = page
        .samples
        .iter()
        .filter(|s| s.labels.name() == Some("job:up:sum"))
        .collect();
    assert_eq!(sums.len(), 3);
    assert!(sums.iter().all(|s| s.labels.get("instance").is_none()));
    let alert = page
        .samples
        .iter()
        .find(|s| s.labels.name() == Some("ALERTS"))
        .expect("ALERTS");
    assert_eq!(alert.labels.get("alertstate"), Some("firing"));
}

/// What `labels.prom` puts in `vitals_fixture_label_value{case=…}`.
const VALUES: &[(&str, &str)] = &[
    ("comma", "a,b, c"),
    ("brace", "}{ } {"),
    ("equals", "k=v,x==y"),
    ("quote", "say \"hi\""),
    ("backslash", "C:\\temp\\"),
    ("newline", "one\ntwo"),
    ("utf8", "Zürich, 東京 🚀"),
    ("all", "{a=\"1\", b=\\\n},"),
    ("blank", " "),
];

/// The textfile's series on a node_exporter page, read whole.
fn check_textfile_series(what: &str, page: &Page) {
    assert_eq!(page.invalid_lines, 0, "{what}: {:?}", page.first_error);
    let values: Vec<_> = page
        .samples
        .iter()
        .filter(|s| s.labels.name() == Some("vitals_fixture_label_value"))
        .collect();
    assert_eq!(values.len(), VALUES.len(), "{what}");
    for (i, (case, want)) in VALUES.iter().enumerate() {
        let s = values
            .iter()
            .find(|s| s.labels.get("case") == Some(case))
            .unwrap_or_else(|| panic!("{what}: no case {case}"));
        assert_eq!(s.labels.get("value"), Some(*want), "{what}: {case}");
        assert_eq!(s.value, (i + 1) as f64, "{what}: {case}");
    }
    let f = page
        .family_of("vitals_fixture_label_value")
        .expect("family");
    assert_eq!(
        (f.kind, f.help.as_deref()),
        (
            MetricType::Gauge,
            Some("One label value per series; HELP text with a backslash \\ and a newline \n escape.")
        )
    );
    let colon = page
        .family_of("vitals_fixture:colon_name:ratio")
        .expect("colon family");
    assert_eq!(colon.kind, MetricType::Gauge);
    let buckets: Vec<_> = page
        .samples
        .iter()
        .filter(|s| s.labels.name() == Some("vitals_fixture_request_seconds_bucket"))
        .collect();
    assert_eq!(buckets.len(), 3, "{what}");
    assert!(buckets
        .iter()
        .all(|s| s.labels.get("route") == Some("/a,/b")));
}

#[test]
fn label_values_other_parsers_get_wrong_on_the_committed_page() {
    let (_, page) = load(NODE);
    check_textfile_series(NODE, &page);
}

#[test]
fn label_values_other_parsers_get_wrong_on_a_live_node_exporter() {
    let textfile = own("textfile").join("labels.prom");
    let Some(ne) = live::node_exporter(Some(&textfile)) else {
        return;
    };
    let (ct, body) = ne.page(live::TEXT_ACCEPT);
    let page = parse_page(&body, ct.as_deref());
    check_textfile_series("live node_exporter", &page);
    assert!(page.samples.len() > 100, "{}", page.samples.len());
}

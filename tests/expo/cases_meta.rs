//! Metadata, exemplars and `_created` lines of the project's own
//! `tests/fixtures/exposition/cases/` (their samples and errors are checked
//! in cases.rs), and the two large cases, generated here rather than
//! kept as files: 200 labels on one sample and a 1 MiB label value.

use crate::expo_util;

use expo_util::{case, record, OM, TEXT};
use vitals::scrape::expo::{parse_page, MetricType};

/// The kind and help text of family `name` in case `file`.
fn family(file: &str, name: &str) -> (MetricType, Option<String>) {
    let (_, p) = case(file);
    let f = p
        .family_of(name)
        .unwrap_or_else(|| panic!("{file}: no family for {name}"));
    (f.kind, f.help.clone())
}

#[test]
fn kinds_and_help_texts() {
    use MetricType::*;
    let help = |s: &str| Some(s.to_string());
    let cases = [
        (
            "counter-help-type.prom",
            "jobs_done_total",
            (Counter, help("Jobs the worker finished.")),
        ),
        ("gauge-no-labels.prom", "disk_free_ratio", (Gauge, None)),
        (
            "help-after-type.prom",
            "logins_total",
            (Counter, help("Successful logins.")),
        ),
        (
            "help-escapes.prom",
            "motd",
            (Untyped, help("Welcome\nto C:\\data, \\\"as is\\\"")),
        ),
        ("help-empty.prom", "quiet_mode", (Untyped, help(""))),
        (
            "name-colons.prom",
            "instance:cpu_usage:ratio",
            (Gauge, None),
        ),
        (
            "name-quoted-utf8.prom",
            "http.server.duration",
            (Gauge, None),
        ),
        (
            "histogram-two-series.prom",
            "req_seconds_bucket",
            (Histogram, None),
        ),
        ("summary.prom", "gc_pause_seconds_count", (Summary, None)),
        (
            "histogram-bucket-without-le.prom",
            "wait_seconds_bucket",
            (Histogram, None),
        ),
        ("layout-crlf.prom", "hits", (Counter, None)),
        (
            "om-counter-created.om",
            "orders_total",
            (Counter, help("Orders placed.")),
        ),
        ("om-info.om", "app_info", (Info, None)),
        ("om-stateset.om", "door", (StateSet, None)),
        (
            "om-gaugehistogram.om",
            "queue_age_seconds_gsum",
            (GaugeHistogram, None),
        ),
        (
            "om-exemplar-bucket.om",
            "lat_seconds_bucket",
            (Histogram, None),
        ),
    ];
    for (file, name, want) in cases {
        assert_eq!(family(file, name), want, "{file}");
    }
}

#[test]
fn samples_without_a_valid_type_have_no_typed_family() {
    for file in [
        "untyped-no-type.prom",
        "plain-comments.prom",
        "histogram-no-type.prom",
    ] {
        let (_, p) = case(file);
        assert!(p.families.is_empty(), "{file}: {:?}", p.families);
    }
    for (file, name) in [
        ("type-after-samples.prom", "retries"),
        ("type-unknown-kind.prom", "load_level"),
    ] {
        let (_, p) = case(file);
        assert!(
            p.family_of(name)
                .is_none_or(|f| f.kind == MetricType::Untyped),
            "{file}"
        );
    }
}

#[test]
fn openmetrics_unit_created_and_exemplars() {
    let (_, p) = case("om-unit.om");
    let f = p.family_of("fetch_bytes").expect("family");
    assert_eq!(
        (f.kind, f.unit.as_deref()),
        (MetricType::Gauge, Some("bytes"))
    );

    let (body, _) = case("om-counter-created.om");
    let r = record(&body, true);
    assert_eq!(r.samples, ["orders_total{} 120"]);
    assert_eq!(r.created, [("orders_created".to_string(), 1700000000.25)]);

    let (_, p) = case("om-exemplar-bucket.om");
    let ex = p.samples[0].exemplar.as_ref().expect("exemplar");
    assert_eq!(ex.labels.get("trace_id"), Some("4bf92f35"));
    assert_eq!((ex.value, ex.timestamp_ms), (0.31, Some(1700000000125)));
    assert!(p.samples[1..].iter().all(|s| s.exemplar.is_none()));

    let (_, p) = case("om-exemplar-counter-timestamp.om");
    let ex = p.samples[0].exemplar.as_ref().expect("exemplar");
    assert_eq!(ex.labels.get("span_id"), Some("77"));
    assert_eq!((ex.value, ex.timestamp_ms), (2.0, None));
}

#[test]
fn exact_values() {
    let (_, p) = case("value-exponents.prom");
    assert!(p.samples[2].value == 0.0 && p.samples[2].value.is_sign_negative());
    assert_eq!(p.samples[3].value, 1.0000000000000002);
    let (_, p) = case("value-big-integer.prom");
    assert_eq!(p.samples[0].value, 2f64.powi(65));
    let (_, p) = case("label-nul-byte.prom");
    assert_eq!(p.samples[0].labels.get("data"), Some("ab\0cd"));
    let (_, p) = case("label-escaped-newline.prom");
    assert_eq!(p.samples[0].labels.get("text"), Some("first\nsecond"));
}

#[test]
fn two_hundred_labels_on_one_sample() {
    let labels: Vec<String> = (0..200).map(|i| format!("l{i:03}=\"v{i}\"")).collect();
    let body = format!("# TYPE wide gauge\nwide{{{}}} 3\n", labels.join(","));
    for ct in [TEXT, OM] {
        let body = if ct == OM {
            format!("{body}# EOF\n")
        } else {
            body.clone()
        };
        let p = parse_page(body.as_bytes(), ct);
        assert_eq!(p.invalid_lines, 0, "{:?}", p.first_error);
        let l = &p.samples[0].labels;
        assert_eq!(l.len(), 201, "200 labels and the name");
        assert_eq!((l.get("l000"), l.get("l199")), (Some("v0"), Some("v199")));
        assert_eq!(p.samples[0].value, 3.0);
    }
}

#[test]
fn a_one_mebibyte_label_value() {
    let big = "y".repeat(1 << 20);
    let body = format!("long_label{{big=\"{big}\",small=\"s\"}} 1\nafter 2\n");
    let p = parse_page(body.as_bytes(), TEXT);
    assert_eq!((p.samples.len(), p.invalid_lines), (2, 0));
    let l = &p.samples[0].labels;
    assert_eq!(l.get("big").map(str::len), Some(1 << 20));
    assert!(l.get("big").is_some_and(|v| v.bytes().all(|b| b == b'y')));
    assert_eq!(l.get("small"), Some("s"));
    assert_eq!(p.samples[1].value, 2.0);
    let r = record(body.as_bytes(), false);
    assert_eq!(r.samples.len(), 2);
}

//! Metadata, error messages, exemplars and the long cases of the shared
//! `cases/` fixtures (their samples are checked in expo_cases.rs).

mod expo_util;

use expo_util::{fixtures, record, OM, TEXT};
use vitals::scrape::expo::{parse_page, MetricType};
use vitals::scrape::Page;

fn load(file: &str, om: bool) -> Option<Page> {
    let dir = fixtures("cases")?;
    let body = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    Some(parse_page(&body, if om { OM } else { TEXT }))
}

#[test]
fn metadata_of_the_cases() {
    let Some(p) = load("01-basic_counter.prom", false) else {
        return;
    };
    let f = p.family_of("http_requests_total").expect("family");
    assert_eq!(
        (f.kind, f.help.as_deref()),
        (MetricType::Counter, Some("Total requests."))
    );
    let p = load("02-gauge_no_labels.prom", false).expect("fixtures");
    assert_eq!(p.family_of("temp").map(|f| f.kind), Some(MetricType::Gauge));
    let p = load("03-missing_type_untyped.prom", false).expect("fixtures");
    assert!(p.families.is_empty());
    let p = load("04-help_after_type.prom", false).expect("fixtures");
    let f = p.family_of("c").expect("family");
    assert_eq!(
        (f.kind, f.help.as_deref()),
        (MetricType::Counter, Some("Help after type."))
    );
    let p = load("05-type_after_samples.prom", false).expect("fixtures");
    assert_eq!(
        p.first_error.as_deref(),
        Some("line 2: TYPE for \"c\" after its samples")
    );
    let p = load("06-unknown_type_keyword.prom", false).expect("fixtures");
    assert_eq!(
        p.first_error.as_deref(),
        Some("line 1: unknown metric type \"foo\"")
    );
    assert!(p
        .family_of("a")
        .is_none_or(|f| f.kind == MetricType::Untyped));
    let p = load("07-help_escapes.prom", false).expect("fixtures");
    assert_eq!(
        p.families[0].help.as_deref(),
        Some("Line1\nLine2 back\\slash")
    );
    let p = load("08-help_empty_text.prom", false).expect("fixtures");
    assert_eq!(p.families[0].help.as_deref(), Some(""));
    let p = load("26-metric_name_colon.prom", false).expect("fixtures");
    assert_eq!(
        p.family_of("job:http_requests:rate5m").map(|f| f.kind),
        Some(MetricType::Gauge)
    );
    let p = load("41-histogram_grouping.prom", false).expect("fixtures");
    assert_eq!(
        p.family_of("h_bucket").map(|f| f.kind),
        Some(MetricType::Histogram)
    );
    let p = load("43-summary_grouping.prom", false).expect("fixtures");
    assert_eq!(
        p.family_of("rpc_count").map(|f| f.kind),
        Some(MetricType::Summary)
    );
    let p = load("49-om_counter_total_created.prom", true).expect("fixtures");
    assert_eq!(
        p.family_of("foo_total").map(|f| f.kind),
        Some(MetricType::Counter)
    );
    let p = load("50-om_info.prom", true).expect("fixtures");
    assert_eq!(
        p.family_of("build_info").map(|f| f.kind),
        Some(MetricType::Info)
    );
    let p = load("51-om_stateset.prom", true).expect("fixtures");
    assert_eq!(
        p.family_of("st").map(|f| f.kind),
        Some(MetricType::StateSet)
    );
    let p = load("52-om_gaugehistogram.prom", true).expect("fixtures");
    assert_eq!(
        p.family_of("gh_gsum").map(|f| f.kind),
        Some(MetricType::GaugeHistogram)
    );
    let p = load("53-om_unit.prom", true).expect("fixtures");
    let f = p.family_of("d_seconds").expect("family");
    assert_eq!(
        (f.kind, f.unit.as_deref()),
        (MetricType::Gauge, Some("seconds"))
    );
    let p = load("56-crlf_line_endings.prom", false).expect("fixtures");
    assert_eq!(p.family_of("a").map(|f| f.kind), Some(MetricType::Counter));
}

#[test]
fn errors_name_line_and_reason() {
    let cases = [
        (
            "24-duplicate_label_name.prom",
            "line 1: label \"x\" given twice",
        ),
        (
            "25-single_quotes.prom",
            "line 1: value of label \"b\" is not in double quotes",
        ),
        (
            "28-unicode_name_unquoted.prom",
            "line 1: invalid metric name \"métrique\"",
        ),
        ("34-bad_value.prom", "line 1: invalid value \"1x\""),
        ("35-hex_float.prom", "line 1: invalid value \"0x1p-3\""),
        (
            "40-timestamp_overflow.prom",
            "line 1: invalid timestamp \"99999999999999999999\"",
        ),
        ("90-invalid_utf8.prom", "line 2: invalid UTF-8"),
    ];
    for (file, want) in cases {
        let Some(p) = load(file, false) else { return };
        assert_eq!(p.first_error.as_deref(), Some(want), "{file}");
    }
    let p = load("48-content_after_eof.prom", true).expect("fixtures");
    assert_eq!(
        p.first_error.as_deref(),
        Some("line 3: content after # EOF")
    );
}

#[test]
fn many_labels_and_a_one_mebibyte_value() {
    let Some(p) = load("23-many_labels_200.prom", false) else {
        return;
    };
    assert_eq!(p.invalid_lines, 0);
    let l = &p.samples[0].labels;
    assert_eq!(l.len(), 201);
    assert_eq!((l.get("l0"), l.get("l199")), (Some("v0"), Some("v199")));
    let p = load("62-long_line_1MiB_label.prom", false).expect("fixtures");
    assert_eq!((p.samples.len(), p.invalid_lines), (1, 0));
    let big = p.samples[0].labels.get("big").expect("label big");
    assert_eq!(big.len(), 1 << 20);
    assert!(big.bytes().all(|b| b == b'x'));
    assert_eq!(p.samples[0].value, 1.0);
}

#[test]
fn openmetrics_created_timestamps_and_exemplars() {
    let Some(dir) = fixtures("cases") else { return };
    let body = std::fs::read(dir.join("49-om_counter_total_created.prom")).expect("read");
    let r = record(&body, true);
    assert_eq!(r.samples, ["foo_total{} 17"]);
    assert_eq!(r.created, [("foo_created".to_string(), 1520872607.123)]);

    let p = load("54-om_exemplar.prom", true).expect("fixtures");
    let ex = p.samples[0].exemplar.as_ref().expect("exemplar");
    assert_eq!(ex.labels.get("trace_id"), Some("abc123"));
    assert_eq!((ex.value, ex.timestamp_ms), (0.05, Some(1520879607789)));
    assert!(p.samples[1..].iter().all(|s| s.exemplar.is_none()));

    let p = load("55-om_exemplar_on_counter_with_ts.prom", true).expect("fixtures");
    let ex = p.samples[0].exemplar.as_ref().expect("exemplar");
    assert_eq!(ex.labels.get("id"), Some("counter-test"));
    assert_eq!((ex.value, ex.timestamp_ms), (5.0, None));

    let p = load("32-exponent_floats.prom", false).expect("fixtures");
    assert!(p.samples[2].value.is_sign_negative(), "-0.0 keeps its sign");
    assert_eq!(p.samples[3].value, 7.424100000000001e-05);
}

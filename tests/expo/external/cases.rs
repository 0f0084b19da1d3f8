//! The external `cases/` folder against the expectations of its README
//! (samples, errors, metadata, exemplars, the two long files). Part of the
//! optional suite in external.rs.

use super::expo_util::{record, series, OM, TEXT};
use std::path::Path;
use vitals::scrape::expo::{parse_page, MetricType};
use vitals::scrape::Page;

struct Case {
    file: &'static str,
    om: bool,
    series: &'static [&'static str],
    invalid: u64,
}

const fn case(file: &'static str, om: bool, series: &'static [&'static str], invalid: u64) -> Case {
    Case {
        file,
        om,
        series,
        invalid,
    }
}

const T: bool = false;
const O: bool = true;

/// Expected samples (sorted labels, as `Labels` prints them) and invalid
/// line counts. Files 23 and 62 are checked in [`long_files`].
const CASES: &[Case] = &[
    case(
        "01-basic_counter.prom",
        T,
        &[r#"http_requests_total{code="200", method="post"} 1027"#],
        0,
    ),
    case("02-gauge_no_labels.prom", T, &["temp{} 21.5"], 0),
    case("03-missing_type_untyped.prom", T, &["foo{} 1"], 0),
    case("04-help_after_type.prom", T, &["c{} 3"], 0),
    case("05-type_after_samples.prom", T, &["c{} 3"], 1),
    case("06-unknown_type_keyword.prom", T, &["a{} 1"], 1),
    case("07-help_escapes.prom", T, &["a{} 1"], 0),
    case("08-help_empty_text.prom", T, &["a{} 1"], 0),
    case("09-comment_lines.prom", T, &["a{} 1"], 0),
    case("10-escaped_quote.prom", T, &[r#"a{v="say \"hi\""} 1"#], 0),
    case(
        "11-escaped_backslash.prom",
        T,
        &[r#"a{path="C:\\DIR\\FILE.TXT"} 1"#],
        0,
    ),
    case(
        "12-escaped_newline.prom",
        T,
        &[r#"a{e="line1\nline2"} 1"#],
        0,
    ),
    case(
        "13-comma_in_value.prom",
        T,
        &[r#"a{path="x,y", z="1"} 1"#],
        0,
    ),
    case("14-brace_in_value.prom", T, &[r#"a{re="a}b"} 1"#], 0),
    case("15-equals_in_value.prom", T, &[r#"a{url="/q?x=1"} 1"#], 0),
    case(
        "16-space_in_value.prom",
        T,
        &[r#"a{msg="hello world"} 1"#],
        0,
    ),
    case("17-empty_value.prom", T, &["a{} 1"], 0),
    case("18-empty_braces.prom", T, &["a{} 1"], 0),
    case("19-trailing_comma.prom", T, &[r#"a{x="1"} 1"#], 0),
    case(
        "20-spaces_inside_braces.prom",
        T,
        &[r#"a{x="1", y="2"} 1"#],
        0,
    ),
    case(
        "21-unicode_label_value.prom",
        T,
        &["a{city=\"Zürich 東京 🚀\"} 1"],
        0,
    ),
    case("22-null_byte_in_value.prom", T, &["a{b=\"abc\0\"} 1"], 0),
    case("24-duplicate_label_name.prom", T, &[], 1),
    case("25-single_quotes.prom", T, &[], 1),
    case(
        "26-metric_name_colon.prom",
        T,
        &[r#"job:http_requests:rate5m{job="a"} 2.5"#],
        0,
    ),
    case("27-name_leading_underscore.prom", T, &["_m{} 1"], 0),
    case("28-unicode_name_unquoted.prom", T, &[], 1),
    case("29-utf8_quoted_name.prom", T, &[r#"my.metric{a="b"} 1"#], 0),
    case("30-nan.prom", T, &["a{} NaN", "b{} NaN"], 0),
    case("31-inf.prom", T, &["a{} +Inf", "b{} -Inf", "c{} +Inf"], 0),
    case(
        "32-exponent_floats.prom",
        T,
        &[
            "a{} 1500000000",
            "b{} 0.001",
            "c{} -0",
            "d{} 0.00007424100000000001",
            "e{} 1.5",
        ],
        0,
    ),
    case("33-big_integer.prom", T, &["a{} 18446744073709552000"], 0),
    case("34-bad_value.prom", T, &["b{} 2"], 1),
    case("35-hex_float.prom", T, &["b{} 2"], 1),
    case("36-timestamp_ms.prom", T, &["a{} 1 @1395066363000"], 0),
    case("37-timestamp_negative.prom", T, &["a{} 1 @-3982045"], 0),
    case("38-timestamp_absent.prom", T, &["a{} 1"], 0),
    case(
        "39-timestamp_float_seconds_om.prom",
        O,
        &["a{} 1 @1520879607789"],
        0,
    ),
    case("40-timestamp_overflow.prom", T, &[], 1),
    case(
        "41-histogram_grouping.prom",
        T,
        &[
            r#"h_bucket{le="0.1", svc="a"} 1"#,
            r#"h_bucket{le="1", svc="a"} 2"#,
            r#"h_bucket{le="+Inf", svc="a"} 3"#,
            r#"h_sum{svc="a"} 1.5"#,
            r#"h_count{svc="a"} 3"#,
            r#"h_bucket{le="0.1", svc="b"} 0"#,
            r#"h_bucket{le="+Inf", svc="b"} 1"#,
            r#"h_sum{svc="b"} 0.2"#,
            r#"h_count{svc="b"} 1"#,
        ],
        0,
    ),
    case(
        "42-histogram_no_labels.prom",
        T,
        &[
            r#"h_bucket{le="1"} 1"#,
            r#"h_bucket{le="+Inf"} 2"#,
            "h_sum{} 3",
            "h_count{} 2",
        ],
        0,
    ),
    case(
        "43-summary_grouping.prom",
        T,
        &[
            r#"rpc{quantile="0.5"} 4773"#,
            r#"rpc{quantile="0.99"} 76656"#,
            "rpc_sum{} 17560473",
            "rpc_count{} 2693",
        ],
        0,
    ),
    case(
        "44-histogram_without_type.prom",
        T,
        &[
            r#"h_bucket{le="1"} 1"#,
            r#"h_bucket{le="+Inf"} 2"#,
            "h_sum{} 3",
            "h_count{} 2",
        ],
        0,
    ),
    // Kept as series, as Prometheus's scrape parser does.
    case(
        "45-histogram_bucket_missing_le.prom",
        T,
        &[r#"h_bucket{x="1"} 5"#, r#"h_count{x="1"} 5"#],
        0,
    ),
    case(
        "46-histogram_comma_in_label.prom",
        T,
        &[
            r#"h_bucket{le="1", path="/a,b"} 1"#,
            r#"h_bucket{le="+Inf", path="/a,b"} 2"#,
        ],
        0,
    ),
    case("47-eof_marker.prom", T, &["a{} 1"], 0),
    case("47-eof_marker.prom", O, &["a{} 1"], 0),
    case("48-content_after_eof.prom", O, &["a{} 1"], 1),
    case(
        "49-om_counter_total_created.prom",
        O,
        &["foo_total{} 17"],
        0,
    ),
    case("50-om_info.prom", O, &[r#"build_info{version="1.2"} 1"#], 0),
    case(
        "51-om_stateset.prom",
        O,
        &[r#"st{st="a"} 1"#, r#"st{st="b"} 0"#],
        0,
    ),
    case(
        "52-om_gaugehistogram.prom",
        O,
        &[
            r#"gh_bucket{le="1"} 2"#,
            r#"gh_bucket{le="+Inf"} 3"#,
            "gh_gcount{} 3",
            "gh_gsum{} 4",
        ],
        0,
    ),
    case("53-om_unit.prom", O, &["d_seconds{} 1"], 0),
    case(
        "54-om_exemplar.prom",
        O,
        &[
            r#"hx_bucket{le="0.1"} 8"#,
            r#"hx_bucket{le="+Inf"} 10"#,
            "hx_count{} 10",
            "hx_sum{} 1.2",
        ],
        0,
    ),
    case(
        "55-om_exemplar_on_counter_with_ts.prom",
        O,
        &["foo_total{} 17 @1520879607789"],
        0,
    ),
    case(
        "56-crlf_line_endings.prom",
        T,
        &[r#"a{x="1"} 1"#, "b{} 2"],
        0,
    ),
    case("57-empty_and_blank_lines.prom", T, &["a{} 1", "b{} 2"], 0),
    case(
        "58-trailing_space_no_labels.prom",
        T,
        &["a{} 1", "b{} 2"],
        0,
    ),
    case("59-tab_separators.prom", T, &["a{} 1", r#"b{x="y"} 2"#], 0),
    case("60-leading_whitespace.prom", T, &["a{} 1"], 0),
    case("61-no_final_newline.prom", T, &["a{} 1", "b{} 2"], 0),
    case(
        "63-duplicate_series.prom",
        T,
        &[r#"a{x="1"} 1"#, r#"a{x="1"} 2"#],
        0,
    ),
    case("90-invalid_utf8.prom", T, &["a{} 1", "c{} 3"], 1),
];

fn load(dir: &Path, file: &str, om: bool) -> Page {
    let body = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    parse_page(&body, if om { OM } else { TEXT })
}

/// Every file gives its expected samples; every file is covered.
pub fn every_case(dir: &Path) {
    for c in CASES {
        let page = load(dir, c.file, c.om);
        assert_eq!(series(&page), c.series, "{}", c.file);
        assert_eq!(
            page.invalid_lines, c.invalid,
            "{}: {:?}",
            c.file, page.first_error
        );
        assert_eq!(page.first_error.is_some(), c.invalid > 0, "{}", c.file);
    }
    for e in std::fs::read_dir(dir).expect("read cases") {
        let n = e.expect("entry").file_name().to_string_lossy().into_owned();
        let covered =
            CASES.iter().any(|c| c.file == n) || n.starts_with("23-") || n.starts_with("62-");
        assert!(covered, "no expectation for {n}");
        let body = std::fs::read(dir.join(&n)).expect("read");
        for ct in [OM, TEXT, None] {
            assert_eq!(parse_page(&body, ct).bytes, body.len() as u64, "{n}");
        }
    }
    assert!(CASES.len() >= 60);
}

/// Families, kinds, help texts and units.
pub fn metadata(dir: &Path) {
    let load = |file: &str, om: bool| load(dir, file, om);
    let p = load("01-basic_counter.prom", false);
    let f = p.family_of("http_requests_total").expect("family");
    assert_eq!(
        (f.kind, f.help.as_deref()),
        (MetricType::Counter, Some("Total requests."))
    );
    let p = load("02-gauge_no_labels.prom", false);
    assert_eq!(p.family_of("temp").map(|f| f.kind), Some(MetricType::Gauge));
    assert!(load("03-missing_type_untyped.prom", false)
        .families
        .is_empty());
    let p = load("04-help_after_type.prom", false);
    let f = p.family_of("c").expect("family");
    assert_eq!(
        (f.kind, f.help.as_deref()),
        (MetricType::Counter, Some("Help after type."))
    );
    let p = load("06-unknown_type_keyword.prom", false);
    assert!(p
        .family_of("a")
        .is_none_or(|f| f.kind == MetricType::Untyped));
    let p = load("07-help_escapes.prom", false);
    assert_eq!(
        p.families[0].help.as_deref(),
        Some("Line1\nLine2 back\\slash")
    );
    let p = load("08-help_empty_text.prom", false);
    assert_eq!(p.families[0].help.as_deref(), Some(""));
    let kinds = [
        (
            "26-metric_name_colon.prom",
            false,
            "job:http_requests:rate5m",
            MetricType::Gauge,
        ),
        (
            "41-histogram_grouping.prom",
            false,
            "h_bucket",
            MetricType::Histogram,
        ),
        (
            "43-summary_grouping.prom",
            false,
            "rpc_count",
            MetricType::Summary,
        ),
        (
            "49-om_counter_total_created.prom",
            true,
            "foo_total",
            MetricType::Counter,
        ),
        ("50-om_info.prom", true, "build_info", MetricType::Info),
        ("51-om_stateset.prom", true, "st", MetricType::StateSet),
        (
            "52-om_gaugehistogram.prom",
            true,
            "gh_gsum",
            MetricType::GaugeHistogram,
        ),
        ("56-crlf_line_endings.prom", false, "a", MetricType::Counter),
    ];
    for (file, om, name, kind) in kinds {
        let p = load(file, om);
        assert_eq!(p.family_of(name).map(|f| f.kind), Some(kind), "{file}");
    }
    let p = load("53-om_unit.prom", true);
    let f = p.family_of("d_seconds").expect("family");
    assert_eq!(
        (f.kind, f.unit.as_deref()),
        (MetricType::Gauge, Some("seconds"))
    );
}

/// The first error of each invalid file names its line and reason.
pub fn errors(dir: &Path) {
    let cases = [
        (
            "05-type_after_samples.prom",
            false,
            "line 2: TYPE for \"c\" after its samples",
        ),
        (
            "06-unknown_type_keyword.prom",
            false,
            "line 1: unknown metric type \"foo\"",
        ),
        (
            "24-duplicate_label_name.prom",
            false,
            "line 1: label \"x\" given twice",
        ),
        (
            "25-single_quotes.prom",
            false,
            "line 1: value of label \"b\" is not in double quotes",
        ),
        (
            "28-unicode_name_unquoted.prom",
            false,
            "line 1: invalid metric name \"métrique\"",
        ),
        ("34-bad_value.prom", false, "line 1: invalid value \"1x\""),
        (
            "35-hex_float.prom",
            false,
            "line 1: invalid value \"0x1p-3\"",
        ),
        (
            "40-timestamp_overflow.prom",
            false,
            "line 1: invalid timestamp \"99999999999999999999\"",
        ),
        ("90-invalid_utf8.prom", false, "line 2: invalid UTF-8"),
        (
            "48-content_after_eof.prom",
            true,
            "line 3: content after # EOF",
        ),
    ];
    for (file, om, want) in cases {
        let p = load(dir, file, om);
        assert_eq!(p.first_error.as_deref(), Some(want), "{file}");
    }
}

/// The 200-label file and the 1 MiB label file.
pub fn long_files(dir: &Path) {
    let p = load(dir, "23-many_labels_200.prom", false);
    assert_eq!(p.invalid_lines, 0);
    let l = &p.samples[0].labels;
    assert_eq!(l.len(), 201);
    assert_eq!((l.get("l0"), l.get("l199")), (Some("v0"), Some("v199")));
    let p = load(dir, "62-long_line_1MiB_label.prom", false);
    assert_eq!((p.samples.len(), p.invalid_lines), (1, 0));
    let big = p.samples[0].labels.get("big").expect("label big");
    assert_eq!(big.len(), 1 << 20);
    assert!(big.bytes().all(|b| b == b'x'));
    assert_eq!(p.samples[0].value, 1.0);
}

/// OpenMetrics `_created` lines, exemplars and exact floats.
pub fn created_exemplars_and_floats(dir: &Path) {
    let body = std::fs::read(dir.join("49-om_counter_total_created.prom")).expect("read");
    let r = record(&body, true);
    assert_eq!(r.samples, ["foo_total{} 17"]);
    assert_eq!(r.created, [("foo_created".to_string(), 1520872607.123)]);

    let p = load(dir, "54-om_exemplar.prom", true);
    let ex = p.samples[0].exemplar.as_ref().expect("exemplar");
    assert_eq!(ex.labels.get("trace_id"), Some("abc123"));
    assert_eq!((ex.value, ex.timestamp_ms), (0.05, Some(1520879607789)));
    assert!(p.samples[1..].iter().all(|s| s.exemplar.is_none()));

    let p = load(dir, "55-om_exemplar_on_counter_with_ts.prom", true);
    let ex = p.samples[0].exemplar.as_ref().expect("exemplar");
    assert_eq!(ex.labels.get("id"), Some("counter-test"));
    assert_eq!((ex.value, ex.timestamp_ms), (5.0, None));

    let p = load(dir, "32-exponent_floats.prom", false);
    assert!(p.samples[2].value.is_sign_negative(), "-0.0 keeps its sign");
    assert_eq!(p.samples[3].value, 7.424100000000001e-05);
}

//! Every file of the shared `cases/` fixtures against its expected result
//! (the table in the fixtures' README).

mod expo_util;

use expo_util::{fixtures, series, OM, TEXT};
use vitals::scrape::expo::parse_page;
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
/// line counts. Files 23 and 62 are checked separately (too long to write).
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

fn load(file: &str, om: bool) -> Option<Page> {
    let dir = fixtures("cases")?;
    let body = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    Some(parse_page(&body, if om { OM } else { TEXT }))
}

#[test]
fn every_case_gives_its_expected_samples() {
    let Some(dir) = fixtures("cases") else { return };
    let mut checked = 0;
    for c in CASES {
        let page = load(c.file, c.om).expect("fixtures present");
        assert_eq!(series(&page), c.series, "{}", c.file);
        assert_eq!(
            page.invalid_lines, c.invalid,
            "{}: {:?}",
            c.file, page.first_error
        );
        assert_eq!(page.first_error.is_some(), c.invalid > 0, "{}", c.file);
        checked += 1;
    }
    // Every file in the directory is covered here or below.
    let names: Vec<String> = std::fs::read_dir(dir)
        .expect("read cases")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    for n in &names {
        let covered =
            CASES.iter().any(|c| c.file == n) || n.starts_with("23-") || n.starts_with("62-");
        assert!(covered, "no expectation for {n}");
    }
    assert!(checked >= 60);
}

#[test]
fn no_case_panics_in_either_format() {
    let Some(dir) = fixtures("cases") else { return };
    for e in std::fs::read_dir(dir).expect("read cases") {
        let body = std::fs::read(e.expect("entry").path()).expect("read");
        for ct in [OM, TEXT, None] {
            let page = parse_page(&body, ct);
            assert_eq!(page.bytes, body.len() as u64);
        }
    }
}

//! Every file of the project's own `tests/fixtures/exposition/cases/` against
//! its expected samples and first error (one behaviour per file; the
//! folder's README.md says what each file checks). `.prom` files are text
//! format 0.0.4 and open with a comment saying what they check; `.om` files
//! are OpenMetrics, where such a comment would be invalid, so only the
//! README describes them.

use crate::expo_util;

use expo_util::{case, names, own, series, OM, TEXT};
use vitals::scrape::expo::parse_page;

/// A case: its file, the samples expected (labels sorted, as `Labels`
/// prints them) and the first error, if the file holds one invalid line.
struct Case {
    file: &'static str,
    series: &'static [&'static str],
    error: Option<&'static str>,
}

const fn c(
    file: &'static str,
    series: &'static [&'static str],
    error: Option<&'static str>,
) -> Case {
    Case {
        file,
        series,
        error,
    }
}

const NONE: Option<&str> = None;

const CASES: &[Case] = &[
    c(
        "counter-help-type.prom",
        &[r#"jobs_done_total{queue="mail", worker="w1"} 4096"#],
        NONE,
    ),
    c("gauge-no-labels.prom", &["disk_free_ratio{} 0.375"], NONE),
    c("untyped-no-type.prom", &["uptime_hours{} 42"], NONE),
    c("help-after-type.prom", &["logins_total{} 3"], NONE),
    c(
        "type-after-samples.prom",
        &["retries{} 7"],
        Some(r#"line 3: TYPE for "retries" after its samples"#),
    ),
    c(
        "type-unknown-kind.prom",
        &["load_level{} 0.5"],
        Some(r#"line 2: unknown metric type "meter""#),
    ),
    c("help-escapes.prom", &["motd{} 1"], NONE),
    c("help-empty.prom", &["quiet_mode{} 1"], NONE),
    c("plain-comments.prom", &["tickets_open{} 12"], NONE),
    c(
        "label-escaped-quote.prom",
        &[r#"greeting{text="she said \"ok\""} 1"#],
        NONE,
    ),
    c(
        "label-escaped-backslash.prom",
        &[r#"file_size_bytes{path="D:\\logs\\app.log"} 2048"#],
        NONE,
    ),
    c(
        "label-escaped-newline.prom",
        &[r#"motd_lines{text="first\nsecond"} 2"#],
        NONE,
    ),
    c(
        "label-comma.prom",
        &[r#"cpu_bug_info{cpu="0", list="a,b", mitigation="IBRS, STIBP: on"} 1"#],
        NONE,
    ),
    c(
        "label-brace.prom",
        &[r#"regex_matches{pattern="^[a-z]{2,3}}$"} 5"#],
        NONE,
    ),
    c(
        "label-equals.prom",
        &[r#"link_clicks{href="/search?q=a=b&page=2"} 9"#],
        NONE,
    ),
    c(
        "label-space.prom",
        &[r#"alert_active{summary="disk almost full"} 1"#],
        NONE,
    ),
    c("label-empty-value.prom", &[r#"queue_depth{zone="eu"} 4"#], NONE),
    c("label-empty-braces.prom", &["heartbeat{} 1"], NONE),
    c("label-trailing-comma.prom", &[r#"pings{host="a"} 2"#], NONE),
    c(
        "label-blanks-in-braces.prom",
        &[r#"pings{host="a", zone="z1"} 2"#],
        NONE,
    ),
    c(
        "label-unicode.prom",
        &[r#"visitors{city="São Paulo", greeting="こんにちは", mood="😀"} 3"#],
        NONE,
    ),
    c("label-nul-byte.prom", &["blob_info{data=\"ab\0cd\"} 1"], NONE),
    c(
        "label-duplicate-name.prom",
        &[],
        Some(r#"line 2: label "port" given twice"#),
    ),
    c(
        "label-single-quotes.prom",
        &[],
        Some(r#"line 2: value of label "state" is not in double quotes"#),
    ),
    c(
        "name-colons.prom",
        &[r#"instance:cpu_usage:ratio{instance="h1"} 0.25"#],
        NONE,
    ),
    c("name-leading-underscore.prom", &["_hidden_total{} 3"], NONE),
    c(
        "name-unicode-unquoted.prom",
        &[],
        Some(r#"line 2: invalid metric name "température_c""#),
    ),
    c(
        "label-quoted-utf8.prom",
        &[
            r#"metric name{code="200", http.method="GET", label ©="v"} 1"#,
            r#"metric name{label ©="w"} 2"#,
            r#"plain_metric{ünïcode label="x"} 3"#,
            r#"metric name{a=b,c}"q"="v3"} 4"#,
            r#"metric name{label ©="z"} 5"#,
        ],
        NONE,
    ),
    c(
        "om-label-quoted-utf8.om",
        &[
            r#"metric name{label ©="v"} 1"#,
            r#"plain_metric{code="200", ünïcode label="x"} 3"#,
        ],
        NONE,
    ),
    c(
        "name-quoted-utf8.prom",
        &[r#"http.server.duration{service.name="api"} 0.2"#],
        NONE,
    ),
    c(
        "value-nan.prom",
        &["ratio_a{} NaN", "ratio_b{} NaN", "ratio_c{} NaN"],
        NONE,
    ),
    c(
        "value-inf.prom",
        &[
            "limit_hi{} +Inf",
            "limit_lo{} -Inf",
            "limit_x{} +Inf",
            "limit_y{} +Inf",
            "limit_z{} -Inf",
        ],
        NONE,
    ),
    c(
        "value-exponents.prom",
        &[
            "grow{} 2500000",
            "tiny{} 0.0003",
            "negzero{} -0",
            "precise{} 1.0000000000000002",
            "plus{} 7.25",
        ],
        NONE,
    ),
    c(
        "value-big-integer.prom",
        &["bytes_total{} 36893488147419103000"],
        NONE,
    ),
    c(
        "value-bad.prom",
        &["temp_f{} 70"],
        Some(r#"line 2: invalid value "21.5C""#),
    ),
    c(
        "value-hex-float.prom",
        &["ok_after{} 1"],
        Some(r#"line 2: invalid value "0x1.8p+1""#),
    ),
    c(
        "value-underscore.prom",
        &["ok_after{} 1"],
        Some(r#"line 2: invalid value "1_000""#),
    ),
    c("timestamp-ms.prom", &["last_seen{} 1 @1700000000123"], NONE),
    c("timestamp-negative.prom", &["epoch_offset{} 1 @-1500"], NONE),
    c(
        "timestamp-absent.prom",
        &["stamped{} 5 @0", "unstamped{} 6"],
        NONE,
    ),
    c(
        "timestamp-float-seconds.om",
        &["batch_last_run{} 1 @1700000000500"],
        NONE,
    ),
    c(
        "timestamp-overflow.prom",
        &[],
        Some(r#"line 2: invalid timestamp "123456789012345678901234""#),
    ),
    c(
        "timestamp-float-in-text.prom",
        &[],
        Some(r#"line 2: invalid timestamp "1700000000.5""#),
    ),
    c(
        "histogram-two-series.prom",
        &[
            r#"req_seconds_bucket{le="0.25", route="/a"} 4"#,
            r#"req_seconds_bucket{le="1", route="/a"} 9"#,
            r#"req_seconds_bucket{le="+Inf", route="/a"} 10"#,
            r#"req_seconds_sum{route="/a"} 3.75"#,
            r#"req_seconds_count{route="/a"} 10"#,
            r#"req_seconds_bucket{le="0.25", route="/b"} 0"#,
            r#"req_seconds_bucket{le="+Inf", route="/b"} 2"#,
            r#"req_seconds_sum{route="/b"} 1.5"#,
            r#"req_seconds_count{route="/b"} 2"#,
        ],
        NONE,
    ),
    c("histogram-no-labels.prom", FETCH, NONE),
    c(
        "summary.prom",
        &[
            r#"gc_pause_seconds{quantile="0.5"} 0.002"#,
            r#"gc_pause_seconds{quantile="0.99"} 0.04"#,
            "gc_pause_seconds_sum{} 12.5",
            "gc_pause_seconds_count{} 900",
        ],
        NONE,
    ),
    c("histogram-no-type.prom", FETCH, NONE),
    c(
        "histogram-bucket-without-le.prom",
        &[
            r#"wait_seconds_bucket{pool="a"} 5"#,
            r#"wait_seconds_count{pool="a"} 5"#,
        ],
        NONE,
    ),
    c(
        "histogram-comma-label.prom",
        &[
            r#"size_bytes_bucket{files="a.txt,b.txt", le="1024"} 1"#,
            r#"size_bytes_bucket{files="a.txt,b.txt", le="+Inf"} 2"#,
        ],
        NONE,
    ),
    c("eof-in-text.prom", &["requests{} 1"], NONE),
    c("eof.om", &["requests{} 1"], NONE),
    c(
        "eof-content-after.om",
        &["requests{} 1"],
        Some("line 3: content after # EOF"),
    ),
    c(
        "eof-missing.om",
        &["requests{} 1"],
        Some("line 1: OpenMetrics page does not end with # EOF"),
    ),
    c(
        "om-plain-comment.om",
        &["requests{} 1"],
        Some("line 1: comment lines other than HELP, TYPE, UNIT and EOF are not allowed in OpenMetrics"),
    ),
    c("om-counter-created.om", &["orders_total{} 120"], NONE),
    c(
        "om-info.om",
        &[r#"app_info{commit="9f8e7d", version="3.1.4"} 1"#],
        NONE,
    ),
    c(
        "om-stateset.om",
        &[r#"door{door="open"} 0"#, r#"door{door="closed"} 1"#],
        NONE,
    ),
    c(
        "om-gaugehistogram.om",
        &[
            r#"queue_age_seconds_bucket{le="10"} 4"#,
            r#"queue_age_seconds_bucket{le="+Inf"} 6"#,
            "queue_age_seconds_gcount{} 6",
            "queue_age_seconds_gsum{} 31",
        ],
        NONE,
    ),
    c("om-unit.om", &["fetch_bytes{} 512"], NONE),
    c(
        "om-exemplar-bucket.om",
        &[
            r#"lat_seconds_bucket{le="0.5"} 11"#,
            r#"lat_seconds_bucket{le="+Inf"} 12"#,
            "lat_seconds_count{} 12",
            "lat_seconds_sum{} 4.5",
        ],
        NONE,
    ),
    c(
        "om-exemplar-counter-timestamp.om",
        &["sends_total{} 42 @1700000000500"],
        NONE,
    ),
    c(
        "exemplar-in-text.prom",
        &["ok_after{} 1"],
        Some("line 2: exemplars are only allowed in OpenMetrics"),
    ),
    c(
        "layout-crlf.prom",
        &[r#"hits{path="/"} 1"#, "misses{} 2"],
        NONE,
    ),
    c("layout-blank-lines.prom", &["first{} 1", "second{} 2"], NONE),
    c(
        "layout-trailing-blanks.prom",
        &["first{} 1", "second{} 2", r#"third{x="y"} 3"#],
        NONE,
    ),
    c(
        "layout-tabs.prom",
        &["first{} 1", r#"second{x="y"} 2"#, "third{} 3 @1700000000000"],
        NONE,
    ),
    c("layout-leading-blanks.prom", &["indented{} 1"], NONE),
    c(
        "layout-no-final-newline.prom",
        &["first{} 1", "second{} 2"],
        NONE,
    ),
    c(
        "duplicate-series.prom",
        &[r#"dup{x="1"} 1"#, r#"dup{x="1"} 2"#],
        NONE,
    ),
    c(
        "invalid-utf8.prom",
        &["before{} 1", "after{} 3"],
        Some("line 3: invalid UTF-8"),
    ),
];

/// The histogram written with and without its TYPE line.
const FETCH: &[&str] = &[
    r#"fetch_seconds_bucket{le="0.5"} 3"#,
    r#"fetch_seconds_bucket{le="+Inf"} 5"#,
    "fetch_seconds_sum{} 2.25",
    "fetch_seconds_count{} 5",
];

#[test]
fn every_case_gives_its_expected_samples_and_error() {
    for c in CASES {
        let (body, page) = case(c.file);
        assert_eq!(series(&page), c.series, "{}", c.file);
        assert_eq!(page.first_error.as_deref(), c.error, "{}", c.file);
        assert_eq!(
            page.invalid_lines,
            u64::from(c.error.is_some()),
            "{}",
            c.file
        );
        assert_eq!(page.bytes, body.len() as u64, "{}", c.file);
    }
}

#[test]
fn every_file_has_an_expectation_and_a_readme_row() {
    let files = names("cases");
    let readme = std::fs::read_to_string(own("cases").join("README.md")).expect("README.md");
    let cases: Vec<&str> = files
        .iter()
        .map(String::as_str)
        .filter(|n| *n != "README.md")
        .collect();
    for n in &cases {
        assert!(
            n.ends_with(".prom") || n.ends_with(".om"),
            "{n}: cases are .prom (text) or .om (OpenMetrics)"
        );
        assert!(CASES.iter().any(|c| c.file == *n), "no expectation for {n}");
        assert!(
            readme.contains(&format!("| `{n}` |")),
            "README.md has no row for {n}"
        );
    }
    for c in CASES {
        assert!(cases.contains(&c.file), "{} is not in cases/", c.file);
    }
    assert!(cases.len() >= 60, "{} cases", cases.len());
}

#[test]
fn every_text_case_says_what_it_checks() {
    for n in names("cases").iter().filter(|n| n.ends_with(".prom")) {
        let body = std::fs::read(own("cases").join(n)).expect("read");
        let first = body.split(|&b| b == b'\n').next().unwrap_or_default();
        let first = String::from_utf8_lossy(first);
        let first = first.trim_end_matches('\r');
        assert!(
            first.len() > 10 && first.starts_with("# "),
            "{n}: the first line is not a comment saying what the file checks"
        );
        let word = first[2..].split(' ').next().unwrap_or("");
        assert!(
            !["HELP", "TYPE", "UNIT", "EOF"].contains(&word),
            "{n}: the first line is metadata, not a plain comment"
        );
    }
}

#[test]
fn no_case_panics_in_either_format() {
    for n in names("cases") {
        let body = std::fs::read(own("cases").join(&n)).expect("read");
        for ct in [OM, TEXT, None] {
            let page = parse_page(&body, ct);
            assert_eq!(page.bytes, body.len() as u64, "{n}");
        }
    }
}

//! The parser's behaviours on inputs written for these tests.

use crate::expo_util;

use expo_util::{record, series, OM, TEXT};
use vitals::scrape::expo::{format_from_content_type, parse_page, Format, MetricType};

fn text(body: &str) -> vitals::scrape::Page {
    parse_page(body.as_bytes(), TEXT)
}

fn om(body: &str) -> vitals::scrape::Page {
    parse_page(body.as_bytes(), OM)
}

#[test]
fn content_type_picks_the_format() {
    use Format::*;
    assert_eq!(format_from_content_type(None), Text);
    assert_eq!(
        format_from_content_type(Some("text/plain; version=0.0.4")),
        Text
    );
    assert_eq!(format_from_content_type(Some("application/json")), Text);
    assert_eq!(format_from_content_type(Some("")), Text);
    assert_eq!(
        format_from_content_type(Some("application/openmetrics-text")),
        OpenMetrics
    );
    assert_eq!(
        format_from_content_type(Some(
            "Application/OpenMetrics-Text ; version=1.0.0; charset=utf-8"
        )),
        OpenMetrics
    );
}

#[test]
fn quoted_values_hold_any_byte_but_quote_and_backslash() {
    let p = text(concat!(
        "req{route=\"/a,b{c}=d\",q=\"x y\",u=\"naïve ☃\"} 2\n",
        "esc{s=\"tab\\there \\\\ \\\"q\\\" nl\\n\"} 3\n",
    ));
    assert_eq!(p.invalid_lines, 0, "{:?}", p.first_error);
    let l = &p.samples[0].labels;
    assert_eq!(
        (l.get("route"), l.get("q"), l.get("u")),
        (Some("/a,b{c}=d"), Some("x y"), Some("naïve ☃"))
    );
    // Unknown escapes are kept as written.
    assert_eq!(
        p.samples[1].labels.get("s"),
        Some("tab\\there \\ \"q\" nl\n")
    );
}

#[test]
fn prometheus_3_quoted_names() {
    let p = text(concat!(
        "# TYPE \"http.server.duration\" gauge\n",
        "{\"http.server.duration\", \"service.name\"=\"api\", plain=\"x\"} 0.25\n",
        "\"k8s.pod.count\"{ns=\"a\"} 4\n",
        "{\"only.name\"} 1\n",
    ));
    assert_eq!(p.invalid_lines, 0, "{:?}", p.first_error);
    assert_eq!(
        series(&p),
        [
            r#"http.server.duration{plain="x", service.name="api"} 0.25"#,
            r#"k8s.pod.count{ns="a"} 4"#,
            "only.name{} 1"
        ]
    );
    assert_eq!(
        p.family_of("http.server.duration").map(|f| f.kind),
        Some(MetricType::Gauge)
    );
    let bad = text("{\"a.b\", \"c.d\"} 1\nx{\"q\"} 1\n");
    assert_eq!(bad.invalid_lines, 2);
    assert_eq!(
        bad.first_error.as_deref(),
        Some("line 1: metric name given twice")
    );
}

#[test]
fn numbers_as_prometheus_reads_them() {
    let p = text("a 12\nb -3.25\nc 6.02e23\nd 1E-7\ne +Inf\nf -inf\ng NaN\nh .5\ni 5.\nj 123456789012345678901234567890\n");
    assert_eq!(p.invalid_lines, 0, "{:?}", p.first_error);
    let v: Vec<f64> = p.samples.iter().map(|s| s.value).collect();
    assert_eq!(
        &v[..6],
        &[12.0, -3.25, 6.02e23, 1e-7, f64::INFINITY, f64::NEG_INFINITY]
    );
    assert!(v[6].is_nan());
    assert_eq!(&v[7..], &[0.5, 5.0, 1.2345678901234568e29]);
    for bad in [
        "x 0x10", "x 1_000", "x 1e", "x --1", "x one", "x 1.2.3", "x 0x1p3",
    ] {
        let p = text(bad);
        assert_eq!((p.samples.len(), p.invalid_lines), (0, 1), "{bad}");
    }
}

#[test]
fn timestamps_per_format() {
    let p = text("a 1 1700000000123\nb 1 -5\nc 1\n");
    let ts: Vec<Option<i64>> = p.samples.iter().map(|s| s.timestamp_ms).collect();
    assert_eq!(ts, [Some(1700000000123), Some(-5), None]);
    // 0.0.4 timestamps are integers; OpenMetrics ones are float seconds.
    assert_eq!(text("a 1 1700000000.5\n").invalid_lines, 1);
    assert_eq!(text("a 1 9223372036854775808\n").invalid_lines, 1);
    let p = om("a 1 1700000000.5\nb 1 1700000000\nc 1 1.7e9\nd 1 0.0015\n# EOF\n");
    let ts: Vec<Option<i64>> = p.samples.iter().map(|s| s.timestamp_ms).collect();
    assert_eq!(
        ts,
        [
            Some(1700000000500),
            Some(1700000000000),
            Some(1700000000000),
            Some(2)
        ]
    );
    assert_eq!(om("a 1 NaN\n# EOF\n").invalid_lines, 1);
}

#[test]
fn whitespace_line_ends_and_blank_lines() {
    let p = text("\r\n  \t\r\n# TYPE up gauge\r\nup{job=\"x\"}\t1\t\r\n\t down 0 \nlast 7");
    assert_eq!(p.invalid_lines, 0, "{:?}", p.first_error);
    assert_eq!(series(&p), [r#"up{job="x"} 1"#, "down{} 0", "last{} 7"]);
    assert_eq!(p.family_of("up").map(|f| f.kind), Some(MetricType::Gauge));
    assert_eq!(text("").samples.len(), 0);
    assert_eq!(text("\n\n").invalid_lines, 0);
}

#[test]
fn invalid_lines_are_counted_and_the_rest_kept() {
    let p = text(concat!(
        "ok1 1\n",
        "bad{x=\"1\" 2\n",
        "ok2{a=\"b\"} 3\n",
        "bad2{x=\"1\",x=\"2\"} 4\n",
        "bad3 5 6 7\n",
        "bad4{x=\"unterminated} 8\n",
        "bad5 1 # {a=\"b\"} 1\n",
        "ok3 9\n",
    ));
    assert_eq!(series(&p), ["ok1{} 1", r#"ok2{a="b"} 3"#, "ok3{} 9"]);
    assert_eq!(p.invalid_lines, 5);
    assert_eq!(
        p.first_error.as_deref(),
        Some("line 2: expected ',' or '}' in label set at \"2\"")
    );
    let r = record(
        b"x{a=\"1\" 2\nx{x=\"1\",x=\"2\"} 4\nbad3 5 6 7\nb{x=\"u} 8\nb 1 # {a=\"b\"} 1\n",
        false,
    );
    assert_eq!(
        r.errors,
        [
            "line 1: expected ',' or '}' in label set at \"2\"",
            "line 2: label \"x\" given twice",
            "line 3: unexpected text \"7\" at end of line",
            "line 4: unterminated quoted string",
            "line 5: exemplars are only allowed in OpenMetrics",
        ]
    );
}

#[test]
fn invalid_utf8_loses_only_its_line() {
    let mut body = b"a 1\n# HELP h bad \xff help\nb{v=\"caf\xc3\"} 2\n".to_vec();
    body.extend_from_slice("c{v=\"café\"} 3\n".as_bytes());
    let p = parse_page(&body, TEXT);
    assert_eq!(series(&p), ["a{} 1", r#"c{v="café"} 3"#]);
    assert_eq!(p.invalid_lines, 2);
    assert_eq!(p.first_error.as_deref(), Some("line 2: invalid UTF-8"));
}

#[test]
fn metadata_rules() {
    let p = text("# HELP m first\n# HELP m again\n# TYPE m gauge\n# TYPE m counter\nm 1\n");
    assert_eq!(p.invalid_lines, 2);
    assert_eq!(
        p.first_error.as_deref(),
        Some("line 2: second HELP line for \"m\"")
    );
    let f = p.family_of("m").expect("family");
    assert_eq!(
        (f.kind, f.help.as_deref()),
        (MetricType::Gauge, Some("first"))
    );
    // A TYPE after the family's samples is rejected, also when HELP came first.
    let p = text("# HELP s x\ns 1\n# TYPE s counter\n");
    assert_eq!(
        p.first_error.as_deref(),
        Some("line 3: TYPE for \"s\" after its samples")
    );
    let p = text("h_bucket{le=\"1\"} 1\n# TYPE h histogram\n");
    assert_eq!(p.invalid_lines, 1);
    // 0.0.4 has no info or stateset; OpenMetrics has no untyped.
    assert_eq!(text("# TYPE i info\n").invalid_lines, 1);
    assert_eq!(om("# TYPE i untyped\n# EOF\n").invalid_lines, 1);
    assert_eq!(text("# TYPE\n# HELP\n").invalid_lines, 2);
    // Plain comments, `#` without a blank and unknown keywords are ignored.
    assert_eq!(
        text("#x\n# TYPEx y\n# UNIT a b\n# EOF\nz 1\n").invalid_lines,
        0
    );
}

#[test]
fn openmetrics_families_created_and_exemplars() {
    let body = concat!(
        "# TYPE req counter\n",
        "# UNIT req requests\n",
        "# HELP req Requests \\\"served\\\".\n",
        "req_total{code=\"200\"} 5 # {trace_id=\"t1\"} 1 1700000000.25\n",
        "req_created{code=\"200\"} 1700000000.5\n",
        "# TYPE lat histogram\n",
        "lat_bucket{le=\"+Inf\"} 2 # {trace_id=\"t2\",span=\"s\"} 0.3\n",
        "lat_sum 0.5\nlat_count 2\nlat_created 1600000000\n",
        "# TYPE g gauge\ng_created 1\n",
        "# EOF\n",
    );
    let r = record(body.as_bytes(), true);
    assert_eq!(r.errors, Vec::<String>::new());
    assert_eq!(
        r.kinds,
        ["Counter", "Histogram", "Histogram", "Histogram", "Untyped"]
    );
    // `_created` of a gauge is an ordinary (untyped) sample.
    assert_eq!(
        r.created,
        [
            ("req_created".to_string(), 1700000000.5),
            ("lat_created".to_string(), 1600000000.0)
        ]
    );
    let p = om(body);
    assert_eq!(p.samples.len(), 5);
    let f = p.family_of("req_total").expect("family");
    assert_eq!(f.unit.as_deref(), Some("requests"));
    assert_eq!(f.help.as_deref(), Some("Requests \"served\"."));
    let ex = p.samples[0].exemplar.as_ref().expect("exemplar");
    assert_eq!(
        (ex.labels.get("trace_id"), ex.value, ex.timestamp_ms),
        (Some("t1"), 1.0, Some(1700000000250))
    );
    let ex = p.samples[1].exemplar.as_ref().expect("exemplar");
    assert_eq!((ex.labels.len(), ex.timestamp_ms), (2, None));
    // In 0.0.4, `_created` is a sample like any other.
    assert_eq!(
        text("# TYPE c counter\nc_total 1\nc_created 2\n")
            .samples
            .len(),
        2
    );
}

#[test]
fn openmetrics_strictness() {
    let p = om("a 1\n");
    assert_eq!(
        (p.samples.len(), p.first_error.as_deref()),
        (1, Some("line 1: OpenMetrics page does not end with # EOF"))
    );
    let p = om("a 1\n# EOF\nb 2\n\nc 3\n");
    assert_eq!((p.samples.len(), p.invalid_lines), (1, 2));
    let p = om("a 1\n\n# just talk\nb 2\n# EOF\n");
    assert_eq!((p.samples.len(), p.invalid_lines), (2, 2));
    assert_eq!(om("a 1 # {x=\"1\"} nope\n# EOF\n").invalid_lines, 1);
    assert_eq!(om("a 1 # x\n# EOF\n").invalid_lines, 1);
}

#[test]
fn empty_label_values_mean_absent_and_labels_are_sorted() {
    let p = text("m{z=\"1\",a=\"\",b=\"2\"} 1\n");
    let names: Vec<&str> = p.samples[0].labels.iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["__name__", "b", "z"]);
}

#[test]
fn truncated_pages_never_panic() {
    let page = concat!(
        "# HELP a h\\n\n# TYPE a histogram\n",
        "a_bucket{le=\"0.5\",\"x.y\"=\"\\\"q\\\\\"} 1 # {t=\"1\"} 2 3\n",
        "{\"n.m\",k=\"v\"} -Inf 17\n# UNIT a s\n# EOF\n",
    )
    .as_bytes();
    for end in 0..=page.len() {
        for ct in [TEXT, OM] {
            let p = parse_page(&page[..end], ct);
            assert!(p.samples.len() <= 2);
        }
    }
    // Bytes a page should never contain.
    let junk: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    for ct in [TEXT, OM] {
        let p = parse_page(&junk, ct);
        assert!(p.invalid_lines > 0);
    }
}

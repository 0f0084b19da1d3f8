//! Property: any page written out in either format and parsed back gives
//! the same series, values and timestamps, with no invalid line.

use proptest::prelude::*;
use std::collections::BTreeMap;
use std::fmt::Write;
use vitals::scrape::expo::parse_page;

#[derive(Clone, Debug)]
struct Series {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
    ts_ms: Option<i64>,
}

fn metric_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z_:][a-zA-Z0-9_:]{0,20}",
        1 => "[a-z]{1,5}[.\\-/ é☃][a-z]{1,5}",
    ]
}

fn label_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z_][a-zA-Z0-9_]{0,12}",
        1 => "[a-z]{1,4}[.é ][a-z]{1,4}",
    ]
    .prop_filter("reserved", |n| n != "__name__")
}

/// Non-empty label values with the bytes parsers get wrong.
fn label_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9]{1,10}",
        "[ -~]{1,20}",
        "[\",\\\\{}=\\n\\t a-zé東🚀#]{1,16}",
        any::<String>().prop_filter("non-empty", |s| !s.is_empty()),
    ]
}

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        (-1_000_000i64..1_000_000).prop_map(|v| v as f64),
        (-1e6..1e6f64),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
    ]
}

fn series() -> impl Strategy<Value = Series> {
    (
        metric_name(),
        proptest::collection::btree_map(label_name(), label_value(), 0..6),
        value(),
        proptest::option::of(0i64..4_000_000_000_000),
    )
        .prop_map(|(name, labels, value, ts_ms)| Series {
            name,
            labels,
            value,
            ts_ms,
        })
}

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_plain(name: &str, metric: bool) -> bool {
    let mut chars = name.chars();
    let ok_start = |c: char| c.is_ascii_alphabetic() || c == '_' || (metric && c == ':');
    let ok = |c: char| ok_start(c) || c.is_ascii_digit();
    chars.next().is_some_and(ok_start) && chars.all(ok)
}

fn write_page(series: &[Series], om: bool) -> String {
    let mut out = String::new();
    for s in series {
        let mut parts: Vec<String> = Vec::new();
        let plain_name = is_plain(&s.name, true);
        if plain_name {
            out.push_str(&s.name);
        } else {
            parts.push(quote(&s.name));
        }
        for (n, v) in &s.labels {
            let n = if is_plain(n, false) {
                n.clone()
            } else {
                quote(n)
            };
            parts.push(format!("{n}={}", quote(v)));
        }
        if !parts.is_empty() {
            let _ = write!(out, "{{{}}}", parts.join(","));
        }
        let v = if s.value.is_nan() {
            "NaN".to_string()
        } else if s.value.is_infinite() {
            if s.value > 0.0 { "+Inf" } else { "-Inf" }.to_string()
        } else {
            format!("{:e}", s.value)
        };
        let _ = write!(out, " {v}");
        if let Some(ts) = s.ts_ms {
            if om {
                let _ = write!(out, " {}.{:03}", ts / 1000, ts % 1000);
            } else {
                let _ = write!(out, " {ts}");
            }
        }
        out.push('\n');
    }
    if om {
        out.push_str("# EOF\n");
    }
    out
}

fn check(series: &[Series], om: bool) -> Result<(), TestCaseError> {
    let page = write_page(series, om);
    let ct = om.then_some("application/openmetrics-text; version=1.0.0");
    let parsed = parse_page(page.as_bytes(), ct);
    prop_assert_eq!(
        parsed.invalid_lines,
        0,
        "{:?}\n{}",
        parsed.first_error,
        page
    );
    prop_assert_eq!(parsed.samples.len(), series.len());
    for (want, got) in series.iter().zip(&parsed.samples) {
        prop_assert_eq!(got.labels.name(), Some(want.name.as_str()));
        let labels: BTreeMap<String, String> = got
            .labels
            .iter()
            .filter(|(n, _)| *n != "__name__")
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        prop_assert_eq!(&labels, &want.labels);
        if want.value.is_nan() {
            prop_assert!(got.value.is_nan());
        } else {
            prop_assert_eq!(got.value.to_bits(), want.value.to_bits());
        }
        prop_assert_eq!(got.timestamp_ms, want.ts_ms);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn text_pages_round_trip(series in proptest::collection::vec(series(), 0..20)) {
        check(&series, false)?;
    }

    #[test]
    fn openmetrics_pages_round_trip(series in proptest::collection::vec(series(), 0..20)) {
        check(&series, true)?;
    }
}

/// A page with every construct, for mutation.
const SEED: &str = concat!(
    "# HELP req Requests \\\\ \\n.\n# TYPE req counter\n# UNIT req requests\n",
    "req_total{code=\"200\",\"a.b\"=\"x,y}\"} 5 1700000000 # {trace_id=\"t\"} 1 17.5\n",
    "req_created 1.5e9\n{\"my.metric\",le=\"+Inf\"} NaN\n",
    "# TYPE h histogram\nh_bucket{le=\"0.1\"} 1\nh_sum -Inf\nh_count 2\n# EOF\n",
);

fn check_counts(body: &[u8]) -> Result<(), TestCaseError> {
    for ct in [None, Some("application/openmetrics-text")] {
        let page = parse_page(body, ct);
        let lines = body.split(|&b| b == b'\n').count() as u64;
        prop_assert!(page.samples.len() as u64 + page.invalid_lines <= lines + 1);
        prop_assert_eq!(page.first_error.is_some(), page.invalid_lines > 0);
        prop_assert_eq!(page.bytes, body.len() as u64);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Arbitrary bytes: no panic, and the counts add up.
    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..400)) {
        check_counts(&body)?;
    }

    /// A valid page with bytes overwritten, inserted or removed.
    #[test]
    fn mutated_pages_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..8)
    ) {
        let mut body = SEED.as_bytes().to_vec();
        for (pos, byte, op) in edits {
            let i = pos % (body.len() + 1);
            match op {
                0 if i < body.len() => body[i] = byte,
                1 => body.insert(i, byte),
                _ if i < body.len() => {
                    body.remove(i);
                }
                _ => body.push(byte),
            }
        }
        check_counts(&body)?;
    }
}

#[test]
fn the_mutation_seed_is_a_valid_openmetrics_page() {
    let page = parse_page(SEED.as_bytes(), Some("application/openmetrics-text"));
    assert_eq!(page.invalid_lines, 0, "{:?}", page.first_error);
    assert_eq!(page.samples.len(), 5);
}

//! The comparison with a reference parser: Python prometheus_client's text
//! parser (`scripts/expo_reference.py`, which installs it with pip when
//! missing) against ours, series by series, on one page.

use super::common::in_ci;
use std::path::Path;
use std::process::Command;
use vitals::scrape::expo::parse_page;

/// Runs the reference script on `path`; `None` (with a note) when Python
/// or the package is unavailable outside CI. In CI that fails the test.
fn reference(path: &Path, om: bool) -> Option<Vec<String>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/expo_reference.py");
    let format = if om { "openmetrics" } else { "text" };
    let out = match Command::new("python3")
        .arg(script)
        .arg(format)
        .arg(path)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            assert!(!in_ci(), "python3 is required in CI: {e}");
            eprintln!("note: python3 not found ({e}); reference comparison skipped");
            return None;
        }
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(3) && !in_ci() {
        eprintln!("note: {stderr}; reference comparison skipped");
        return None;
    }
    assert!(
        out.status.success(),
        "reference parser failed on {}: {stderr}",
        path.display()
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8 output");
    Some(text.lines().map(normalise_reference).collect())
}

/// `name<TAB>{"a": "b"}<TAB>1.0` → `name{a="b"} <f64 bits>`.
fn normalise_reference(line: &str) -> String {
    let mut cols = line.splitn(3, '\t');
    let (name, labels, value) = (
        cols.next().unwrap_or(""),
        cols.next().unwrap_or("{}"),
        cols.next().unwrap_or(""),
    );
    let labels: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(labels).expect("labels JSON");
    let labels: Vec<(String, String)> = labels
        .into_iter()
        .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
        .collect();
    let value: f64 = value.parse().expect("value");
    render(name, &labels, value)
}

fn render(name: &str, labels: &[(String, String)], value: f64) -> String {
    let mut labels = labels.to_vec();
    labels.sort();
    let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    let bits = if value.is_nan() {
        u64::MAX
    } else {
        value.to_bits()
    };
    format!("{name}{{{}}} {bits:x}", labels.join(","))
}

/// Asserts that our parser and the reference find the same series with
/// the same values (bit for bit) on the page at `path`, which must parse
/// without an invalid line. Returns the number of series compared, or
/// `None` when the reference is unavailable outside CI.
pub fn agrees(path: &Path, om: bool) -> Option<usize> {
    let mut want = reference(path, om)?;
    let what = path.display();
    let body = std::fs::read(path).unwrap_or_else(|e| panic!("{what}: {e}"));
    let page = parse_page(&body, if om { super::OM } else { super::TEXT });
    assert_eq!(page.invalid_lines, 0, "{what}: {:?}", page.first_error);
    let mut got: Vec<String> = page
        .samples
        .iter()
        .map(|s| {
            let labels: Vec<(String, String)> = s
                .labels
                .iter()
                .filter(|(n, _)| *n != "__name__")
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect();
            render(s.labels.name().unwrap_or(""), &labels, s.value)
        })
        .collect();
    assert_eq!(got.len(), want.len(), "{what}: sample count");
    got.sort();
    want.sort();
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "{what}");
    }
    Some(got.len())
}

//! The real pages compared series by series with a reference parser:
//! Python prometheus_client's text parser (`scripts/expo_reference.py`,
//! which installs it with pip when missing).

mod expo_util;

use expo_util::{fixtures, OM, TEXT};
use std::process::Command;
use vitals::scrape::expo::parse_page;

const PAGES: &[(&str, bool)] = &[
    ("node_exporter-e2e-output.txt", false),
    ("node_exporter-1.5.0-debian-live.txt", false),
    ("prometheus-2.42.0-debian-live.txt", false),
    ("prometheus-alltypes.237mfs.prom.txt", false),
    ("prometheus-alltypes.5mfs.om.txt", true),
];

fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// Runs the reference script; `None` (with a note) when Python or the
/// package is unavailable outside CI.
fn reference(path: &std::path::Path, om: bool) -> Option<Vec<String>> {
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

#[test]
fn real_pages_match_prometheus_client() {
    let Some(dir) = fixtures("real") else { return };
    for &(file, om) in PAGES {
        let path = dir.join(file);
        let Some(mut want) = reference(&path, om) else {
            return;
        };
        let body = std::fs::read(&path).expect("read page");
        let page = parse_page(&body, if om { OM } else { TEXT });
        assert_eq!(page.invalid_lines, 0, "{file}: {:?}", page.first_error);
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
        assert_eq!(got.len(), want.len(), "{file}: sample count");
        got.sort();
        want.sort();
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g, w, "{file}");
        }
    }
}

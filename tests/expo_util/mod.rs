//! Helpers shared by the exposition-parser tests: where the project's own
//! fixtures are, and the parser's results written out for assertions.
#![allow(dead_code)]

#[path = "../common/mod.rs"]
pub mod common;
pub mod live;
pub mod reference;

use std::path::PathBuf;
use vitals::scrape::expo::{parse, FamilyRef, ParseError, SampleRef, Visitor};
use vitals::scrape::Page;

/// The project's own exposition fixtures: `tests/fixtures/exposition/<sub>`.
pub fn own(sub: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/exposition"
    ))
    .join(sub)
}

/// The file names in one of the own fixture folders, sorted.
pub fn names(sub: &str) -> Vec<String> {
    let dir = own(sub);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Whether a case file is OpenMetrics (`.om`) rather than text 0.0.4.
pub fn is_om(file: &str) -> bool {
    file.ends_with(".om")
}

/// One of the own cases: its bytes and its page, parsed in the format its
/// extension names.
pub fn case(file: &str) -> (Vec<u8>, Page) {
    let path = own("cases").join(file);
    let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let page = vitals::scrape::expo::parse_page(&body, if is_om(file) { OM } else { TEXT });
    (body, page)
}

/// Each sample as `name{a="b", c="d"} value [@ts]`.
pub fn series(page: &Page) -> Vec<String> {
    page.samples
        .iter()
        .map(|s| {
            let mut out = format!("{} {}", s.labels, fmt_value(s.value));
            if let Some(ts) = s.timestamp_ms {
                out.push_str(&format!(" @{ts}"));
            }
            out
        })
        .collect()
}

/// A float as Prometheus writes it.
pub fn fmt_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}

/// Everything the streaming parser reports, owned, for assertions.
#[derive(Default, Debug)]
pub struct Recorder {
    pub samples: Vec<String>,
    pub kinds: Vec<String>,
    pub created: Vec<(String, f64)>,
    pub families: Vec<String>,
    pub errors: Vec<String>,
}

impl<'a> Visitor<'a> for Recorder {
    fn sample(&mut self, s: &SampleRef<'a, '_>) {
        let labels: Vec<String> = s
            .labels
            .iter()
            .map(|l| format!("{}={:?}", l.name, l.value))
            .collect();
        self.samples.push(format!(
            "{}{{{}}} {}",
            s.name,
            labels.join(","),
            fmt_value(s.value)
        ));
        self.kinds.push(format!("{:?}", s.kind()));
    }
    fn metadata(&mut self, f: &FamilyRef<'a>) {
        self.families.push(format!("{} {:?}", f.name, f.kind));
    }
    fn created(&mut self, s: &SampleRef<'a, '_>) {
        self.created.push((s.name.to_string(), s.value));
    }
    fn invalid(&mut self, e: &ParseError) {
        self.errors.push(e.to_string());
    }
}

/// Runs the streaming parser and records what it reports.
pub fn record(body: &[u8], om: bool) -> Recorder {
    use vitals::scrape::expo::Format;
    let mut r = Recorder::default();
    let f = if om {
        Format::OpenMetrics
    } else {
        Format::Text
    };
    parse(body, f, &mut r);
    r
}

pub const OM: Option<&str> = Some("application/openmetrics-text; version=1.0.0; charset=utf-8");
pub const TEXT: Option<&str> = Some("text/plain; version=0.0.4; charset=utf-8");

/// Asserts that `page` has one sample per sample line of `body`, in page
/// order (in OpenMetrics, `om`, a `_created` line is not a sample).
pub fn assert_sample_per_line(file: &str, body: &[u8], page: &Page, om: bool) {
    let lines: Vec<&[u8]> = body
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty() && l[0] != b'#')
        .filter(|l| !(om && line_name(l).ends_with(b"_created")))
        .collect();
    assert_eq!(lines.len(), page.samples.len(), "{file}");
    for (line, s) in lines.iter().zip(&page.samples) {
        let name = s.labels.name().expect("name");
        assert!(
            line.starts_with(name.as_bytes()),
            "{file}: {name} vs {}",
            String::from_utf8_lossy(line)
        );
    }
}

/// The metric name at the start of a sample line.
fn line_name(line: &[u8]) -> &[u8] {
    let end = line.iter().position(|&b| b == b'{' || b == b' ');
    &line[..end.unwrap_or(line.len())]
}

//! Helpers shared by the exposition-parser tests.
#![allow(dead_code)]

use std::path::PathBuf;
use vitals::scrape::expo::{parse, FamilyRef, ParseError, SampleRef, Visitor};
use vitals::scrape::Page;

/// The shared fixtures directory, or `None` (with a note) when it is absent
/// outside CI. In CI a missing directory fails the test.
pub fn fixtures(sub: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/exposition/"
    ))
    .join(sub);
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("fixtures missing: {}", dir.display());
    }
    eprintln!("note: {} not found, skipping", dir.display());
    None
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

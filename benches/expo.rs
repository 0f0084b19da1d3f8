//! Exposition parser throughput: ours (streaming and owned Page) against the
//! crate prometheus-parse and against counting newlines (the ceiling), on
//! the real pages the project captured (`tests/fixtures/exposition/real/`:
//! node_exporter 1.5.0 with many collectors, Prometheus 2.42's own page)
//! and a generated 100 000-series page. When `VITALS_EXPO_FIXTURES_DIR`
//! names the external fixtures, their two large pages are measured too
//! (ids `ext_…`).
//!
//! `cargo bench --bench expo -- --warm-up-time 1 --measurement-time 3`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::io;
use vitals::scrape::expo::{parse, parse_page, Format, PageParser, SampleRef, Visitor};

/// Reads one of the project's real pages.
fn own_page(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/exposition/real/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Reads a page of the external fixtures, when `VITALS_EXPO_FIXTURES_DIR`
/// names them.
fn external_page(name: &str) -> Option<Vec<u8>> {
    let dir = std::env::var_os("VITALS_EXPO_FIXTURES_DIR").filter(|d| !d.is_empty())?;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(dir)
        .join("real")
        .join(name);
    match std::fs::read(&path) {
        Ok(body) => Some(body),
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

/// A page of `n` series in 0.0.4 text, shaped like a busy service's:
/// counters, gauges and histograms, 3 to 6 labels each, HELP and TYPE per
/// family.
pub fn generated_page(n: usize) -> Vec<u8> {
    use std::fmt::Write;
    let mut out = String::with_capacity(n * 110);
    let mut written = 0;
    let mut fam = 0;
    while written < n {
        let kind = ["counter", "gauge", "histogram"][fam % 3];
        let name = format!("app_subsystem{}_operation_{}", fam % 17, fam);
        let _ = writeln!(
            out,
            "# HELP {name} Operations of subsystem {}, by route and status.",
            fam % 17
        );
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for s in 0..100 {
            if written >= n {
                break;
            }
            let labels = format!(
                "service=\"svc-{}\",instance=\"10.0.{}.{}:8080\",route=\"/api/v1/items/{}\",code=\"{}\"",
                fam % 7,
                s % 4,
                s % 250,
                s,
                [200, 404, 500][s % 3]
            );
            let v = (fam * 1000 + s) as f64 * 1.25;
            match kind {
                "histogram" => {
                    let le = ["0.005", "0.1", "1", "+Inf"][s % 4];
                    let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{le}\"}} {v}");
                }
                "counter" => {
                    let _ = writeln!(out, "{name}_total{{{labels}}} {v}");
                }
                _ => {
                    let _ = writeln!(out, "{name}{{{labels}}} {}", v / 7.0);
                }
            }
            written += 1;
        }
        fam += 1;
    }
    out.into_bytes()
}

/// A visitor that reads every field, so that nothing is optimised away.
#[derive(Default)]
struct Touch {
    samples: usize,
    labels: usize,
    sum: f64,
}

impl<'a> Visitor<'a> for Touch {
    #[inline]
    fn sample(&mut self, s: &SampleRef<'a, '_>) {
        self.samples += 1;
        self.labels += s.labels.len() + s.name.len();
        for l in s.labels {
            self.labels += l.value.len();
        }
        self.sum += s.value;
    }
}

fn count_streaming(body: &[u8]) -> usize {
    let mut t = Touch::default();
    parse(body, Format::Text, &mut t);
    t.samples
}

fn prometheus_parse(body: &str) -> usize {
    let lines = body.lines().map(|l| Ok::<_, io::Error>(l.to_owned()));
    prometheus_parse::Scrape::parse(lines).map_or(0, |s| s.samples.len())
}

fn pages() -> Vec<(&'static str, Vec<u8>)> {
    let mut pages = vec![
        (
            "node_exporter_many",
            own_page("node_exporter-1.5.0-many-collectors.txt"),
        ),
        ("prometheus_self", own_page("prometheus-2.42.0-self.txt")),
    ];
    let external = [
        ("ext_node_exporter_e2e", "node_exporter-e2e-output.txt"),
        (
            "ext_prometheus_alltypes",
            "prometheus-alltypes.237mfs.prom.txt",
        ),
    ];
    for (id, file) in external {
        if let Some(body) = external_page(file) {
            pages.push((id, body));
        }
    }
    pages.push(("generated_100k", generated_page(100_000)));
    pages
}

/// The parsers compared; each is a criterion group, so ids read
/// `vitals/node_exporter_many`, `prometheus_parse/node_exporter_many`, ….
const PARSERS: [&str; 5] = [
    "vitals",
    "vitals_page",
    "vitals_page_fresh",
    "prometheus_parse",
    "memchr_lines",
];

fn bench(c: &mut Criterion) {
    let pages = pages();
    for (name, body) in &pages {
        let text = std::str::from_utf8(body).expect("pages are UTF-8");
        eprintln!(
            "{name}: {} bytes, {} series (prometheus-parse finds {})",
            body.len(),
            count_streaming(body),
            prometheus_parse(text)
        );
    }
    for parser in PARSERS {
        let mut g = c.benchmark_group(parser);
        for (name, body) in &pages {
            let text = std::str::from_utf8(body).expect("pages are UTF-8");
            g.throughput(Throughput::Bytes(body.len() as u64));
            let id = BenchmarkId::from_parameter(name);
            match parser {
                "vitals" => g.bench_function(id, |b| b.iter(|| count_streaming(black_box(body)))),
                "vitals_page" => {
                    let mut reused = PageParser::new();
                    g.bench_function(id, |b| {
                        b.iter(|| reused.parse(black_box(body), None).samples.len())
                    })
                }
                "vitals_page_fresh" => g.bench_function(id, |b| {
                    b.iter(|| parse_page(black_box(body), None).samples.len())
                }),
                "prometheus_parse" => {
                    g.bench_function(id, |b| b.iter(|| prometheus_parse(black_box(text))))
                }
                _ => g.bench_function(id, |b| {
                    b.iter(|| memchr::memchr_iter(b'\n', black_box(body.as_slice())).count())
                }),
            };
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

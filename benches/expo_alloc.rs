//! Allocations per scrape of the exposition parser, counted by a global
//! allocator: the streaming parser (what an ingest path uses) and the owned
//! `Page`, first scrape and steady state (a reused `PageParser`), on the
//! project's real pages (`tests/fixtures/exposition/real/`).
//!
//! `cargo bench --bench expo_alloc`

use vitals::scrape::expo::{parse, Format, PageParser, SampleRef, Visitor};

#[path = "support/counting.rs"]
mod counting;
use counting::count;

struct Sum(f64, usize);

impl<'a> Visitor<'a> for Sum {
    fn sample(&mut self, s: &SampleRef<'a, '_>) {
        self.0 += s.value;
        self.1 += 1;
    }
}

/// The project's real pages (`tests/fixtures/exposition/real/`).
const PAGES: &[(&str, &str)] = &[
    (
        "node_exporter many collectors",
        "node_exporter-1.5.0-many-collectors.txt",
    ),
    ("Prometheus self", "prometheus-2.42.0-self.txt"),
];

fn main() {
    for (name, file) in PAGES {
        let path = format!(
            "{}/tests/fixtures/exposition/real/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        measure(name, &body);
    }
}

fn measure(name: &str, body: &[u8]) {
    let (a, b, n) = count(|| {
        let mut v = Sum(0.0, 0);
        parse(body, Format::Text, &mut v);
        v.1
    });
    println!(
        "{name}, streaming parse ({n} samples): {a} allocations, {b} bytes per scrape ({:.3} allocations per sample)",
        a as f64 / n as f64
    );
    let mut parser = PageParser::new();
    let (a, b, page) = count(|| parser.parse(body, None));
    println!(
        "{name}, owned Page, first scrape: {a} allocations, {b} bytes ({:.2} per sample)",
        a as f64 / page.samples.len() as f64
    );
    drop(page);
    let (a, b, page) = count(|| parser.parse(body, None));
    println!(
        "{name}, owned Page, steady state (reused PageParser): {a} allocations, {b} bytes ({:.2} per sample)",
        a as f64 / page.samples.len() as f64
    );
}

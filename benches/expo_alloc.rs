//! Allocations per scrape of the exposition parser, counted by a global
//! allocator: the streaming parser (what an ingest path uses) and the owned
//! `Page`, first scrape and steady state (a reused `PageParser`).
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

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/exposition/real/node_exporter-e2e-output.txt"
    );
    let Ok(body) = std::fs::read(path) else {
        eprintln!("note: {path} missing; nothing measured");
        return;
    };
    let (a, b, n) = count(|| {
        let mut v = Sum(0.0, 0);
        parse(&body, Format::Text, &mut v);
        v.1
    });
    println!(
        "streaming parse, node_exporter e2e ({n} samples): {a} allocations, {b} bytes per scrape ({:.3} allocations per sample)",
        a as f64 / n as f64
    );
    let mut parser = PageParser::new();
    let (a, b, page) = count(|| parser.parse(&body, None));
    println!(
        "owned Page, first scrape: {a} allocations, {b} bytes ({:.2} per sample)",
        a as f64 / page.samples.len() as f64
    );
    drop(page);
    let (a, b, page) = count(|| parser.parse(&body, None));
    println!(
        "owned Page, steady state (reused PageParser): {a} allocations, {b} bytes ({:.2} per sample)",
        a as f64 / page.samples.len() as f64
    );
}

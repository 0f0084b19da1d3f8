//! Parses one exposition page many times, for a profiler. The page defaults
//! to the project's large real page,
//! `tests/fixtures/exposition/real/node_exporter-1.5.0-many-collectors.txt`.
//!
//! `cargo build --release --example expo_profile && valgrind --tool=callgrind
//! target/release/examples/expo_profile [PAGE] [ROUNDS]`

use std::hint::black_box;
use vitals::scrape::expo::{parse, Format, SampleRef, Visitor};

#[derive(Default)]
struct Touch {
    samples: usize,
    sum: f64,
}

impl<'a> Visitor<'a> for Touch {
    fn sample(&mut self, s: &SampleRef<'a, '_>) {
        self.samples += s.labels.len() + 1;
        self.sum += s.value;
    }
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/exposition/real/node_exporter-1.5.0-many-collectors.txt"
        )
        .to_string()
    });
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100);
    let body = std::fs::read(&path)?;
    let mut t = Touch::default();
    for _ in 0..rounds {
        parse(black_box(&body), Format::Text, &mut t);
    }
    std::process::exit(if t.samples > 0 && t.sum.is_finite() {
        0
    } else {
        1
    })
}

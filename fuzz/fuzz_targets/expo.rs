//! Fuzz target for the exposition parser: any bytes, either format.
//!
//! `cargo +nightly fuzz run expo -- -max_total_time=60`, or on a stable
//! toolchain `RUSTC_BOOTSTRAP=1 cargo fuzz run expo -- -max_total_time=60`
//! (what `scripts/test` runs).
//!
//! Besides "never panics", it checks the parser's accounting: every line
//! yields at most one sample, `_created` line or error, and the owned page
//! agrees with the streaming parser, and so does the ingest straight into
//! the store (`Engine::apply_body`), on a first and a repeated scrape.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;
use vitals::engine::{Engine, EngineOptions};
use vitals::scrape::expo::{parse, parse_page, Format, ParseError, SampleRef, Visitor};
use vitals::scrape::Target;

#[derive(Default)]
struct Count {
    samples: u64,
    created: u64,
    invalid: u64,
}

impl<'a> Visitor<'a> for Count {
    fn sample(&mut self, s: &SampleRef<'a, '_>) {
        assert!(!s.name.is_empty());
        self.samples += 1;
    }
    fn created(&mut self, _: &SampleRef<'a, '_>) {
        self.created += 1;
    }
    fn invalid(&mut self, e: &ParseError) {
        assert!(e.line >= 1);
        self.invalid += 1;
    }
}

thread_local! {
    static ENGINE: RefCell<(Engine, u64, i64)> =
        RefCell::new((Engine::new(EngineOptions::default()), 0, 0));
    static TARGET: Arc<Target> = Arc::new(Target {
        url: "http://127.0.0.1:9/metrics".into(),
        job: "fuzz".into(),
        instance: "127.0.0.1:9".into(),
        labels: Default::default(),
        ..Default::default()
    });
}

fuzz_target!(|data: &[u8]| {
    for (format, ct) in [
        (Format::Text, None),
        (Format::OpenMetrics, Some("application/openmetrics-text")),
    ] {
        let mut c = Count::default();
        let summary = parse(data, format, &mut c);
        assert_eq!((summary.samples, summary.created), (c.samples, c.created));
        assert_eq!(summary.invalid_lines, c.invalid);
        // One outcome per line at most, plus a missing `# EOF`.
        assert!(c.samples + c.created + c.invalid <= summary.lines + 1);
        let page = parse_page(data, ct);
        assert_eq!(page.samples.len() as u64, c.samples);
        assert_eq!(page.invalid_lines, c.invalid);
        assert_eq!(page.bytes, data.len() as u64);
        assert_eq!(page.first_error.is_some(), c.invalid > 0);
        // Straight into the store, twice: the second scrape goes through
        // the series remembered from the first and must store the same.
        // One engine serves 256 inputs (building one costs more than a run).
        ENGINE.with(|cell| {
            let mut slot = cell.borrow_mut();
            let (engine, runs, t) = &mut *slot;
            *runs += 1;
            if *runs % 256 == 0 {
                *engine = Engine::new(EngineOptions::default());
            }
            let d = Duration::from_millis(1);
            *t += 2000;
            let first = engine.apply_body(&TARGET.with(Arc::clone), *t, d, data, ct);
            let series = engine.store().series_count();
            *t += 2000;
            let second = engine.apply_body(&TARGET.with(Arc::clone), *t, d, data, ct);
            assert_eq!(first, second);
            assert_eq!(first.samples, c.samples);
            assert_eq!(engine.store().series_count(), series);
        });
    }
});

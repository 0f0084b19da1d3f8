//! Fuzz target for the exposition parser: any bytes, either format.
//!
//! `cargo +nightly fuzz run expo -- -max_total_time=60`
//!
//! Besides "never panics", it checks the parser's accounting: every line
//! yields at most one sample, `_created` line or error, and the owned page
//! agrees with the streaming parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vitals::scrape::expo::{parse, parse_page, Format, ParseError, SampleRef, Visitor};

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
    }
});

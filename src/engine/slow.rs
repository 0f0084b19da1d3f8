//! Slow evaluations: which panel expression took longest in a tick, and the
//! one diagnostics line a slow tick writes ("which panel is slow").
//!
//! The engine reads no clock here: `run.rs` hands it one ([`Engine::set_clock`])
//! and measures the tick itself.

use super::Engine;

/// A tick that takes longer than this is logged, one line per tick.
pub const SLOW_TICK_MS: i64 = 250;

/// Characters of an expression or title kept in the log line.
const SHOWN_CHARS: usize = 80;

/// The longest single expression evaluation of a tick.
#[derive(Debug, Clone, PartialEq)]
pub struct Slowest {
    pub panel: String,
    pub expr: String,
    pub ms: i64,
}

/// Keeps the longer of `slot` and this evaluation.
pub(super) fn offer(slot: &mut Option<Slowest>, panel: &str, expr: &str, ms: i64) {
    if slot.as_ref().is_none_or(|s| ms > s.ms) {
        *slot = Some(Slowest {
            panel: panel.to_string(),
            expr: expr.to_string(),
            ms,
        });
    }
}

/// `text` cut to `max` characters, with `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// The log line of a tick from `start_ms` to `end_ms` (wall-clock epoch
/// milliseconds), or None when it was not slow.
pub fn slow_tick_line(start_ms: i64, end_ms: i64, slowest: Option<&Slowest>) -> Option<String> {
    let ms = end_ms - start_ms;
    if ms <= SLOW_TICK_MS {
        return None;
    }
    let mut line = format!("slow evaluation: {ms} ms start_ms={start_ms} end_ms={end_ms}");
    if let Some(s) = slowest {
        line.push_str(&format!(
            "; slowest panel {:?} {} ms: {}",
            shorten(&s.panel, SHOWN_CHARS),
            s.ms,
            shorten(&s.expr, SHOWN_CHARS)
        ));
    }
    Some(line)
}

impl Engine {
    /// The clock the per-expression timing reads (wall-clock epoch
    /// milliseconds); without one nothing is timed.
    pub fn set_clock(&mut self, clock: fn() -> i64) {
        self.clock = Some(clock);
    }

    /// The longest panel expression evaluation of the last tick (only with a
    /// clock).
    pub fn take_slowest(&mut self) -> Option<Slowest> {
        self.slowest.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quick_tick_writes_nothing() {
        assert_eq!(slow_tick_line(1_000, 1_000 + SLOW_TICK_MS, None), None);
    }

    #[test]
    fn a_slow_tick_names_its_times_and_slowest_panel() {
        let mut slot = None;
        offer(&mut slot, "Quick", "up", 3);
        offer(
            &mut slot,
            "Expensive",
            &format!("{}up", "abs(".repeat(40)),
            990,
        );
        offer(&mut slot, "Other", "sum(up)", 990);
        let line = slow_tick_line(1_000, 2_012, slot.as_ref()).unwrap();
        assert_eq!(
            line,
            format!(
                "slow evaluation: 1012 ms start_ms=1000 end_ms=2012; slowest panel \"Expensive\" 990 ms: {}…",
                "abs(".repeat(20)
            )
        );
    }

    /// A clock whose every reading is further from the last: later
    /// evaluations look slower.
    fn speeding_clock() -> i64 {
        static CALLS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
        let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        n * n
    }

    #[test]
    fn the_tick_names_its_slowest_panel_expression_only_with_a_clock() {
        let opts = crate::engine::EngineOptions {
            exprs: vec!["up".into(), "sum(up)".into(), "count(up)".into()],
            ..Default::default()
        };
        let mut untimed = Engine::new(opts.clone());
        untimed.tick(1_000);
        assert_eq!(untimed.take_slowest(), None);

        let mut e = Engine::new(opts);
        e.set_clock(speeding_clock);
        e.tick(1_000);
        let s = e.take_slowest().unwrap();
        assert_eq!(
            (s.panel.as_str(), s.expr.as_str()),
            ("count(up)", "count(up)")
        );
        assert!(s.ms > 0);
        // Taken: the next tick starts afresh.
        assert_eq!(e.take_slowest(), None);
    }

    #[test]
    fn shortening_counts_characters_not_bytes() {
        assert_eq!(shorten("ééé", 2), "éé…");
        assert_eq!(shorten("ééé", 3), "ééé");
    }
}

//! What one refresh over a server asks ([`Plan`]), as the engine hands it
//! to the poller.

use super::step::range_params;
use std::time::Duration;

/// Chart resolution when the server is asked for a range before the screen
/// has said how wide its charts are: the braille dots of a 120-column panel
/// (two per column).
pub const CHART_POINTS: u16 = 240;

/// What one refresh asks the server. Every text is sent exactly as written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// Instant queries: current values of panels, rules and the instance
    /// table, without duplicates.
    pub instant: Vec<String>,
    /// Range queries for the charts, without duplicates.
    pub charts: Vec<String>,
    /// The chart window (the engine's retention).
    pub window: Duration,
    /// The smallest useful step: the server's scrape interval.
    pub min_step: Duration,
    /// How much history brings every alert state up to date (the longest
    /// `for` plus `keep_firing_for`): stepped through once at start.
    pub catch_up: Duration,
    /// Points across the widest chart (its braille dots); 0 means
    /// [`CHART_POINTS`].
    pub points: u16,
    /// Instant queries left out of a refresh while another query's last
    /// answer already holds every series they would return.
    pub covered: Vec<Covered>,
    /// Queries vitals wrote itself (never a user's), in groups: a detected
    /// panel's expressions, the instance table's, the detected rules'. A
    /// live poller asks a group's instant vectors in one request (every
    /// group in one while the server is fast): see `source/batch.rs`.
    pub groups: Vec<Vec<String>>,
}

/// `text` (an instant query of the plan) is not sent while the last answer
/// to `by`, a `topk(limit, …)` of the same values over more instances, held
/// fewer than `limit` series: `topk` then kept every series, so `text`
/// would repeat values the refresh already has. The instance table's
/// window is such a query.
#[derive(Clone, Debug, PartialEq)]
pub struct Covered {
    pub text: String,
    pub by: String,
    pub limit: usize,
}

impl Plan {
    /// Start, end and step of the charts' range queries at `time_ms`:
    /// one point per dot of the widest chart over the window, never finer
    /// than the server's scrape interval, on a step grid that consecutive
    /// refreshes share ([`range_params`]).
    pub fn chart_range(&self, time_ms: i64) -> (i64, i64, i64) {
        let points = if self.points == 0 {
            CHART_POINTS
        } else {
            self.points
        };
        range_params(time_ms, self.window, points, self.min_step)
    }
}

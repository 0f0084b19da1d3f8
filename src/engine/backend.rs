//! Where the numbers come from: the engine's one seam between scraping the
//! targets itself and reading a Prometheus-compatible server. Everything
//! else in the engine — panels, rules, alert state machines, the table,
//! the frame — is the same code over either; what differs is answered here.

use super::remote::{Reader, RemoteState};
use super::TargetState;
use crate::frame::{ServerStatus, SourceKind, TargetStatus};
use crate::store::Store;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// The rate window when the scrape interval is not known (a server that
/// does not list its targets): one minute.
const UNKNOWN_INTERVAL_WINDOW: Duration = Duration::from_secs(60);

/// Where an engine's numbers come from.
pub(crate) enum Backend {
    /// Scraping: each target's state, by URL; the samples are in the
    /// engine's store.
    Local(BTreeMap<String, TargetState>),
    /// A server's answers, as the poller last brought them.
    Server(Box<RemoteState>),
}

impl Backend {
    /// Where an expression's result comes from this tick.
    pub fn reader<'a>(&'a self, store: &'a Store) -> Reader<'a> {
        match self {
            Backend::Local(_) => Reader::Local(store),
            Backend::Server(r) => Reader::Remote(r, store),
        }
    }

    pub fn kind(&self) -> SourceKind {
        match self {
            Backend::Local(_) => SourceKind::Scrape,
            Backend::Server(_) => SourceKind::Prometheus,
        }
    }

    /// The scraped targets (None over a server).
    #[cfg(test)]
    pub fn scraped(&self) -> Option<&BTreeMap<String, TargetState>> {
        match self {
            Backend::Local(t) => Some(t),
            Backend::Server(_) => None,
        }
    }

    pub fn scraped_mut(&mut self) -> Option<&mut BTreeMap<String, TargetState>> {
        match self {
            Backend::Local(t) => Some(t),
            Backend::Server(_) => None,
        }
    }

    pub fn server(&self) -> Option<&RemoteState> {
        match self {
            Backend::Local(_) => None,
            Backend::Server(r) => Some(r),
        }
    }

    pub fn server_mut(&mut self) -> Option<&mut RemoteState> {
        match self {
            Backend::Local(_) => None,
            Backend::Server(r) => Some(r),
        }
    }

    /// How often the targets are scraped: our interval, or the server's
    /// (the longest among its targets) when it says.
    pub fn scrape_interval(&self, ours: Duration) -> Option<Duration> {
        match self {
            Backend::Local(_) => Some(ours),
            Backend::Server(r) => r.scrape_interval,
        }
    }

    /// The rate window of the detected panels: one rule for both
    /// ([`crate::detect::rate_window`]), a minute when the scrape interval
    /// is unknown.
    pub fn rate_window(&self, ours: Duration) -> Duration {
        Backend::window_of(self.scrape_interval(ours))
    }

    /// The rate window of a scrape interval, if known.
    pub fn window_of(scrape_interval: Option<Duration>) -> Duration {
        scrape_interval
            .filter(|d| !d.is_zero())
            .map_or(UNKNOWN_INTERVAL_WINDOW, crate::detect::rate_window)
    }

    /// (job, instance) of the targets that cannot be scraped now (and
    /// were up once, when scraping).
    pub fn down_targets(&self) -> BTreeSet<(String, String)> {
        match self {
            Backend::Local(t) => t
                .values()
                .filter(|t| t.seen_up && !t.status.up)
                .map(|t| (t.status.job.clone(), t.status.instance.clone()))
                .collect(),
            Backend::Server(r) => r.down_targets(),
        }
    }

    /// The targets and their status, in a stable order.
    pub fn target_statuses(&self) -> Vec<TargetStatus> {
        match self {
            Backend::Local(t) => t.values().map(|t| t.status.clone()).collect(),
            Backend::Server(r) => r.target_statuses(),
        }
    }

    /// The server's own status line (None when scraping).
    pub fn server_status(&self, time_ms: i64) -> Option<ServerStatus> {
        self.server().map(|r| r.status(time_ms))
    }
}

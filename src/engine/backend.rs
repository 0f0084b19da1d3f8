//! Where the numbers come from: the engine's one seam between scraping the
//! targets itself and reading a Prometheus-compatible server. Everything
//! else in the engine — panels, rules, alert state machines, the table,
//! the frame — is the same code over either; what differs is answered here.

use super::remote::{Reader, RemoteState};
use super::{Engine, TargetState};
use crate::detect::Detected;
use crate::frame::{ServerStatus, SourceKind, TargetStatus};
use crate::promapi::Plan;
use crate::store::Store;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;
use tokio::sync::watch;

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
        crate::detect::rate_window_of(self.scrape_interval(ours))
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

impl Engine {
    /// Reads from the server at `url` instead of the store. Returns what
    /// each refresh must ask, updated whenever panels or rules change.
    pub fn connect_remote(&mut self, url: String) -> watch::Receiver<Plan> {
        let (tx, rx) = watch::channel(Plan::default());
        self.backend = Backend::Server(Box::new(RemoteState {
            url,
            version: None,
            scrape_interval: None,
            targets: None,
            instant: HashMap::new(),
            charts: HashMap::new(),
            error: None,
            warnings: Vec::new(),
            data_ms: None,
            window: Vec::new(),
            narrowed: HashMap::new(),
            chart_points: None,
            rank: None,
            plan: tx,
            rules: Default::default(),
        }));
        rx
    }

    /// The default panels: over a server, detected with its rate window and
    /// with `by (instance)` breakdowns limited to the top series.
    pub(super) fn detect_defaults(&self) -> Detected {
        let window = self.backend.rate_window(self.opts.interval);
        let detected = crate::detect::detect_with_window(&self.catalog, window);
        match self.backend {
            Backend::Local(_) => detected,
            Backend::Server(_) => super::remote::limit(detected),
        }
    }
}

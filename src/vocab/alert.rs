//! Alert severities and states, and the record of a state change.

use super::labels::Labels;

/// Alert states, as Prometheus names them plus `resolved`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum AlertState {
    #[default]
    Inactive,
    Resolved,
    Pending,
    Firing,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Inactive => "inactive",
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
            AlertState::Resolved => "resolved",
        }
    }
}

/// Alert severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub enum Severity {
    Info,
    #[default]
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// One state change, for the log, the sinks and the screen.
#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    pub time_ms: i64,
    pub rule: String,
    pub labels: Labels,
    pub from: Phase,
    pub to: Phase,
    pub value: Option<f64>,
    pub summary: String,
    pub severity: Severity,
    /// An inhibit rule held the alert back when it moved.
    pub inhibited: bool,
}

/// A state in an alert's history, as its transitions name them: one of
/// the [`AlertState`]s, or `Stale` — the targets the alert reads cannot
/// be scraped, and its state is held rather than resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    Inactive,
    Pending,
    Firing,
    Resolved,
    Stale,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Inactive => "inactive",
            Phase::Pending => "pending",
            Phase::Firing => "firing",
            Phase::Resolved => "resolved",
            Phase::Stale => "stale",
        }
    }

    /// The phase a log line names, if any.
    pub fn parse(s: &str) -> Option<Phase> {
        [
            Phase::Inactive,
            Phase::Pending,
            Phase::Firing,
            Phase::Resolved,
            Phase::Stale,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

impl From<AlertState> for Phase {
    fn from(s: AlertState) -> Phase {
        match s {
            AlertState::Inactive => Phase::Inactive,
            AlertState::Pending => Phase::Pending,
            AlertState::Firing => Phase::Firing,
            AlertState::Resolved => Phase::Resolved,
        }
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

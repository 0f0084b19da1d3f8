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
    pub from: &'static str,
    pub to: &'static str,
    pub value: Option<f64>,
    pub summary: String,
    pub severity: Severity,
}

//! The metric catalog: every sample name the targets expose, its family's
//! type and the label names seen on it.

use std::collections::{BTreeMap, BTreeSet};

/// A metric family's type as declared by `# TYPE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
    GaugeHistogram,
    Summary,
    Info,
    StateSet,
    /// No TYPE, `untyped` (0.0.4) or `unknown` (OpenMetrics).
    #[default]
    Untyped,
}

/// What is known about one sample name (e.g. `http_requests_total`,
/// `x_bucket`): the type of its family and the label names seen on it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetricInfo {
    pub kind: MetricType,
    pub labels: BTreeSet<String>,
}

/// Every sample name seen on the targets.
pub type Catalog = BTreeMap<String, MetricInfo>;

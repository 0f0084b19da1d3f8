//! The exposition-format parser (text format 0.0.4 and OpenMetrics 1.0).

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
    #[default]
    Untyped,
}

//! Zero configuration: turns what the targets expose into the default
//! panels and their threshold rules (PRODUCT.md, "What it shows" and
//! "Default thresholds").
//!
//! Detection is pure: it reads a [`Catalog`] of metric names, types and
//! label names, and the rate window, and returns panel definitions whose
//! expressions are complete PromQL text (the window already expanded).

use crate::frame::{PanelKind, Severity, Unit};
pub use crate::vocab::catalog::{Catalog, MetricInfo, MetricType};
use crate::vocab::duration::format_duration;
use std::time::Duration;

/// One expression of a panel.
#[derive(Clone, Debug, PartialEq)]
pub struct ExprDef {
    /// Complete PromQL text, as evaluated and shown.
    pub expr: String,
    /// Labels added to every resulting series (e.g. `quantile="0.99"`).
    pub add_labels: Vec<(String, String)>,
    /// Legend prefix; series with an `instance` label append it.
    pub legend: String,
    /// Threshold rules made from this expression.
    pub thresholds: Vec<Threshold>,
    /// Drawn as a reference line (a limit), not as a series.
    pub is_limit: bool,
}

/// A panel threshold that is also an alert rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    pub alert: String,
    pub severity: Severity,
    pub value: f64,
    /// The alert fires when the value is below (not above) the threshold.
    pub below: bool,
    pub for_: Duration,
    pub summary: String,
    /// Hysteresis (upward thresholds only): once firing, the alert stays
    /// firing until the panel value falls below this.
    pub clear_below: Option<f64>,
}

/// A detected (or configured) panel.
#[derive(Clone, Debug, PartialEq)]
pub struct PanelDef {
    pub id: String,
    pub title: String,
    pub unit: Unit,
    pub kind: PanelKind,
    pub exprs: Vec<ExprDef>,
    /// Why the panel cannot be computed, when nothing suitable is exposed.
    pub error: Option<String>,
    pub warn: Option<f64>,
    pub crit: Option<f64>,
}

/// An alert rule that is not a simple threshold on a panel expression.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleDef {
    pub alert: String,
    pub expr: String,
    pub severity: Severity,
    pub for_: Duration,
    pub summary: String,
    pub threshold: Option<f64>,
    pub panel: Option<String>,
}

/// Extra per-instance expressions for the instance table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TableDefs {
    pub cpu: Option<String>,
    pub cpu_is_cores: bool,
    pub p99: Option<String>,
    pub error_ratio: Option<String>,
}

/// The whole zero-configuration dashboard.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Detected {
    pub panels: Vec<PanelDef>,
    pub rules: Vec<RuleDef>,
    pub table: TableDefs,
}

/// The rate window `W`: Grafana's `$__rate_interval`, max(4 x interval, 10s).
pub fn rate_window(scrape_interval: Duration) -> Duration {
    (scrape_interval * 4).max(Duration::from_secs(10))
}

/// The rate window of a scrape interval that may not be known (a server
/// that does not list its targets): [`rate_window`], else one minute.
pub fn rate_window_of(scrape_interval: Option<Duration>) -> Duration {
    scrape_interval
        .filter(|d| !d.is_zero())
        .map_or(Duration::from_secs(60), rate_window)
}

const FOR: Duration = Duration::from_secs(30);
/// `for` of the critical instance-count rule: the autoscaler pinned at its
/// limit is a step, not a noisy value, and must be named within a minute.
const PINNED_FOR: Duration = Duration::from_secs(15);

/// The dead band of every detected threshold, as a fraction of it: once
/// pending or firing, an instance stays so until its value falls below
/// `(1 - DEAD_BAND) x threshold`, so a noisy value sitting at the
/// threshold starts `pending` once instead of over and over.
pub const DEAD_BAND: f64 = 0.1;

fn threshold(alert: &str, severity: Severity, value: f64, summary: &str) -> Threshold {
    Threshold {
        alert: alert.to_string(),
        severity,
        value,
        below: false,
        for_: FOR,
        summary: summary.to_string(),
        clear_below: Some(value * (1.0 - DEAD_BAND)),
    }
}

fn has(c: &Catalog, name: &str) -> bool {
    c.contains_key(name)
}

/// The first sample name (in catalog order, preferring earlier patterns)
/// that ends with one of `suffixes` and satisfies `ok`.
fn find_by_suffix<'a>(
    c: &'a Catalog,
    suffixes: &[&str],
    ok: impl Fn(&str, &MetricInfo) -> bool,
) -> Option<&'a str> {
    suffixes.iter().find_map(|suf| {
        c.iter()
            .find(|(n, i)| n.ends_with(suf) && ok(n, i))
            .map(|(n, _)| n.as_str())
    })
}

/// Builds the default panels from what the targets expose.
pub fn detect(c: &Catalog, scrape_interval: Duration) -> Detected {
    detect_with_window(c, rate_window(scrape_interval))
}

/// [`detect`] with the rate window `W` given (over `--prometheus` it is
/// 4 x the server's scrape interval).
pub fn detect_with_window(c: &Catalog, window: Duration) -> Detected {
    let w = format_duration(window);
    let mut d = Detected::default();
    d.panels.push(latency(c, &w, &mut d.table));
    d.panels.push(traffic(c, &w));
    d.panels.push(errors(c, &w, &mut d.table));
    d.panels.push(cpu(c, &w, &mut d.table));
    d.panels.push(instances(c, &mut d.rules));
    d.panels.push(saturation(c));
    d
}

fn empty_panel(id: &str, title: &str, unit: Unit, error: String) -> PanelDef {
    PanelDef {
        id: id.into(),
        title: title.into(),
        unit,
        kind: PanelKind::Graph,
        exprs: vec![],
        error: Some(error),
        warn: None,
        crit: None,
    }
}

mod panels;
pub mod units;
use panels::{cpu, errors, instances, latency, saturation, traffic};

#[cfg(test)]
mod tests;

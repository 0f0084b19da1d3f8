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

const FOR: Duration = Duration::from_secs(30);

fn threshold(alert: &str, severity: Severity, value: f64, summary: &str) -> Threshold {
    Threshold {
        alert: alert.to_string(),
        severity,
        value,
        below: false,
        for_: FOR,
        summary: summary.to_string(),
        clear_below: None,
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

fn latency(c: &Catalog, w: &str, table: &mut TableDefs) -> PanelDef {
    let patterns = [
        "_request_duration_seconds_bucket",
        "_duration_seconds_bucket",
        "_latency_seconds_bucket",
    ];
    let hist = find_by_suffix(c, &patterns, |_, i| i.labels.contains("le"));
    let quantiles = [("0.5", "p50"), ("0.95", "p95"), ("0.99", "p99")];
    let mut exprs = Vec::new();
    if let Some(bucket) = hist {
        for (q, legend) in quantiles {
            let mut e = ExprDef {
                expr: format!("histogram_quantile({q}, sum by (le) (rate({bucket}[{w}])))"),
                add_labels: vec![("quantile".into(), q.into())],
                legend: legend.into(),
                thresholds: vec![],
                is_limit: false,
            };
            if q == "0.99" {
                e.thresholds = p99_thresholds();
            }
            exprs.push(e);
        }
        table.p99 = Some(format!(
            "histogram_quantile(0.99, sum by (le, instance) (rate({bucket}[{w}])))"
        ));
    } else {
        let summary = [
            "_request_duration_seconds",
            "_duration_seconds",
            "_latency_seconds",
        ]
        .iter()
        .find_map(|suf| {
            c.iter()
                .find(|(n, i)| {
                    n.ends_with(suf)
                        && i.kind == MetricType::Summary
                        && i.labels.contains("quantile")
                })
                .map(|(n, _)| n.clone())
        });
        let Some(s) = summary else {
            return empty_panel(
                "latency",
                "Latency",
                Unit::Seconds,
                "no latency histogram or summary found (expected a metric named like *_request_duration_seconds, *_duration_seconds or *_latency_seconds)".into(),
            );
        };
        for (q, legend) in quantiles {
            let mut e = ExprDef {
                expr: format!("max by (quantile) ({s}{{quantile=\"{q}\"}})"),
                add_labels: vec![],
                legend: legend.into(),
                thresholds: vec![],
                is_limit: false,
            };
            if q == "0.99" {
                e.thresholds = p99_thresholds();
            }
            exprs.push(e);
        }
        table.p99 = Some(format!("max by (instance) ({s}{{quantile=\"0.99\"}})"));
    }
    PanelDef {
        id: "latency".into(),
        title: "Latency".into(),
        unit: Unit::Seconds,
        kind: PanelKind::Graph,
        exprs,
        error: None,
        warn: Some(0.15),
        crit: Some(0.2),
    }
}

fn p99_thresholds() -> Vec<Threshold> {
    let s = "p99 latency is {{ $value }}s";
    vec![
        threshold("LatencyP99High", Severity::Warning, 0.15, s),
        threshold("LatencyP99High", Severity::Critical, 0.2, s),
    ]
}

fn requests_counter(c: &Catalog) -> Option<&str> {
    if has(c, "http_requests_total") {
        return Some("http_requests_total");
    }
    find_by_suffix(c, &["_requests_total"], |_, i| {
        matches!(i.kind, MetricType::Counter | MetricType::Untyped)
    })
}

fn traffic(c: &Catalog, w: &str) -> PanelDef {
    let Some(y) = requests_counter(c) else {
        return empty_panel(
            "traffic",
            "Traffic",
            Unit::PerSecond,
            "no request counter found (expected a counter named like *_requests_total)".into(),
        );
    };
    PanelDef {
        id: "traffic".into(),
        title: "Traffic".into(),
        unit: Unit::PerSecond,
        kind: PanelKind::Graph,
        exprs: vec![ExprDef {
            expr: format!("sum(rate({y}[{w}]))"),
            add_labels: vec![],
            legend: "req/s".into(),
            thresholds: vec![],
            is_limit: false,
        }],
        error: None,
        warn: None,
        crit: None,
    }
}

fn errors(c: &Catalog, w: &str, table: &mut TableDefs) -> PanelDef {
    let found = requests_counter(c).and_then(|y| {
        let info = &c[y];
        ["code", "status", "status_code"]
            .iter()
            .find(|l| info.labels.contains(**l))
            .map(|l| (y, *l))
    });
    let Some((y, l)) = found else {
        return empty_panel(
            "errors",
            "Errors",
            Unit::Ratio,
            "no request counter with a code, status or status_code label found".into(),
        );
    };
    let expr = format!("(sum(rate({y}{{{l}=~\"5..\"}}[{w}])) or vector(0)) / sum(rate({y}[{w}]))");
    table.error_ratio = Some(format!(
        "(sum by (instance) (rate({y}{{{l}=~\"5..\"}}[{w}])) or (sum by (instance) (rate({y}[{w}])) * 0)) / sum by (instance) (rate({y}[{w}]))"
    ));
    let s = "error ratio is {{ $value | humanizePercentage }}";
    PanelDef {
        id: "errors".into(),
        title: "Errors".into(),
        unit: Unit::Ratio,
        kind: PanelKind::Graph,
        exprs: vec![ExprDef {
            expr,
            add_labels: vec![],
            legend: "5xx".into(),
            thresholds: vec![
                threshold("ErrorRatioHigh", Severity::Warning, 0.01, s),
                threshold("ErrorRatioHigh", Severity::Critical, 0.05, s),
            ],
            is_limit: false,
        }],
        error: None,
        warn: Some(0.01),
        crit: Some(0.05),
    }
}

fn cpu(c: &Catalog, w: &str, table: &mut TableDefs) -> PanelDef {
    let s = "CPU of {{ $labels.instance }} is {{ $value | humanizePercentage }}";
    let pct = |expr: String| {
        vec![ExprDef {
            expr,
            add_labels: vec![],
            legend: String::new(),
            thresholds: vec![
                threshold("CpuHigh", Severity::Warning, 0.7, s),
                threshold("CpuHigh", Severity::Critical, 0.8, s),
            ],
            is_limit: false,
        }]
    };
    let panel = |unit, exprs, warn, crit| PanelDef {
        id: "cpu".into(),
        title: "CPU".into(),
        unit,
        kind: PanelKind::Graph,
        exprs,
        error: None,
        warn,
        crit,
    };
    if has(c, "node_cpu_seconds_total") {
        let e =
            format!("1 - avg by (instance) (rate(node_cpu_seconds_total{{mode=\"idle\"}}[{w}]))");
        table.cpu = Some(e.clone());
        return panel(Unit::Ratio, pct(e), Some(0.7), Some(0.8));
    }
    if !has(c, "process_cpu_seconds_total") {
        return empty_panel(
            "cpu",
            "CPU",
            Unit::Ratio,
            "no CPU metric found (expected node_cpu_seconds_total or process_cpu_seconds_total)"
                .into(),
        );
    }
    let cores = ["machine_cpu_cores", "process_cpu_cores"]
        .iter()
        .find(|n| has(c, n))
        .map(|n| n.to_string())
        .or_else(|| {
            c.iter()
                .find(|(n, i)| {
                    n.contains("cpu_limit")
                        && matches!(i.kind, MetricType::Gauge | MetricType::Untyped)
                })
                .map(|(n, _)| n.clone())
        });
    match cores {
        Some(cores) => {
            let e = format!(
                "rate(process_cpu_seconds_total[{w}]) / on (job, instance) max by (job, instance) ({cores})"
            );
            table.cpu = Some(e.clone());
            panel(Unit::Ratio, pct(e), Some(0.7), Some(0.8))
        }
        None => {
            let e = format!("rate(process_cpu_seconds_total[{w}])");
            table.cpu = Some(e.clone());
            table.cpu_is_cores = true;
            let exprs = vec![ExprDef {
                expr: e,
                add_labels: vec![],
                legend: String::new(),
                thresholds: vec![],
                is_limit: false,
            }];
            panel(Unit::Cores, exprs, None, None)
        }
    }
}

fn instances(c: &Catalog, rules: &mut Vec<RuleDef>) -> PanelDef {
    let mut exprs = vec![
        ExprDef {
            expr: "count(up == 1)".into(),
            add_labels: vec![("series".into(), "up".into())],
            legend: "up".into(),
            thresholds: vec![],
            is_limit: false,
        },
        ExprDef {
            expr: "count(up)".into(),
            add_labels: vec![("series".into(), "targets".into())],
            legend: "targets".into(),
            thresholds: vec![],
            is_limit: false,
        },
    ];
    rules.push(RuleDef {
        alert: "TargetDown".into(),
        expr: "up == 0".into(),
        severity: Severity::Critical,
        for_: FOR,
        summary: "target {{ $labels.instance }} ({{ $labels.job }}) cannot be scraped".into(),
        threshold: None,
        panel: Some("instances".into()),
    });
    rules.push(RuleDef {
        alert: "InstanceCountChanged".into(),
        expr: "abs(count(up == 1) - count(up offset 5m == 1)) / count(up offset 5m == 1) > 0.5"
            .into(),
        severity: Severity::Warning,
        for_: FOR,
        summary: "instance count changed by {{ $value | humanizePercentage }} in 5 minutes".into(),
        threshold: Some(0.5),
        panel: Some("instances".into()),
    });
    let gauges: Vec<&String> = c
        .iter()
        .filter(|(n, i)| {
            n.contains("instances")
                && !n.contains("max_instances")
                && matches!(i.kind, MetricType::Gauge | MetricType::Untyped)
        })
        .map(|(n, _)| n)
        .collect();
    for g in &gauges {
        let legend = g
            .trim_end_matches("_instances")
            .rsplit('_')
            .next()
            .unwrap_or(g)
            .to_string();
        exprs.push(ExprDef {
            expr: format!("max({g})"),
            add_labels: vec![("series".into(), (*g).clone())],
            legend,
            thresholds: vec![],
            is_limit: false,
        });
    }
    let max = c
        .iter()
        .find(|(n, i)| {
            n.contains("max_instances") && matches!(i.kind, MetricType::Gauge | MetricType::Untyped)
        })
        .map(|(n, _)| n.clone());
    if let Some(max) = &max {
        exprs.push(ExprDef {
            expr: format!("max({max})"),
            add_labels: vec![("series".into(), max.clone())],
            legend: "max".into(),
            thresholds: vec![],
            is_limit: true,
        });
        let current = gauges
            .iter()
            .find(|g| g.contains("current"))
            .or(gauges.first())
            .map(|g| format!("max({g})"))
            .unwrap_or_else(|| "count(up == 1)".into());
        rules.push(RuleDef {
            alert: "InstancesNearMax".into(),
            expr: format!("{current} / max({max}) >= 0.9"),
            severity: Severity::Warning,
            for_: FOR,
            summary: "instances at {{ $value | humanizePercentage }} of max_instances".into(),
            threshold: Some(0.9),
            panel: Some("instances".into()),
        });
    }
    PanelDef {
        id: "instances".into(),
        title: "Instances".into(),
        unit: Unit::Count,
        kind: PanelKind::Graph,
        exprs,
        error: None,
        warn: None,
        crit: None,
    }
}

fn saturation(c: &Catalog) -> PanelDef {
    let mut exprs = Vec::new();
    for depth_suffix in ["_queue_depth", "_queue_length", "_queue_size"] {
        for (name, _) in c.iter().filter(|(n, _)| n.ends_with(depth_suffix)) {
            let base = &name[..name.len() - depth_suffix.len()];
            let cap = ["_queue_capacity", "_queue_max"]
                .iter()
                .map(|s| format!("{base}{s}"))
                .find(|n| has(c, n));
            if let Some(cap) = cap {
                let s = "queue {{ $labels.instance }} is {{ $value | humanizePercentage }} full";
                exprs.push(ExprDef {
                    expr: format!("{name} / on (job, instance) {cap}"),
                    add_labels: vec![("signal".into(), "queue".into())],
                    legend: "queue".into(),
                    thresholds: vec![
                        threshold("QueueNearFull", Severity::Warning, 0.8, s),
                        threshold("QueueNearFull", Severity::Critical, 0.95, s),
                    ],
                    is_limit: false,
                });
            }
        }
    }
    if has(c, "process_resident_memory_bytes") {
        let limit = c
            .iter()
            .find(|(n, i)| {
                n.contains("memory_limit")
                    && matches!(i.kind, MetricType::Gauge | MetricType::Untyped)
            })
            .map(|(n, _)| n.clone());
        if let Some(limit) = limit {
            let s = "memory of {{ $labels.instance }} is {{ $value | humanizePercentage }} of its limit";
            exprs.push(ExprDef {
                expr: format!(
                    "process_resident_memory_bytes / on (job, instance) max by (job, instance) ({limit})"
                ),
                add_labels: vec![("signal".into(), "memory".into())],
                legend: "mem".into(),
                thresholds: vec![threshold("MemoryNearLimit", Severity::Warning, 0.85, s)],
                is_limit: false,
            });
        }
    }
    if exprs.is_empty() {
        return empty_panel(
            "saturation",
            "Saturation",
            Unit::Ratio,
            "no queue depth/capacity pair or memory limit gauge found".into(),
        );
    }
    PanelDef {
        id: "saturation".into(),
        title: "Saturation".into(),
        unit: Unit::Ratio,
        kind: PanelKind::Graph,
        exprs,
        error: None,
        warn: Some(0.8),
        crit: Some(0.95),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(items: &[(&str, MetricType, &[&str])]) -> Catalog {
        items
            .iter()
            .map(|(n, k, l)| {
                (
                    n.to_string(),
                    MetricInfo {
                        kind: *k,
                        labels: l.iter().map(|s| s.to_string()).collect(),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn rate_window_is_grafana_rate_interval() {
        assert_eq!(rate_window(Duration::from_secs(2)), Duration::from_secs(10));
        assert_eq!(
            rate_window(Duration::from_secs(15)),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn demo_like_service_gets_every_panel() {
        use MetricType::*;
        let c = cat(&[
            ("http_request_duration_seconds_bucket", Histogram, &["le"]),
            ("http_requests_total", Counter, &["code", "method"]),
            ("process_cpu_seconds_total", Counter, &[]),
            ("app_cpu_limit_cores", Gauge, &[]),
            ("process_resident_memory_bytes", Gauge, &[]),
            ("app_memory_limit_bytes", Gauge, &[]),
            ("app_event_queue_depth", Gauge, &[]),
            ("app_event_queue_capacity", Gauge, &[]),
            ("autoscaler_current_instances", Gauge, &[]),
            ("autoscaler_max_instances", Gauge, &[]),
        ]);
        let d = detect(&c, Duration::from_secs(2));
        let ids: Vec<_> = d.panels.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "latency",
                "traffic",
                "errors",
                "cpu",
                "instances",
                "saturation"
            ]
        );
        assert!(
            d.panels.iter().all(|p| p.error.is_none()),
            "{:#?}",
            d.panels
        );
        assert_eq!(
            d.panels[0].exprs[2].expr,
            "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[10s])))"
        );
        assert_eq!(
            d.panels[2].exprs[0].expr,
            "(sum(rate(http_requests_total{code=~\"5..\"}[10s])) or vector(0)) / sum(rate(http_requests_total[10s]))"
        );
        assert!(d.panels[3].exprs[0].expr.contains("app_cpu_limit_cores"));
        assert_eq!(d.panels[3].unit, Unit::Ratio);
        assert_eq!(d.panels[5].exprs.len(), 2);
        assert!(d.rules.iter().any(|r| r.alert == "InstancesNearMax"));
    }

    #[test]
    fn node_exporter_gets_cpu_and_instances() {
        use MetricType::*;
        let c = cat(&[
            ("node_cpu_seconds_total", Counter, &["cpu", "mode"]),
            ("process_cpu_seconds_total", Counter, &[]),
        ]);
        let d = detect(&c, Duration::from_secs(2));
        assert!(d.panels[3].exprs[0]
            .expr
            .starts_with("1 - avg by (instance)"));
        assert!(d.panels[4].error.is_none());
        assert!(d.panels[0].error.as_deref().unwrap().contains("histogram"));
    }

    #[test]
    fn cpu_without_core_count_is_in_cores_without_thresholds() {
        let c = cat(&[("process_cpu_seconds_total", MetricType::Counter, &[])]);
        let d = detect(&c, Duration::from_secs(2));
        assert_eq!(d.panels[3].unit, Unit::Cores);
        assert!(d.panels[3].exprs[0].thresholds.is_empty());
        assert!(d.table.cpu_is_cores);
    }

    #[test]
    fn status_label_variants() {
        let c = cat(&[("api_requests_total", MetricType::Counter, &["status_code"])]);
        let d = detect(&c, Duration::from_secs(2));
        assert!(d.panels[2].exprs[0].expr.contains("status_code=~\"5..\""));
    }
}

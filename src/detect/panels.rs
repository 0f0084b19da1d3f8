//! The six default panels, each from what the catalog holds.

use super::*;

pub(super) fn latency(c: &Catalog, w: &str, table: &mut TableDefs) -> PanelDef {
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

pub(super) fn p99_thresholds() -> Vec<Threshold> {
    let s = "p99 latency is {{ $value }}s";
    vec![
        threshold("LatencyP99High", Severity::Warning, 0.15, s),
        threshold("LatencyP99High", Severity::Critical, 0.2, s),
    ]
}

pub(super) fn requests_counter(c: &Catalog) -> Option<&str> {
    if has(c, "http_requests_total") {
        return Some("http_requests_total");
    }
    find_by_suffix(c, &["_requests_total"], |_, i| {
        matches!(i.kind, MetricType::Counter | MetricType::Untyped)
    })
}

pub(super) fn traffic(c: &Catalog, w: &str) -> PanelDef {
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

pub(super) fn errors(c: &Catalog, w: &str, table: &mut TableDefs) -> PanelDef {
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

pub(super) fn cpu(c: &Catalog, w: &str, table: &mut TableDefs) -> PanelDef {
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

pub(super) fn instances(c: &Catalog, rules: &mut Vec<RuleDef>) -> PanelDef {
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
        let pick = |word: &str| {
            gauges
                .iter()
                .find(|g| g.contains(word))
                .map(|g| format!("max({g})"))
        };
        let current = pick("current")
            .or_else(|| gauges.first().map(|g| format!("max({g})")))
            .unwrap_or_else(|| "count(up == 1)".into());
        let desired = pick("desired").unwrap_or_else(|| current.clone());
        // Both rules compare counts, so the value shown (and kept at
        // resolve time) is a number of instances, never a ratio that a
        // lowered limit would push past 100 %.
        rules.push(RuleDef {
            alert: "InstancesNearMax".into(),
            expr: format!("{current} >= 0.9 * max({max})"),
            severity: Severity::Warning,
            for_: FOR,
            summary: "{{ $value }} instances running, 90% or more of max_instances".into(),
            threshold: None,
            panel: Some("instances".into()),
        });
        rules.push(RuleDef {
            alert: "InstancesNearMax".into(),
            expr: format!("{desired} >= max({max})"),
            severity: Severity::Critical,
            for_: PINNED_FOR,
            summary: "autoscaler pinned at max_instances: it wants {{ $value }} instances".into(),
            threshold: None,
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

pub(super) fn saturation(c: &Catalog) -> PanelDef {
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
                thresholds: vec![
                    threshold("MemoryNearLimit", Severity::Warning, 0.85, s),
                    threshold("MemoryNearLimit", Severity::Critical, 0.95, s),
                ],
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

//! Configured panels and rules as the engine's definitions: `[[panel]]`
//! to [`PanelDef`] (an id from its title, thresholds that are also alert
//! rules, legend templates) and `[[rule]]` to an alerting [`FileRule`].

use super::apply::dur;
use super::{Config, PanelConfig, RuleConfig};
use crate::alerts::rulefile::{AlertingRule, FileRule};
use crate::detect::{ExprDef, PanelDef, Threshold};
use crate::frame::{Severity, Unit};
use crate::vocab::labels::Labels;
use std::collections::BTreeMap;
use std::time::Duration;

/// `for` of the alert rules a configured panel's warn/crit create.
pub const PANEL_THRESHOLD_FOR: Duration = Duration::from_secs(30);
/// The rule group name of `[[rule]]`s.
pub const RULE_GROUP: &str = "config";

/// The ids of the detected panels; a configured panel whose title makes
/// one of these ids takes that panel's place.
pub const DEFAULT_PANEL_IDS: [&str; 6] = [
    "latency",
    "traffic",
    "errors",
    "cpu",
    "instances",
    "saturation",
];

/// `Checkout latency p99` -> `checkout-latency-p99`.
fn slug(title: &str) -> String {
    let mut s = String::new();
    for c in title.chars() {
        if c.is_alphanumeric() {
            s.extend(c.to_lowercase());
        } else if !s.is_empty() && !s.ends_with('-') {
            s.push('-');
        }
    }
    s.trim_end_matches('-').to_string()
}

/// `Checkout latency p99` -> `CheckoutLatencyP99`.
fn camel(title: &str) -> String {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|f| f.to_uppercase().chain(cs).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

pub(super) fn panels(c: &Config) -> Vec<PanelDef> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    c.panel
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut id = slug(p.title.get_ref());
            if id.is_empty() {
                id = format!("panel{}", i + 1);
            }
            let n = seen.entry(id.clone()).or_insert(0);
            *n += 1;
            if *n > 1 {
                id = format!("{id}-{n}");
            }
            panel(id, p)
        })
        .collect()
}

fn panel(id: String, p: &PanelConfig) -> PanelDef {
    let title = p.title.get_ref().clone();
    let unit: Unit = p.unit.map(Into::into).unwrap_or_default();
    let below = p.below.unwrap_or(false);
    let value = match unit {
        Unit::Ratio => "{{ $value | humanizePercentage }}",
        Unit::Seconds => "{{ $value }}s",
        _ => "{{ $value }}",
    };
    let mut alert = camel(&title);
    if alert.is_empty() {
        alert = camel(&id);
    }
    alert.push_str(if below { "Low" } else { "High" });
    let thresholds: Vec<Threshold> = [
        (Severity::Warning, p.warn.as_ref()),
        (Severity::Critical, p.crit.as_ref()),
    ]
    .into_iter()
    .filter_map(|(severity, v)| {
        Some(Threshold {
            alert: alert.clone(),
            severity,
            value: *v?.get_ref(),
            clear_below: if below {
                None
            } else {
                p.clear_below.as_ref().map(|c| *c.get_ref())
            },
            below,
            for_: PANEL_THRESHOLD_FOR,
            summary: format!("{title} is {value}"),
        })
    })
    .collect();
    let exprs = p
        .exprs()
        .into_iter()
        .enumerate()
        .map(|(i, e)| ExprDef {
            expr: e.to_string(),
            add_labels: vec![],
            legend: p.legend.clone().unwrap_or_default(),
            // Thresholds apply to the first expression (the others are
            // context, such as a capacity drawn beside a depth).
            thresholds: if i == 0 { thresholds.clone() } else { vec![] },
            is_limit: false,
        })
        .collect();
    PanelDef {
        id,
        title,
        unit,
        kind: p.kind.map(Into::into).unwrap_or_default(),
        exprs,
        error: None,
        warn: p.warn.as_ref().map(|v| *v.get_ref()),
        crit: p.crit.as_ref().map(|v| *v.get_ref()),
    }
}

pub(super) fn rule(r: &RuleConfig) -> FileRule {
    let severity: Severity = r.severity.map(Into::into).unwrap_or(Severity::Warning);
    let mut labels = Labels::new();
    labels.set("severity", severity.as_str());
    for (k, v) in &r.labels {
        labels.set(k, v);
    }
    let mut annotations = BTreeMap::new();
    if let Some(s) = &r.summary {
        annotations.insert("summary".to_string(), s.clone());
    }
    if let Some(s) = &r.runbook {
        annotations.insert("runbook_url".to_string(), s.clone());
    }
    FileRule::Alerting(AlertingRule {
        name: r.name.get_ref().clone(),
        expr: r.expr.get_ref().clone(),
        for_: dur(&r.r#for).unwrap_or_default(),
        keep_firing_for: dur(&r.keep_firing_for).unwrap_or_default(),
        severity,
        labels,
        annotations,
        group: RULE_GROUP.to_string(),
        clear_below: r.clear_below,
    })
}

/// The detected panels with the configured ones: a configured panel whose
/// id is a detected one's takes its place, the others follow in file
/// order. Without `detected`, only the configured panels.
pub fn compose_panels(
    detected: Vec<PanelDef>,
    configured: &[PanelDef],
    keep_detected: bool,
) -> Vec<PanelDef> {
    let mut out = if keep_detected { detected } else { vec![] };
    for p in configured {
        match out.iter_mut().find(|d| d.id == p.id) {
            Some(slot) => *slot = p.clone(),
            None => out.push(p.clone()),
        }
    }
    out
}

/// A legend template: `{{ instance }}`, `{{instance}}` and
/// `{{ $labels.instance }}` become the series' label value (empty when it
/// has no such label); the rest is kept as written.
pub fn render_legend(template: &str, labels: &Labels) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        let name = name.strip_prefix("$labels.").unwrap_or(name);
        out.push_str(labels.get(name).unwrap_or(""));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_alert_names_come_from_titles() {
        assert_eq!(slug("Checkout latency p99"), "checkout-latency-p99");
        assert_eq!(slug("  Queue / fill (%) "), "queue-fill");
        assert_eq!(slug("!!!"), "");
        assert_eq!(camel("checkout latency p99"), "CheckoutLatencyP99");
        assert_eq!(camel("queue/fill"), "QueueFill");
    }

    #[test]
    fn legend_templates_take_label_values() {
        let l = Labels::from_pairs([("instance", "a:1"), ("code", "500")]);
        assert_eq!(render_legend("{{ instance }}", &l), "a:1");
        assert_eq!(
            render_legend("{{code}} on {{ $labels.instance }}", &l),
            "500 on a:1"
        );
        assert_eq!(render_legend("{{ missing }}x", &l), "x");
        assert_eq!(
            render_legend("open {{ never closed", &l),
            "open {{ never closed"
        );
    }

    #[test]
    fn configured_panels_replace_or_follow_the_detected() {
        let def = |id: &str, title: &str| PanelDef {
            id: id.into(),
            title: title.into(),
            unit: Unit::None,
            kind: Default::default(),
            exprs: vec![],
            error: None,
            warn: None,
            crit: None,
        };
        let detected = vec![def("latency", "Latency"), def("traffic", "Traffic")];
        let mine = vec![def("latency", "My latency"), def("queue", "Queue")];
        let titles = |v: Vec<PanelDef>| v.into_iter().map(|p| p.title).collect::<Vec<_>>();
        assert_eq!(
            titles(compose_panels(detected.clone(), &mine, true)),
            vec!["My latency", "Traffic", "Queue"]
        );
        assert_eq!(
            titles(compose_panels(detected, &mine, false)),
            vec!["My latency", "Queue"]
        );
    }
}

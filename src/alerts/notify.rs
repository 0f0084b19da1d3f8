//! What notifications say: the alerts for Alertmanager's
//! `POST /api/v2/alerts` and the Alertmanager webhook (version 4) JSON,
//! one message per group of alerts as Alertmanager sends it.
//! The engine decides what to send and when (time passed in); the sink
//! tasks (`crate::sinks::delivery`) do the I/O, one task per sink, fed by a
//! bounded channel the engine never blocks on.

use crate::vocab::labels::Labels;
use crate::vocab::time::rfc3339_ms as rfc3339;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// Prometheus's default resend delay.
pub const RESEND_DELAY: Duration = Duration::from_secs(60);

/// One alert as sent out.
#[derive(Clone, Debug, PartialEq)]
pub struct OutAlert {
    /// Includes `alertname`.
    pub labels: Labels,
    pub annotations: BTreeMap<String, String>,
    pub starts_at_ms: i64,
    /// For a firing alert, now + 4 x resend delay; for a resolved one, the
    /// resolve time.
    pub ends_at_ms: i64,
    pub resolved: bool,
    /// Names the rule: see [`generator_url`].
    pub generator_url: String,
}

/// One webhook message: a group whose alerts changed (one started firing,
/// or resolved), with its alerts as Alertmanager lists them.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupNotice {
    /// `alertname` and the group's `group_by` labels.
    pub group_labels: Labels,
    /// The group's firing alerts that are not inhibited, and those that
    /// resolved since the last message; by labels.
    pub alerts: Vec<OutAlert>,
}

/// One batch for the sinks.
#[derive(Clone, Debug, PartialEq)]
pub enum Outgoing {
    /// To Alertmanager: firing alerts (re-sent) and resolved ones.
    Alertmanager(Vec<OutAlert>),
    /// To the webhook: one message per group whose alerts changed.
    Webhook(Vec<GroupNotice>),
}

fn labels_json(l: &Labels) -> Value {
    Value::Object(
        l.iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect(),
    )
}

/// The body of `POST /api/v2/alerts`.
pub fn alertmanager_body(alerts: &[OutAlert]) -> Value {
    Value::Array(
        alerts
            .iter()
            .map(|a| {
                json!({
                    "labels": labels_json(&a.labels),
                    "annotations": a.annotations,
                    "startsAt": rfc3339(a.starts_at_ms),
                    "endsAt": rfc3339(a.ends_at_ms),
                    "generatorURL": a.generator_url,
                })
            })
            .collect(),
    )
}

/// The Alertmanager webhook (version 4) body of one group's message:
/// `groupKey` as Alertmanager's root route makes it (`{}:{alertname="X"}`),
/// `status` firing while any of its alerts fires, `truncatedAlerts` 0
/// (every alert is sent, as with Alertmanager's default `max_alerts`).
pub fn webhook_body(n: &GroupNotice) -> Value {
    let alerts = &n.alerts;
    let firing = alerts.iter().any(|a| !a.resolved);
    let common = |f: &dyn Fn(&OutAlert) -> Vec<(String, String)>| -> Value {
        let mut it = alerts.iter().map(f);
        let first: Vec<(String, String)> = it.next().unwrap_or_default();
        let rest: Vec<Vec<(String, String)>> = it.collect();
        Value::Object(
            first
                .into_iter()
                .filter(|kv| rest.iter().all(|r| r.contains(kv)))
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        )
    };
    let pairs_l = |a: &OutAlert| {
        a.labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let pairs_a = |a: &OutAlert| {
        a.annotations
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    json!({
        "version": "4",
        "groupKey": crate::alerts::group::group_key(&n.group_labels),
        "truncatedAlerts": 0,
        "status": if firing { "firing" } else { "resolved" },
        "receiver": "vitals",
        "groupLabels": labels_json(&n.group_labels),
        "commonLabels": common(&pairs_l),
        "commonAnnotations": common(&pairs_a),
        "externalURL": "",
        "alerts": alerts.iter().map(|a| json!({
            "status": if a.resolved { "resolved" } else { "firing" },
            "labels": labels_json(&a.labels),
            "annotations": a.annotations,
            "startsAt": rfc3339(a.starts_at_ms),
            "endsAt": if a.resolved { rfc3339(a.ends_at_ms) } else { "0001-01-01T00:00:00Z".to_string() },
            "generatorURL": a.generator_url,
            "fingerprint": fingerprint(&a.labels),
        })).collect::<Vec<_>>(),
    })
}

/// The `generatorURL` of an alert, stable for a rule: with a Prometheus
/// server (`--prometheus`), its graph page for the expression, as
/// Prometheus itself links (`BASE/graph?g0.expr=EXPR&g0.tab=1`); when
/// scraping directly, `vitals://rule?name=NAME&expr=EXPR`, which names the
/// rule and its expression without pointing at a server that is not there.
pub fn generator_url(name: &str, expr: &str, prometheus: Option<&str>) -> String {
    match prometheus {
        Some(base) => format!(
            "{}/graph?g0.expr={}&g0.tab=1",
            base.trim_end_matches('/'),
            query_escape(expr)
        ),
        None => format!(
            "vitals://rule?name={}&expr={}",
            query_escape(name),
            query_escape(expr)
        ),
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A stable 16-hex-digit fingerprint of a label set (FNV-1a).
pub fn fingerprint(l: &Labels) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in l.iter() {
        for b in k.bytes().chain([0xff]).chain(v.bytes()).chain([0xff]) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(instance: &str, resolved: bool) -> OutAlert {
        OutAlert {
            labels: Labels::from_pairs([
                ("alertname", "CpuHigh"),
                ("instance", instance),
                ("job", "api"),
                ("severity", "warning"),
            ]),
            annotations: [("summary".to_string(), format!("cpu high on {instance}"))]
                .into_iter()
                .chain([("runbook_url".to_string(), "https://rb/cpu".to_string())])
                .collect(),
            starts_at_ms: 1_795_348_800_000,
            ends_at_ms: 1_795_348_860_000,
            resolved,
            generator_url: "vitals://rule?name=CpuHigh".into(),
        }
    }

    #[test]
    fn a_group_message_is_alertmanagers_v4_payload() {
        let n = GroupNotice {
            group_labels: Labels::from_pairs([("alertname", "CpuHigh"), ("job", "api")]),
            alerts: vec![alert("a:9100", false), alert("b:9100", true)],
        };
        let b = webhook_body(&n);
        assert_eq!(b["version"], "4");
        assert_eq!(b["groupKey"], r#"{}:{alertname="CpuHigh", job="api"}"#);
        assert_eq!(
            b["groupLabels"],
            json!({"alertname": "CpuHigh", "job": "api"})
        );
        assert_eq!(b["status"], "firing");
        assert_eq!(b["receiver"], "vitals");
        assert_eq!(b["truncatedAlerts"], 0);
        assert_eq!(b["externalURL"], "");
        assert_eq!(
            b["commonLabels"],
            json!({"alertname": "CpuHigh", "job": "api", "severity": "warning"})
        );
        assert_eq!(
            b["commonAnnotations"],
            json!({"runbook_url": "https://rb/cpu"})
        );
        let a = b["alerts"].as_array().unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0]["status"], "firing");
        assert_eq!(a[0]["endsAt"], "0001-01-01T00:00:00Z");
        assert_eq!(a[1]["status"], "resolved");
        assert_eq!(a[1]["endsAt"], "2026-11-22T12:01:00.000Z");
        assert_eq!(a[1]["startsAt"], "2026-11-22T12:00:00.000Z");
        assert_eq!(a[1]["fingerprint"], fingerprint(&n.alerts[1].labels));
        assert_ne!(a[0]["fingerprint"], a[1]["fingerprint"]);
        // Every alert resolved: the group is resolved.
        let n = GroupNotice {
            alerts: vec![alert("a:9100", true)],
            ..n
        };
        assert_eq!(webhook_body(&n)["status"], "resolved");
    }
}

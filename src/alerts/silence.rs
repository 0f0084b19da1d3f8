//! Alertmanager as the team's shared view: muting an alert creates a real
//! silence (`POST /api/v2/silences`, matchers = the alert's labels; a
//! group's: its labels and `instance=~"…"` naming its instances), and
//! the alerts Alertmanager holds are polled (`GET /api/v2/alerts`) for the
//! alerts list. All of it runs in its own task ([`run_alertmanager`]): the
//! engine only queues requests and reads the latest poll, never waiting.

use crate::alerts::group::{MatchOp, Matcher};
use crate::frame::{HeldAlert, Severity};
use crate::vocab::labels::Labels;
use crate::vocab::time::rfc3339_ms as rfc3339;
use serde_json::{json, Value};

/// What the engine asks of Alertmanager.
#[derive(Clone, Debug, PartialEq)]
pub enum SilenceRequest {
    /// One silence with `matchers` from `starts_at_ms` to `ends_at_ms`
    /// for `alerts` (rule name and labels: one alert's mute, or every
    /// alert of a group), each of which keeps its id; `replaces` are
    /// silences of ours to expire once the new one exists (a changed
    /// duration, a group muted again).
    Create {
        alerts: Vec<(String, Labels)>,
        matchers: Vec<Matcher>,
        starts_at_ms: i64,
        ends_at_ms: i64,
        comment: String,
        replaces: Vec<String>,
    },
    /// Expire a silence of ours (unmute).
    Expire { id: String },
}

/// What came of a request.
#[derive(Clone, Debug, PartialEq)]
pub enum SilenceReply {
    /// The silence exists; its id is kept in the state file for each of
    /// the alerts it was made for.
    Created {
        alerts: Vec<(String, Labels)>,
        id: String,
    },
    /// The request failed after retries (shown on screen).
    Failed(String),
    /// A request succeeded after an earlier one failed.
    Recovered,
}

/// The latest poll of `GET /api/v2/alerts`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HeldPoll {
    pub alerts: Vec<HeldAlert>,
    /// Why the last poll failed (the list keeps the previous alerts).
    pub error: Option<String>,
}

/// The matchers of one alert's silence: one equality matcher per label.
pub fn alert_matchers(labels: &Labels) -> Vec<Matcher> {
    labels.iter().map(|(k, v)| Matcher::equal(k, v)).collect()
}

/// The matchers of a group's silence: an equality matcher per label of
/// the group (`alertname` and its `group_by` labels), and
/// `instance=~"a|b|c"` naming the instances of its alerts (regex-escaped,
/// sorted, each once), so that the same alert of someone else sharing the
/// Alertmanager stays unsilenced. No instance matcher when none of the
/// alerts has an `instance` label.
pub fn group_matchers(group: &Labels, alerts: &[(String, Labels)]) -> Vec<Matcher> {
    let mut out = alert_matchers(group);
    let instances: std::collections::BTreeSet<&str> = alerts
        .iter()
        .filter_map(|(_, l)| l.get("instance"))
        .filter(|i| !i.is_empty())
        .collect();
    if !instances.is_empty() && group.get("instance").is_none() {
        let alternatives: Vec<String> = instances.iter().map(|i| regex::escape(i)).collect();
        // The escaped alternatives always compile.
        if let Ok(m) = Matcher::regex("instance", &alternatives.join("|")) {
            out.push(m);
        }
    }
    out
}

/// The body of `POST /api/v2/silences`.
pub fn silence_body(
    matchers: &[Matcher],
    starts_at_ms: i64,
    ends_at_ms: i64,
    comment: &str,
) -> Value {
    let matchers: Vec<Value> = matchers
        .iter()
        .map(|m| {
            json!({
                "name": m.name,
                "value": m.value,
                "isRegex": matches!(m.op, MatchOp::Regex | MatchOp::NotRegex),
                "isEqual": matches!(m.op, MatchOp::Equal | MatchOp::Regex),
            })
        })
        .collect();
    json!({
        "matchers": matchers,
        "startsAt": rfc3339(starts_at_ms),
        "endsAt": rfc3339(ends_at_ms),
        "createdBy": "vitals",
        "comment": comment,
    })
}

fn parse_time(v: &Value) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(v.as_str()?)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// Reads the answer of `GET /api/v2/alerts`, sorted by name and labels.
pub fn parse_alerts(body: &str) -> Result<Vec<HeldAlert>, String> {
    let v: Value = serde_json::from_str(body).map_err(|e| format!("bad JSON: {e}"))?;
    let list = v.as_array().ok_or("expected a JSON array of alerts")?;
    let mut out = Vec::new();
    for a in list {
        let mut labels = Labels::new();
        if let Some(m) = a["labels"].as_object() {
            for (k, v) in m {
                labels.set(k, v.as_str().unwrap_or_default());
            }
        }
        let severity = match labels.get("severity") {
            Some("critical") | Some("page") => Severity::Critical,
            Some("info") | Some("none") => Severity::Info,
            _ => Severity::Warning,
        };
        let strings = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|l| {
                    l.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        out.push(HeldAlert {
            name: labels.get("alertname").unwrap_or_default().to_string(),
            severity,
            starts_at_ms: parse_time(&a["startsAt"]),
            state: a["status"]["state"]
                .as_str()
                .unwrap_or("active")
                .to_string(),
            silenced_by: strings(&a["status"]["silencedBy"]),
            summary: a["annotations"]["summary"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            generator_url: a["generatorURL"].as_str().unwrap_or_default().to_string(),
            labels,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.labels.cmp(&b.labels)));
    Ok(out)
}

/// `what URL: reason` for the screen and the log: the URL and the reason
/// redacted (no password, no secret query value), the reason on one line
/// and cut short (a server's error page can be long).
pub fn failure(what: &str, url: &str, reason: &str) -> String {
    let mut reason: String = reason
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if reason.chars().count() > 200 {
        reason = reason.chars().take(200).collect::<String>() + "…";
    }
    crate::net::redact_urls(&format!("{what} {url}: {}", reason.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_name_the_url_without_secrets() {
        let m = failure(
            "alertmanager",
            "http://am:S3CR3T@127.0.0.1:1/api/v2/alerts?token=T0K",
            "HTTP 401 Unauthorized \x1b[2J\nnext",
        );
        assert_eq!(
            m,
            "alertmanager http://***@127.0.0.1:1/api/v2/alerts?token=***: HTTP 401 Unauthorized  [2J next"
        );
        let long = "x".repeat(1000);
        assert!(failure("GET", "http://h", &long).chars().count() < 230);
    }

    #[test]
    fn silence_body_matches_every_label_exactly() {
        let l = Labels::from_pairs([("alertname", "Deep"), ("instance", "a:1")]);
        let b = silence_body(&alert_matchers(&l), 0, 3_600_000, "muted from vitals");
        assert_eq!(b["createdBy"], "vitals");
        assert_eq!(b["endsAt"], "1970-01-01T01:00:00.000Z");
        assert_eq!(b["matchers"].as_array().unwrap().len(), 2);
        assert_eq!(b["matchers"][0]["name"], "alertname");
        assert_eq!(b["matchers"][0]["isRegex"], false);
    }

    #[test]
    fn a_group_silence_names_its_instances() {
        let group = Labels::from_pairs([("alertname", "CpuHigh"), ("job", "api")]);
        let alert = |i: &str| {
            (
                "CpuHigh".to_string(),
                Labels::from_pairs([("alertname", "CpuHigh"), ("job", "api"), ("instance", i)]),
            )
        };
        let alerts = [alert("b:9100"), alert("a.x:9100"), alert("b:9100")];
        let m = group_matchers(&group, &alerts);
        let shown: Vec<String> = m.iter().map(|m| m.to_string()).collect();
        assert_eq!(
            shown,
            [
                r#"alertname="CpuHigh""#,
                r#"job="api""#,
                r#"instance=~"a\\.x:9100|b:9100""#,
            ]
        );
        // The regex matches exactly the listed instances.
        let l = |i: &str| Labels::from_pairs([("instance", i)]);
        assert!(m[2].matches(&l("a.x:9100")) && m[2].matches(&l("b:9100")));
        assert!(!m[2].matches(&l("aXx:9100")) && !m[2].matches(&l("c:9100")));
        let b = silence_body(&m, 0, 1, "c");
        assert_eq!(b["matchers"][2]["value"], r"a\.x:9100|b:9100");
        assert_eq!(b["matchers"][2]["isRegex"], true);
        assert_eq!(b["matchers"][2]["isEqual"], true);
        // No instance label anywhere: the group's labels alone.
        let bare = [("CpuHigh".to_string(), group.clone())];
        assert_eq!(group_matchers(&group, &bare).len(), 2);
    }

    #[test]
    fn reads_alertmanager_alerts() {
        let body = r#"[{"labels":{"alertname":"DiskFull","severity":"critical","instance":"db:9100"},
            "annotations":{"summary":"disk 97%"},"startsAt":"2026-11-22T12:00:00.000Z",
            "endsAt":"2026-11-22T12:04:00.000Z","generatorURL":"http://prom/graph",
            "status":{"state":"suppressed","silencedBy":["abc"],"inhibitedBy":[]},
            "fingerprint":"f","receivers":[{"name":"none"}],"updatedAt":"2026-11-22T12:00:00.000Z"}]"#;
        let a = parse_alerts(body).unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].name, "DiskFull");
        assert_eq!(a[0].severity, Severity::Critical);
        assert_eq!(a[0].state, "suppressed");
        assert_eq!(a[0].silenced_by, ["abc"]);
        assert_eq!(a[0].summary, "disk 97%");
        assert_eq!(a[0].starts_at_ms, Some(1_795_348_800_000));
        assert!(parse_alerts("{}").is_err());
        assert!(parse_alerts("nope").is_err());
    }
}

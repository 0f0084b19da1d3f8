//! Alertmanager as the team's shared view: muting an alert creates a real
//! silence (`POST /api/v2/silences`, matchers = the alert's labels), and
//! the alerts Alertmanager holds are polled (`GET /api/v2/alerts`) for the
//! alerts list. All of it runs in its own task ([`run_alertmanager`]): the
//! engine only queues requests and reads the latest poll, never waiting.

use crate::frame::{HeldAlert, Severity};
use crate::net::HttpAuth;
use crate::vocab::labels::Labels;
use crate::vocab::time::rfc3339_ms as rfc3339;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// The engine's end of the Alertmanager task.
pub struct AlertmanagerLink {
    pub requests: mpsc::Sender<SilenceRequest>,
    pub replies: mpsc::Receiver<SilenceReply>,
    pub held: watch::Receiver<HeldPoll>,
}

/// What the engine asks of Alertmanager.
#[derive(Clone, Debug, PartialEq)]
pub enum SilenceRequest {
    /// Silence the alert `name` with `labels` from `starts_at_ms` to
    /// `ends_at_ms`; `replaces` is a silence of ours to expire once the new
    /// one exists (a changed duration).
    Create {
        name: String,
        labels: Labels,
        starts_at_ms: i64,
        ends_at_ms: i64,
        comment: String,
        replaces: Option<String>,
    },
    /// Expire a silence of ours (unmute).
    Expire { id: String },
}

/// What came of a request.
#[derive(Clone, Debug, PartialEq)]
pub enum SilenceReply {
    /// The silence exists; its id is kept in the state file.
    Created {
        name: String,
        labels: Labels,
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

/// The body of `POST /api/v2/silences`: one equality matcher per label.
pub fn silence_body(labels: &Labels, starts_at_ms: i64, ends_at_ms: i64, comment: &str) -> Value {
    let matchers: Vec<Value> = labels
        .iter()
        .map(|(k, v)| json!({"name": k, "value": v, "isRegex": false, "isEqual": true}))
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

/// Talks to the Alertmanager at `base`: answers `requests` (each retried
/// with doubling backoff, 0.5 s up to 8 s, 5 tries, in its own task so a
/// slow silence never delays the poll) and polls its alerts every
/// `poll_every` into `held`. Ends when `requests` closes.
pub async fn run_alertmanager(
    base: String,
    poll_every: Duration,
    requests: mpsc::Receiver<SilenceRequest>,
    replies: mpsc::Sender<SilenceReply>,
    held: watch::Sender<HeldPoll>,
) {
    run_alertmanager_with(base, None, poll_every, requests, replies, held).await
}

/// [`run_alertmanager`] with the Alertmanager's credentials and TLS
/// settings ([`crate::net::build_http_auth`]).
pub async fn run_alertmanager_with(
    base: String,
    auth: Option<Arc<HttpAuth>>,
    poll_every: Duration,
    mut requests: mpsc::Receiver<SilenceRequest>,
    replies: mpsc::Sender<SilenceReply>,
    held: watch::Sender<HeldPoll>,
) {
    let base = base.trim_end_matches('/').to_string();
    let client = match &auth {
        Some(a) => Api {
            client: a.client().clone(),
            auth: Some(Arc::clone(a)),
        },
        None => match crate::net::base_builder().build() {
            Ok(client) => Api { client, auth: None },
            Err(e) => {
                let msg = format!("alertmanager: {}", crate::net::error_text(e));
                let _ = replies.try_send(SilenceReply::Failed(msg));
                return;
            }
        },
    };
    let mut tick = tokio::time::interval(poll_every.max(Duration::from_millis(100)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            r = requests.recv() => {
                let Some(r) = r else { break };
                tokio::spawn(answer(client.clone(), base.clone(), r, replies.clone()));
            }
            _ = tick.tick() => {
                let poll = poll(&client, &base).await;
                if let Err(e) = &poll {
                    if held.borrow().error.as_ref() != Some(e) {
                        tracing::warn!("{e}");
                    }
                }
                held.send_modify(|h| match poll {
                    Ok(alerts) => *h = HeldPoll { alerts, error: None },
                    Err(e) => h.error = Some(e),
                });
            }
        }
    }
}

/// The Alertmanager's client and credentials; every request has a 10 s
/// timeout.
#[derive(Clone)]
struct Api {
    client: reqwest::Client,
    auth: Option<Arc<HttpAuth>>,
}

impl Api {
    fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        let req = self
            .client
            .request(method, url)
            .timeout(Duration::from_secs(10));
        match &self.auth {
            Some(a) => a.apply(req),
            None => req,
        }
    }
}

async fn poll(client: &Api, base: &str) -> Result<Vec<HeldAlert>, String> {
    let url = format!("{base}/api/v2/alerts");
    let fail = |e: String| failure("alertmanager", &url, &e);
    let r = client
        .request(reqwest::Method::GET, &url)
        .send()
        .await
        .map_err(|e| fail(crate::net::error_text(e)))?;
    if !r.status().is_success() {
        return Err(fail(format!("HTTP {}", r.status())));
    }
    let body = r
        .text()
        .await
        .map_err(|e| fail(crate::net::error_text(e)))?;
    parse_alerts(&body).map_err(fail)
}

/// Sends one request with retries; returns the response body.
async fn send(
    client: &Api,
    method: reqwest::Method,
    url: &str,
    body: Option<&Value>,
) -> Result<String, String> {
    let mut delay = Duration::from_millis(500);
    let mut last = String::new();
    for attempt in 0..5 {
        if attempt > 0 {
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(8));
        }
        let mut req = client.request(method.clone(), url);
        if let Some(b) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b.to_string());
        }
        match req.send().await {
            Ok(r) if r.status().is_success() => return Ok(r.text().await.unwrap_or_default()),
            // An unknown silence is already gone: nothing to retry.
            Ok(r) if r.status() == reqwest::StatusCode::NOT_FOUND && method == "DELETE" => {
                return Ok(String::new())
            }
            Ok(r) => {
                let status = r.status();
                let text = r.text().await.unwrap_or_default();
                last = format!("HTTP {status} {}", text.trim());
                if status.is_client_error() {
                    break;
                }
            }
            Err(e) => last = crate::net::error_text(e),
        }
    }
    Err(failure(method.as_str(), url, &last))
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

async fn answer(client: Api, base: String, r: SilenceRequest, replies: mpsc::Sender<SilenceReply>) {
    let reply = match r {
        SilenceRequest::Create {
            name,
            labels,
            starts_at_ms,
            ends_at_ms,
            comment,
            replaces,
        } => {
            let body = silence_body(&labels, starts_at_ms, ends_at_ms, &comment);
            let url = format!("{base}/api/v2/silences");
            match send(&client, reqwest::Method::POST, &url, Some(&body)).await {
                Ok(text) => {
                    let id = serde_json::from_str::<Value>(&text)
                        .ok()
                        .and_then(|v| v["silenceID"].as_str().map(str::to_string));
                    match id {
                        Some(id) => {
                            if let Some(old) = replaces.filter(|o| *o != id) {
                                let url = format!("{base}/api/v2/silence/{old}");
                                let _ = send(&client, reqwest::Method::DELETE, &url, None).await;
                            }
                            SilenceReply::Created { name, labels, id }
                        }
                        None => SilenceReply::Failed(failure(
                            "alertmanager",
                            &url,
                            "no silenceID in the answer",
                        )),
                    }
                }
                Err(e) => SilenceReply::Failed(format!("alertmanager silence: {e}")),
            }
        }
        SilenceRequest::Expire { id } => {
            let url = format!("{base}/api/v2/silence/{id}");
            match send(&client, reqwest::Method::DELETE, &url, None).await {
                Ok(_) => SilenceReply::Recovered,
                Err(e) => SilenceReply::Failed(format!("alertmanager unmute: {e}")),
            }
        }
    };
    if let SilenceReply::Failed(e) = &reply {
        tracing::warn!("{e}");
    }
    let _ = replies.send(reply).await;
}

/// Starts [`run_alertmanager`] for `base`, polling every scrape
/// `interval` but at most every 5 s, and returns the engine's end.
pub fn spawn(base: &str, auth: Option<Arc<HttpAuth>>, interval: Duration) -> AlertmanagerLink {
    let (req_tx, req_rx) = mpsc::channel(64);
    let (rep_tx, rep_rx) = mpsc::channel(64);
    let (held_tx, held_rx) = watch::channel(HeldPoll::default());
    let every = interval.max(Duration::from_secs(5));
    tokio::spawn(run_alertmanager_with(
        base.to_string(),
        auth,
        every,
        req_rx,
        rep_tx,
        held_tx,
    ));
    AlertmanagerLink {
        requests: req_tx,
        replies: rep_rx,
        held: held_rx,
    }
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

    /// A loopback server answering every connection with `answer`.
    async fn answering(answer: &'static str) -> std::net::SocketAddr {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut c, _)) = l.accept().await {
                let mut buf = [0u8; 4096];
                let _ = c.read(&mut buf).await;
                let _ = c.write_all(answer.as_bytes()).await;
            }
        });
        addr
    }

    #[tokio::test]
    async fn poll_failures_hide_the_password() {
        let api = Api {
            client: crate::net::base_builder().build().unwrap(),
            auth: None,
        };
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let not_json = answering("HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nnope").await;
        let denied = answering("HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n").await;
        for (addr, want) in [
            (closed, "error sending request"),
            (not_json, "bad JSON"),
            (denied, "HTTP 401"),
        ] {
            let base = format!("http://am:S3CR3T@{addr}");
            let e = poll(&api, &base).await.unwrap_err();
            assert!(
                e.starts_with(&format!("alertmanager http://***@{addr}/api/v2/alerts: ")),
                "{e}"
            );
            assert!(e.contains(want), "{e}");
            assert!(!e.contains("S3CR3T"), "{e}");
        }
    }

    #[test]
    fn silence_body_matches_every_label_exactly() {
        let l = Labels::from_pairs([("alertname", "Deep"), ("instance", "a:1")]);
        let b = silence_body(&l, 0, 3_600_000, "muted from vitals");
        assert_eq!(b["createdBy"], "vitals");
        assert_eq!(b["endsAt"], "1970-01-01T01:00:00.000Z");
        assert_eq!(b["matchers"].as_array().unwrap().len(), 2);
        assert_eq!(b["matchers"][0]["name"], "alertname");
        assert_eq!(b["matchers"][0]["isRegex"], false);
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

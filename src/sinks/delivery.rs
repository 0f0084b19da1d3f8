//! Delivery to the notification sinks: one task and one queue per sink, so
//! a sink that hangs or refuses never delays another. A batch for
//! Alertmanager is one request; a webhook batch is one request per group
//! message, each a notification of its own. Each sink retries
//! its own batches with backoff ([`Retry`]); failures are logged and
//! reported to the engine (redacted), and what became of every batch is
//! kept per sink ([`SinkOutcome`]) for commands that exit
//! ([`Running::finish`]).

use crate::alerts::notify::{alertmanager_body, webhook_body, Outgoing};
use crate::net::{redact_urls, HttpAuth};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Where to send.
#[derive(Clone, Debug, Default)]
pub struct SinkOptions {
    /// Alertmanager base URL (`http://127.0.0.1:9093`).
    pub alertmanager: Option<String>,
    /// Webhook URL receiving Alertmanager v4 JSON.
    pub webhook: Option<String>,
    pub resend_delay: Duration,
    /// Credentials and TLS for the Alertmanager ([`crate::net::build_http_auth`]).
    pub alertmanager_auth: Option<std::sync::Arc<crate::net::HttpAuth>>,
    /// Credentials and TLS for the webhook.
    pub webhook_auth: Option<std::sync::Arc<crate::net::HttpAuth>>,
    /// Each attempt's timeout (`[alertmanager] timeout`); else the
    /// [`Retry`]'s.
    pub alertmanager_timeout: Option<Duration>,
    /// Each attempt's timeout (`[webhook] timeout`).
    pub webhook_timeout: Option<Duration>,
}

/// Notifications waiting for one sink; more are dropped (and reported).
const QUEUE: usize = 256;

/// How a sink retries a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry {
    /// Attempts per batch.
    pub tries: u32,
    /// The pause after the first failure, doubled after each.
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// Each attempt's timeout, unless the sink sets its own.
    pub attempt_timeout: Duration,
    /// The most one batch may take, every attempt and pause included.
    pub budget: Option<Duration>,
}

impl Retry {
    /// The dashboard: 5 tries, 0.5 s doubling up to 8 s, 10 s each.
    pub const DASHBOARD: Retry = Retry {
        tries: 5,
        first_delay: Duration::from_millis(500),
        max_delay: Duration::from_secs(8),
        attempt_timeout: Duration::from_secs(10),
        budget: None,
    };

    /// A command that exits (`check`, `snapshot`): a few quick tries, a
    /// batch given at most `budget`.
    pub fn exiting(budget: Duration) -> Retry {
        Retry {
            tries: 3,
            first_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(1),
            attempt_timeout: budget,
            budget: Some(budget),
        }
    }
}

/// What became of the batches given to one sink.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SinkOutcome {
    /// `alertmanager` or `webhook`.
    pub sink: &'static str,
    /// The URL posted to, redacted.
    pub url: String,
    pub sent: usize,
    /// Batches given up after their tries.
    pub failed: usize,
    /// Batches queued or in flight.
    pub pending: usize,
    /// Why the last failed attempt failed (redacted).
    pub last_error: Option<String>,
}

impl SinkOutcome {
    /// One line saying what was not delivered and why, if anything was
    /// not (`webhook http://h/hook: 1 of 2 notifications not delivered:
    /// HTTP 401 Unauthorized`).
    pub fn problem(&self) -> Option<String> {
        let lost = self.failed + self.pending;
        if lost == 0 {
            return None;
        }
        let total = lost + self.sent;
        let why = self
            .last_error
            .clone()
            .unwrap_or_else(|| "no answer before the command ended".into());
        let noun = if total == 1 {
            "notification"
        } else {
            "notifications"
        };
        Some(format!(
            "{} {}: {lost} of {total} {noun} not delivered: {why}",
            self.sink, self.url
        ))
    }
}

/// One sink: where to post and how.
struct Endpoint {
    name: &'static str,
    url: String,
    shown: String,
    client: reqwest::Client,
    auth: Option<Arc<HttpAuth>>,
    timeout: Duration,
}

impl Endpoint {
    /// One attempt; `Err((reason, worth retrying))`.
    async fn post(&self, body: &str, timeout: Duration) -> Result<(), (String, bool)> {
        let mut req = self
            .client
            .post(&self.url)
            .timeout(timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        if let Some(a) = &self.auth {
            req = a.apply(req);
        }
        match req.send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => {
                let s = r.status();
                // A refusal of the request itself will not change on retry.
                let retry = !s.is_client_error() || s.as_u16() == 408 || s.as_u16() == 429;
                Err((format!("HTTP {s}"), retry))
            }
            Err(e) if e.is_timeout() => {
                // What is left of a budget, shown to the tenth of a second.
                let tenths = timeout.as_millis().div_ceil(100) as u64;
                let shown =
                    crate::vocab::duration::format_duration(Duration::from_millis(tenths * 100));
                Err((format!("no answer within {shown}"), true))
            }
            Err(e) => Err((crate::net::error_text(e), true)),
        }
    }

    /// Every try of one batch, within the retry budget.
    async fn deliver(&self, body: &str, retry: &Retry) -> Result<(), String> {
        let started = tokio::time::Instant::now();
        let mut delay = retry.first_delay;
        let mut last = String::new();
        for attempt in 0..retry.tries.max(1) {
            let left = retry
                .budget
                .map(|b| b.saturating_sub(started.elapsed()))
                .unwrap_or(Duration::MAX);
            if attempt > 0 {
                if left <= delay {
                    break;
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(retry.max_delay);
            }
            let left = retry
                .budget
                .map(|b| b.saturating_sub(started.elapsed()))
                .unwrap_or(Duration::MAX);
            if left.is_zero() {
                break;
            }
            match self.post(body, self.timeout.min(left)).await {
                Ok(()) => return Ok(()),
                Err((e, again)) => {
                    last = e;
                    if !again {
                        break;
                    }
                }
            }
        }
        Err(last)
    }
}

/// The sink tasks of one run.
pub struct Running {
    dispatcher: JoinHandle<()>,
    workers: Vec<(JoinHandle<()>, Arc<Mutex<SinkOutcome>>)>,
}

impl Running {
    /// Waits until every sink has delivered or given up on what it was
    /// given (the engine's sender must be gone), each at most until
    /// `limit` from now; a sink still busy then is stopped and counted
    /// as not delivered.
    pub async fn finish(self, limit: Duration) -> Vec<SinkOutcome> {
        let deadline = tokio::time::Instant::now() + limit;
        let mut dispatcher = self.dispatcher;
        if tokio::time::timeout_at(deadline, &mut dispatcher)
            .await
            .is_err()
        {
            dispatcher.abort();
        }
        let mut out = Vec::new();
        for (mut h, status) in self.workers {
            if tokio::time::timeout_at(deadline, &mut h).await.is_err() {
                h.abort();
            }
            out.push(lock(&status).clone());
        }
        out
    }

    /// Waits for the sinks to drain their queues after the input closed.
    pub async fn join(self) -> Vec<SinkOutcome> {
        let _ = self.dispatcher.await;
        let mut out = Vec::new();
        for (h, status) in self.workers {
            let _ = h.await;
            out.push(lock(&status).clone());
        }
        out
    }
}

fn lock(m: &Mutex<SinkOutcome>) -> std::sync::MutexGuard<'_, SinkOutcome> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Starts one task per configured sink and a dispatcher that hands each
/// batch from `rx` to its sink's queue. `report` gets the sinks' current
/// failures in one line (`None` once every sink delivers again).
pub fn start(
    opts: &SinkOptions,
    retry: Retry,
    rx: mpsc::Receiver<Outgoing>,
    report: mpsc::Sender<Option<String>>,
) -> Running {
    let mut endpoints = Vec::new();
    let mut problems = Vec::new();
    let sinks = [
        (
            "alertmanager",
            opts.alertmanager
                .as_ref()
                .map(|b| format!("{}/api/v2/alerts", b.trim_end_matches('/'))),
            &opts.alertmanager_auth,
            opts.alertmanager_timeout,
        ),
        (
            "webhook",
            opts.webhook.clone(),
            &opts.webhook_auth,
            opts.webhook_timeout,
        ),
    ];
    for (name, url, auth, timeout) in sinks {
        let Some(url) = url else { continue };
        let client = match auth {
            Some(a) => Ok(a.client().clone()),
            None => crate::net::base_builder().build(),
        };
        // Text that is not a URL may still hold a password: not shown.
        let shown = match reqwest::Url::parse(&url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => redact_urls(&url),
            _ => "(not an http:// or https:// URL)".to_string(),
        };
        match client {
            Ok(client) => endpoints.push(Endpoint {
                name,
                url,
                shown,
                client,
                auth: auth.clone(),
                timeout: timeout.unwrap_or(retry.attempt_timeout),
            }),
            Err(e) => problems.push(format!(
                "{name} {shown}: disabled: {}",
                crate::net::error_text(e)
            )),
        }
    }
    if !problems.is_empty() {
        tracing::warn!("{}", problems.join("; "));
        let _ = report.try_send(Some(problems.join("; ")));
    }
    let (status_tx, status_rx) = mpsc::channel(16);
    let mut queues = Vec::new();
    let mut workers = Vec::new();
    for (i, ep) in endpoints.into_iter().enumerate() {
        let (tx, rx) = mpsc::channel(QUEUE);
        let status = Arc::new(Mutex::new(SinkOutcome {
            sink: ep.name,
            url: ep.shown.clone(),
            ..Default::default()
        }));
        let h = tokio::spawn(worker(
            ep,
            retry,
            rx,
            Arc::clone(&status),
            (i, status_tx.clone()),
        ));
        queues.push((tx, Arc::clone(&status)));
        workers.push((h, status));
    }
    drop(status_tx);
    let dispatcher = tokio::spawn(dispatch(rx, queues, status_rx, report));
    Running {
        dispatcher,
        workers,
    }
}

/// Sends every batch from `rx` until it closes, each sink from its own
/// task and queue with [`Retry::DASHBOARD`]; failures and recoveries are
/// reported on `report` (`None` when all is well again).
pub async fn run_sinks(
    opts: SinkOptions,
    rx: mpsc::Receiver<Outgoing>,
    report: mpsc::Sender<Option<String>>,
) {
    start(&opts, Retry::DASHBOARD, rx, report).join().await;
}

/// A sink's queue of request bodies, and what became of them.
type Queue = (mpsc::Sender<String>, Arc<Mutex<SinkOutcome>>);

async fn dispatch(
    mut rx: mpsc::Receiver<Outgoing>,
    queues: Vec<Queue>,
    mut status: mpsc::Receiver<(usize, Option<String>)>,
    report: mpsc::Sender<Option<String>>,
) {
    let mut failures: Vec<Option<String>> = vec![None; queues.len()];
    let mut shown: Option<String> = None;
    let mut input_open = true;
    let mut queues: Vec<Option<Queue>> = queues.into_iter().map(Some).collect();
    loop {
        tokio::select! {
            b = rx.recv(), if input_open => {
                let Some(b) = b else {
                    // Each sink drains its queue, then ends.
                    input_open = false;
                    queues.iter_mut().for_each(|q| *q = None);
                    continue;
                };
                let (name, bodies) = match b {
                    Outgoing::Alertmanager(a) => ("alertmanager", vec![alertmanager_body(&a).to_string()]),
                    Outgoing::Webhook(groups) => (
                        "webhook",
                        groups.iter().map(|g| webhook_body(g).to_string()).collect(),
                    ),
                };
                let Some((i, (tx, st))) = queues
                    .iter()
                    .enumerate()
                    .find_map(|(i, q)| q.as_ref().filter(|q| lock(&q.1).sink == name).map(|q| (i, q)))
                else {
                    continue;
                };
                let mut dropped = false;
                for body in bodies {
                    lock(st).pending += 1;
                    if tx.try_send(body).is_err() {
                        let mut s = lock(st);
                        s.pending -= 1;
                        s.failed += 1;
                        let e = format!("{} {}: queue full, notification dropped", s.sink, s.url);
                        tracing::warn!("{e}");
                        s.last_error = Some("queue full, notification dropped".into());
                        failures[i] = Some(e);
                        dropped = true;
                    }
                }
                if !dropped {
                    continue;
                }
            }
            s = status.recv() => {
                let Some((i, f)) = s else { break };
                failures[i] = f;
            }
        }
        let now: Vec<&str> = failures.iter().flatten().map(String::as_str).collect();
        let line = (!now.is_empty()).then(|| now.join("; "));
        if line != shown {
            shown = line.clone();
            let _ = report.try_send(line);
        }
    }
}

async fn worker(
    ep: Endpoint,
    retry: Retry,
    mut rx: mpsc::Receiver<String>,
    status: Arc<Mutex<SinkOutcome>>,
    (index, report): (usize, mpsc::Sender<(usize, Option<String>)>),
) {
    let mut failing = false;
    while let Some(body) = rx.recv().await {
        let result = ep.deliver(&body, &retry).await;
        {
            let mut s = lock(&status);
            s.pending = s.pending.saturating_sub(1);
            match &result {
                Ok(()) => s.sent += 1,
                Err(e) => {
                    s.failed += 1;
                    s.last_error = Some(e.clone());
                }
            }
        }
        match result {
            Ok(()) if failing => {
                failing = false;
                tracing::info!("{} {}: delivering again", ep.name, ep.shown);
                let _ = report.send((index, None)).await;
            }
            Ok(()) => {}
            Err(e) => {
                failing = true;
                let line = format!("{} {}: {e}", ep.name, ep.shown);
                tracing::warn!("notification not delivered: {line}");
                let _ = report.send((index, Some(line))).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_names_the_sink_what_was_lost_and_why() {
        let mut o = SinkOutcome {
            sink: "webhook",
            url: "http://***@h:1/hook?token=***".into(),
            sent: 1,
            ..Default::default()
        };
        assert_eq!(o.problem(), None);
        o.failed = 1;
        o.last_error = Some("HTTP 401 Unauthorized".into());
        assert_eq!(
            o.problem().unwrap(),
            "webhook http://***@h:1/hook?token=***: 1 of 2 notifications not delivered: HTTP 401 Unauthorized"
        );
        let hung = SinkOutcome {
            sink: "alertmanager",
            url: "http://h:1/api/v2/alerts".into(),
            pending: 1,
            ..Default::default()
        };
        assert_eq!(
            hung.problem().unwrap(),
            "alertmanager http://h:1/api/v2/alerts: 1 of 1 notification not delivered: no answer before the command ended"
        );
    }

    #[tokio::test]
    async fn a_refused_sink_gives_up_within_its_budget_and_reports_no_secret() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let opts = SinkOptions {
            webhook: Some(format!("http://u:S3CR3T@{closed}/hook?token=T0K")),
            ..Default::default()
        };
        let (tx, rx) = mpsc::channel(4);
        let (rtx, mut rrx) = mpsc::channel(4);
        let running = start(&opts, Retry::exiting(Duration::from_secs(2)), rx, rtx);
        let group = crate::alerts::notify::GroupNotice {
            group_labels: crate::vocab::labels::Labels::from_pairs([("alertname", "A")]),
            alerts: vec![],
        };
        tx.send(Outgoing::Webhook(vec![group])).await.unwrap();
        drop(tx);
        let out = running.finish(Duration::from_secs(30)).await;
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].sent, out[0].failed, out[0].pending), (0, 1, 0));
        let line = out[0].problem().unwrap();
        assert!(
            line.starts_with(&format!(
                "webhook http://***@{closed}/hook?token=***: 1 of 1"
            )),
            "{line}"
        );
        assert!(!line.contains("S3CR3T") && !line.contains("T0K"), "{line}");
        let reported = rrx.recv().await.unwrap().unwrap();
        assert!(!reported.contains("S3CR3T") && !reported.contains("T0K"));
    }
}

//! Alertmanager as the team's shared view, the I/O: silences created and
//! expired (`POST /api/v2/silences`, `DELETE /api/v2/silence/ID`) and the
//! alerts it holds polled (`GET /api/v2/alerts`), in a task of their own;
//! the engine queues requests and reads replies through the run loop,
//! never waiting. What they say is `crate::alerts::silence`.

use crate::alerts::silence::{
    failure, parse_alerts, silence_body, HeldPoll, SilenceReply, SilenceRequest,
};
use crate::frame::HeldAlert;
use crate::net::HttpAuth;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// The engine's end of the Alertmanager task.
pub struct AlertmanagerLink {
    pub requests: mpsc::Sender<SilenceRequest>,
    pub replies: mpsc::Receiver<SilenceReply>,
    pub held: watch::Receiver<HeldPoll>,
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

async fn answer(client: Api, base: String, r: SilenceRequest, replies: mpsc::Sender<SilenceReply>) {
    let reply = match r {
        SilenceRequest::Create {
            alerts,
            matchers,
            starts_at_ms,
            ends_at_ms,
            comment,
            replaces,
        } => {
            let body = silence_body(&matchers, starts_at_ms, ends_at_ms, &comment);
            let url = format!("{base}/api/v2/silences");
            match send(&client, reqwest::Method::POST, &url, Some(&body)).await {
                Ok(text) => {
                    let id = serde_json::from_str::<Value>(&text)
                        .ok()
                        .and_then(|v| v["silenceID"].as_str().map(str::to_string));
                    match id {
                        Some(id) => {
                            for old in replaces.iter().filter(|o| **o != id) {
                                let url = format!("{base}/api/v2/silence/{old}");
                                let _ = send(&client, reqwest::Method::DELETE, &url, None).await;
                            }
                            SilenceReply::Created { alerts, id }
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
}

//! The alert sinks send with the same credentials and TLS settings as
//! scrape targets: a webhook over TLS with a private CA and a bearer token,
//! an Alertmanager with basic auth, and a refusal reported without secrets.

use crate::net_support;

use net_support::*;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use vitals::alerts::notify::{GroupNotice, OutAlert, Outgoing};
use vitals::config::{Auth, BasicAuth};
use vitals::net::build_http_auth;
use vitals::sinks::delivery::{run_sinks, SinkOptions};
use vitals::vocab::labels::Labels;

const TOKEN: &str = "sink-SECRET-tok";

fn alert() -> Vec<OutAlert> {
    vec![OutAlert {
        labels: Labels::from_pairs([("alertname", "LatencyP99High")]),
        annotations: Default::default(),
        starts_at_ms: 1_795_348_800_000,
        ends_at_ms: 1_795_349_040_000,
        resolved: false,
        generator_url: "vitals://rule?name=LatencyP99High".into(),
    }]
}

/// The webhook's message for [`alert`]'s group.
fn group() -> Vec<GroupNotice> {
    vec![GroupNotice {
        group_labels: Labels::from_pairs([("alertname", "LatencyP99High")]),
        alerts: alert(),
    }]
}

async fn wait_heads(s: &Server, n: usize) {
    for _ in 0..500 {
        if s.heads().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the server got {} requests, wanted {n}", s.heads().len());
}

#[tokio::test]
async fn sinks_send_credentials_over_tls() {
    let ca = Ca::new("ca");
    let cert = ca.server(&["127.0.0.1"]);
    let hook = serve(Some(ca.server_config(&cert, false)), |_| {
        Answer::with("200 OK", "")
    })
    .await;
    let am = serve(None, |_| Answer::with("200 OK", "")).await;
    let opts = SinkOptions {
        webhook: Some(format!("https://{}/hook", hook.addr)),
        webhook_auth: Some(Arc::new(
            build_http_auth(&Auth {
                bearer_token: Some(TOKEN.into()),
                ca_file: Some(ca.cert.clone()),
                ..Auth::default()
            })
            .unwrap(),
        )),
        alertmanager: Some(format!("http://{}", am.addr)),
        alertmanager_auth: Some(Arc::new(
            build_http_auth(&Auth {
                basic_auth: Some(BasicAuth {
                    username: "am".into(),
                    password: Some("pw".into()),
                    password_file: None,
                }),
                ..Auth::default()
            })
            .unwrap(),
        )),
        resend_delay: Duration::from_secs(60),
        ..SinkOptions::default()
    };
    let (tx, rx) = mpsc::channel(4);
    let (report_tx, mut report_rx) = mpsc::channel(4);
    let task = tokio::spawn(run_sinks(opts, rx, report_tx));
    tx.send(Outgoing::Webhook(group())).await.unwrap();
    tx.send(Outgoing::Alertmanager(alert())).await.unwrap();
    wait_heads(&hook, 1).await;
    wait_heads(&am, 1).await;
    let h = &hook.heads()[0];
    assert!(h.starts_with("POST /hook "), "{h}");
    assert_eq!(header(h, "authorization"), Some(format!("Bearer {TOKEN}")));
    let a = &am.heads()[0];
    assert!(a.starts_with("POST /api/v2/alerts "), "{a}");
    // base64("am:pw")
    assert_eq!(
        header(a, "authorization").as_deref(),
        Some("Basic YW06cHc=")
    );
    drop(tx);
    task.await.unwrap();
    assert!(report_rx.try_recv().is_err(), "no failure reported");
}

#[tokio::test(start_paused = true)]
async fn a_refusing_sink_is_reported_without_secrets() {
    let hook = serve(None, |_| Answer::with("401 Unauthorized", "")).await;
    let opts = SinkOptions {
        webhook: Some(format!("http://hook:{TOKEN}@{}/hook", hook.addr)),
        resend_delay: Duration::from_secs(60),
        ..SinkOptions::default()
    };
    let (tx, rx) = mpsc::channel(4);
    let (report_tx, mut report_rx) = mpsc::channel(4);
    let task = tokio::spawn(run_sinks(opts, rx, report_tx));
    tx.send(Outgoing::Webhook(group())).await.unwrap();
    let report = report_rx.recv().await.unwrap().unwrap();
    // (With the clock paused, the last try may end in its timeout instead
    // of the 401; either way the report holds no secret.)
    assert!(!hook.heads().is_empty());
    assert!(
        report.starts_with("webhook http://***@127.0.0.1:"),
        "{report}"
    );
    assert!(!report.contains(TOKEN), "{report}");
    drop(tx);
    task.await.unwrap();
}

//! The live dashboard's shared requests against the real Prometheus
//! (Debian's `/usr/bin/prometheus`) and VictoriaMetrics
//! (`/usr/bin/victoria-metrics`) scraping the demo fleet: a batched
//! refresh gives every query exactly the answer it gets alone, in far
//! fewer requests, and a batch the server refuses falls back to one
//! request per query at once.

use crate::remote_support;

use remote_support::{fleet_and_server, Server};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use vitals::engine::{Engine, EngineOptions};
use vitals::promapi::{Plan, Poller, PromClient, PromOptions, Refresh};
use vitals::vocab::labels::Labels;

fn now_ms() -> i64 {
    vitals::vocab::time::now_ms()
}

/// Instant queries the server has answered (`/api/v1/query`, any status).
async fn queries_served(kind: Server, url: &str) -> u64 {
    let body = reqwest::get(format!("{url}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (counter, handler) = match kind {
        Server::Prometheus => (
            "prometheus_http_requests_total{",
            "handler=\"/api/v1/query\"",
        ),
        Server::VictoriaMetrics => ("vm_http_requests_total{", "path=\"/api/v1/query\""),
    };
    body.lines()
        .filter(|l| l.starts_with(counter) && l.contains(handler))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

/// Waits (bounded) until the server has counted `n` more instant queries
/// than `before` (its counter moves when the answer is written), then
/// checks it stays there.
async fn assert_queries(kind: Server, url: &str, before: u64, n: u64, what: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let served = queries_served(kind, url).await - before;
        if served >= n || tokio::time::Instant::now() > deadline {
            assert_eq!(served, n, "{what}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

type Answer = Vec<(Labels, u64)>;
type Chart = Vec<(Labels, Vec<(i64, u64)>)>;
type Answers = (
    HashMap<String, Result<Answer, String>>,
    HashMap<String, Chart>,
);

/// A refresh's answers as comparable values: series sorted by labels,
/// values as bits (NaN included).
fn answers(r: &Refresh) -> Answers {
    let instant = r
        .instant
        .iter()
        .map(|(k, v)| {
            let v = v.clone().map(|v| {
                let mut v: Answer = v.into_iter().map(|(l, x)| (l, x.to_bits())).collect();
                v.sort_by(|a, b| a.0.cmp(&b.0));
                v
            });
            (k.clone(), v)
        })
        .collect();
    let charts = r
        .charts
        .iter()
        .map(|(k, v)| {
            let mut s: Chart = v
                .as_ref()
                .unwrap_or_else(|e| panic!("{k}: {e}"))
                .iter()
                .map(|(l, pts)| {
                    (
                        l.clone(),
                        pts.iter().map(|(t, x)| (*t, x.to_bits())).collect(),
                    )
                })
                .collect();
            s.sort_by(|a, b| a.0.cmp(&b.0));
            (k.clone(), s)
        })
        .collect();
    (instant, charts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_refreshes_answer_each_query_as_prometheus_does() {
    batched_refreshes_answer_each_query_as_the_server_does(Server::Prometheus).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_refreshes_answer_each_query_as_victoria_metrics_does() {
    batched_refreshes_answer_each_query_as_the_server_does(Server::VictoriaMetrics).await;
}

/// The same answers: the same series, values as `kind` gives them when
/// asked again ([`Server::close`]).
fn same_answer(kind: Server, a: &Answer, b: &Answer) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.0 == y.0 && kind.close(f64::from_bits(x.1), f64::from_bits(y.1)))
}

async fn batched_refreshes_answer_each_query_as_the_server_does(kind: Server) {
    let Some((_fleet, mut prom)) = fleet_and_server(kind, 3).await else {
        return;
    };
    let settle = kind.settle().as_millis() as i64;
    prom.wait_until_settled().await;
    let url = prom.url.clone();
    let c = Arc::new(
        PromClient::new(
            &url,
            PromOptions {
                timeout: Duration::from_secs(5),
                ..PromOptions::default()
            },
        )
        .unwrap(),
    );
    let mut alone = Poller::new(c.clone());
    let mut batched = Poller::batching(c.clone(), Duration::from_secs(5));

    // The default dashboard's plan, once the server has every signal.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let plan: Plan = loop {
        let mut e = Engine::new(EngineOptions {
            interval: Duration::from_secs(1),
            retention: Duration::from_secs(120),
            ..EngineOptions::default()
        });
        e.connect_remote(c.url());
        if let Ok(d) = alone.discover().await {
            e.apply_discovery(d);
            let plan = e.remote_plan();
            let r = alone.refresh(&plan, now_ms() - 1000 - settle, false).await;
            let full = plan.groups.iter().flatten().filter(|t| {
                r.instant
                    .get(*t)
                    .is_some_and(|v| v.as_ref().is_ok_and(|v| !v.is_empty()))
            });
            // Every target's `up` too: VictoriaMetrics makes a new series
            // searchable some seconds after its first sample.
            let up = r.instant.get("count(up)");
            if full.count() >= 12 && up.is_some_and(|v| v.as_ref().is_ok_and(|v| !v.is_empty())) {
                break plan;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no full dashboard after 60 s"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let grouped: Vec<&String> = plan.groups.iter().flatten().collect();
    let ungrouped = plan.instant.iter().filter(|t| !grouped.contains(t)).count() as u64;
    assert!(
        grouped.len() >= 15,
        "the dashboard's own queries are grouped: {plan:?}"
    );

    // One instant request for every grouped query; the same answers as
    // asked one by one at the same instant.
    let t = now_ms() - 1000 - settle;
    let before = queries_served(kind, &url).await;
    let b = batched.refresh(&plan, t, false).await;
    assert_queries(
        kind,
        &url,
        before,
        1 + ungrouped,
        "one request for the grouped queries",
    )
    .await;
    assert_eq!(b.error, None);
    let before = queries_served(kind, &url).await;
    let a = alone.refresh(&plan, t, false).await;
    assert_queries(
        kind,
        &url,
        before,
        plan.instant.len() as u64,
        "one request per query",
    )
    .await;
    let (ai, ac) = answers(&a);
    let (bi, bc) = answers(&b);
    assert_eq!(ai.len(), plan.instant.len());
    for (text, want) in &ai {
        let got = bi.get(text);
        let same = match (got, want) {
            (Some(Ok(g)), Ok(w)) => same_answer(kind, g, w),
            (got, want) => got == Some(want),
        };
        assert!(same, "{text}: {got:?} vs {want:?}");
    }
    assert_eq!(bi.len(), ai.len());
    assert!(!ac.is_empty());
    assert_eq!(ac.len(), bc.len(), "chart series");
    for (text, want) in &ac {
        let got = &bc[text];
        let same = got.len() == want.len()
            && got.iter().zip(want).all(|(g, w)| {
                g.0 == w.0
                    && g.1.len() == w.1.len()
                    && g.1.iter().zip(&w.1).all(|(p, q)| {
                        p.0 == q.0 && kind.close(f64::from_bits(p.1), f64::from_bits(q.1))
                    })
            });
        assert!(same, "chart {text}: {got:?} vs {want:?}");
    }

    // A batch the server refuses: a member fails alone (many-to-many
    // matching) and a scalar cannot be batched at all.
    let bad = "up / on () group_left up".to_string();
    let members = [
        "count(up)".to_string(),
        bad.clone(),
        "sum(up)".into(),
        "1 + 1".into(),
    ];
    let plan = Plan {
        instant: members.to_vec(),
        groups: vec![members.to_vec()],
        ..Plan::default()
    };
    let mut fresh = Poller::batching(c.clone(), Duration::from_secs(5));
    let before = queries_served(kind, &url).await;
    let r = fresh.refresh(&plan, t, false).await;
    // The batch, then its three members one by one, and the scalar.
    assert_queries(kind, &url, before, 5, "refused batch asked again per query").await;
    let e = r.instant[&bad].as_ref().unwrap_err();
    assert!(
        match kind {
            Server::Prometheus => e.contains("many-to-many") || e.contains("duplicate series"),
            Server::VictoriaMetrics => e.contains("duplicate time series"),
        },
        "{e}"
    );
    assert_eq!(r.instant["count(up)"], Ok(vec![(Labels::new(), 4.0)]));
    assert_eq!(r.instant["sum(up)"], Ok(vec![(Labels::new(), 4.0)]));
    assert_eq!(r.instant["1 + 1"], Ok(vec![(Labels::new(), 2.0)]));
    // From then on the failing query goes alone and the others together.
    let before = queries_served(kind, &url).await;
    let r2 = fresh.refresh(&plan, t, false).await;
    assert_queries(kind, &url, before, 3, "the failing query alone").await;
    match kind {
        Server::Prometheus => assert_eq!(r2.instant, r.instant),
        // Its refusal names two of the duplicate series, not always the
        // same two.
        Server::VictoriaMetrics => {
            assert!(r2.instant[&bad].is_err());
            for text in &members[..] {
                if *text != bad {
                    assert_eq!(r2.instant[text], r.instant[text], "{text}");
                }
            }
        }
    }
}

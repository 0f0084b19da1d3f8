//! The live dashboard's shared requests against the real Prometheus
//! (Debian's `/usr/bin/prometheus`) scraping the demo fleet: a batched
//! refresh gives every query exactly the answer it gets alone, in far
//! fewer requests, and a batch the server refuses falls back to one
//! request per query at once.

#[path = "remote_support/mod.rs"]
mod remote_support;
#[path = "scrape_support/mod.rs"]
mod scrape_support;

use remote_support::fleet_and_prometheus;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use vitals::engine::{Engine, EngineOptions};
use vitals::labels::Labels;
use vitals::source::{Plan, Poller, PromClient, PromOptions, Refresh};

fn now_ms() -> i64 {
    vitals::engine::run::now_ms()
}

/// Instant queries the server has answered (`/api/v1/query`, any status).
async fn queries_served(url: &str) -> u64 {
    let body = reqwest::get(format!("{url}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    body.lines()
        .filter(|l| {
            l.starts_with("prometheus_http_requests_total{")
                && l.contains("handler=\"/api/v1/query\"")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

/// Waits (bounded) until the server has counted `n` more instant queries
/// than `before` (its counter moves when the answer is written), then
/// checks it stays there.
async fn assert_queries(url: &str, before: u64, n: u64, what: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let served = queries_served(url).await - before;
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
async fn batched_refreshes_answer_each_query_as_the_server_does() {
    let Some((_fleet, prom)) = fleet_and_prometheus(3).await else {
        return;
    };
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
            let r = alone.refresh(&plan, now_ms() - 1000, false).await;
            let full = plan.groups.iter().flatten().filter(|t| {
                r.instant
                    .get(*t)
                    .is_some_and(|v| v.as_ref().is_ok_and(|v| !v.is_empty()))
            });
            if full.count() >= 12 {
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
    let t = now_ms() - 1000;
    let before = queries_served(&url).await;
    let b = batched.refresh(&plan, t, false).await;
    assert_queries(
        &url,
        before,
        1 + ungrouped,
        "one request for the grouped queries",
    )
    .await;
    assert_eq!(b.error, None);
    let before = queries_served(&url).await;
    let a = alone.refresh(&plan, t, false).await;
    assert_queries(
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
        assert_eq!(bi.get(text), Some(want), "{text}");
    }
    assert_eq!(bi.len(), ai.len());
    assert!(!ac.is_empty());
    assert_eq!(ac, bc, "chart series");

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
    let before = queries_served(&url).await;
    let r = fresh.refresh(&plan, t, false).await;
    // The batch, then its three members one by one, and the scalar.
    assert_queries(&url, before, 5, "refused batch asked again per query").await;
    let e = r.instant[&bad].as_ref().unwrap_err();
    assert!(
        e.contains("many-to-many") || e.contains("duplicate series"),
        "{e}"
    );
    assert_eq!(r.instant["count(up)"], Ok(vec![(Labels::new(), 4.0)]));
    assert_eq!(r.instant["sum(up)"], Ok(vec![(Labels::new(), 4.0)]));
    assert_eq!(r.instant["1 + 1"], Ok(vec![(Labels::new(), 2.0)]));
    // From then on the failing query goes alone and the others together.
    let before = queries_served(&url).await;
    let r2 = fresh.refresh(&plan, t, false).await;
    assert_queries(&url, before, 3, "the failing query alone").await;
    assert_eq!(r2.instant, r.instant);
}

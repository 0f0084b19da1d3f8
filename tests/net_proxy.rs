//! Proxies come from the usual environment variables, and loopback is
//! never proxied. (One test in its own binary: it sets the environment
//! before any client is built.)

mod net_support;

use net_support::*;
use std::sync::Arc;
use std::time::Duration;
use vitals::config::Auth;
use vitals::net::build_http_auth;
use vitals::scrape::{build_client, parse_target, scrape_once, ScrapeOptions};

#[tokio::test]
async fn http_proxy_from_the_environment_with_loopback_bypassed() {
    let proxy = serve(None, |_| Answer::page()).await;
    let direct = serve(None, |_| Answer::page()).await;
    std::env::set_var(
        "HTTP_PROXY",
        format!("http://127.0.0.1:{}", proxy.addr.port()),
    );
    std::env::set_var("NO_PROXY", "internal.example");
    let opts = ScrapeOptions {
        timeout: Duration::from_secs(5),
        ..ScrapeOptions::default()
    };
    let shared = build_client(&opts).unwrap();

    // A remote name goes through the proxy (which answers for it: nothing
    // leaves the machine, the name is never resolved here).
    let remote = parse_target("http://metrics.example:9100/metrics").unwrap();
    let r = scrape_once(&shared, Arc::new(remote), &opts).await;
    assert_eq!(r.outcome.map(|p| p.samples.len()), Ok(3));
    let head = proxy.heads()[0].clone();
    assert!(
        head.starts_with("GET http://metrics.example:9100/metrics HTTP/1.1"),
        "{head}"
    );

    // Loopback goes direct, also for targets with their own client.
    let mut t = parse_target(&direct.url("http")).unwrap();
    let r = scrape_once(&shared, Arc::new(t.clone()), &opts).await;
    assert!(r.outcome.is_ok());
    t.auth = Some(Arc::new(
        build_http_auth(&Auth {
            bearer_token: Some("tok".into()),
            ..Auth::default()
        })
        .unwrap(),
    ));
    let r = scrape_once(&shared, Arc::new(t), &opts).await;
    assert!(r.outcome.is_ok());
    assert_eq!(direct.heads().len(), 2);
    assert_eq!(proxy.heads().len(), 1);
    assert!(direct.heads()[1].starts_with("GET /metrics HTTP/1.1"));
}

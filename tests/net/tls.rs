//! TLS targets on loopback with certificates the test makes itself: a
//! private CA (`ca_file`), mutual TLS (`cert_file` + `key_file`),
//! `server_name`, a wrong CA, `insecure_skip_verify`, and the same settings
//! serving the Prometheus API client.

use crate::net_support;

use net_support::*;
use std::sync::Arc;
use std::time::Duration;
use vitals::config::Auth;
use vitals::net::build_http_auth;
use vitals::scrape::{build_client, parse_target, scrape_once, ScrapeOptions, ScrapeResult};

fn opts() -> ScrapeOptions {
    ScrapeOptions {
        timeout: Duration::from_secs(5),
        ..ScrapeOptions::default()
    }
}

async fn scrape(url: &str, auth: Auth) -> ScrapeResult {
    let mut t = parse_target(url).unwrap();
    t.auth = Some(Arc::new(build_http_auth(&auth).unwrap()));
    let client = build_client(&opts()).unwrap();
    scrape_once(&client, Arc::new(t), &opts()).await
}

fn samples(r: &ScrapeResult) -> usize {
    match &r.outcome {
        Ok(p) => p.samples.len(),
        Err(e) => panic!("scrape of {} failed: {e}", r.target.url),
    }
}

fn error(r: &ScrapeResult) -> String {
    match &r.outcome {
        Ok(_) => panic!("scrape of {} should fail", r.target.url),
        Err(e) => e.to_string(),
    }
}

fn ca_auth(ca: &Ca) -> Auth {
    Auth {
        ca_file: Some(ca.cert.clone()),
        ..Auth::default()
    }
}

#[tokio::test]
async fn private_ca_is_trusted_through_ca_file() {
    let ca = Ca::new("test-ca");
    let cert = ca.server(&["127.0.0.1"]);
    let server = serve(Some(ca.server_config(&cert, false)), |_| Answer::page()).await;
    let r = scrape(&server.url("https"), ca_auth(&ca)).await;
    assert_eq!(samples(&r), 3);

    // Without the CA, the built-in roots do not know it: a clear TLS error.
    let r = scrape(&server.url("https"), Auth::default()).await;
    let e = error(&r);
    assert!(e.starts_with("connection failed: TLS: "), "{e}");
    assert!(e.contains("UnknownIssuer"), "{e}");
}

#[tokio::test]
async fn a_wrong_ca_fails_with_a_clear_error() {
    let ca = Ca::new("test-ca");
    let other = Ca::new("other-ca");
    let cert = ca.server(&["127.0.0.1"]);
    let server = serve(Some(ca.server_config(&cert, false)), |_| Answer::page()).await;
    let e = error(&scrape(&server.url("https"), ca_auth(&other)).await);
    assert_eq!(
        e,
        "connection failed: TLS: invalid peer certificate: UnknownIssuer"
    );
    assert!(server.heads().is_empty(), "no request sent");
}

#[tokio::test]
async fn mutual_tls_sends_the_client_certificate() {
    let ca = Ca::new("test-ca");
    let cert = ca.server(&["127.0.0.1"]);
    let client = ca.client("vitals-scraper");
    let server = serve(Some(ca.server_config(&cert, true)), |_| Answer::page()).await;

    // The server requires a certificate: without one the handshake fails.
    let e = error(&scrape(&server.url("https"), ca_auth(&ca)).await);
    assert!(e.contains("TLS: "), "{e}");
    assert!(e.contains("CertificateRequired"), "{e}");
    assert!(server.heads().is_empty());

    let auth = Auth {
        cert_file: Some(client.cert.clone()),
        key_file: Some(client.key.clone()),
        ..ca_auth(&ca)
    };
    let r = scrape(&server.url("https"), auth).await;
    assert_eq!(samples(&r), 3);
    assert_eq!(server.heads().len(), 1);

    // A certificate from another CA is refused by the server.
    let stranger_ca = Ca::new("stranger");
    let stranger = stranger_ca.client("intruder");
    let auth = Auth {
        cert_file: Some(stranger.cert.clone()),
        key_file: Some(stranger.key.clone()),
        ..ca_auth(&ca)
    };
    let e = error(&scrape(&server.url("https"), auth).await);
    assert!(e.contains("TLS"), "{e}");
    assert_eq!(server.heads().len(), 1);
}

#[tokio::test]
async fn server_name_checks_the_certificate_against_another_name() {
    let ca = Ca::new("test-ca");
    let cert = ca.server(&["metrics.internal"]);
    let server = serve(Some(ca.server_config(&cert, false)), |_| Answer::page()).await;
    // The certificate is not for 127.0.0.1.
    let e = error(&scrape(&server.url("https"), ca_auth(&ca)).await);
    assert!(e.contains("TLS: invalid peer certificate"), "{e}");
    assert!(
        e.contains("certificate not valid for name \"127.0.0.1\""),
        "{e}"
    );

    let auth = Auth {
        server_name: Some("metrics.internal".into()),
        ..ca_auth(&ca)
    };
    assert_eq!(samples(&scrape(&server.url("https"), auth).await), 3);

    let auth = Auth {
        server_name: Some("other.internal".into()),
        ..ca_auth(&ca)
    };
    let e = error(&scrape(&server.url("https"), auth).await);
    assert!(e.contains("not valid for name \"other.internal\""), "{e}");
}

#[tokio::test]
async fn insecure_skip_verify_accepts_any_certificate_and_says_so() {
    let ca = Ca::new("unknown-ca");
    let cert = ca.server(&["somewhere.else"]);
    let server = serve(Some(ca.server_config(&cert, false)), |_| Answer::page()).await;
    let auth = Auth {
        insecure_skip_verify: true,
        ..Auth::default()
    };
    assert!(build_http_auth(&auth).unwrap().insecure_skip_verify());
    assert_eq!(samples(&scrape(&server.url("https"), auth).await), 3);
    assert!(!build_http_auth(&ca_auth(&ca))
        .unwrap()
        .insecure_skip_verify());
}

#[tokio::test]
async fn prometheus_api_client_uses_the_same_settings() {
    use vitals::promapi::{PromClient, PromOptions};
    let ca = Ca::new("test-ca");
    let cert = ca.server(&["127.0.0.1"]);
    let client = ca.client("vitals");
    let server = serve(Some(ca.server_config(&cert, true)), |head| {
        if header(head, "authorization").as_deref() != Some("Bearer prom-token") {
            return Answer::with("401 Unauthorized", "{\"status\":\"error\"}");
        }
        Answer::with(
            "200 OK",
            r#"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"42"]}}"#,
        )
    })
    .await;
    let auth = Auth {
        bearer_token: Some("prom-token".into()),
        cert_file: Some(client.cert.clone()),
        key_file: Some(client.key.clone()),
        ..ca_auth(&ca)
    };
    let opts = PromOptions {
        auth: Some(Arc::new(build_http_auth(&auth).unwrap())),
        ..PromOptions::default()
    };
    let c = PromClient::new(&format!("https://{}", server.addr), opts).unwrap();
    let r = c.query("42", 1_700_000_000_000).await.unwrap();
    assert!(format!("{:?}", r.value).contains("42"), "{:?}", r.value);
    assert_eq!(server.heads().len(), 1);
}

#[tokio::test]
async fn tls_file_problems_are_configuration_errors() {
    let ca = Ca::new("test-ca");
    let client = ca.client("vitals");
    let cases = [
        (
            Auth {
                ca_file: Some(client.key.clone()),
                ..Auth::default()
            },
            "ca_file: no certificate found",
        ),
        (
            Auth {
                cert_file: Some(client.cert.clone()),
                key_file: Some(client.cert.clone()),
                ..Auth::default()
            },
            "key_file: no private key found",
        ),
        (
            Auth {
                cert_file: Some(client.key.clone()),
                key_file: Some(client.key.clone()),
                ..Auth::default()
            },
            "cert_file: no certificate found",
        ),
    ];
    for (auth, want) in cases {
        let e = build_http_auth(&auth).unwrap_err().to_string();
        assert_eq!(e, want);
    }
}

//! One scrape against real HTTP servers on 127.0.0.1.

use crate::scrape_support;

use scrape_support::{closed_port, serve, serve_on, Reply, GOOD_PAGE};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use vitals::scrape::{
    build_client, parse_target, scrape_once, Page, ScrapeError, ScrapeOptions, ScrapeResult,
    ACCEPT_HEADER,
};

fn opts(timeout_ms: u64) -> ScrapeOptions {
    ScrapeOptions {
        interval: Duration::from_secs(2),
        timeout: Duration::from_millis(timeout_ms),
        body_limit: 16 << 20,
    }
}

async fn scrape(url: &str, o: &ScrapeOptions) -> ScrapeResult {
    let client = build_client(o).unwrap();
    let target = Arc::new(parse_target(url).unwrap());
    scrape_once(&client, target, o).await
}

fn page(r: &ScrapeResult) -> &Page {
    match &r.outcome {
        Ok(p) => p,
        Err(e) => panic!("{}: expected a page, got {e}", r.target.url),
    }
}

fn error(r: &ScrapeResult) -> &ScrapeError {
    match &r.outcome {
        Ok(p) => panic!("expected an error, got {} samples", p.samples.len()),
        Err(e) => e,
    }
}

fn value(p: &Page, name: &str) -> Option<f64> {
    p.samples
        .iter()
        .find(|s| s.labels.name() == Some(name))
        .map(|s| s.value)
}

#[tokio::test]
async fn good_target() {
    let server = serve(|_| Reply::ok(GOOD_PAGE)).await;
    let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let r = scrape(&server.url(), &opts(1000)).await;
    let p = page(&r);
    assert_eq!(p.samples.len(), 3);
    assert_eq!(p.invalid_lines, 0);
    assert_eq!(p.bytes, GOOD_PAGE.len() as u64);
    assert_eq!(value(p, "up_total"), Some(3.0));
    let req = p
        .samples
        .iter()
        .find(|s| s.labels.name() == Some("http_requests_total"))
        .unwrap();
    assert_eq!(req.labels.get("path"), Some("/a"));
    assert_eq!(req.timestamp_ms, Some(1_700_000_000_000));
    // time_ms is the wall-clock start of the scrape
    let before_ms = before.as_millis() as i64;
    assert!(r.time_ms >= before_ms && r.time_ms < before_ms + 1000);
    assert!(r.duration < Duration::from_secs(1));
    assert_eq!(r.target.instance, server.addr.to_string());

    let head = server.requests.lock().unwrap()[0].to_lowercase();
    assert!(head.starts_with("get /metrics http/1.1\r\n"), "{head}");
    assert!(head.contains(&format!("accept: {}\r\n", ACCEPT_HEADER.to_lowercase())));
    assert!(head.contains("accept-encoding: gzip"), "{head}");
    assert!(
        head.contains("x-prometheus-scrape-timeout-seconds: 1\r\n"),
        "{head}"
    );
    assert!(head.contains("user-agent: vitals/"), "{head}");
}

#[tokio::test]
async fn gzip_page() {
    let server = serve(|_| Reply::Page {
        status: "200 OK",
        content_type: Some("text/plain; version=0.0.4"),
        gzip: true,
        body: GOOD_PAGE.as_bytes().to_vec(),
    })
    .await;
    let r = scrape(&server.url(), &opts(1000)).await;
    let p = page(&r);
    assert_eq!(p.samples.len(), 3);
    // bytes count the decompressed body
    assert_eq!(p.bytes, GOOD_PAGE.len() as u64);
}

#[tokio::test]
async fn corrupt_gzip_is_an_encoding_error() {
    let server = serve(|_| {
        let mut body = scrape_support::gzip_bytes(GOOD_PAGE.as_bytes());
        let n = body.len();
        body[n / 2..].iter_mut().for_each(|b| *b ^= 0x5a);
        Reply::Raw(
            [
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {n}\r\nConnection: close\r\n\r\n"
                )
                .into_bytes(),
                body,
            ]
            .concat(),
        )
    })
    .await;
    let r = scrape(&server.url(), &opts(1000)).await;
    assert!(
        matches!(error(&r), ScrapeError::Encoding(_) | ScrapeError::Other(_)),
        "{:?}",
        r.outcome
    );
}

#[tokio::test]
async fn unknown_encoding_is_reported() {
    let server = serve(|_| {
        Reply::Raw(
            b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 4\r\nConnection: close\r\n\r\nabcd"
                .to_vec(),
        )
    })
    .await;
    let r = scrape(&server.url(), &opts(1000)).await;
    assert_eq!(error(&r), &ScrapeError::Encoding("br".into()));
}

#[tokio::test]
async fn unknown_content_type_is_read_as_text() {
    for ct in [Some("application/x-something"), Some("text/html"), None] {
        let server = serve(move |_| Reply::Page {
            status: "200 OK",
            content_type: ct,
            gzip: false,
            body: GOOD_PAGE.as_bytes().to_vec(),
        })
        .await;
        let r = scrape(&server.url(), &opts(1000)).await;
        assert_eq!(page(&r).samples.len(), 3, "{ct:?}");
    }
}

#[tokio::test]
async fn http_404_and_503() {
    let server = serve(|_| Reply::status("404 Not Found")).await;
    let r = scrape(&server.url(), &opts(1000)).await;
    assert_eq!(error(&r), &ScrapeError::Status("404 Not Found".into()));
    assert_eq!(error(&r).to_string(), "HTTP 404 Not Found");

    let server = serve(|_| Reply::status("503 Service Unavailable")).await;
    let r = scrape(&server.url(), &opts(1000)).await;
    assert_eq!(
        error(&r),
        &ScrapeError::Status("503 Service Unavailable".into())
    );
}

#[tokio::test]
async fn garbage_lines_are_counted() {
    let body = format!("{GOOD_PAGE}this is not a sample\n}}{{ garbage\nok_metric 1\n");
    let server = serve(move |_| Reply::ok(&body)).await;
    let r = scrape(&server.url(), &opts(1000)).await;
    let p = page(&r);
    assert_eq!(p.samples.len(), 4);
    assert_eq!(p.invalid_lines, 2);
    assert!(p.first_error.as_deref().unwrap().starts_with("line 6"));
}

#[tokio::test]
async fn all_garbage_is_down_with_the_reason() {
    let server = serve(|_| Reply::ok("<html>\n<body>hello</body>\n</html>\n")).await;
    let r = scrape(&server.url(), &opts(1000)).await;
    match error(&r) {
        ScrapeError::NoSamples(Some(reason)) => assert!(reason.starts_with("line 1"), "{reason}"),
        e => panic!("{e:?}"),
    }
    assert!(error(&r)
        .to_string()
        .starts_with("no valid sample on the page (line 1"));

    // an empty page has no sample either
    let server = serve(|_| Reply::ok("")).await;
    let r = scrape(&server.url(), &opts(1000)).await;
    assert_eq!(error(&r), &ScrapeError::NoSamples(None));
}

#[tokio::test]
async fn not_http_at_all() {
    let server = serve(|_| Reply::Raw(b"SSH-2.0-OpenSSH_9.2\r\n".to_vec())).await;
    let r = scrape(&server.url(), &opts(1000)).await;
    let e = error(&r);
    assert!(matches!(e, ScrapeError::Other(_)), "{e:?}");
    assert!(!e.to_string().contains('\n'));
}

#[tokio::test]
async fn hung_target_times_out() {
    let server = serve(|_| Reply::Hang).await;
    let started = Instant::now();
    let r = scrape(&server.url(), &opts(300)).await;
    let elapsed = started.elapsed();
    assert_eq!(error(&r), &ScrapeError::Timeout(Duration::from_millis(300)));
    assert!(r.duration >= Duration::from_millis(300), "{:?}", r.duration);
    assert!(elapsed < Duration::from_millis(800), "{elapsed:?}");
}

#[tokio::test]
async fn body_that_stops_coming_times_out() {
    let server = serve(|_| {
        Reply::RawThenHang(
            b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nup_total 1\nmore_total 2\n".to_vec(),
        )
    })
    .await;
    let started = Instant::now();
    let r = scrape(&server.url(), &opts(300)).await;
    assert_eq!(error(&r), &ScrapeError::Timeout(Duration::from_millis(300)));
    assert!(started.elapsed() < Duration::from_millis(800));
}

#[tokio::test]
async fn huge_body_is_refused_while_streaming() {
    const HUNDRED_MIB: u64 = 100 << 20;
    for content_length in [false, true] {
        let server = serve(move |_| Reply::Stream {
            total: HUNDRED_MIB,
            content_length,
        })
        .await;
        let started = Instant::now();
        let r = scrape(&server.url(), &opts(10_000)).await;
        assert_eq!(error(&r), &ScrapeError::BodyTooLarge(16 << 20));
        assert!(started.elapsed() < Duration::from_secs(5));
        // The client hung up early: the server could write little more
        // than the cap plus the socket buffers, far from 100 MiB.
        let written = server.written.load(std::sync::atomic::Ordering::Relaxed);
        assert!(written < 48 << 20, "server wrote {written} bytes");
        if content_length {
            // refused from the header, before reading the body
            assert!(written < 17 << 20, "server wrote {written} bytes");
        }
    }
}

#[tokio::test]
async fn small_cap_counts_decompressed_bytes() {
    let body = "m 1\n".repeat(10_000);
    let server = serve(move |_| Reply::Page {
        status: "200 OK",
        content_type: None,
        gzip: true,
        body: body.as_bytes().to_vec(),
    })
    .await;
    let o = ScrapeOptions {
        body_limit: 1000,
        ..opts(1000)
    };
    let r = scrape(&server.url(), &o).await;
    assert_eq!(error(&r), &ScrapeError::BodyTooLarge(1000));
}

#[tokio::test]
async fn flapping_target() {
    // one listener on a fixed port: 200, 500, then gone (refused), then back
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = serve_on(listener, |n| match n % 2 {
        0 => Reply::ok(GOOD_PAGE),
        _ => Reply::status("500 Internal Server Error"),
    });
    let url = server.url();
    let o = opts(1000);
    assert_eq!(page(&scrape(&url, &o).await).samples.len(), 3);
    assert_eq!(
        error(&scrape(&url, &o).await),
        &ScrapeError::Status("500 Internal Server Error".into())
    );
    drop(server);
    // the aborted accept loop drops the listener: wait until it is closed
    let mut refused = None;
    for _ in 0..100 {
        let r = scrape(&url, &o).await;
        // (a connection caught in the closing listener's backlog is reset)
        if let Err(e @ ScrapeError::Connect(m)) = &r.outcome {
            if m.to_lowercase().contains("refused") {
                refused = Some(e.clone());
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let refused = refused.expect("connection refused once the server is gone");
    assert!(refused.to_string().starts_with("connection failed: "));
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let _server = serve_on(listener, |_| Reply::ok(GOOD_PAGE));
    assert_eq!(page(&scrape(&url, &o).await).samples.len(), 3);
}

#[tokio::test]
async fn nothing_listening() {
    let url = format!("127.0.0.1:{}", closed_port());
    let r = scrape(&url, &opts(1000)).await;
    let e = error(&r);
    assert!(matches!(e, ScrapeError::Connect(_)), "{e:?}");
    assert!(r.duration < Duration::from_secs(1));
}

#[tokio::test]
async fn redirect_to_another_host_is_refused() {
    let other = serve(|_| Reply::ok(GOOD_PAGE)).await;
    let location = format!("http://localhost:{}/metrics", other.addr.port());
    let server = serve(move |_| {
        Reply::Raw(
            format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .into_bytes(),
        )
    })
    .await;
    let r = scrape(&server.url(), &opts(1000)).await;
    let e = error(&r).to_string();
    assert!(e.contains("redirect to another host refused"), "{e}");
    assert_eq!(other.request_count(), 0);

    // within the same host, redirects are followed
    let path_server = serve(|n| match n {
        0 => Reply::Raw(
            b"HTTP/1.1 301 Moved\r\nLocation: /real\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .to_vec(),
        ),
        _ => Reply::ok(GOOD_PAGE),
    })
    .await;
    let r = scrape(&path_server.url(), &opts(1000)).await;
    assert_eq!(page(&r).samples.len(), 3);
    assert!(path_server.requests.lock().unwrap()[1].starts_with("GET /real "));
}

#[tokio::test]
async fn https_to_a_plain_http_server_fails_cleanly() {
    // a plain HTTP server answers the TLS hello with an HTTP error at once
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let _ = sock
                .write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
                .await;
        }
    });
    let r = scrape(&format!("https://{addr}/metrics"), &opts(1000)).await;
    server.abort();
    let e = error(&r);
    assert!(matches!(e, ScrapeError::Connect(_)), "{e:?}");
    assert!(!e.to_string().contains('\n'));
}

//! The Prometheus client against loopback servers that misbehave: each
//! failure is a typed, one-line error, within the deadline.

use crate::scrape_support;

use scrape_support::{closed_port, serve, Reply};
use std::time::{Duration, Instant};
use vitals::promapi::{PromClient, PromOptions, SourceError};

fn client(url: &str, timeout_ms: u64) -> PromClient {
    let opts = PromOptions {
        timeout: Duration::from_millis(timeout_ms),
        headers: vec![("X-Scope-OrgID".into(), "tenant-7".into())],
        ..PromOptions::default()
    };
    PromClient::new(url, opts).unwrap()
}

fn json(status: &'static str, body: &str) -> Reply {
    Reply::Page {
        status,
        content_type: Some("application/json"),
        gzip: false,
        body: body.as_bytes().to_vec(),
    }
}

fn one_line(e: &SourceError) -> String {
    let s = e.to_string();
    assert!(!s.contains('\n'), "multi-line error: {s:?}");
    s
}

#[tokio::test]
async fn a_hung_server_times_out_within_the_deadline() {
    let server = serve(|_| Reply::Hang).await;
    let c = client(&format!("http://{}", server.addr), 300);
    let start = Instant::now();
    let e = c.query("up", 1_700_000_000_000).await.unwrap_err();
    let took = start.elapsed();
    assert!(matches!(e, SourceError::Timeout { .. }), "{e:?}");
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(3),
        "{took:?}"
    );
    let msg = one_line(&e);
    assert!(
        msg.contains("/api/v1/query") && msg.contains("300ms"),
        "{msg}"
    );
    assert!(e.is_transient());
}

#[tokio::test]
async fn a_body_that_stops_midway_times_out() {
    let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"status\":\"succ".to_vec();
    let server = serve(move |_| Reply::RawThenHang(head.clone())).await;
    let c = client(&format!("http://{}", server.addr), 300);
    let e = c.metric_names().await.unwrap_err();
    assert!(matches!(e, SourceError::Timeout { .. }), "{e:?}");
}

#[tokio::test]
async fn status_500_is_an_http_error_with_the_body() {
    let server = serve(|_| Reply::status("500 Internal Server Error")).await;
    let c = client(&format!("http://{}/prometheus/", server.addr), 2000);
    let e = c.query_range("up", 0, 60_000, 15_000).await.unwrap_err();
    assert!(matches!(e, SourceError::Http { status: 500, .. }), "{e:?}");
    let msg = one_line(&e);
    assert_eq!(
        msg,
        format!(
            "http://{}/prometheus/api/v1/query_range answered HTTP 500: oops",
            server.addr
        )
    );
    assert!(e.is_transient());
    // the path prefix is kept and the query is a form POST
    let req = server.requests.lock().unwrap()[0].clone();
    assert!(
        req.starts_with("POST /prometheus/api/v1/query_range HTTP/1.1"),
        "{req}"
    );
    assert!(
        req.to_ascii_lowercase().contains("x-scope-orgid: tenant-7"),
        "{req}"
    );
}

#[tokio::test]
async fn malformed_json_is_a_clear_error() {
    let server = serve(|_| {
        json(
            "200 OK",
            "{\"status\":\"success\",\"data\":{\"resultType\":",
        )
    })
    .await;
    let c = client(&format!("http://{}", server.addr), 2000);
    let e = c.query("up", 0).await.unwrap_err();
    assert!(matches!(e, SourceError::Malformed { .. }), "{e:?}");
    let msg = one_line(&e);
    assert!(msg.contains("sent an unreadable answer"), "{msg}");
    assert!(!e.is_transient());

    let server = serve(|_| json("200 OK", r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"twelve"]}]}}"#)).await;
    let c = client(&format!("http://{}", server.addr), 2000);
    let msg = one_line(&c.query("up", 0).await.unwrap_err());
    assert!(msg.contains("bad sample value \"twelve\""), "{msg}");

    let server = serve(|_| Reply::ok("<html>\n<body>Bad gateway</body>\n</html>")).await;
    let c = client(&format!("http://{}", server.addr), 2000);
    let msg = one_line(&c.buildinfo().await.unwrap_err());
    assert!(msg.contains("not the API's JSON"), "{msg}");
}

#[tokio::test]
async fn prometheus_error_json_shows_its_message() {
    let body = r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:4: parse error: unexpected <op:+>"}"#;
    let server = serve(move |_| json("422 Unprocessable Entity", body)).await;
    let c = client(&format!("http://{}", server.addr), 2000);
    let e = c.query("up +", 0).await.unwrap_err();
    let SourceError::BadData {
        error_type, error, ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(error_type, "bad_data");
    assert!(error.contains("parse error: unexpected <op:+>"), "{error}");
    let msg = one_line(&e);
    assert!(
        msg.contains("refused the request (bad_data): invalid parameter"),
        "{msg}"
    );
    assert!(!e.is_transient());
}

#[tokio::test]
async fn a_closed_port_is_unreachable() {
    let port = closed_port();
    let c = client(&format!("http://127.0.0.1:{port}"), 2000);
    let e = c.targets().await.unwrap_err();
    assert!(matches!(e, SourceError::Unreachable { .. }), "{e:?}");
    let msg = one_line(&e);
    assert!(
        msg.starts_with(&format!(
            "cannot reach http://127.0.0.1:{port}/api/v1/targets: "
        )),
        "{msg}"
    );
    assert!(msg.to_lowercase().contains("refused"), "{msg}");
}

#[tokio::test]
async fn credentials_go_to_basic_auth_and_never_into_messages() {
    let server = serve(|_| Reply::status("503 Service Unavailable")).await;
    let url = format!("http://admin:s3cr%3At@{}/", server.addr);
    let c = client(&url, 2000);
    assert_eq!(c.url(), format!("http://{}", server.addr));
    let msg = one_line(&c.label_names("up").await.unwrap_err());
    assert!(!msg.contains("s3cr") && !msg.contains("admin"), "{msg}");
    let req = server.requests.lock().unwrap()[0].clone();
    // base64("admin:s3cr:t")
    assert!(
        req.contains("authorization: Basic YWRtaW46czNjcjp0")
            || req.contains("Authorization: Basic YWRtaW46czNjcjp0"),
        "{req}"
    );
    assert!(
        req.starts_with("GET /api/v1/labels?match%5B%5D=%7B__name__%3D%22up%22%7D HTTP/1.1"),
        "{req}"
    );
    let port = closed_port();
    let c = client(&format!("http://admin:s3cret@127.0.0.1:{port}"), 2000);
    let msg = one_line(&c.buildinfo().await.unwrap_err());
    assert!(!msg.contains("s3cret"), "{msg}");
}

#[tokio::test]
async fn identical_requests_in_flight_share_one_answer() {
    let body = r#"{"status":"success","data":{"resultType":"scalar","result":[1,"2"]}}"#;
    let server = serve(move |_| json("200 OK", body)).await;
    let c = client(&format!("http://{}", server.addr), 2000);
    let (a, b, d) = tokio::join!(
        c.query("1+1", 5_000),
        c.query("1+1", 5_000),
        c.query("1+1", 6_000)
    );
    assert_eq!(a.unwrap(), b.unwrap());
    assert!(d.is_ok());
    assert_eq!(
        server.request_count(),
        2,
        "the two identical queries went out once"
    );
    // once answered, the same query is asked again
    c.query("1+1", 5_000).await.unwrap();
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn an_answer_over_the_body_limit_is_refused() {
    let server = serve(|_| Reply::Stream {
        total: 3 << 20,
        content_length: false,
    })
    .await;
    let opts = PromOptions {
        timeout: Duration::from_secs(5),
        body_limit: 1 << 20,
        ..PromOptions::default()
    };
    let c = PromClient::new(&format!("http://{}", server.addr), opts).unwrap();
    let e = c.metric_names().await.unwrap_err();
    assert!(matches!(e, SourceError::Malformed { .. }), "{e:?}");
    assert!(one_line(&e).ends_with("answer larger than 1 MiB"), "{e}");
}

/// The dashboard's own queries asked together, as a live poller does.
fn batched_plan() -> vitals::promapi::Plan {
    let texts: Vec<String> = vec!["sum(x)".into(), "y".into()];
    vitals::promapi::Plan {
        instant: texts.clone(),
        groups: vec![texts],
        ..vitals::promapi::Plan::default()
    }
}

#[tokio::test]
async fn a_batched_answer_is_split_to_its_queries_with_the_warnings_once() {
    let body = r#"{"status":"success","warnings":["partial response: store 2 unavailable"],
        "data":{"resultType":"vector","result":[
          {"metric":{"__vitals_q":"1","instance":"a"},"value":[5,"2"]},
          {"metric":{"__vitals_q":"0"},"value":[5,"1"]}]}}"#;
    let server = serve(move |_| json("200 OK", body)).await;
    let c = std::sync::Arc::new(client(&format!("http://{}", server.addr), 2000));
    let mut p = vitals::promapi::Poller::batching(c, Duration::from_secs(1));
    let r = p.refresh(&batched_plan(), 5_000, false).await;
    assert_eq!(server.request_count(), 1);
    let plain =
        |pairs: &[(&str, &str)]| vitals::vocab::labels::Labels::from_pairs(pairs.iter().copied());
    assert_eq!(r.instant["sum(x)"], Ok(vec![(plain(&[]), 1.0)]));
    assert_eq!(r.instant["y"], Ok(vec![(plain(&[("instance", "a")]), 2.0)]));
    assert_eq!(r.warnings, ["partial response: store 2 unavailable"]);
    assert_eq!(r.error, None);
}

#[tokio::test]
async fn a_batched_answer_without_its_indexes_is_asked_again_query_by_query() {
    // A server or proxy that drops the index label: nothing is given to
    // the wrong query; each is asked alone, now and from then on.
    let body = r#"{"status":"success","data":{"resultType":"vector","result":[
          {"metric":{"instance":"a"},"value":[5,"7"]}]}}"#;
    let server = serve(move |_| json("200 OK", body)).await;
    let c = std::sync::Arc::new(client(&format!("http://{}", server.addr), 2000));
    let mut p = vitals::promapi::Poller::batching(c, Duration::from_secs(1));
    let r = p.refresh(&batched_plan(), 5_000, false).await;
    assert_eq!(server.request_count(), 3, "the batch, then each query");
    let a = vitals::vocab::labels::Labels::from_pairs([("instance", "a")]);
    assert_eq!(r.instant["sum(x)"], Ok(vec![(a.clone(), 7.0)]));
    assert_eq!(r.instant["y"], Ok(vec![(a, 7.0)]));
    p.refresh(&batched_plan(), 6_000, false).await;
    assert_eq!(server.request_count(), 5, "no batch any more");
}

//! Credentials against loopback servers that check them: bearer tokens,
//! basic auth (password files with a trailing newline), custom headers,
//! 401/403 shown as such, redirects that never carry credentials to another
//! host, and URL credentials moved out of the URL.

use crate::net_support;

use net_support::*;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;
use vitals::config::{Auth, BasicAuth};
use vitals::net::build_http_auth;
use vitals::scrape::{
    build_client, parse_target, scrape_once, ScrapeError, ScrapeOptions, ScrapeResult, Target,
};

const TOKEN: &str = "tok-7Hq2xV9";
const PASSWORD: &str = "pw-Zr4kL0";

fn opts() -> ScrapeOptions {
    ScrapeOptions {
        timeout: Duration::from_secs(5),
        ..ScrapeOptions::default()
    }
}

fn target(url: &str, auth: Option<Auth>) -> Target {
    let mut t = parse_target(url).unwrap();
    if let Some(a) = auth {
        t.auth = Some(Arc::new(build_http_auth(&a).unwrap()));
    }
    t
}

async fn scrape(t: Target) -> ScrapeResult {
    let client = build_client(&opts()).unwrap();
    scrape_once(&client, Arc::new(t), &opts()).await
}

fn outcome(r: &ScrapeResult) -> Result<usize, ScrapeError> {
    r.outcome
        .as_ref()
        .map(|p| p.samples.len())
        .map_err(Clone::clone)
}

fn secret_file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

/// A server that wants exactly `want` as the Authorization header.
async fn guarded(want: String) -> Server {
    serve(None, move |head| match header(head, "authorization") {
        Some(got) if got == want => Answer::page(),
        Some(_) => Answer::with("401 Unauthorized", "bad credentials\n"),
        None => Answer::with("401 Unauthorized", "credentials required\n"),
    })
    .await
}

fn bearer(token: &str) -> Auth {
    Auth {
        bearer_token: Some(token.into()),
        ..Auth::default()
    }
}

#[tokio::test]
async fn bearer_token_and_its_rejection() {
    let server = guarded(format!("Bearer {TOKEN}")).await;
    let url = server.url("http");
    assert_eq!(
        outcome(&scrape(target(&url, Some(bearer(TOKEN)))).await),
        Ok(3)
    );

    let f = secret_file(&format!("{TOKEN}\n"));
    let from_file = Auth {
        bearer_token_file: Some(f.path().into()),
        ..Auth::default()
    };
    assert_eq!(outcome(&scrape(target(&url, Some(from_file))).await), Ok(3));

    let r = scrape(target(&url, Some(bearer("wrong")))).await;
    let e = outcome(&r).unwrap_err();
    assert_eq!(e.to_string(), "401 unauthorized: credentials rejected");

    let e = outcome(&scrape(target(&url, None)).await).unwrap_err();
    assert_eq!(
        e.to_string(),
        "401 unauthorized: credentials required (bearer_token or basic_auth)"
    );
}

#[tokio::test]
async fn basic_auth_with_a_password_file_ending_in_a_newline() {
    // base64("scraper:pw-Zr4kL0")
    let server = guarded("Basic c2NyYXBlcjpwdy1acjRrTDA=".into()).await;
    let f = secret_file(&format!("{PASSWORD}\n"));
    let auth = Auth {
        basic_auth: Some(BasicAuth {
            username: "scraper".into(),
            password: None,
            password_file: Some(f.path().into()),
        }),
        ..Auth::default()
    };
    let r = scrape(target(&server.url("http"), Some(auth))).await;
    assert_eq!(outcome(&r), Ok(3));
}

#[tokio::test]
async fn forbidden_is_shown_as_such_and_headers_are_sent() {
    let server = serve(None, |head| {
        match header(head, "x-scope-orgid").as_deref() {
            Some("team-a") => Answer::page(),
            _ => Answer::with("403 Forbidden", "no\n"),
        }
    })
    .await;
    let url = server.url("http");
    let auth = Auth {
        headers: [("X-Scope-OrgID".to_string(), "team-a".to_string())].into(),
        ..Auth::default()
    };
    assert_eq!(outcome(&scrape(target(&url, Some(auth))).await), Ok(3));
    let e = outcome(&scrape(target(&url, Some(bearer(TOKEN)))).await).unwrap_err();
    assert_eq!(e.to_string(), "403 forbidden: credentials not allowed here");
}

#[tokio::test]
async fn url_credentials_become_basic_auth_and_leave_the_url() {
    // base64("admin:pw-Zr4kL0")
    let server = guarded("Basic YWRtaW46cHctWnI0a0ww".into()).await;
    let url = format!("http://admin:{PASSWORD}@{}/metrics", server.addr);
    let t = parse_target(&url).unwrap();
    assert_eq!(t.url, server.url("http"));
    assert!(!format!("{t:?}").contains(PASSWORD));
    assert_eq!(outcome(&scrape(t).await), Ok(3));

    let e = parse_target(&format!("ftp://admin:{PASSWORD}@h:1/x"))
        .unwrap_err()
        .to_string();
    assert!(!e.contains(PASSWORD), "{e}");
    let e = parse_target(&format!("admin:{PASSWORD}@h:1"))
        .unwrap_err()
        .to_string();
    assert!(!e.contains(PASSWORD), "{e}");
}

#[tokio::test]
async fn redirects_never_carry_credentials_to_another_host() {
    let other = serve(None, |_| Answer::page()).await;
    // Same address, another name and port: another host for credentials.
    let location = format!("http://localhost:{}/metrics", other.addr.port());
    let server = serve(None, move |_| Answer::redirect(&location)).await;
    let r = scrape(target(&server.url("http"), Some(bearer(TOKEN)))).await;
    let e = outcome(&r).unwrap_err().to_string();
    assert!(e.contains("redirect to another host refused"), "{e}");
    assert!(
        other.heads().is_empty(),
        "the other host got {:?}",
        other.heads()
    );

    // Another port of the same host is another origin too.
    let location = format!("http://127.0.0.1:{}/metrics", other.addr.port());
    let server = serve(None, move |_| Answer::redirect(&location)).await;
    let e = outcome(&scrape(target(&server.url("http"), Some(bearer(TOKEN)))).await)
        .unwrap_err()
        .to_string();
    assert!(e.contains("redirect to another host refused"), "{e}");
    assert!(other.heads().is_empty());

    // Within the same host, the credentials follow the redirect.
    let want = format!("Bearer {TOKEN}");
    let same = serve(None, move |head| {
        if head.starts_with("GET /metrics ") {
            Answer::redirect("/real")
        } else if header(head, "authorization").as_deref() == Some(want.as_str()) {
            Answer::page()
        } else {
            Answer::with("401 Unauthorized", "")
        }
    })
    .await;
    let r = scrape(target(&same.url("http"), Some(bearer(TOKEN)))).await;
    assert_eq!(outcome(&r), Ok(3));
    assert_eq!(same.heads().len(), 2);
}

#[tokio::test]
async fn redirect_errors_never_show_credentials() {
    let location = format!("http://u:{PASSWORD}@localhost:1/metrics");
    let server = serve(None, move |_| Answer::redirect(&location)).await;
    let e = outcome(&scrape(target(&server.url("http"), None)).await)
        .unwrap_err()
        .to_string();
    assert!(e.contains("redirect to another host refused"), "{e}");
    assert!(!e.contains(PASSWORD), "{e}");
}

/// A `file_sd` table gives the targets of its file their credentials,
/// scheme default, job, interval and timeout; a bare path gives none.
#[tokio::test]
async fn file_sd_targets_get_the_credentials_of_their_table() {
    let server = guarded(format!("Bearer {TOKEN}")).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token"), format!("{TOKEN}\n")).unwrap();
    std::fs::write(
        dir.path().join("sd.json"),
        format!(r#"[{{"targets": ["{}"]}}]"#, server.addr),
    )
    .unwrap();
    let file = dir.path().join("vitals.toml");
    std::fs::write(
        &file,
        "file_sd = [\n  \"sd.json\",\n  { path = \"sd.json\", job = \"api\", interval = \"5s\", timeout = \"3s\", bearer_token_file = \"token\" },\n]\n",
    )
    .unwrap();
    let s = vitals::config::load_settings(Some(&file), &Default::default()).unwrap();
    assert_eq!(s.file_sd.len(), 2);
    let bare = vitals::scrape::read_sd_entry(&s.file_sd[0]).unwrap();
    let with = vitals::scrape::read_sd_entry(&s.file_sd[1]).unwrap();
    assert_eq!((bare.len(), with.len()), (1, 1));
    assert_eq!(bare[0].job, "vitals");
    assert!(bare[0].auth.is_none());
    assert_eq!(with[0].job, "api");
    assert_eq!(with[0].interval, Some(Duration::from_secs(5)));
    assert_eq!(with[0].timeout, Some(Duration::from_secs(3)));
    match outcome(&scrape(bare[0].clone()).await) {
        Err(ScrapeError::Denied(m)) => assert!(m.starts_with("401"), "{m}"),
        other => panic!("a bare file_sd path sends no credentials: {other:?}"),
    }
    assert_eq!(outcome(&scrape(with[0].clone()).await), Ok(3));
}

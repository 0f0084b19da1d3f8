//! Secrets never leave: targets with tokens, passwords (in files and in
//! URLs) and secret headers are scraped through the engine, and the
//! snapshot JSON, the Markdown snapshot, the screen (TestBackend at two
//! sizes, with help) and the diagnostics log are all searched for them.
//! Rejected credentials show as "401 unauthorized" in the snapshot and on
//! screen, and `insecure_skip_verify` is flagged on screen.

use crate::net_support;

use net_support::*;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use vitals::config::{Auth, BasicAuth};
use vitals::engine::{Engine, EngineOptions};
use vitals::net::build_http_auth;
use vitals::scrape::{build_client, parse_target, scrape_once, ScrapeOptions, Target};
use vitals::theme::Theme;
use vitals::tui::View;

const TOKEN: &str = "tok-SECRET-91b2";
const PASSWORD: &str = "pw-SECRET-44c7";
const URL_PASSWORD: &str = "url-SECRET-0d3e";
const HEADER_SECRET: &str = "hdr-SECRET-5a6f";

/// Every secret and the forms it is sent in.
fn forbidden() -> Vec<String> {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    vec![
        TOKEN.into(),
        PASSWORD.into(),
        URL_PASSWORD.into(),
        HEADER_SECRET.into(),
        "SECRET".into(),
        b64(&format!("ops:{PASSWORD}")),
        b64(&format!("admin:{URL_PASSWORD}")),
    ]
}

/// A log sink for tracing, shared with the test.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn with_auth(url: &str, auth: Auth) -> Target {
    let mut t = parse_target(url).unwrap();
    t.auth = Some(Arc::new(build_http_auth(&auth).unwrap()));
    t
}

#[tokio::test]
async fn secrets_never_reach_snapshot_screen_or_log() {
    let log = Log::default();
    let sink = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let want = format!("Bearer {TOKEN}");
    let good = serve(None, move |head| {
        if header(head, "authorization").as_deref() == Some(want.as_str())
            && header(head, "x-api-key").as_deref() == Some(HEADER_SECRET)
        {
            Answer::page()
        } else {
            Answer::with("401 Unauthorized", "no\n")
        }
    })
    .await;
    // Rejects everyone, echoing the request (secrets included) in its body.
    let rejecting = serve(None, |head| Answer::with("401 Unauthorized", head)).await;
    let ca = Ca::new("ca");
    let cert = ca.server(&["127.0.0.1"]);
    let tls = serve(Some(ca.server_config(&cert, false)), |_| Answer::page()).await;

    let pw = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(pw.path(), format!("{PASSWORD}\n")).unwrap();
    let targets = vec![
        with_auth(
            &good.url("http"),
            Auth {
                bearer_token: Some(TOKEN.into()),
                headers: [("X-Api-Key".to_string(), HEADER_SECRET.to_string())].into(),
                ..Auth::default()
            },
        ),
        with_auth(
            &rejecting.url("http"),
            Auth {
                basic_auth: Some(BasicAuth {
                    username: "ops".into(),
                    password: None,
                    password_file: Some(pw.path().into()),
                }),
                ..Auth::default()
            },
        ),
        // Credentials in the URL, and nobody listening on port 1.
        parse_target(&format!("http://admin:{URL_PASSWORD}@127.0.0.1:1/metrics")).unwrap(),
        with_auth(
            &tls.url("https"),
            Auth {
                insecure_skip_verify: true,
                bearer_token: Some(TOKEN.into()),
                ..Auth::default()
            },
        ),
    ];

    let opts = ScrapeOptions {
        timeout: Duration::from_secs(5),
        ..ScrapeOptions::default()
    };
    let client = build_client(&opts).unwrap();
    let mut engine = Engine::new(EngineOptions::default());
    let now = 1_795_348_800_000;
    engine.set_targets(&targets, now);
    for t in &targets {
        tracing::debug!(target = ?t, "scraping");
        let r = scrape_once(&client, Arc::new(t.clone()), &opts).await;
        tracing::debug!(result = ?r.outcome.as_ref().err(), "scraped");
        engine.apply(r);
    }
    let frame = engine.tick(now + 2_000);

    let json = serde_json::to_string_pretty(&vitals::report::to_json(&frame)).unwrap();
    let markdown = vitals::report::to_markdown(&frame);
    let mut screens = String::new();
    for (w, h, help) in [(80, 24, false), (200, 50, false), (200, 50, true)] {
        let view = View {
            title: "vitals".into(),
            now_ms: Some(now + 2_000),
            help,
            ..View::default()
        };
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        term.draw(|f| {
            vitals::tui::render(&frame, &view, &Theme::default(), f.area(), f.buffer_mut())
        })
        .unwrap();
        screens.push_str(&term.backend().to_string());
    }
    let debug = format!("{frame:?} {targets:?}");
    let logged = String::from_utf8_lossy(&log.0.lock().unwrap()).into_owned();
    assert!(
        logged.contains("scraping"),
        "the log was captured: {logged}"
    );

    for (what, text) in [
        ("snapshot JSON", &json),
        ("snapshot text", &markdown),
        ("screen", &screens),
        ("log", &logged),
        ("Debug", &debug),
    ] {
        for secret in forbidden() {
            assert!(!text.contains(&secret), "{what} shows {secret}:\n{text}");
        }
    }

    // The rejection is named, in the snapshot and on screen.
    assert!(
        json.contains("\"error\": \"401 unauthorized: credentials rejected\""),
        "{json}"
    );
    assert!(screens.contains("401 unauthorized"), "{screens}");
    assert!(screens.contains("TLS NOT VERIFIED: 1"), "{screens}");
    // The URL with credentials is shown without them.
    assert!(
        json.contains("\"url\": \"http://127.0.0.1:1/metrics\""),
        "{json}"
    );
    let up = frame.targets.iter().filter(|t| t.up).count();
    assert_eq!(up, 2, "{:?}", frame.targets);
}

//! Hostile text from outside: escape sequences in scraped label values,
//! rule summaries and server errors never reach the terminal or the log
//! raw; secrets in target URLs (user:password@, ?token=) are sent but
//! never shown; `config check` reports every problem without echoing a
//! secret; a broken file_sd file is shown. (Pastes: `paste.rs`.)

use crate::faults_support;

use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use faults_support::{counted_target, Server};
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_vitals");

/// The payload: a window-title OSC ended by BEL, a C1 CSI, DEL and a
/// screen clear.
const PAYLOAD: &str = "\u{1b}]0;pwned\u{7}\u{9b}2J\u{7f}\u{1b}[2J";

/// The exposition line of a metric whose `payload` label holds
/// [`PAYLOAD`] (only `\`, `"` and line breaks are escaped in the format).
fn evil_page() -> String {
    let v = PAYLOAD.replace('\\', "\\\\").replace('"', "\\\"");
    format!("# TYPE evil_info gauge\nevil_info{{payload=\"{v}\"}} 1\n")
}

/// Serves the evil page at `/metrics` (also with any query string), and at
/// `/secure` only with basic auth `scraper:s3cr3t-pw`.
fn evil_target() -> Server {
    let app = axum::Router::new()
        .route("/metrics", get(|| async { evil_page() }))
        .route(
            "/secure",
            get(|h: HeaderMap| async move {
                // base64("scraper:s3cr3t-pw")
                let ok = h
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v == "Basic c2NyYXBlcjpzM2NyM3QtcHc=");
                if ok {
                    (StatusCode::OK, "# TYPE ok gauge\nok 1\n".to_string())
                } else {
                    (StatusCode::UNAUTHORIZED, "no".to_string())
                }
            }),
        );
    Server::start(app)
}

fn run(state: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("XDG_STATE_HOME", state)
        .env("HOME", state)
        .env_remove("VITALS_LOG")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Fails if `bytes` hold a control character other than a line break:
/// C0, DEL, or C1 (U+0080–U+009F, as UTF-8 or as a raw byte).
fn assert_no_controls(what: &str, bytes: &[u8]) {
    let s = String::from_utf8_lossy(bytes);
    if let Some((i, c)) = s.char_indices().find(|(_, c)| c.is_control() && *c != '\n') {
        let from = s[..i].char_indices().rev().nth(40).map_or(0, |(j, _)| j);
        panic!(
            "{what} holds {:?} at byte {i}: ...{:?}",
            c,
            &s[from..(i + 40).min(s.len())]
        );
    }
}

fn rules(dir: &Path) -> String {
    let p = dir.join("evil.yml");
    std::fs::write(
        &p,
        "groups:\n  - name: g\n    rules:\n      - alert: Evil\n        expr: evil_info > 0\n        annotations:\n          summary: \"payload {{ $labels.payload }} here\"\n",
    )
    .unwrap();
    p.to_str().unwrap().to_string()
}

fn log_of(state: &Path) -> Vec<u8> {
    std::fs::read(state.join("vitals/vitals.log")).unwrap_or_default()
}

#[test]
fn label_values_with_escape_sequences_are_shown_escaped() {
    let state = tempfile::tempdir().unwrap();
    let target = evil_target();
    let rules = rules(state.path());
    let url = format!("http://{}/metrics", target.addr);
    let common = [
        url.as_str(),
        "--rules",
        rules.as_str(),
        "--expr",
        "evil_info",
        "--interval",
        "200ms",
        "--duration",
        "1s",
    ];
    for format in ["text", "json"] {
        let mut args = vec!["snapshot", "--format", format];
        args.extend(common);
        let out = run(state.path(), &args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_no_controls(&format!("snapshot --format {format} stdout"), &out.stdout);
        assert_no_controls("snapshot stderr", &out.stderr);
        let stdout = text(&out.stdout);
        if format == "text" {
            // The alert summary and the panel legend carry the payload,
            // visibly escaped.
            assert!(
                stdout.contains("payload \\u{1b}]0;pwned\\u{7}\\u{9b}2J\\u{7f}\\u{1b}[2J here"),
                "{stdout}"
            );
            assert!(stdout.contains("evil_info"), "{stdout}");
        } else {
            let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            let summary = doc["alerts"][0]["summary"].as_str().unwrap();
            assert_eq!(
                summary,
                format!("payload {PAYLOAD} here"),
                "JSON keeps the value"
            );
        }
    }
    let alert_log = state.path().join("alerts.jsonl");
    let alert_log = alert_log.to_str().unwrap();
    let mut args = vec!["check", "--alert-log", alert_log];
    args.extend(common);
    let out = run(state.path(), &args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("FIRING Evil"),
        "{}",
        text(&out.stdout)
    );
    assert_no_controls("check stdout", &out.stdout);
    assert_no_controls("check stderr", &out.stderr);
    assert_no_controls("vitals.log", &log_of(state.path()));
    let logged = std::fs::read(alert_log).unwrap();
    assert_no_controls("the alert log", &logged);
    let first = text(&logged)
        .lines()
        .next()
        .map(str::to_string)
        .unwrap_or_default();
    let line: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(line["labels"]["payload"], PAYLOAD, "{first}");
}

#[test]
fn a_servers_error_text_is_escaped_on_stderr_and_in_the_log() {
    let state = tempfile::tempdir().unwrap();
    let body = format!("{PAYLOAD} the server says no");
    let server = Server::start(axum::Router::new().fallback(move || {
        let body = body.clone();
        async move { (StatusCode::SERVICE_UNAVAILABLE, body) }
    }));
    let url = format!("http://{}", server.addr);
    let out = run(
        state.path(),
        &["snapshot", "--prometheus", &url, "--duration", "0s"],
    );
    let stderr = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert_no_controls("stderr", &out.stderr);
    assert_no_controls("stdout", &out.stdout);
    assert!(
        stderr.contains("\\u{1b}[2J"),
        "the error is still shown: {stderr}"
    );
    assert_no_controls("vitals.log", &log_of(state.path()));
}

#[test]
fn secret_query_values_are_scraped_but_never_shown() {
    let state = tempfile::tempdir().unwrap();
    let target = evil_target();
    let up = format!("http://{}/metrics?token=tok-SECRET-1&module=x", target.addr);
    // A refused port: its error names the URL too.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down_addr = port.local_addr().unwrap();
    drop(port);
    let down = format!("http://{down_addr}/metrics?api_key=key-SECRET-2");
    let out = run(
        state.path(),
        &[
            "snapshot",
            &up,
            &down,
            "--interval",
            "200ms",
            "--duration",
            "1s",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let urls: Vec<&str> = doc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["url"].as_str().unwrap())
        .collect();
    assert!(
        urls.iter()
            .any(|u| u.ends_with("/metrics?token=***&module=x")),
        "{urls:?}"
    );
    let scraped = doc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["up"] == true);
    assert!(scraped, "the target with a token is scraped: {stdout}");
    let out = run(
        state.path(),
        &[
            "check",
            &up,
            &down,
            "--interval",
            "200ms",
            "--duration",
            "1s",
        ],
    );
    let all = [
        stdout,
        text(&out.stdout),
        text(&out.stderr),
        text(&log_of(state.path())),
    ];
    assert!(
        all[2].contains("api_key=***"),
        "the down target is named: {}",
        all[2]
    );
    for (i, s) in all.iter().enumerate() {
        assert!(
            !s.contains("SECRET"),
            "output {i} shows a secret query value: {s}"
        );
    }
}

#[test]
fn url_credentials_of_a_configured_target_are_sent_and_never_shown() {
    let state = tempfile::tempdir().unwrap();
    let target = evil_target();
    let config = state.path().join("vitals.toml");
    std::fs::write(
        &config,
        format!(
            "[[target]]\nurl = \"http://scraper:s3cr3t-pw@{}/secure\"\n",
            target.addr
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let out = run(
        state.path(),
        &[
            "snapshot",
            "--config",
            config,
            "--interval",
            "200ms",
            "--duration",
            "1s",
        ],
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let t = &doc["targets"][0];
    assert_eq!(t["up"], true, "basic auth from the URL is sent: {t}");
    for s in [&stdout, &text(&out.stderr), &text(&log_of(state.path()))] {
        assert!(!s.contains("s3cr3t-pw"), "{s}");
    }
    // Credentials in the URL and in the table: one place only.
    let both = state.path().join("both.toml");
    std::fs::write(
        &both,
        format!(
            "[[target]]\nurl = \"http://scraper:s3cr3t-pw@{}/secure\"\nbearer_token = \"t\"\n",
            target.addr
        ),
    )
    .unwrap();
    let out = run(state.path(), &["config", "check", both.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("give the credentials in one place"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cr3t-pw"), "{stderr}");
}

#[test]
fn config_check_reports_every_problem_without_echoing_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(
        &file,
        "[[target]]\nurl = \"127.0.0.1:9100\"\nbearer_token = 918273645\n\n[[target]]\nurl = \"127.0.0.1:9101\"\nbasic_auth = { username = \"u\", password = 56473829 }\n\n[[target]]\nurl = \"https://127.0.0.1:9102\"\nca_file = \"missing-ca.pem\"\n\n[[target]]\nurl = \"127.0.0.1:9103\"\ninterval = \"soon\"\n",
    )
    .unwrap();
    let out = run(dir.path(), &["config", "check", file.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("918273645"), "{stderr}");
    assert!(!stderr.contains("56473829"), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 4, "{stderr}");
    let f = file.display().to_string();
    assert!(
        lines[0].starts_with(&format!("{f}:3:16: bearer_token:")),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with(&format!("{f}:7:43: password:")),
        "{stderr}"
    );
    assert!(
        lines[2].starts_with(&format!("{f}:10:7: target[2]: ca_file:")),
        "{stderr}"
    );
    assert!(
        lines[3].starts_with(&format!("{f}:15:12: target[3].interval:")),
        "{stderr}"
    );
    // `--no-files` checks the file alone (away from its secrets).
    let out = run(
        dir.path(),
        &["config", "check", "--no-files", file.to_str().unwrap()],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 3, "{stderr}");
    assert!(!stderr.contains("ca_file"), "{stderr}");
}

#[test]
fn a_file_sd_file_broken_while_running_is_shown_and_its_targets_kept() {
    use std::sync::atomic::Ordering;
    use std::time::Duration;
    for (format, breakage) in [("json", "rewritten"), ("text", "deleted")] {
        let state = tempfile::tempdir().unwrap();
        let (target, scrapes) = counted_target();
        let sd = state.path().join("targets.json");
        std::fs::write(
            &sd,
            format!(
                "[{{\"targets\": [\"{}\"], \"labels\": {{\"job\": \"api\"}}}}]",
                target.addr
            ),
        )
        .unwrap();
        let child = Command::new(BIN)
            .args(["snapshot", "--format", format, "--file-sd"])
            .arg(&sd)
            .args(["--interval", "200ms", "--duration", "6s"])
            .env("XDG_STATE_HOME", state.path())
            .env("HOME", state.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Broken only once its targets were read and scraped.
        let start = std::time::Instant::now();
        while scrapes.load(Ordering::SeqCst) == 0 {
            assert!(start.elapsed() < Duration::from_secs(60), "never scraped");
            std::thread::sleep(Duration::from_millis(20));
        }
        if breakage == "deleted" {
            std::fs::remove_file(&sd).unwrap();
        } else {
            std::fs::write(&sd, "[{\"targets\": [").unwrap();
        }
        let out = child.wait_with_output().unwrap();
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let shown = sd.display().to_string();
        if format == "json" {
            let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            let files = doc["file_sd"].as_array().expect("file_sd errors");
            assert_eq!(files.len(), 1, "{stdout}");
            assert_eq!(files[0]["path"], shown.as_str());
            let error = files[0]["error"].as_str().unwrap();
            assert!(error.starts_with(&format!("file_sd {shown}:1:")), "{error}");
            assert_eq!(
                doc["targets"][0]["up"], true,
                "its last targets are kept: {stdout}"
            );
        } else {
            assert!(
                stdout.contains("file_sd files that cannot be used")
                    && stdout.contains(&format!("- file_sd {shown}: ")),
                "{stdout}"
            );
        }
    }
}

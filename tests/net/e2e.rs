//! The real binary: `vitals snapshot` against loopback servers that check
//! credentials given in target URLs. The passwords never appear on stdout,
//! stderr or in the diagnostics log (at trace level), and a rejected
//! password shows as "401 unauthorized".

use crate::net_support;

use net_support::*;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_vitals");
const PASSWORD: &str = "e2e-SECRET-pw1";
const WRONG: &str = "e2e-SECRET-pw2";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_never_prints_url_credentials() {
    use base64::Engine as _;
    let want = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("ops:{PASSWORD}"))
    );
    let server = serve(None, move |head| {
        if header(head, "authorization").as_deref() == Some(want.as_str()) {
            Answer::page()
        } else {
            Answer::with("401 Unauthorized", "no\n")
        }
    })
    .await;
    let state = tempfile::tempdir().unwrap();
    let good = format!("http://ops:{PASSWORD}@{}/metrics", server.addr);
    let bad = format!("http://ops:{WRONG}@127.0.0.1:{}/other", server.addr.port());
    let state_dir = state.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .args(["snapshot", "--interval", "500ms", "--duration", "1s"])
            .args([&good, &bad])
            .env("XDG_STATE_HOME", &state_dir)
            .env("XDG_CONFIG_HOME", &state_dir)
            .env("VITALS_LOG", "trace")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let log = std::fs::read_to_string(state.path().join("vitals/vitals.log")).unwrap();
    assert!(log.contains("target added"), "trace log written: {log}");
    for (what, text) in [("stdout", &stdout), ("stderr", &stderr), ("log", &log)] {
        for secret in ["SECRET", PASSWORD, WRONG] {
            assert!(!text.contains(secret), "{what} shows {secret}:\n{text}");
        }
    }
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let targets = json["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2, "{stdout}");
    let good_url = format!("http://{}/metrics", server.addr);
    let t = targets
        .iter()
        .find(|t| t["url"] == good_url.as_str())
        .unwrap();
    assert_eq!(t["up"], true, "{stdout}");
    let t = targets.iter().find(|t| t["up"] == false).unwrap();
    assert_eq!(
        t["error"], "401 unauthorized: credentials rejected",
        "{stdout}"
    );
    assert!(!server.heads().is_empty());
}

//! The whole chain with the real binary in tmux and the real Alertmanager:
//! `A` lists the alert, `m` and Enter mute it for the prefilled hour, the
//! silence appears in Alertmanager and the list says so; `a` acknowledges.

use crate::alerts_support;
use crate::common;

use alerts_support::am::{start_alertmanager, wait_until};
use alerts_support::tmux::Tmux;
use alerts_support::{rule_file, Exporter};
use common::{require_program, wait_for};
use std::time::Duration;

async fn silences(client: &reqwest::Client, am: &str) -> Vec<serde_json::Value> {
    let Ok(r) = client.get(format!("{am}/api/v2/silences")).send().await else {
        return vec![];
    };
    let text = r.text().await.unwrap_or_default();
    serde_json::from_str(&text).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn m_in_the_alerts_list_makes_an_alertmanager_silence() {
    if require_program("tmux").is_none() {
        return;
    }
    let Some(am) = start_alertmanager() else {
        return;
    };
    let client = reqwest::Client::new();
    assert!(
        wait_until(|| async {
            client
                .get(format!("{}/api/v2/status", am.url))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        })
        .await,
        "alertmanager did not start"
    );
    let exporter = Exporter::start(9.0);
    let dir = tempfile::tempdir().unwrap();
    let rules = rule_file(dir.path(), "critical");
    let args: Vec<String> = vec![
        exporter.target(),
        "--rules".into(),
        rules.display().to_string(),
        "--interval".into(),
        "200ms".into(),
        "--alertmanager".into(),
        am.url.clone(),
        "--alert-log".into(),
        dir.path().join("alerts.jsonl").display().to_string(),
    ];
    let t = Tmux::run(dir.path(), &args);
    wait_for("the alert to fire", Duration::from_secs(30), || {
        t.screen().contains("CRITICAL Deep").then_some(())
    });
    t.send(&["A"]);
    wait_for("the alerts list", Duration::from_secs(10), || {
        t.screen().contains("Alerts 1 firing").then_some(())
    });
    t.send(&["m"]);
    wait_for("the mute prompt", Duration::from_secs(10), || {
        t.screen().contains("mute Deep for: 1h").then_some(())
    });
    t.send(&["Enter"]);
    let mut found = None;
    for _ in 0..200 {
        let all = silences(&client, &am.url).await;
        found = all.into_iter().find(|s| {
            s["createdBy"] == "vitals"
                && s["status"]["state"] == "active"
                && s["comment"] == "muted from vitals for 1h"
        });
        if found.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let s = found.expect("no silence from vitals in Alertmanager");
    let matchers = s["matchers"].as_array().unwrap();
    assert!(matchers
        .iter()
        .any(|m| m["name"] == "alertname" && m["value"] == "Deep"));
    let screen = wait_for(
        "the list to show the silence",
        Duration::from_secs(20),
        || {
            let s = t.screen();
            s.contains("silenced in Alertmanager").then_some(s)
        },
    );
    assert!(screen.contains("muted until"), "{screen}");
    // Muted: the bar no longer shouts; `a` still acknowledges from the list.
    assert!(!screen.contains("CRITICAL Deep"), "{screen}");
    t.send(&["a"]);
    wait_for("the ack", Duration::from_secs(10), || {
        t.screen().contains("ack · muted until").then_some(())
    });
    let state = std::fs::read_to_string(dir.path().join("alerts.state.json")).unwrap();
    assert!(state.contains(s["id"].as_str().unwrap()), "{state}");
    assert!(state.contains("\"acknowledged\": true"), "{state}");
}

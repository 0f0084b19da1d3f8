//! A group mute with `--alertmanager` is ONE real Alertmanager silence: the
//! group's labels and `instance=~"…"` naming its instances, so the same
//! alert of another team on the shared Alertmanager stays unsilenced; every
//! alert of the group keeps its id, muting again replaces it and unmuting
//! expires it.

use crate::alerts_support;
use crate::silences::{get_json, tick, wire_alertmanager};

use alerts_support::am::*;
use std::time::Duration;
use vitals::alerts::rulefile;
use vitals::engine::{Engine, EngineOptions};
use vitals::frame::{Command, Frame};
use vitals::vocab::time::now_ms;

/// Silences made by vitals, as Alertmanager lists them.
async fn ours(client: &reqwest::Client, am: &str) -> Vec<serde_json::Value> {
    let all = get_json(client, &format!("{am}/api/v2/silences"))
        .await
        .unwrap_or_default();
    all.as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["createdBy"] == "vitals")
        .cloned()
        .collect()
}

fn active(silences: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    silences
        .iter()
        .filter(|s| s["status"]["state"] == "active")
        .collect()
}

/// Alertmanager's view of the `DeepQueue` alert at `instance`.
async fn am_alert(client: &reqwest::Client, am: &str, instance: &str) -> Option<serde_json::Value> {
    listed(client, am)
        .await?
        .into_iter()
        .find(|a| a["labels"]["alertname"] == "DeepQueue" && a["labels"]["instance"] == instance)
}

fn mute(f: &Frame, duration: Duration) -> Command {
    let g = &f.alert_groups[0];
    Command::MuteGroup {
        labels: g.labels.clone(),
        alerts: g
            .members
            .iter()
            .map(|&i| (f.alerts[i].name.clone(), f.alerts[i].labels.clone()))
            .collect(),
        duration,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_mute_is_one_silence_naming_the_groups_instances() {
    let Some(am) = start_alertmanager() else {
        return;
    };
    let client = reqwest::Client::new();
    assert!(
        wait_until(|| async { listed(&client, &am.url).await.is_some() }).await,
        "alertmanager did not start"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut e = Engine::new(EngineOptions {
        rules: rulefile::parse("r.yml", RULES).unwrap(),
        alert_log: Some(dir.path().join("alerts.jsonl")),
        ..Default::default()
    });
    let (mut rep_rx, mut held_rx) = wire_alertmanager(&mut e, &am.url);
    // Another team's DeepQueue on the same Alertmanager.
    let theirs = serde_json::json!([{
        "labels": {"alertname": "DeepQueue", "severity": "critical", "instance": "10.0.0.9:9100"},
    }]);
    let r = client
        .post(format!("{}/api/v2/alerts", am.url))
        .header("content-type", "application/json")
        .body(theirs.to_string())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let targets = [target_on("127.0.0.1:9100"), target_on("127.0.0.1:9101")];
    let t0 = now_ms();
    e.set_targets(&targets, t0);
    for t in &targets {
        e.apply(scrape(t, t0, 9.0));
    }
    let f = tick(&mut e, &mut rep_rx, &mut held_rx, t0);
    assert_eq!(f.alert_groups.len(), 1);
    assert_eq!(f.alert_groups[0].firing, 2);
    assert!(
        wait_until(|| async {
            am_alert(&client, &am.url, "127.0.0.1:9101").await.is_some()
                && am_alert(&client, &am.url, "127.0.0.1:9100").await.is_some()
        })
        .await,
        "our alerts never reached alertmanager"
    );

    // Mute the group: one silence, kept by both alerts.
    e.command(mute(&f, Duration::from_secs(3600)));
    let mut id = None;
    for _ in 0..200 {
        let f = tick(&mut e, &mut rep_rx, &mut held_rx, t0 + 1);
        let ids: Vec<_> = f.alerts.iter().map(|a| a.silence_id.clone()).collect();
        if ids.iter().all(Option::is_some) {
            assert_eq!(ids[0], ids[1], "one silence for the group");
            assert!(f.alerts.iter().all(|a| a.muted_until_ms.is_some()));
            assert!(f.alert_groups[0].muted);
            id = ids[0].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let id = id.expect("the group's silence was never recorded");
    let all = ours(&client, &am.url).await;
    assert_eq!(all.len(), 1, "{all:?}");
    let s = &all[0];
    assert_eq!(s["id"], id.as_str());
    assert_eq!(s["status"]["state"], "active");
    let mut matchers: Vec<(String, String, bool)> = s["matchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(m["isEqual"], true);
            (
                m["name"].as_str().unwrap().to_string(),
                m["value"].as_str().unwrap().to_string(),
                m["isRegex"].as_bool().unwrap(),
            )
        })
        .collect();
    matchers.sort();
    assert_eq!(
        matchers,
        [
            ("alertname".into(), "DeepQueue".into(), false),
            (
                "instance".into(),
                r"127\.0\.0\.1:9100|127\.0\.0\.1:9101".into(),
                true
            ),
        ]
    );
    let state = std::fs::read_to_string(dir.path().join("alerts.state.json")).unwrap();
    assert_eq!(state.matches(id.as_str()).count(), 2, "{state}");
    // Alertmanager: both of ours silenced by it, the other team's not.
    for instance in ["127.0.0.1:9100", "127.0.0.1:9101"] {
        let a = am_alert(&client, &am.url, instance).await.unwrap();
        assert_eq!(a["status"]["state"], "suppressed", "{a}");
        assert_eq!(a["status"]["silencedBy"][0], id.as_str(), "{a}");
    }
    let other = am_alert(&client, &am.url, "10.0.0.9:9100").await.unwrap();
    assert_eq!(other["status"]["state"], "active", "{other}");

    // Muting again replaces it: one active silence, a new id.
    e.command(mute(&f, Duration::from_secs(7200)));
    let mut second = None;
    for _ in 0..200 {
        let f = tick(&mut e, &mut rep_rx, &mut held_rx, t0 + 2);
        let ids: Vec<_> = f.alerts.iter().map(|a| a.silence_id.clone()).collect();
        let now = ours(&client, &am.url).await;
        if ids.iter().all(|i| i.is_some() && *i != Some(id.clone()))
            && active(&now).len() == 1
            && now.len() == 2
        {
            assert_eq!(ids[0], ids[1]);
            assert_eq!(active(&now)[0]["id"], ids[0].as_deref().unwrap());
            second = ids[0].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let second = second.expect("muting again did not replace the silence");

    // Unmuting the group expires its one silence and unmutes both alerts.
    e.command(mute(&f, Duration::ZERO));
    assert!(
        wait_until(|| async { active(&ours(&client, &am.url).await).is_empty() }).await,
        "the group's silence was never expired"
    );
    let f = tick(&mut e, &mut rep_rx, &mut held_rx, t0 + 3);
    for a in &f.alerts {
        assert_eq!(a.muted_until_ms, None);
        assert_ne!(a.silence_id.as_deref(), Some(second.as_str()));
    }
    assert!(!f.alert_groups[0].muted);
    let state = std::fs::read_to_string(dir.path().join("alerts.state.json")).unwrap();
    assert!(!state.contains(second.as_str()), "{state}");
}

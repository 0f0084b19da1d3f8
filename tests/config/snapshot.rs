//! `vitals snapshot --config FILE`: the file's targets (with their job and
//! labels), panels and rules are what the snapshot shows; TARGET arguments
//! replace the file's targets.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_vitals");

/// A loopback exporter serving one fixed page, on a thread.
fn exporter(body: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut req = Vec::new();
            let mut buf = [0u8; 1024];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
            }
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

fn snapshot(args: &[&str], config: &std::path::Path, state: &std::path::Path) -> Value {
    let out = Command::new(BIN)
        .arg("snapshot")
        .args(args)
        .arg("--config")
        .arg(config)
        .args(["--duration", "1500ms"])
        .env("XDG_STATE_HOME", state)
        .env("XDG_CONFIG_HOME", state)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_files_targets_panels_and_rules_make_the_snapshot() {
    let port = exporter(
        "# TYPE orders_total counter\norders_total{shop=\"a\"} 40\norders_total{shop=\"b\"} 2\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("vitals.toml");
    std::fs::write(
        &config,
        format!(
            r#"interval = "500ms"
panels = "custom"

[[target]]
url = "127.0.0.1:{port}"
job = "shop"
labels = {{ env = "test" }}

[[panel]]
title = "Orders"
expr = "sum(orders_total)"
unit = "count"
kind = "stat"

[[panel]]
title = "By shop"
expr = "orders_total"
legend = "shop {{{{ shop }}}}"

[[rule]]
name = "OrdersSeen"
expr = "sum(orders_total) > 0"
severity = "info"
summary = "{{{{ $value }}}} orders"
labels = {{ team = "sales" }}
"#
        ),
    )
    .unwrap();
    let doc = snapshot(&[], &config, dir.path());
    let t = &doc["targets"][0];
    assert_eq!(t["url"], format!("http://127.0.0.1:{port}/metrics"));
    assert_eq!(
        (t["job"].as_str(), t["up"].as_bool()),
        (Some("shop"), Some(true))
    );
    let ids: Vec<&str> = doc["panels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["orders", "by-shop"], "panels = custom");
    let orders = &doc["panels"][0];
    assert_eq!(orders["unit"], "count");
    assert_eq!(orders["series"][0]["value"], 42.0);
    let by_shop = doc["panels"][1]["series"].as_array().unwrap();
    assert_eq!(by_shop.len(), 2);
    assert_eq!(
        by_shop[0]["labels"]["env"], "test",
        "target labels attached"
    );
    assert_eq!(by_shop[0]["labels"]["job"], "shop");
    let alert = doc["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "OrdersSeen")
        .expect("the configured rule");
    assert_eq!(alert["state"], "firing");
    assert_eq!(alert["severity"], "info");
    assert_eq!(alert["summary"], "42 orders");
    assert_eq!(alert["labels"]["team"], "sales");

    // A TARGET argument replaces the file's targets; panels stay.
    let doc = snapshot(&["127.0.0.1:1"], &config, dir.path());
    let targets = doc["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0]["url"], "http://127.0.0.1:1/metrics");
    assert_eq!(targets[0]["up"], false);
    assert_eq!(doc["panels"][0]["id"], "orders");
}

//! Hostile PromQL through the binary: expressions nested deep enough to
//! overflow the stack are refused with the limit and its position (they
//! used to abort the process), in `--expr`, rule files and the config; a
//! rule file nested deeply in YAML is refused quickly; an invalid long
//! expression reports where it breaks; an expensive panel ends with an
//! error on its own panel while the others keep their values.

use crate::tmux_support;

use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::time::Duration;
use tmux_support::{pids_matching, wait_for, Tmux};

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

fn run(args: &[&str], state: &std::path::Path) -> Output {
    Command::new(BIN)
        .args(args)
        .env("XDG_STATE_HOME", state)
        .env("XDG_CONFIG_HOME", state)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The expressions that aborted the process.
fn deep_expressions() -> Vec<(&'static str, String)> {
    vec![
        (
            "2000 sum(",
            format!("{}up{}", "sum(".repeat(2000), ")".repeat(2000)),
        ),
        (
            "4000 abs(",
            format!("{}up{}", "abs(".repeat(4000), ")".repeat(4000)),
        ),
        ("10000 terms", vec!["1"; 10_000].join("+")),
        (
            "50000 (",
            format!("{}1{}", "(".repeat(50_000), ")".repeat(50_000)),
        ),
    ]
}

#[test]
fn deep_expr_is_refused_with_the_limit_and_position() {
    let dir = tempfile::tempdir().unwrap();
    for (name, e) in deep_expressions() {
        let o = run(
            &["snapshot", "--duration", "1s", "--expr", &e, "127.0.0.1:1"],
            dir.path(),
        );
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains("nests deeper than 128 levels") && err.contains("(at column "),
            "{name}: {err}"
        );
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: one line: {err}");
    }
}

#[test]
fn deep_rules_fail_check_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    for (name, e) in deep_expressions() {
        let rules = dir.path().join("rules.yml");
        std::fs::write(
            &rules,
            format!("groups:\n- name: g\n  rules:\n  - alert: Deep\n    expr: '{e}'\n"),
        )
        .unwrap();
        let o = run(
            &["check", "--rules", rules.to_str().unwrap(), "127.0.0.1:1"],
            dir.path(),
        );
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains("rules.yml:4:5") && err.contains("nests deeper than 128"),
            "{name}: {err}"
        );
    }
}

#[test]
fn config_check_reports_deep_panels_and_rules_at_their_position() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("vitals.toml");
    let deep = vec!["up"; 300].join(" + ");
    std::fs::write(
        &config,
        format!(
            "[[panel]]\ntitle = \"Deep\"\nexpr = \"{deep}\"\n\n[[rule]]\nname = \"Deep\"\nexpr = \"{}up{}\"\n",
            "abs(".repeat(500),
            ")".repeat(500)
        ),
    )
    .unwrap();
    let o = run(&["config", "check", config.to_str().unwrap()], dir.path());
    let err = stderr(&o);
    assert_ne!(o.status.code(), Some(0), "{err}");
    // The 128th `+` of the chain (column 8 + 5 × 127 + 3) and the 128th `(`.
    assert!(
        err.contains(&format!("vitals.toml:3:{}", 8 + 5 * 127 + 4)),
        "{err}"
    );
    assert!(
        err.contains(&format!("vitals.toml:7:{}", 8 + 4 * 127 + 4)),
        "{err}"
    );
    assert_eq!(err.matches("nests deeper than 128").count(), 2, "{err}");
}

#[test]
fn deeply_nested_yaml_rules_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yml");
    std::fs::write(&rules, format!("groups: {}", "[".repeat(100_000))).unwrap();
    let o = run(
        &["check", "--rules", rules.to_str().unwrap(), "127.0.0.1:1"],
        dir.path(),
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("rules.yml:1:73") && err.contains("YAML nests deeper than 64"),
        "{err}"
    );
}

#[test]
fn a_long_invalid_expr_reports_where_it_breaks() {
    let dir = tempfile::tempdir().unwrap();
    // 100 KB that nests shallowly, with a stray `)` at the end.
    let labels = vec!["\"l\""; 20_000].join(", ");
    let e = format!("label_join(up, \"d\", \",\", {labels}))");
    let o = run(
        &["snapshot", "--duration", "1s", "--expr", &e, "127.0.0.1:1"],
        dir.path(),
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let column = e.chars().count();
    assert!(
        err.contains(&format!(
            "unexpected right parenthesis ')' (at column {column})"
        )),
        "{}",
        &err[err.len().saturating_sub(300)..]
    );
}

#[test]
fn an_expensive_panel_gets_an_error_and_the_others_keep_their_values() {
    let port = exporter("# TYPE orders_total counter\norders_total{shop=\"a\"} 40\n");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("vitals.toml");
    std::fs::write(
        &config,
        format!(
            r#"interval = "500ms"
panels = "custom"

[[target]]
url = "127.0.0.1:{port}"

[[panel]]
title = "Orders"
expr = "sum(orders_total)"
kind = "stat"

[[panel]]
title = "Expensive"
expr = "max_over_time((max_over_time((max_over_time(orders_total[1h:1s]))[1h:1s]))[1h:1s])"
kind = "stat"

[[panel]]
title = "Shops"
expr = "count(orders_total)"
kind = "stat"
"#
        ),
    )
    .unwrap();
    let o = run(
        &[
            "snapshot",
            "--config",
            config.to_str().unwrap(),
            "--duration",
            "1500ms",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let panels = doc["panels"].as_array().unwrap();
    assert_eq!(panels[0]["series"][0]["value"], 40.0, "{:?}", panels[0]);
    assert_eq!(panels[2]["series"][0]["value"], 1.0, "{:?}", panels[2]);
    let error = panels[1]["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("too many samples") || error.contains("query timed out"),
        "{:?}",
        panels[1]
    );
}

/// Writes the dashboard's default configuration file in `t`'s home
/// (`~/.config/vitals/config.toml`), atomically, as an editor would.
fn write_config(t: &Tmux, text: &str) {
    let p = t.dir.path().join(".config/vitals/config.toml");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    let tmp = p.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, &p).unwrap();
}

/// The alert log path that marks this test's dashboard process.
fn marker(t: &Tmux) -> String {
    format!("{}/alerts.jsonl", t.dir.path().display())
}

fn pids(t: &Tmux) -> Vec<u32> {
    pids_matching(&marker(t))
}

fn wait(t: &Tmux, what: &str, ok: impl Fn(&str) -> bool) -> String {
    t.wait_screen(what, Duration::from_secs(60), ok)
}

const EXPENSIVE: &str = "max_over_time((max_over_time((max_over_time(up[1h:1s]))[1h:1s]))[1h:1s])";

#[test]
fn the_dashboard_survives_deep_expr_and_reload_and_answers_keys_beside_an_expensive_panel() {
    let Some(s) = Tmux::start(120, 32) else {
        return;
    };
    write_config(&s, &format!(
        "panels = \"custom\"\n\n[[panel]]\ntitle = \"Targets up\"\nexpr = \"sum(up)\"\n\n[[panel]]\ntitle = \"Expensive\"\nexpr = \"{EXPENSIVE}\"\n"
    ));
    wait(&s, "the shell prompt", |t| t.contains("READY$"));
    s.send(&[
        &format!("{BIN} demo --speed 5 --alert-log {}", marker(&s)),
        "Enter",
    ]);
    wait(&s, "both panels", |t| {
        t.contains("Targets up") && t.contains("Expensive")
    });
    // Keys are answered while the expensive panel is evaluated every tick.
    s.send(&["?"]);
    wait(&s, "the help", |t| {
        t.contains("Keys") && t.contains("reload the configuration")
    });
    s.send(&["Escape"]);
    wait(&s, "the help closed", |t| {
        !t.contains("reload the configuration")
    });

    // 2,000 terms typed at `:expr`: refused, the dashboard keeps running.
    s.send(&[":"]);
    let typed = format!("expr {}", vec!["1"; 2_000].join("+"));
    // tmux takes a command line of a few kilobytes at most.
    for chunk in typed.as_bytes().chunks(1000) {
        s.send(&["-l", std::str::from_utf8(chunk).unwrap()]);
    }
    s.send(&["Enter"]);
    wait(&s, "the nesting error on the prompt", |t| {
        t.contains("nests deeper than 128 levels")
    });
    s.send(&["Escape"]);
    wait(&s, "the prompt closed", |t| {
        !t.lines().any(|l| l.starts_with(":"))
    });
    s.send(&["?"]);
    wait(&s, "the help after the deep :expr", |t| {
        t.contains("reload the configuration")
    });
    s.send(&["Escape"]);
    assert_eq!(pids(&s).len(), 1, "still running after the deep :expr");

    // The same in the config, applied with SIGHUP: refused, still running.
    write_config(
        &s,
        &format!(
            "panels = \"custom\"\n\n[[panel]]\ntitle = \"Deep\"\nexpr = \"{}\"\n",
            vec!["1"; 10_000].join("+")
        ),
    );
    for pid in pids(&s) {
        assert!(Command::new("kill")
            .args(["-HUP", &pid.to_string()])
            .status()
            .unwrap()
            .success());
    }
    let screen = wait(&s, "the reload failure", |t| t.contains("reload failed"));
    assert!(
        screen.contains("Targets up") && !screen.contains("Deep"),
        "{screen}"
    );
    assert_eq!(pids(&s).len(), 1, "still running after the reload");

    s.send(&["q"]);
    wait(&s, "the shell prompt back", |t| {
        t.lines().any(|l| l.starts_with("READY$")) && !t.contains("Targets up")
    });
    wait_for("vitals to exit", Duration::from_secs(5), || {
        pids(&s).is_empty().then_some(())
    });
}

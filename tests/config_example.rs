//! The example configuration shipped in the repository is valid.

#[test]
fn the_example_config_is_valid_and_complete() {
    let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/vitals.toml"));
    let c = vitals::config::load(path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.target.len(), 2);
    assert_eq!(c.panel.len(), 2);
    assert_eq!(c.rule.len(), 1);
    assert!(c.alertmanager.is_some() && c.webhook.is_some());
    assert!(c.target[0].auth.cert_file.is_some());
}

#[test]
fn config_check_reports_every_problem_with_its_position() {
    let bin = env!("CARGO_BIN_EXE_vitals");
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/vitals.toml");
    let ok = std::process::Command::new(bin)
        .args(["config", "check", example])
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains(": ok (2 targets"));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "interval = \"2x\"\n[[rule]]\nname = \"R\"\nexpr = \"sum(\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(bin)
        .arg("config")
        .arg("check")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].ends_with("bad.toml:1:12: interval: \"2x\" is not a duration; expected a Prometheus duration such as 500ms, 30s, 5m or 1h30m"), "{err}");
    // A PromQL error is placed inside the expression: here at its end.
    assert!(
        lines[1].ends_with("bad.toml:4:13: rule[0] \"R\".expr: unclosed left parenthesis"),
        "{err}"
    );

    let typo = dir.path().join("typo.toml");
    std::fs::write(&typo, "intervl = \"2s\"\n").unwrap();
    let out = std::process::Command::new(bin)
        .arg("config")
        .arg("check")
        .arg(&typo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("typo.toml:1:1: unknown field `intervl`"));
}

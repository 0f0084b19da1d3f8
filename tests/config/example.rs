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
    // The example names secrets and file_sd files of a real host.
    let ok = std::process::Command::new(bin)
        .args(["config", "check", "--no-files", example])
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

/// The keys serde expects where `probe` puts an unknown one.
fn expected_keys(probe: &str) -> Vec<String> {
    let e = vitals::config::parse(std::path::Path::new("p.toml"), probe)
        .expect_err("the probe has an unknown key")
        .to_string();
    let list = e
        .split_once("expected one of ")
        .unwrap_or_else(|| panic!("{e}"))
        .1;
    list.split(", ")
        .map(|k| k.trim_matches('`').to_string())
        .collect()
}

#[test]
fn the_example_config_shows_every_key() {
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/vitals.toml"))
            .unwrap();
    let shown = |key: &str| {
        example.lines().any(|l| {
            let l = l.trim_start_matches(['#', ' ']);
            l.starts_with(&format!("{key} ="))
                || l.starts_with(&format!("[{key}]"))
                || l.starts_with(&format!("[[{key}]]"))
                || l.contains(&format!("{{ {key} ="))
                || l.contains(&format!(", {key} ="))
        })
    };
    let mut keys = expected_keys("nope = 1\n");
    keys.extend(expected_keys("[[panel]]\ntitle = \"t\"\nnope = 1\n"));
    keys.extend(expected_keys(
        "[[rule]]\nname = \"r\"\nexpr = \"up\"\nnope = 1\n",
    ));
    keys.extend(expected_keys(
        "[[target]]\nurl = \"a:1\"\nbasic_auth = { username = \"u\", nope = 1 }\n",
    ));
    // Flattened tables do not list their keys: the credentials and TLS keys.
    keys.extend(
        [
            "url",
            "job",
            "labels",
            "bearer_token",
            "bearer_token_file",
            "basic_auth",
            "headers",
            "ca_file",
            "cert_file",
            "key_file",
            "server_name",
            "insecure_skip_verify",
        ]
        .map(String::from),
    );
    assert!(keys.len() > 30, "{keys:?}");
    let missing: Vec<&String> = keys.iter().filter(|k| !shown(k)).collect();
    assert!(
        missing.is_empty(),
        "keys missing from examples/vitals.toml: {missing:?}"
    );
}

//! Configuration fixtures: every invalid file under
//! tests/fixtures/config/invalid/ gives exactly the problems written in its
//! `.expected` file (one line each, `file:line:column: message`), both
//! through the library and through `vitals config check` and start-up
//! (exit 2); every valid file loads and resolves to the settings asserted
//! here. `VITALS_BLESS=1` rewrites the `.expected` files.

use std::path::{Path, PathBuf};
use std::time::Duration;
use vitals::config::{self, Overrides};
use vitals::frame::{PanelKind, Severity, Unit};

fn dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(kind)
}

fn tomls(kind: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir(kind))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

/// The problems of `path`, with the directory taken off the file name.
fn problems(path: &Path) -> String {
    let errors = config::load(path).expect_err(&path.display().to_string());
    let mut out = String::new();
    for e in errors.0 {
        let name = e.file.file_name().unwrap().to_string_lossy().into_owned();
        out.push_str(&format!("{name}:{}:{}: {}\n", e.line, e.column, e.message));
    }
    out
}

#[test]
fn every_invalid_fixture_reports_exactly_its_problems() {
    let files = tomls("invalid");
    assert!(files.len() >= 20, "{files:?}");
    let bless = std::env::var_os("VITALS_BLESS").is_some();
    let mut failures = Vec::new();
    for f in &files {
        let got = problems(f);
        let expected_path = f.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
        if got != want {
            failures.push(format!(
                "{}:\n--- expected\n{want}--- got\n{got}",
                f.display()
            ));
        }
        for line in got.lines() {
            assert!(!line.is_empty() && !line.contains('\n'));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_binary_prints_the_same_problems_and_exits_2() {
    let bin = env!("CARGO_BIN_EXE_vitals");
    for name in ["several_problems", "panel_promql_list", "not_toml"] {
        let f = dir("invalid").join(format!("{name}.toml"));
        let want = std::fs::read_to_string(f.with_extension("expected")).unwrap();
        let want: Vec<String> = want
            .lines()
            .map(|l| format!("{}/{l}", dir("invalid").display()))
            .collect();
        // `config check` prints one problem per line.
        let out = std::process::Command::new(bin)
            .args(["config", "check"])
            .arg(&f)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().collect::<Vec<_>>(), want, "{name}");
        // Start-up with the same file refuses to run, before any scraping.
        let out = std::process::Command::new(bin)
            .args(["snapshot", "127.0.0.1:1", "--config"])
            .arg(&f)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), want.len(), "{err}");
        assert_eq!(lines[0], format!("vitals: {}", want[0]));
        assert_eq!(lines[1..], want[1..]);
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_missing_config_file_is_an_error_naming_it() {
    let bin = env!("CARGO_BIN_EXE_vitals");
    let out = std::process::Command::new(bin)
        .args([
            "check",
            "127.0.0.1:1",
            "--config",
            "/nonexistent/vitals.toml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("vitals: /nonexistent/vitals.toml:1:1: cannot read the file:"),
        "{err}"
    );
}

fn load(name: &str, flags: &Overrides) -> config::Settings {
    let f = dir("valid").join(name);
    config::load_settings(Some(&f), flags).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_valid_fixture_loads() {
    for f in tomls("valid") {
        config::load(&f).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn the_file_overrides_defaults_and_flags_override_the_file() {
    let s = load("targets.toml", &Overrides::default());
    assert_eq!(s.interval, Duration::from_secs(5));
    assert_eq!(s.timeout, Duration::from_secs(4));
    assert_eq!(s.retention, Duration::from_secs(30 * 60));
    assert_eq!(s.theme, "light");
    assert_eq!(s.targets.len(), 2);
    let sd: Vec<PathBuf> = s.file_sd.iter().map(|f| f.path.clone()).collect();
    assert_eq!(sd, vec![PathBuf::from("/etc/vitals/sd.json")]);
    let node = &s.targets[0];
    assert_eq!(node.url, "http://127.0.0.1:9100/metrics");
    assert_eq!(node.job, "node");
    assert_eq!(node.labels.get("env"), Some("prod"));
    assert_eq!(node.interval, Some(Duration::from_secs(10)));
    assert_eq!(node.timeout, None);
    let auth = node.auth.as_ref().expect("auth carried to the target");
    // The token file (relative to the config file) was read.
    assert!(auth.has_credentials());
    assert_eq!(s.targets[1].job, "vitals");
    assert!(s.targets[1].auth.is_none());
    let am = s.alertmanager.as_ref().unwrap();
    assert_eq!(am.url, "http://127.0.0.1:9093");
    assert_eq!(am.timeout, Some(Duration::from_secs(3)));
    assert!(am.auth.as_ref().unwrap().has_credentials());
    let p = s.prometheus.as_ref().unwrap();
    assert_eq!(p.url, "http://127.0.0.1:9090");
    assert_eq!(
        p.auth.as_ref().unwrap().headers()["X-Scope-OrgID"],
        "team-a"
    );
    assert!(!s.targets_from_flags);

    let flags = Overrides {
        interval: Some(Duration::from_secs(1)),
        theme: Some("mono".into()),
        alertmanager: Some("http://127.0.0.1:19093".into()),
        ..Default::default()
    };
    let s = load("targets.toml", &flags);
    assert_eq!(s.interval, Duration::from_secs(1));
    // The file's timeout belongs to the file's interval.
    assert_eq!(s.timeout, Duration::from_millis(800));
    assert_eq!(s.retention, Duration::from_secs(30 * 60));
    assert_eq!(s.theme, "mono");
    let am = s.alertmanager.as_ref().unwrap();
    assert_eq!(
        (am.url.as_str(), am.auth.is_none()),
        ("http://127.0.0.1:19093", true)
    );

    // Targets on the command line replace the file's targets and file_sd.
    let flags = Overrides {
        targets: vec![vitals::scrape::parse_target("127.0.0.1:9999").unwrap()],
        ..Default::default()
    };
    let s = load("targets.toml", &flags);
    assert_eq!(s.targets.len(), 1);
    assert!(s.file_sd.is_empty() && s.targets_from_flags);

    let none = config::load_settings(None, &Overrides::default()).unwrap();
    assert_eq!(none.interval, Duration::from_secs(2));
    assert_eq!(none.timeout, Duration::from_millis(1600));
    assert_eq!(none.retention, Duration::from_secs(60 * 60));
    let remote = Overrides {
        remote: true,
        ..Default::default()
    };
    let over_a_server = config::load_settings(None, &remote).unwrap();
    assert_eq!(over_a_server.retention, Duration::from_secs(15 * 60));
    assert_eq!(none.theme, "dark");
    assert!(none.detected_panels && none.panels.is_empty() && none.file.is_none());
}

#[test]
fn panels_and_rules_become_definitions() {
    let s = load("panels.toml", &Overrides::default());
    assert!(s.detected_panels);
    let ids: Vec<&str> = s.panels.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, vec!["latency", "checkout-p99", "queue", "queue-2"]);
    let p = &s.panels[1];
    assert_eq!(p.title, "Checkout p99");
    assert_eq!((p.unit, p.kind), (Unit::Seconds, PanelKind::Stat));
    assert_eq!((p.warn, p.crit), (Some(0.3), Some(0.5)));
    let t = &p.exprs[0].thresholds;
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].alert, "CheckoutP99High");
    assert_eq!((t[0].severity, t[0].value), (Severity::Warning, 0.3));
    assert_eq!((t[1].severity, t[1].value), (Severity::Critical, 0.5));
    assert_eq!(t[0].summary, "Checkout p99 is {{ $value }}s");
    assert_eq!(p.exprs[0].legend, "{{ instance }}");
    let q = &s.panels[2];
    assert_eq!(q.exprs.len(), 2);
    assert!(
        q.exprs[1].thresholds.is_empty(),
        "thresholds on the first expression only"
    );
    assert_eq!(q.exprs[0].thresholds[0].alert, "QueueLow");
    assert!(q.exprs[0].thresholds[0].below);

    assert_eq!(s.rules.len(), 2);
    let vitals::alerts::rulefile::FileRule::Alerting(r) = &s.rules[0] else {
        panic!("alerting rule expected")
    };
    assert_eq!(r.name, "CheckoutErrors");
    assert_eq!(r.for_, Duration::from_secs(60));
    assert_eq!(r.keep_firing_for, Duration::from_secs(120));
    assert_eq!(r.severity, Severity::Critical);
    assert_eq!(r.labels.get("severity"), Some("critical"));
    assert_eq!(r.labels.get("team"), Some("payments"));
    assert_eq!(r.annotations["summary"], "errors at {{ $value }}");
    assert_eq!(
        r.annotations["runbook_url"],
        "https://runbooks.example/errors"
    );
    assert_eq!(r.clear_below, Some(0.01));
    assert_eq!(r.group, "config");
    let vitals::alerts::rulefile::FileRule::Alerting(r) = &s.rules[1] else {
        panic!("alerting rule expected")
    };
    assert_eq!((r.severity, r.for_), (Severity::Warning, Duration::ZERO));
    assert!(r.annotations.is_empty() && r.clear_below.is_none());

    let s = load("custom_only.toml", &Overrides::default());
    assert!(!s.detected_panels);
    assert_eq!(s.panels.len(), 1);
    let s = load("defaults_only.toml", &Overrides::default());
    assert!(s.detected_panels && s.panels.is_empty());
}

#[test]
fn relative_paths_are_taken_from_the_files_directory() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("vitals.toml");
    std::fs::write(
        &f,
        "file_sd = [\"sd/targets.json\"]\nalert_log = \"/abs/alerts.jsonl\"\n\n[[target]]\nurl = \"127.0.0.1:9100\"\nbasic_auth = { username = \"u\", password_file = \"pw\" }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("pw"), "secret\n").unwrap();
    let s = config::load_settings(Some(&f), &Overrides::default()).unwrap();
    assert_eq!(s.file_sd[0].path, dir.path().join("sd/targets.json"));
    assert_eq!(s.alert_log, Some(PathBuf::from("/abs/alerts.jsonl")));
    // The password file beside the config was found and read.
    assert!(s.targets[0].auth.as_ref().unwrap().has_credentials());
    std::fs::remove_file(dir.path().join("pw")).unwrap();
    let e = config::load_settings(Some(&f), &Overrides::default()).unwrap_err();
    assert!(e.to_string().contains("vitals.toml:5:7: target[0]"), "{e}");
}

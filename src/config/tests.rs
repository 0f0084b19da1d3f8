use super::*;

fn errors(text: &str) -> Vec<String> {
    match parse(Path::new("c.toml"), text) {
        Ok(_) => vec![],
        Err(e) => e.0.iter().map(|e| e.to_string()).collect(),
    }
}

#[test]
fn a_full_file_loads() {
    let c = parse(
        Path::new("c.toml"),
        r#"
interval = "5s"
timeout = "4s"
retention = "30m"
theme = "light"
panels = "defaults+custom"
file_sd = ["targets.json"]

[[target]]
url = "127.0.0.1:9100"
job = "node"
labels = { env = "prod" }
bearer_token_file = "/run/secrets/token"
headers = { "X-Scope-OrgID" = "team-a" }

[[panel]]
title = "Queue"
expr = ["app_event_queue_depth", "app_event_queue_capacity"]
unit = "count"
kind = "graph"
warn = 800.0
crit = 950.0

[[rule]]
name = "QueueFull"
expr = "app_event_queue_depth >= app_event_queue_capacity"
for = "1m"
severity = "critical"
summary = "queue of {{ $labels.instance }} is full"

[alertmanager]
url = "http://127.0.0.1:9093"
"#,
    )
    .unwrap();
    assert_eq!(c.target.len(), 1);
    assert_eq!(c.target[0].auth.headers["X-Scope-OrgID"], "team-a");
    assert_eq!(c.panel[0].exprs().len(), 2);
    assert_eq!(
        c.panels.as_ref().map(|m| *m.get_ref()),
        Some(PanelsMode::DefaultsAndCustom)
    );
    assert_eq!(c.rule[0].severity, Some(SeverityName::Critical));
}

#[test]
fn a_typo_is_an_error_with_its_position() {
    let e = errors("interval = \"2s\"\nintreval = \"3s\"\n");
    assert_eq!(e.len(), 1);
    assert!(
        e[0].starts_with("c.toml:2:1: unknown field `intreval`"),
        "{e:?}"
    );
    let e = errors("[[target]]\nurl = \"a:1\"\nbearer = \"x\"\n");
    assert!(
        e[0].starts_with("c.toml:1:1:") || e[0].starts_with("c.toml:3:1:"),
        "{e:?}"
    );
    assert!(e[0].contains("unknown field `bearer`"), "{e:?}");
}

#[test]
fn every_semantic_problem_is_reported_at_its_value() {
    let e = errors(
        r#"interval = "2x"
[[target]]
url = "not a target"
cert_file = "c.pem"

[[panel]]
title = "P"
expr = "rate(x[5m]"

[[rule]]
name = "R"
expr = "up == 0"
for = "soon"
"#,
    );
    assert_eq!(e.len(), 5, "{e:#?}");
    assert!(
        e[0].starts_with("c.toml:1:12: interval: \"2x\" is not a duration"),
        "{e:?}"
    );
    assert!(e[1].starts_with("c.toml:3:7: target[0].url:"), "{e:?}");
    assert!(
        e[2].starts_with("c.toml:3:7: target[0]: cert_file and key_file go together"),
        "{e:?}"
    );
    // At the end of the expression, where the parenthesis is missing.
    assert_eq!(
        e[3],
        "c.toml:8:19: panel[0].expr: unclosed left parenthesis"
    );
    assert!(e[4].starts_with("c.toml:13:7: rule[0] \"R\".for:"), "{e:?}");
}

#[test]
fn wrong_types_and_enums_name_what_is_expected() {
    let e = errors("panels = \"all\"\n");
    assert!(e[0].starts_with("c.toml:1:10:"), "{e:?}");
    assert!(e[0].contains("defaults+custom"), "{e:?}");
    let e = errors("[[panel]]\ntitle = \"x\"\nexpr = \"up\"\nunit = \"furlongs\"\n");
    assert!(e[0].starts_with("c.toml:4:8:"), "{e:?}");
    assert!(e[0].contains("seconds"), "{e:?}");
    let e = errors("bell = \"yes\"\n");
    assert!(e[0].starts_with("c.toml:1:8:"), "{e:?}");
}

#[test]
fn secrets_never_show_in_debug() {
    let c = parse(
        Path::new("c.toml"),
        "[[target]]\nurl = \"a:1\"\nbearer_token = \"hunter2\"\nbasic_auth = { username = \"u\", password = \"swordfish\" }\n",
    )
    .unwrap();
    let d = format!("{c:?}");
    assert!(!d.contains("hunter2") && !d.contains("swordfish"), "{d}");
}

#[test]
fn warn_must_come_before_crit_and_timeout_within_interval() {
    let e = errors("interval = \"2s\"\ntimeout = \"3s\"\n[[panel]]\ntitle = \"p\"\nexpr = \"up\"\nwarn = 5.0\ncrit = 1.0\n");
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e[0].contains("timeout: must be at most the interval"));
    assert!(e[1].contains("warn 5 is past crit 1"));
}

#[test]
fn line_and_column_count_characters() {
    assert_eq!(line_col("ab\ncd", 4), (2, 2));
    assert_eq!(line_col("é\nx", 3), (2, 1));
    assert_eq!(line_col("", 10), (1, 1));
}

#[test]
fn alerts_grouping_and_inhibit_rules_read_as_alertmanager_writes_them() {
    let c = parse(
        Path::new("c.toml"),
        r#"
[alerts]
group_by = ["alertname", "job"]

[[alerts.inhibit_rules]]
source_matchers = ['alertname="InstancesNearMax"']
target_matchers = ['alertname=~"Cpu.*"', 'severity!="critical"']
equal = ["job"]
"#,
    )
    .unwrap();
    let g = apply::grouping(c.alerts.as_ref());
    assert_eq!(g.group_by, ["job"]);
    assert_eq!(g.inhibit.len(), 2, "the default rule comes first");
    assert_eq!(
        g.inhibit[0],
        crate::alerts::group::InhibitRule::critical_over_warning()
    );
    assert_eq!(g.inhibit[1].target.len(), 2);
    let off = parse(Path::new("c.toml"), "[alerts]\ndefault_inhibit = false\n").unwrap();
    assert!(apply::grouping(off.alerts.as_ref()).inhibit.is_empty());
    assert_eq!(
        apply::grouping(None),
        crate::alerts::group::Grouping::default()
    );
}

#[test]
fn bad_matchers_and_group_by_labels_are_errors_where_written() {
    let e = errors(
        r#"
[alerts]
group_by = ["job", "2x"]

[[alerts.inhibit_rules]]
source_matchers = ['severity=~"("']
target_matchers = ['severity "warning"']
"#,
    );
    assert_eq!(e.len(), 3, "{e:?}");
    assert!(
        e[0].contains("c.toml:3:") && e[0].contains("\"2x\" is not a label name"),
        "{e:?}"
    );
    assert!(
        e[1].contains("c.toml:6:")
            && !e[1].contains('\n')
            && e[1].contains("bad regex: unclosed group"),
        "{e:?}"
    );
    assert!(
        e[2].contains("c.toml:7:") && e[2].contains("expected =, !=, =~ or !~"),
        "{e:?}"
    );
    let e = errors("[[alerts.inhibit_rules]]\nsource_matchers = ['a=\"b\"']\n");
    assert!(e[0].contains("target_matchers must name"), "{e:?}");
    let e = errors("[alerts]\ngroupby = []\n");
    assert!(e[0].contains("groupby"), "{e:?}");
}

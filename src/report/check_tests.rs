//! `check`'s text, JSON, TAP and JUnit output.

use super::fixture::peak;
use super::groups::round_decimals;
use super::*;
use crate::frame::Frame;

#[test]
fn check_prints_one_line_per_group() {
    let r = check_report(&peak());
    assert!(r.firing);
    assert_eq!(
        r.out,
        [
            "FIRING LatencyP99High ×1 (critical) worst ≥ 5s — LatencyP99High at 5",
            "FIRING CpuHigh ×4 (critical) worst 99.0% 10.0.0.8:9100, 3 inhibited",
            "PENDING QueueNearFull ×2 (warning) worst 0.800 10.0.0.8:9100",
        ]
    );
    assert_eq!(
        r.err,
        ["vitals: target http://10.0.0.2:9100/metrics is down: refused <&> \"x\""]
    );
    let calm = check_report(&Frame {
        targets: peak().targets,
        ..Frame::default()
    });
    assert!(!calm.firing);
    assert_eq!(calm.out, ["OK: no alert firing (8 targets)"]);
}

#[test]
fn every_format_gives_the_same_verdict() {
    let frame = peak();
    for f in [
        CheckFormat::Text,
        CheckFormat::Json,
        CheckFormat::Tap,
        CheckFormat::Junit,
    ] {
        let r = check_report_as(&frame, f);
        assert!(r.firing, "{f:?}");
        assert_eq!(r.err.len(), 1, "{f:?}");
    }
}

#[test]
fn check_json_has_the_groups_and_every_rule() {
    let frame = peak();
    let r = check_report_as(&frame, CheckFormat::Json);
    let doc: Value = serde_json::from_str(&r.out.join("\n")).unwrap();
    // The same objects as the snapshot's (read back the same way).
    let snapshot: Value = serde_json::from_str(&to_json(&frame).to_string()).unwrap();
    assert_eq!(doc["alert_groups"], snapshot["alert_groups"]);
    assert_eq!(doc["alert_groups"].as_array().unwrap().len(), 3);
    assert_eq!(doc["firing"], true);
    assert_eq!(doc["targets"], 8);
    assert_eq!(doc["targets_down"][0]["instance"], "10.0.0.2:9100");
    let rules = doc["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 5);
    let rule = |name: &str, sev: &str| {
        rules
            .iter()
            .find(|r| r["name"] == name && r["severity"] == sev)
            .unwrap()
    };
    assert_eq!(rule("CpuHigh", "warning")["state"], "firing");
    assert_eq!(rule("CpuHigh", "warning")["firing"], 1);
    assert_eq!(rule("CpuHigh", "warning")["inhibited"], 3);
    assert_eq!(rule("QueueNearFull", "warning")["state"], "pending");
    assert_eq!(rule("Never", "warning")["state"], "inactive");
}

#[test]
fn tap_has_one_test_point_per_rule() {
    let out = check_report_as(&peak(), CheckFormat::Tap).out;
    assert_eq!(out[0], "TAP version 13");
    assert_eq!(out[1], "1..5");
    let points: Vec<&String> = out
        .iter()
        .filter(|l| l.starts_with("ok ") || l.starts_with("not ok "))
        .collect();
    assert_eq!(
        points,
        [
            "not ok 1 - CpuHigh (warning)",
            "not ok 2 - CpuHigh (critical)",
            "not ok 3 - LatencyP99High (critical)",
            "ok 4 - QueueNearFull (warning)",
            "ok 5 - Never (warning)",
        ]
    );
    assert!(
        out.contains(&"  message: \"4 firing (3 inhibited), worst 99.0% 10.0.0.8:9100\"".into())
    );
    assert!(out.contains(&"  message: \"1 firing, worst ≥ 5s\"".into()));
    assert!(out.contains(&"  message: \"2 pending, worst 0.800 10.0.0.8:9100\"".into()));
    // Every YAML block is closed, indented under its test point.
    let opened = out.iter().filter(|l| *l == "  ---").count();
    assert_eq!(opened, out.iter().filter(|l| *l == "  ...").count());
    assert_eq!(opened, 4);
    assert!(out
        .last()
        .unwrap()
        .starts_with("# target http://10.0.0.2:9100/metrics is down"));
    let none = check_report_as(&Frame::default(), CheckFormat::Tap).out;
    assert_eq!(none, ["TAP version 13", "1..0 # SKIP no alerting rules"]);
}

#[test]
fn junit_has_one_testcase_per_rule_and_escapes_xml() {
    let xml = check_report_as(&peak(), CheckFormat::Junit).out.join("\n");
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
    assert_eq!(xml.matches("<testcase ").count(), 5, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 3, "{xml}");
    assert_eq!(xml.matches("</failure>").count(), 3, "{xml}");
    assert!(xml.contains(r#"tests="5" failures="3""#), "{xml}");
    assert!(xml.contains(r#"name="CpuHigh (critical)""#), "{xml}");
    assert!(xml.contains("refused &lt;&amp;&gt; &quot;x&quot;"), "{xml}");
    assert!(!xml.contains("<&>"), "{xml}");
    assert!(xml.trim_end().ends_with("</testsuites>"));
    assert_eq!(ci::xml("a\u{1b}b\u{ffff}'"), "a\\u{1b}b\\u{ffff}&apos;");
    // Tags balance: every opened element is closed in order.
    let mut stack: Vec<String> = Vec::new();
    for tag in xml.split('<').skip(2).map(|t| t.split('>').next().unwrap()) {
        let name = |t: &str| t.split([' ', '/']).next().unwrap().to_string();
        if let Some(closing) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name(closing)), "{xml}");
        } else if !tag.ends_with('/') {
            stack.push(name(tag));
        }
    }
    assert!(stack.is_empty(), "{stack:?}");
}

#[test]
fn long_decimals_in_free_text_are_cut_to_three_digits() {
    assert_eq!(
        round_decimals("p99 latency is 0.6179715178480036s"),
        "p99 latency is 0.618s"
    );
    assert_eq!(round_decimals("ratio is 14.027%"), "ratio is 14.0%");
    assert_eq!(round_decimals("-4.94970773613305s"), "-4.95s");
    for kept in [
        "127.0.0.1:9100",
        "v1.2.3",
        "0.125",
        "100.5",
        "queue 9 deep",
        "1.5",
    ] {
        assert_eq!(round_decimals(kept), kept);
    }
}

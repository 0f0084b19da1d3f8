use super::*;
use serde_json::json;

fn data(body: &str) -> &[u8] {
    body.as_bytes()
}

/// An answer of a query whose `data` is `d`.
fn answer(d: &serde_json::Value) -> Vec<u8> {
    format!(r#"{{"status":"success","data":{d}}}"#).into_bytes()
}

#[test]
fn vector_values_and_special_floats() {
    let body = r#"{"status":"success","data":{"resultType":"vector","result":[
        {"metric":{"__name__":"up","job":"a","instance":"h:1"},"value":[1700000000.781,"1"]},
        {"metric":{"job":"b"},"value":[1700000000.781,"NaN"]},
        {"metric":{"job":"c"},"value":[1700000000.781,"+Inf"]},
        {"metric":{"job":"d"},"value":[1700000000.781,"-Inf"]},
        {"metric":{"job":"e"},"value":[1700000000.781,"-1.5e-7"]}]}}"#;
    let (Value::Vector(v), _) = instant(data(body)).unwrap() else {
        panic!("not a vector")
    };
    assert_eq!(v.len(), 5);
    assert_eq!(
        v[0].0,
        Labels::from_pairs([("__name__", "up"), ("job", "a"), ("instance", "h:1")])
    );
    assert_eq!(v[0].1, 1.0);
    assert!(v[1].1.is_nan());
    assert_eq!(v[2].1, f64::INFINITY);
    assert_eq!(v[3].1, f64::NEG_INFINITY);
    assert_eq!(v[4].1, -1.5e-7);
}

#[test]
fn matrix_timestamps_round_to_milliseconds() {
    let body = r#"{"status":"success","data":{"resultType":"matrix","result":[
        {"metric":{"__name__":"x"},"values":[[1700000000.1,"1"],[1700000001.123,"2"],[1700000002,"3"]]}]}}"#;
    let s = range(data(body)).unwrap().0;
    assert_eq!(
        s[0].1,
        vec![
            (1_700_000_000_100, 1.0),
            (1_700_000_001_123, 2.0),
            (1_700_000_002_000, 3.0)
        ]
    );
}

#[test]
fn scalar_string_and_instant_matrix() {
    let s = r#"{"status":"success","data":{"resultType":"scalar","result":[1.5,"42"]}}"#;
    assert_eq!(instant(data(s)).unwrap().0, Value::Scalar(42.0));
    let s = r#"{"status":"success","data":{"resultType":"string","result":[1.5,"hi"]}}"#;
    assert_eq!(instant(data(s)).unwrap().0, Value::String("hi".into()));
    let s = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"]]}]}}"#;
    assert_eq!(
        instant(data(s)).unwrap().0,
        Value::Matrix(vec![(Labels::new(), vec![(1000, 1.0)])])
    );
}

#[test]
fn warnings_are_kept() {
    let body = r#"{"status":"success","data":{"resultType":"vector","result":[]},"warnings":["partial response: store x down"]}"#;
    let (_, w) = open(body.as_bytes()).unwrap();
    assert_eq!(w, vec!["partial response: store x down".to_string()]);
    let (_, w) = instant(body.as_bytes()).unwrap();
    assert_eq!(w, vec!["partial response: store x down".to_string()]);
}

#[test]
fn error_envelope() {
    let body =
        br#"{"status":"error","errorType":"bad_data","error":"1:5: parse error:\n unexpected"}"#;
    assert_eq!(
        open(body).unwrap_err(),
        WireError::Api {
            error_type: "bad_data".into(),
            error: "1:5: parse error: unexpected".into()
        }
    );
}

#[test]
fn malformed_answers_are_errors_not_panics() {
    for body in [
        "",
        "{",
        "null",
        "[]",
        r#"{"status":"weird"}"#,
        "<html>502 Bad Gateway</html>",
    ] {
        assert!(
            matches!(open(body.as_bytes()), Err(WireError::Malformed(_))),
            "{body}"
        );
    }
    for d in [
        json!({"resultType":"vector","result":[{"metric":{},"value":[1,"abc"]}]}),
        json!({"resultType":"vector","result":[{"metric":{},"value":[1,"inf"]}]}),
        json!({"resultType":"vector","result":[{"metric":{"a":1},"value":[1,"1"]}]}),
        json!({"resultType":"vector","result":{}}),
        json!({"resultType":"nope","result":[]}),
        json!({"resultType":"scalar","result":[1e300,"1"]}),
        json!(null),
    ] {
        assert!(
            matches!(instant(&answer(&d)), Err(WireError::Malformed(_))),
            "{d}"
        );
    }
    assert!(range(&answer(&json!({"resultType":"vector","result":[]}))).is_err());
}

#[test]
fn excerpts_are_one_short_line() {
    let long = "x".repeat(1000);
    let e = excerpt(format!("a\n b\t{long}").as_bytes());
    assert!(e.starts_with("a b xxx") && e.ends_with("...") && e.len() < 210);
    assert_eq!(excerpt(b""), "(empty body)");
}

#[test]
fn metadata_types() {
    let d = json!({"a_total":[{"type":"counter","help":"","unit":""}],
        "b":[{"type":"gauge","help":"","unit":""},{"type":"counter","help":"","unit":""}],
        "c":[{"type":"histogram","help":"","unit":""}], "d":[{"type":"unknown","help":"","unit":""}],
        "e":[]});
    let m = metadata(d).unwrap();
    assert_eq!(m["a_total"], MetricType::Counter);
    assert_eq!(m["b"], MetricType::Gauge);
    assert_eq!(m["c"], MetricType::Histogram);
    assert_eq!(m["d"], MetricType::Untyped);
    assert!(!m.contains_key("e"));
}

#[test]
fn target_list() {
    let d = json!({"activeTargets":[{"discoveredLabels":{},"labels":{"instance":"h:1","job":"j"},
        "scrapePool":"j","scrapeUrl":"http://h:1/metrics","globalUrl":"http://h:1/metrics",
        "lastError":"connection refused","lastScrape":"2023-01-01T00:00:00Z",
        "lastScrapeDuration":0.0025,"health":"down","scrapeInterval":"1m30s","scrapeTimeout":"10s"},
        {"labels":{"instance":"h:2","job":"j"},"scrapeUrl":"u","health":"up","scrapeInterval":"15s"}],
        "droppedTargets":[]});
    let t = targets(d).unwrap();
    assert_eq!(t[0].instance, "h:1");
    assert_eq!(t[0].job, "j");
    assert_eq!(t[0].health, Health::Down);
    assert_eq!(t[0].last_error, "connection refused");
    assert_eq!(t[0].last_scrape_duration, Duration::from_micros(2500));
    assert_eq!(t[0].scrape_interval, Some(Duration::from_secs(90)));
    assert_eq!(t[1].health, Health::Up);
    assert_eq!(scrape_interval(&t), Some(Duration::from_secs(90)));
}

#[test]
fn scrape_interval_from_the_discovered_labels() {
    // VictoriaMetrics has no `scrapeInterval`; the discovered labels say it.
    let d = json!({"activeTargets":[{"discoveredLabels":{"__address__":"h:1",
        "__scrape_interval__":"1s","__scrape_timeout__":"1s","job":"j"},
        "labels":{"instance":"h:1","job":"j"},"scrapePool":"j","scrapeUrl":"http://h:1/metrics",
        "lastError":"","lastScrape":"2023-01-01T00:00:00.000Z","lastScrapeDuration":0.001,
        "lastSamplesScraped":3,"health":"up"},
        {"discoveredLabels":{"__scrape_interval__":"5s"},"labels":{},"health":"up",
        "scrapeInterval":"15s"},
        {"labels":{},"health":"unknown"}],"droppedTargets":[]});
    let t = targets(d).unwrap();
    assert_eq!(t[0].scrape_interval, Some(Duration::from_secs(1)));
    assert_eq!(
        t[1].scrape_interval,
        Some(Duration::from_secs(15)),
        "scrapeInterval wins"
    );
    assert_eq!(t[2].scrape_interval, None);
    assert_eq!(t[2].health, Health::Unknown);
}

#[test]
fn query_answers_read_without_a_json_tree() {
    // `result` before `resultType`, escaped label values, unknown keys.
    let body = br#"{"data":{"result":[{"metric":{"a":"x\"y\\z\u00e9","b":"plain"},
        "value":[1700000000.5,"2.5"],"histogram":null}],"resultType":"vector","stats":{}},
        "status":"success","infos":["i"]}"#;
    let (Value::Vector(v), w) = instant(body).unwrap() else {
        panic!("not a vector")
    };
    assert!(w.is_empty());
    assert_eq!(
        v,
        vec![(Labels::from_pairs([("a", "x\"y\\zé"), ("b", "plain")]), 2.5)]
    );
    // The typed path gives the same errors as the envelope alone.
    let err =
        br#"{"status":"error","errorType":"bad_data","error":"1:5: parse error:\n unexpected"}"#;
    assert_eq!(instant(err).unwrap_err(), open(err).unwrap_err());
    assert_eq!(range(err).unwrap_err(), open(err).unwrap_err());
    for body in ["", "{", "null", r#"{"status":"weird"}"#, "<html>502</html>"] {
        assert_eq!(
            instant(body.as_bytes()).unwrap_err(),
            open(body.as_bytes()).unwrap_err(),
            "{body}"
        );
    }
    assert!(matches!(
        instant(br#"{"status":"success"}"#),
        Err(WireError::Malformed(_))
    ));
}

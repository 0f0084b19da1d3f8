//! file_sd: reading files and following their changes (on paused time).

use std::path::Path;
use std::time::Duration;
use tokio::sync::watch;
use vitals::scrape::{parse_target, read_file_sd, watch_file_sd, SdEntry, SdError, Target};
use vitals::vocab::labels::Labels;

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

fn urls(targets: &[Target]) -> Vec<&str> {
    targets.iter().map(|t| t.url.as_str()).collect()
}

/// The next list sent, or None when nothing is sent within `polls` polls.
async fn next(rx: &mut watch::Receiver<Vec<Target>>, polls: u64) -> Option<Vec<Target>> {
    match tokio::time::timeout(Duration::from_millis(1000 * polls + 500), rx.changed()).await {
        Ok(Ok(())) => Some(rx.borrow_and_update().clone()),
        _ => None,
    }
}

#[test]
fn reads_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("targets.json");
    write(
        &path,
        r#"[{"targets": ["127.0.0.1:9100", "db:9187"], "labels": {"job": "node", "dc": "eu"}}]"#,
    );
    let t = read_file_sd(&path).unwrap();
    assert_eq!(
        urls(&t),
        ["http://127.0.0.1:9100/metrics", "http://db:9187/metrics"]
    );
    assert_eq!(t[1].instance, "db:9187");
    assert_eq!(t[1].job, "node");
    assert_eq!(t[1].labels, Labels::from_pairs([("dc", "eu")]));
}

#[test]
fn errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let e = read_file_sd(&missing).unwrap_err();
    assert!(matches!(e, SdError::Io { .. }));
    assert!(e
        .to_string()
        .starts_with(&format!("file_sd {}: ", missing.display())));

    let bad = dir.path().join("bad.json");
    write(
        &bad,
        "[\n  {\"targets\": [\"a:1\"],\n   \"labels\": {\"job\": 3}}\n]\n",
    );
    let e = read_file_sd(&bad).unwrap_err();
    let SdError::Invalid { line, column, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!((*line, *column), (3, 22));
    assert!(
        e.to_string()
            .starts_with(&format!("file_sd {}:3:22: invalid type", bad.display())),
        "{e}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn endless_file_is_refused() {
    let e = read_file_sd(Path::new("/dev/zero")).unwrap_err();
    assert_eq!(e.to_string(), "file_sd /dev/zero: larger than 16 MiB");
}

#[tokio::test(start_paused = true)]
async fn follows_changes_and_keeps_the_last_good_list() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sd.json");
    write(&path, r#"[{"targets": ["a:1"]}]"#);
    let fixed = parse_target("s:9").unwrap();
    let (tx, mut rx) = watch::channel(Vec::new());
    let task = watch_file_sd(vec![SdEntry::file(&path)], vec![fixed], tx);

    // first read: static and file targets, sorted
    let list = next(&mut rx, 1).await.expect("first list");
    assert_eq!(urls(&list), ["http://a:1/metrics", "http://s:9/metrics"]);

    // a new target
    write(&path, r#"[{"targets": ["a:1", "b:2"]}]"#);
    let list = next(&mut rx, 2).await.expect("list after change");
    assert_eq!(
        urls(&list),
        [
            "http://a:1/metrics",
            "http://b:2/metrics",
            "http://s:9/metrics"
        ]
    );

    // same targets written again, and a reformatted file: nothing sent
    write(&path, r#"[{"targets": ["a:1", "b:2"]}]"#);
    assert_eq!(next(&mut rx, 2).await, None);
    write(&path, "[ { \"targets\": [ \"a:1\", \"b:2\" ] } ]\n");
    assert_eq!(next(&mut rx, 2).await, None);

    // caught mid-write, then a bad rewrite: the previous list stays
    write(&path, r#"[{"targets": ["a:1", "#);
    assert_eq!(next(&mut rx, 3).await, None);
    write(&path, r#"[{"targets": ["a:1", "no-port"]}]"#);
    assert_eq!(next(&mut rx, 3).await, None);
    assert_eq!(rx.borrow().len(), 3);

    // fixed: the new list goes out
    write(&path, r#"[{"targets": ["c:3"], "labels": {"job": "x"}}]"#);
    let list = next(&mut rx, 2).await.expect("list after fix");
    assert_eq!(urls(&list), ["http://c:3/metrics", "http://s:9/metrics"]);
    assert_eq!(list[0].job, "x");

    // the file disappears (e.g. between unlink and rename): kept
    std::fs::remove_file(&path).unwrap();
    assert_eq!(next(&mut rx, 3).await, None);
    assert_eq!(rx.borrow().len(), 2);

    // an emptied list is a valid list
    write(&path, "[]");
    let list = next(&mut rx, 2).await.expect("list after emptying");
    assert_eq!(urls(&list), ["http://s:9/metrics"]);

    // nobody listening any more: the watcher ends
    drop(rx);
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("watcher ends")
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn merges_files_and_removes_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one.json");
    let two = dir.path().join("two.json");
    write(&one, r#"[{"targets": ["a:1", "b:2"]}]"#);
    write(
        &two,
        r#"[{"targets": ["b:2"]}, {"targets": ["b:2"], "labels": {"job": "other"}}]"#,
    );
    let (tx, mut rx) = watch::channel(Vec::new());
    let missing = dir.path().join("not-yet.json");
    let _task = watch_file_sd(
        vec![one, two, missing.clone()]
            .into_iter()
            .map(SdEntry::file)
            .collect(),
        vec![parse_target("a:1").unwrap()],
        tx,
    );
    let list = next(&mut rx, 1).await.expect("first list");
    // a:1 once (static and file), b:2 once per distinct job
    assert_eq!(
        urls(&list),
        [
            "http://a:1/metrics",
            "http://b:2/metrics",
            "http://b:2/metrics"
        ]
    );
    assert_eq!(list[1].job, "other");
    assert_eq!(list[2].job, "vitals");

    // a file that appears later is picked up
    write(&missing, r#"[{"targets": ["z:26"]}]"#);
    let list = next(&mut rx, 2).await.expect("list after new file");
    assert_eq!(list.len(), 4);
    assert_eq!(list[3].url, "http://z:26/metrics");
}

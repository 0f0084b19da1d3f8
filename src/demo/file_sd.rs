//! The Prometheus `file_sd` JSON file the autoscaler keeps up to date.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Name of the file written in the demo's directory.
pub(crate) const FILE_NAME: &str = "file_sd.json";

/// The file's contents: one group of app targets (`job="app"`) and one
/// with the autoscaler (`job="autoscaler"`); targets are `host:port`.
pub(crate) fn render(apps: &[String], autoscaler: &str) -> String {
    let groups = serde_json::json!([
        {"targets": apps, "labels": {"job": "app"}},
        {"targets": [autoscaler], "labels": {"job": "autoscaler"}},
    ]);
    let mut text = serde_json::to_string_pretty(&groups).unwrap_or_else(|_| "[]".to_string());
    text.push('\n');
    text
}

/// Replaces `path` with `contents` atomically: readers see the old file
/// or the new one, never a half-written one.
pub(crate) fn write_atomic(path: &Path, contents: &str) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, contents)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Makes a fresh directory under the system's temp dir.
pub(crate) fn make_temp_dir() -> io::Result<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let base = std::env::temp_dir();
    let pid = std::process::id();
    let mut last = None;
    for _ in 0..1000 {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!("vitals-demo-{pid}-{n}"));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temp dir name")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_two_groups() {
        let text = render(&["127.0.0.1:1".into(), "127.0.0.1:2".into()], "127.0.0.1:3");
        let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(
            v[0]["targets"],
            serde_json::json!(["127.0.0.1:1", "127.0.0.1:2"])
        );
        assert_eq!(v[0]["labels"]["job"], "app");
        assert_eq!(v[1]["targets"], serde_json::json!(["127.0.0.1:3"]));
        assert_eq!(v[1]["labels"]["job"], "autoscaler");
    }

    #[test]
    fn writes_atomically_and_replaces() {
        let dir = make_temp_dir().expect("temp dir");
        let path = dir.join(FILE_NAME);
        write_atomic(&path, "one").expect("write");
        write_atomic(&path, "two").expect("rewrite");
        assert_eq!(std::fs::read_to_string(&path).ok().as_deref(), Some("two"));
        let names: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert_eq!(names.len(), 1, "no temporary file left behind");
        std::fs::remove_dir_all(&dir).expect("cleanup");
        assert!(write_atomic(&path, "x").is_err(), "missing dir is an error");
    }
}

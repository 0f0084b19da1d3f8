//! `vitals config check`: the file read as a run that uses it reads it —
//! its credential and TLS files, and the file_sd files it names (a run
//! refuses to start while one cannot be read).

use super::{apply, parse_with, read_text, Config, ConfigErrors, FileSd, Report};
use std::ops::Range;
use std::path::Path;

/// Every problem of the file at `path`, the files it names included.
pub fn check_file(path: &Path) -> Result<Config, ConfigErrors> {
    let text = read_text(path)?;
    parse_with(path, &text, |config, report| {
        super::check_credentials(path, config, report);
        check_sd_files(path, config, &text, report);
    })
}

/// Reads each file_sd file as the watcher will (paths taken from the
/// file's directory); a problem is reported at the entry's path.
fn check_sd_files(path: &Path, c: &Config, text: &str, report: &mut Report<'_>) {
    let base = path.parent().unwrap_or(Path::new(""));
    let resolved = apply::relative_to(base, c);
    for (f, r) in c.file_sd.iter().zip(&resolved.file_sd) {
        if let Err(e) = crate::scrape::read_sd_entry(&apply::sd_source(r, Default::default(), 0)) {
            report(position(f, text), e.to_string());
        }
    }
}

/// Where a file_sd entry is written: its `path` value, else the path as a
/// string literal in the text, else the `file_sd` key.
fn position(f: &FileSd, text: &str) -> Range<usize> {
    if let FileSd::Table(t) = f {
        return t.path.span();
    }
    let p = f.path().display().to_string();
    [format!("\"{p}\""), format!("'{p}'"), "file_sd".to_string()]
        .iter()
        .find_map(|needle| text.find(needle.as_str()))
        .map_or(0..0, |at| at..at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_sd_files_are_problems_at_their_path() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(dir.path().join("ok.json"), "[]").unwrap();
        std::fs::write(
            &file,
            "file_sd = [\"ok.json\", \"gone.json\", { path = \"also-gone.json\" }]\n",
        )
        .unwrap();
        let errors = check_file(&file).unwrap_err().0;
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].column), (1, 23), "{errors:?}");
        assert!(errors[0].message.contains("gone.json"), "{errors:?}");
        assert_eq!((errors[1].line, errors[1].column), (1, 45), "{errors:?}");
        // A run's reading (credentials only) does not need them.
        assert!(crate::config::load_for_use(&file).is_ok());
    }
}

//! `vitals config check FILE`: the file read as a run reads it (its
//! credential, TLS and file_sd files too, unless `--no-files`), every
//! problem on its own line.

use std::io::Write;
use std::path::Path;

/// Checks `file` (and the files it names when `files`); writes the summary to `out` or each problem to `err`
/// (control characters escaped, URL credentials redacted). Returns the
/// exit code: 0 when the file is fine, 2 otherwise.
pub fn check(file: &Path, files: bool, out: &mut impl Write, err: &mut impl Write) -> i32 {
    let checked = if files {
        crate::config::check_file(file)
    } else {
        crate::config::load(file)
    };
    match checked {
        Ok(c) => {
            let _ = writeln!(
                out,
                "{}: ok ({} targets, {} file_sd files, {} panels, {} rules)",
                file.display(),
                c.target.len(),
                c.file_sd.len(),
                c.panel.len(),
                c.rule.len()
            );
            0
        }
        Err(errors) => {
            for e in &errors.0 {
                let _ = writeln!(err, "{}", crate::vocab::text::for_terminal(&e.to_string()));
            }
            2
        }
    }
}

//! Build metadata for `vitals --version` and the man page: the git commit
//! the binary was built from, the commit's date and the target triple.
//!
//! A source tree without git (an unpacked crate) says `unknown`;
//! `VITALS_GIT_COMMIT` and `VITALS_COMMIT_DATE` override both (the release
//! script sets them, marking a tree with uncommitted changes `-dirty`).

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

fn main() {
    for var in ["VITALS_GIT_COMMIT", "VITALS_COMMIT_DATE"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    // Rebuild when HEAD moves: HEAD itself, the branch it names, and the
    // packed refs (paths resolved by git, so worktrees work too).
    for path in ["HEAD", "packed-refs"] {
        if let Some(p) = git(&["rev-parse", "--git-path", path]) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        if let Some(p) = git(&["rev-parse", "--git-path", &branch]) {
            if Path::new(&p).exists() {
                println!("cargo:rerun-if-changed={p}");
            }
        }
    }
    let commit = std::env::var("VITALS_GIT_COMMIT")
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".into());
    let date = std::env::var("VITALS_COMMIT_DATE")
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| git(&["log", "-1", "--format=%cs"]))
        .unwrap_or_default();
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=VITALS_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=VITALS_COMMIT_DATE={date}");
    println!("cargo:rustc-env=VITALS_TARGET={target}");
}

//! What ships beside the binary, checked on the binary itself: `--version`
//! names the version, commit and target; `vitals man` documents every flag
//! of every command, every key, the configuration file, files, environment
//! and exit status, and `man -l` renders it without a warning; `vitals
//! completions` gives scripts that bash, zsh and fish accept. The `--help`
//! texts are kept as snapshots so that a change of the interface is seen.

use crate::common;

use common::require_program;
use std::process::Command;

fn vitals(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vitals"))
        .args(args)
        // The log path in --help comes from the state directory.
        .env("XDG_STATE_HOME", "/state")
        // Help is wrapped to the terminal, else to COLUMNS (at most 100).
        .env("COLUMNS", "100")
        .output()
        .expect("vitals runs")
}

fn stdout(args: &[&str]) -> String {
    let out = vitals(args);
    assert!(
        out.status.success(),
        "vitals {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn clap_definition_is_consistent() {
    vitals::cli::command().debug_assert();
}

#[test]
fn version_names_the_commit_and_the_target() {
    let line = stdout(&["--version"]);
    let want = format!("vitals {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(line.starts_with(&want), "{line}");
    assert!(
        line.trim_end().ends_with("x86_64-unknown-linux-gnu)"),
        "{line}"
    );
    let commit = line[want.len()..].split(',').next().unwrap();
    assert!(
        commit == "unknown" || commit.trim_end_matches("-dirty").len() >= 7,
        "{line}"
    );
    assert_eq!(stdout(&["-V"]), line);
}

/// Every long flag of every command, as `--name`.
fn all_flags() -> Vec<String> {
    let mut cmd = vitals::cli::command();
    cmd.build();
    let mut flags = Vec::new();
    let mut stack = vec![cmd];
    while let Some(c) = stack.pop() {
        for a in c.get_arguments() {
            if let Some(l) = a.get_long() {
                flags.push(format!("--{l}"));
            }
        }
        stack.extend(c.get_subcommands().cloned());
    }
    flags.sort();
    flags.dedup();
    flags
}

#[test]
fn man_page_documents_flags_keys_config_files_and_environment() {
    let page = stdout(&["man"]);
    assert!(page.starts_with(".ie"), "roff: {}", &page[..40]);
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "COMMANDS",
        "KEYS",
        "CONFIGURATION",
        "FILES",
        "ENVIRONMENT",
        "SIGNALS",
        "\"EXIT STATUS\"",
        "EXAMPLES",
        "VERSION",
    ] {
        assert!(page.contains(&format!("\n.SH {section}\n")), "{section}");
    }
    // roff escapes '-' as '\-'.
    let plain = page.replace("\\-", "-");
    for flag in all_flags() {
        assert!(plain.contains(&flag), "{flag} is not in the man page");
    }
    for sub in [
        "demo",
        "snapshot",
        "check",
        "promqltest",
        "export",
        "config check",
        "completions",
        "man",
    ] {
        assert!(plain.contains(&format!(".SS \"vitals {sub}")), "{sub}");
    }
    for (key, what) in vitals::tui::KEYS {
        assert!(plain.contains(key), "key {key}");
        assert!(plain.contains(what), "{what}");
    }
    for (name, _, _) in vitals::tui::PROMPT_COMMANDS {
        assert!(plain.contains(&format!(":{name}")), ":{name}");
    }
    for needle in [
        "[[target]]",
        "bearer_token_file",
        "[alertmanager]",
        "alerts.jsonl",
        "alerts.state.json",
        "vitals.log",
        "NO_COLOR",
        "VITALS_LOG",
        "XDG_CONFIG_HOME",
        "HTTPS_PROXY",
        "SIGHUP",
    ] {
        assert!(plain.contains(needle), "{needle}");
    }
}

#[test]
fn man_renders_the_page_without_warnings() {
    let Some(man) = require_program("man") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vitals.1");
    std::fs::write(&path, stdout(&["man"])).unwrap();
    let out = Command::new(man)
        .args(["--warnings", "-l"])
        .arg(&path)
        .env("MANWIDTH", "80")
        .env("MANPAGER", "cat")
        .output()
        .unwrap();
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{warnings}");
    assert!(warnings.trim().is_empty(), "man warns:\n{warnings}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("vitals completions SHELL"), "{text}");
    assert!(text.lines().any(|l| l == "KEYS"), "{text}");
}

#[test]
fn completion_scripts_parse_in_their_shells() {
    let dir = tempfile::tempdir().unwrap();
    // (shell, program, arguments that only parse the script)
    let shells: [(&str, &str, &[&str]); 3] = [
        ("bash", "bash", &["-n"]),
        ("zsh", "zsh", &["-n"]),
        ("fish", "fish", &["--no-execute"]),
    ];
    for (shell, program, check) in shells {
        let script = stdout(&["completions", shell]);
        for word in ["snapshot", "prometheus", "for-override", "no-ui"] {
            assert!(script.contains(word), "{shell}: {word}");
        }
        let Some(program) = require_program(program) else {
            continue;
        };
        let path = dir.path().join(shell);
        std::fs::write(&path, &script).unwrap();
        let out = Command::new(program)
            .args(check)
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{shell} rejects its completion: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The bash completion completes a subcommand's own flags.
    if let Some(bash) = require_program("bash") {
        let path = dir.path().join("bash");
        let out = Command::new(bash)
            .arg("-c")
            .arg(format!(
                "source {}; COMP_WORDS=(vitals snapshot --for); COMP_CWORD=2; \
                 _vitals vitals --for snapshot; echo \"${{COMPREPLY[@]}}\"",
                path.display()
            ))
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "--format");
    }
    let out = vitals(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_texts() {
    insta::assert_snapshot!("help", stdout(&["--help"]));
    for sub in ["demo", "snapshot", "check", "export"] {
        insta::assert_snapshot!(format!("help_{sub}"), stdout(&[sub, "--help"]));
    }
}

//! The real binary in a pseudo-terminal (util-linux `script`): under
//! `NO_COLOR=1` or `--no-color` the bytes sent to the terminal hold no SGR
//! colour code at all (foreground, background or underline colour, in any
//! of the 8/16, 256 or RGB forms), while status stays readable through
//! glyphs and bold/reverse video. Without them the same scan finds colour,
//! which shows the scan works. `--ascii` sends only ASCII, and `--theme`
//! finds a user theme in `$XDG_CONFIG_HOME/vitals/themes`.
#![cfg(unix)]

use crate::common;

use common::{require_program, wait_for};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_vitals");

/// Every SGR sequence (`ESC [ params m`) in `bytes`, as its parameters.
fn sgr_params(bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == 0x1b && bytes[i + 1] == b'[' {
            let start = i + 2;
            let mut j = start;
            while j < bytes.len() && !(0x40..=0x7e).contains(&bytes[j]) {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b'm' {
                out.push(String::from_utf8_lossy(&bytes[start..j]).into_owned());
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// The colour-setting parameters among `params` (30-38, 40-48, 58, 90-97,
/// 100-107); 39, 49 and 59 (back to the default) are not colours.
fn colour_codes(params: &[String]) -> Vec<String> {
    params
        .iter()
        .filter(|p| {
            p.split([';', ':']).any(|n| {
                matches!(
                    n.parse::<u32>(),
                    Ok(30..=38 | 40..=48 | 58 | 90..=97 | 100..=107)
                )
            })
        })
        .cloned()
        .collect()
}

/// Runs `vitals demo EXTRA` in a 100x30 pty with `env`, waits for data on
/// screen, quits with `q`, and returns every byte written to the terminal.
fn run_demo(extra: &str, env: &[(&str, &str)]) -> Option<Vec<u8>> {
    run_demo_in(extra, env, |_| {})
}

/// [`run_demo`], with `setup` preparing the home (and config) directory.
fn run_demo_in(
    extra: &str,
    env: &[(&str, &str)],
    setup: impl FnOnce(&std::path::Path),
) -> Option<Vec<u8>> {
    require_program("script")?;
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path());
    let inner = format!("stty cols 100 rows 30; exec '{BIN}' demo {extra}");
    let mut cmd = Command::new("script");
    cmd.args(["-qfec", &inner, "/dev/null"])
        .env_remove("NO_COLOR")
        .env("TERM", "xterm-256color")
        .env("COLORTERM", "truecolor")
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let output = Arc::new(Mutex::new(Vec::new()));
    let mut stdout = child.stdout.take().unwrap();
    let sink = Arc::clone(&output);
    let reader = std::thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        while let Ok(n) = stdout.read(&mut chunk) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    let text = || String::from_utf8_lossy(&output.lock().unwrap()).into_owned();
    // Data has arrived once the status line counts targets up ("5/5"):
    // ratatui moves the cursor between words, so whole phrases are not
    // searched for.
    let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wait_for("data on screen", Duration::from_secs(40), || {
            let t = text();
            let up = t
                .as_bytes()
                .windows(3)
                .any(|w| matches!(w[0], b'1'..=b'9') && w[1] == b'/' && w[2].is_ascii_digit());
            (up && t.contains("Latency") && t.contains("targets")).then_some(())
        })
    }));
    if drawn.is_err() {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the dashboard never showed data:\n{}", text());
    }
    let stdin = child.stdin.as_mut().unwrap();
    stdin.write_all(b"q").unwrap();
    stdin.flush().unwrap();
    let ended = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wait_for("the dashboard to end", Duration::from_secs(15), || {
            matches!(child.try_wait(), Ok(Some(_))).then_some(())
        })
    }));
    if ended.is_err() {
        let _ = child.kill();
    }
    let _ = child.wait();
    let _ = reader.join();
    assert!(ended.is_ok(), "q did not end the dashboard");
    let bytes = output.lock().unwrap().clone();
    Some(bytes)
}

fn assert_no_colour(bytes: &[u8], how: &str) {
    let params = sgr_params(bytes);
    let colours = colour_codes(&params);
    assert!(
        colours.is_empty(),
        "{how}: colour codes sent: {:?}",
        &colours[..colours.len().min(10)]
    );
    // Status is still carried by bold or reverse video, and by glyphs.
    let emphasis = params
        .iter()
        .any(|p| p.split(';').any(|n| n == "1" || n == "7"));
    assert!(emphasis, "{how}: no bold or reverse video: {params:?}");
    let text = String::from_utf8_lossy(bytes);
    assert!(
        text.contains('✓') || text.contains('✗'),
        "{how}: no status glyphs"
    );
}

#[test]
fn no_color_env_sends_no_colour_codes() {
    let Some(bytes) = run_demo("", &[("NO_COLOR", "1")]) else {
        return;
    };
    assert_no_colour(&bytes, "NO_COLOR=1");
}

#[test]
fn no_color_flag_sends_no_colour_codes() {
    let Some(bytes) = run_demo("--no-color --theme colorblind", &[]) else {
        return;
    };
    assert_no_colour(&bytes, "--no-color");
}

#[test]
fn colour_is_sent_otherwise_and_the_scan_finds_it() {
    let Some(bytes) = run_demo("--theme colorblind", &[]) else {
        return;
    };
    let colours = colour_codes(&sgr_params(&bytes));
    assert!(!colours.is_empty(), "no colour found in a colour run");
    // truecolor terminal, RGB palette: 24-bit codes are sent.
    assert!(colours.iter().any(|p| p.contains("38;2;")), "{colours:?}");
}

#[test]
fn the_scanner_reads_sgr_sequences() {
    let bytes = b"a\x1b[1;7mb\x1b[39;49mc\x1b[38;5;208md\x1b[?25le\x1b[0m\x1b[91m\x1b[4:3m";
    let params = sgr_params(bytes);
    assert_eq!(params, ["1;7", "39;49", "38;5;208", "0", "91", "4:3"]);
    assert_eq!(colour_codes(&params), ["38;5;208", "91"]);
}

#[test]
fn ascii_sends_only_ascii_to_the_terminal() {
    let Some(bytes) = run_demo("--ascii", &[("NO_COLOR", "1")]) else {
        return;
    };
    let odd: Vec<char> = String::from_utf8_lossy(&bytes)
        .chars()
        .filter(|c| !c.is_ascii())
        .take(10)
        .collect();
    assert!(odd.is_empty(), "non-ASCII sent under --ascii: {odd:?}");
    assert_no_colour_codes_only(&bytes);
}

fn assert_no_colour_codes_only(bytes: &[u8]) {
    let colours = colour_codes(&sgr_params(bytes));
    assert!(colours.is_empty(), "{colours:?}");
}

#[test]
fn theme_finds_a_user_theme_in_xdg_config_home() {
    let Some(bytes) = run_demo_in("--theme oncall", &[], |home| {
        let themes = home.join("vitals/themes");
        std::fs::create_dir_all(&themes).unwrap();
        std::fs::write(
            themes.join("oncall.toml"),
            "inherits = \"light\"\n[colors]\naccent = \"#123456/blue\"\n",
        )
        .unwrap();
    }) else {
        return;
    };
    // truecolor terminal: the accent (title) arrives as 24-bit colour.
    let colours = colour_codes(&sgr_params(&bytes));
    assert!(
        colours.iter().any(|p| p.contains("38;2;18;52;86")),
        "{:?}",
        &colours[..colours.len().min(20)]
    );
}

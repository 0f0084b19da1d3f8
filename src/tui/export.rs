//! `:export [PATH]`: writes the Markdown summary (the text of `vitals
//! snapshot --format text`, then the timeline of alert transitions and
//! notes: `report::to_export_markdown`) to a file and offers it to the
//! clipboard through OSC 52, which terminals honour over SSH too.
//!
//! Without a path the file is `$XDG_STATE_HOME/vitals/export-<UTC time of
//! the data>.md`. Under tmux the OSC 52 sequence is wrapped in tmux's
//! passthrough (`ESC P tmux; ... ESC \`): tmux hands it to the outer
//! terminal when `allow-passthrough` is on and drops it silently otherwise,
//! so nothing stray ever reaches the screen. GNU screen and terminals that
//! say they are `dumb` or `linux` get no sequence. Summaries too long for
//! terminals' OSC 52 limits are written to the file only.

use crate::frame::Frame;
use std::path::{Path, PathBuf};

/// Longest base64 payload sent (xterm and others drop longer ones).
const MAX_OSC52_PAYLOAD: usize = 74_994;

/// What the terminal is, as far as the clipboard is concerned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TermEnv {
    /// `$TMUX` is set.
    pub tmux: bool,
    /// `$STY` is set (GNU screen).
    pub screen: bool,
    /// `$TERM`.
    pub term: String,
}

impl TermEnv {
    /// Read from the process environment.
    pub fn from_env() -> TermEnv {
        let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
        TermEnv {
            tmux: set("TMUX"),
            screen: set("STY"),
            term: std::env::var("TERM").unwrap_or_default(),
        }
    }
}

/// What `:export` did: where the file went and the bytes to send the
/// terminal for the clipboard (if any), with the line for the status bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exported {
    pub path: PathBuf,
    pub osc52: Option<String>,
    pub message: String,
}

/// `export-20261122T120003Z.md`.
pub fn file_name(time_ms: i64) -> String {
    let t = chrono::DateTime::from_timestamp_millis(time_ms)
        .map(|t| t.format("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_else(|| time_ms.to_string());
    format!("export-{t}.md")
}

/// Standard base64 with padding.
pub fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(c.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(c.get(2).copied().unwrap_or(0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(char::from(A[((n >> (18 - 6 * k)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The clipboard sequence for `text`, or why none is sent.
pub fn osc52(text: &str, env: &TermEnv) -> Result<String, &'static str> {
    if env.screen || matches!(env.term.as_str(), "dumb" | "linux" | "") {
        return Err("this terminal has no OSC 52 clipboard");
    }
    let payload = base64(text.as_bytes());
    if payload.len() > MAX_OSC52_PAYLOAD {
        return Err("too long for the terminal clipboard");
    }
    let seq = format!("\x1b]52;c;{payload}\x07");
    Ok(if env.tmux {
        // Every ESC inside a tmux passthrough is doubled.
        format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b"))
    } else {
        seq
    })
}

/// Expands a leading `~/` with `$HOME`.
fn expand_home(p: &str, home: Option<&Path>) -> PathBuf {
    match (p.strip_prefix("~/"), home) {
        (Some(rest), Some(h)) => h.join(rest),
        _ => PathBuf::from(p),
    }
}

/// Writes the summary of `frame` to `path` (or a fresh file in
/// `state_dir`) and prepares the clipboard sequence. `now_ms` names the
/// file when the frame has no time yet.
pub fn export(
    frame: &Frame,
    path: Option<&str>,
    state_dir: &Path,
    now_ms: i64,
    env: &TermEnv,
) -> Result<Exported, String> {
    let text = crate::report::to_export_markdown(frame);
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let path = match path.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => expand_home(p, home.as_deref()),
        None => {
            let t = if frame.time_ms > 0 {
                frame.time_ms
            } else {
                now_ms
            };
            state_dir.join(file_name(t))
        }
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("export: cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(&path, &text)
        .map_err(|e| format!("export: cannot write {}: {e}", path.display()))?;
    let (osc52, clip) = match osc52(&text, env) {
        Ok(s) if env.tmux => (
            Some(s),
            "offered to the clipboard (OSC 52; tmux needs allow-passthrough on)".to_string(),
        ),
        Ok(s) => (Some(s), "copied to the clipboard (OSC 52)".to_string()),
        Err(why) => (None, format!("not copied: {why}")),
    };
    Ok(Exported {
        message: format!("exported to {}; {clip}", path.display()),
        path,
        osc52,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xterm() -> TermEnv {
        TermEnv {
            term: "xterm-256color".into(),
            ..TermEnv::default()
        }
    }

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64("µs".as_bytes()), "wrVz");
    }

    #[test]
    fn osc52_plain_wrapped_for_tmux_and_skipped_where_unsupported() {
        assert_eq!(osc52("hi", &xterm()).unwrap(), "\x1b]52;c;aGk=\x07");
        let tmux = TermEnv {
            tmux: true,
            ..xterm()
        };
        assert_eq!(
            osc52("hi", &tmux).unwrap(),
            "\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\"
        );
        let screen = TermEnv {
            screen: true,
            ..xterm()
        };
        assert!(osc52("hi", &screen).is_err());
        let dumb = TermEnv {
            term: "dumb".into(),
            ..TermEnv::default()
        };
        assert!(osc52("hi", &dumb).is_err());
        assert!(osc52(&"x".repeat(60_000), &xterm()).is_err());
    }

    #[test]
    fn writes_the_markdown_summary_where_asked() {
        let dir = tempfile::tempdir().unwrap();
        let frame = Frame {
            time_ms: 1_795_348_803_000,
            ..Frame::default()
        };
        let state = dir.path().join("state").join("vitals");
        let e = export(&frame, None, &state, 0, &xterm()).unwrap();
        assert_eq!(e.path, state.join("export-20261122T120003Z.md"));
        let text = std::fs::read_to_string(&e.path).unwrap();
        assert_eq!(text, crate::report::to_export_markdown(&frame));
        assert!(
            e.message.contains("export-20261122T120003Z.md"),
            "{}",
            e.message
        );
        assert!(e.message.contains("copied to the clipboard"));
        let clip = e.osc52.unwrap();
        assert_eq!(clip, osc52(&text, &xterm()).unwrap());

        let own = dir.path().join("sub").join("incident.md");
        let e = export(
            &frame,
            Some(own.to_str().unwrap()),
            &state,
            0,
            &TermEnv::default(),
        )
        .unwrap();
        assert_eq!(e.path, own);
        assert!(own.exists());
        assert_eq!(e.osc52, None);
        assert!(e.message.contains("not copied"), "{}", e.message);

        let bad = dir.path().join("incident.md").join("x.md");
        std::fs::write(dir.path().join("incident.md"), "").unwrap();
        let err = export(&frame, Some(bad.to_str().unwrap()), &state, 0, &xterm()).unwrap_err();
        assert!(err.starts_with("export: cannot"), "{err}");
        assert!(!err.contains('\n'));
    }
}

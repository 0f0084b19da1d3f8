//! Text from outside (label values, rule annotations, server answers,
//! file contents) made safe to print on a terminal or write to a log.
//!
//! Every control character — C0 (U+0000–U+001F), DEL (U+007F) and C1
//! (U+0080–U+009F) — is replaced by a visible escape in Rust's notation:
//! `\n`, `\r` and `\t` for those three, `\u{1b}` and the like for the rest.
//! An escape sequence from a scraped page or a server can then neither
//! move the cursor, retitle the window nor clear the screen; it shows as
//! text. The text is otherwise unchanged.

use std::borrow::Cow;
use std::io::{self, Write};

/// A control character (C0, DEL or C1).
pub fn is_control(c: char) -> bool {
    c.is_control()
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
    }
}

fn escape_where(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(|c| is_control(c) && !keep(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_control(c) && !keep(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` on one line with every control character escaped (for a value
/// inside a line: a label, a summary, an error).
pub fn one_line(s: &str) -> Cow<'_, str> {
    escape_where(s, |_| false)
}

/// `s` with every control character but the line break escaped (for a
/// whole block of output whose lines are ours).
pub fn lines(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| c == '\n')
}

/// A message for the terminal (stderr): credentials in URLs redacted,
/// control characters but line breaks escaped.
pub fn for_terminal(s: &str) -> String {
    lines(&super::redact::redact_urls(s)).into_owned()
}

/// JSON text with DEL and C1 characters written as `\u00XX` (serde_json
/// escapes C0 itself but writes these raw). They can only occur inside
/// strings, where the escape means the same character, so the document
/// is unchanged for a JSON reader.
pub fn json(s: &str) -> Cow<'_, str> {
    let raw = |c: char| matches!(u32::from(c), 0x7f..=0x9f);
    if !s.chars().any(raw) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if raw(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A writer for the diagnostics log: each write is one formatted log
/// record; its control characters are escaped (a line break inside a
/// record too, so outside text cannot forge records; the record's final
/// line break is kept) and credentials in URLs are redacted.
pub struct SafeLog<W: Write>(pub W);

impl<W: Write> Write for SafeLog<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let (body, end) = match text.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (text.as_ref(), ""),
        };
        let clean = super::redact::redact_urls(&one_line(body)).to_string();
        self.0.write_all(clean.as_bytes())?;
        self.0.write_all(end.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// An I/O error's reason without its OS error number (`No space left on
/// device`, not `… (os error 28)`).
pub fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_show_as_escapes() {
        assert_eq!(one_line("\x1b]0;pwned\x07"), "\\u{1b}]0;pwned\\u{7}");
        assert_eq!(
            one_line("a\nb\tc\rd\x7f\u{9b}e"),
            "a\\nb\\tc\\rd\\u{7f}\\u{9b}e"
        );
        assert_eq!(lines("a\nb\x1b[2J\n"), "a\nb\\u{1b}[2J\n");
        assert!(matches!(one_line("plain ünïcode ◆"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_keeps_its_meaning() {
        let v = serde_json::json!({"s": "a\u{7f}b\u{9b}c\x1b"});
        let text = serde_json::to_string(&v).unwrap();
        let safe = json(&text);
        assert!(!safe.chars().any(is_control), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn log_records_stay_one_line_each() {
        let mut w = SafeLog(Vec::new());
        w.write_all(b"WARN error=\"x\ny\x1b[2J\" url=http://u:p@h/m\n")
            .unwrap();
        assert_eq!(
            String::from_utf8(w.0).unwrap(),
            "WARN error=\"x\\ny\\u{1b}[2J\" url=http://***@h/m\n"
        );
    }
}

//! Bracketed paste: a paste arrives as one event and goes whole into the
//! open prompt (`/`, `:` or the mute prompt). Outside a prompt a paste is
//! dropped, so pasted text never acts as key bindings.

use super::view::{KeyOutcome, View};

/// The pasted text as prompt text: line breaks and tabs become one space
/// each (a multi-line PromQL query stays one query), a trailing line break
/// is dropped, other control characters are removed.
pub fn clean(text: &str) -> String {
    let text = text.trim_end_matches(['\r', '\n']);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

impl View {
    /// A paste: appended to the open prompt; ignored otherwise.
    pub fn on_paste(&mut self, text: &str) -> KeyOutcome {
        let text = clean(text);
        if let Some(p) = self.alerts.mute.as_mut() {
            p.error = None;
            p.text.push_str(&text);
            return KeyOutcome::Redraw;
        }
        let Some(p) = self.prompt.as_mut() else {
            return KeyOutcome::Ignored;
        };
        p.candidates.clear();
        p.text.push_str(&text);
        self.prompt_edited()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::prompt::{Prompt, PromptKind};

    #[test]
    fn line_breaks_become_spaces_and_controls_go() {
        assert_eq!(clean("sum(\n  rate(x[1m])\r\n)\n"), "sum(   rate(x[1m]) )");
        assert_eq!(clean("a\tb\x1b[2Jc\x07"), "a b[2Jc");
        assert_eq!(clean(""), "");
    }

    #[test]
    fn a_paste_goes_whole_into_the_prompt_and_nowhere_else() {
        let mut v = View::default();
        // No prompt: nothing happens (a pasted `q` must not quit).
        assert_eq!(v.on_paste("q"), KeyOutcome::Ignored);
        assert!(v.prompt.is_none());
        v.prompt = Some(Prompt::new(PromptKind::Command, "expr "));
        let long = "up+".repeat(1000);
        assert_eq!(v.on_paste(&long), KeyOutcome::Redraw);
        let p = v.prompt.as_ref().unwrap();
        assert_eq!(p.text.len(), 5 + 3000);
        assert!(p.text.ends_with("up+"));
    }
}

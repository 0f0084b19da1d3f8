//! The one-line prompts at the bottom of the screen: `/` filters the
//! instance table, `:` runs a command. Parsing and completion live here;
//! what a command does to the view is in `keys.rs`.

/// What a prompt is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    /// `/`: a regex over instance and job.
    Filter,
    /// `:`: a command.
    Command,
}

/// A prompt being typed.
#[derive(Clone, Debug, PartialEq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
    /// Why the text cannot be used (shown inline, nothing applied).
    pub error: Option<String>,
    /// Candidates listed after an ambiguous Tab.
    pub hint: Option<String>,
}

impl Prompt {
    pub fn new(kind: PromptKind, text: &str) -> Prompt {
        Prompt {
            kind,
            text: text.to_string(),
            error: None,
            hint: None,
        }
    }

    pub fn is_filter(&self) -> bool {
        self.kind == PromptKind::Filter
    }

    /// The character typed first (`/` or `:`).
    pub fn sigil(&self) -> char {
        match self.kind {
            PromptKind::Filter => '/',
            PromptKind::Command => ':',
        }
    }
}

/// Every command, with its argument and what it does (for help and Tab).
pub const COMMANDS: [(&str, &str, &str); 7] = [
    ("q", "", "quit"),
    ("quit", "", "quit"),
    ("help", "", "show the help overlay"),
    ("theme", "NAME", "switch the colour theme"),
    ("window", "DURATION", "set the chart window (30m, 2h)"),
    ("filter", "REGEX", "filter instances (empty clears)"),
    ("expr", "PROMQL", "add an ad hoc panel"),
];

/// A parsed command line.
#[derive(Clone, Debug, PartialEq)]
pub enum Cmd {
    Quit,
    Help,
    Theme(String),
    Window(String),
    Filter(String),
    Expr(String),
}

/// Parses a command line (without the `:`), or says in one line why not.
pub fn parse(line: &str) -> Result<Cmd, String> {
    let line = line.trim();
    let (name, arg) = line
        .split_once(char::is_whitespace)
        .map_or((line, ""), |(n, a)| (n, a.trim()));
    let need = |what: &str| {
        if arg.is_empty() {
            Err(format!("usage: :{name} {what}"))
        } else {
            Ok(arg.to_string())
        }
    };
    match name {
        "q" | "quit" | "q!" => Ok(Cmd::Quit),
        "help" | "h" => Ok(Cmd::Help),
        "theme" => need("NAME").map(Cmd::Theme),
        "window" | "w" => need("DURATION").map(Cmd::Window),
        "filter" | "f" => Ok(Cmd::Filter(arg.to_string())),
        "expr" | "e" => need("PROMQL").map(Cmd::Expr),
        "" => Err("type a command: q, help, theme, window, filter, expr".to_string()),
        other => Err(format!("unknown command :{other} (Tab lists commands)")),
    }
}

/// Completes the command name (or the theme name after `theme `) in
/// `text`. Returns the new text and, when several candidates remain, the
/// list of them.
pub fn complete(text: &str, themes: &[&str]) -> (String, Option<String>) {
    let (prefix, word, candidates): (&str, &str, Vec<&str>) =
        if let Some(rest) = text.strip_prefix("theme ") {
            ("theme ", rest.trim_start(), themes.to_vec())
        } else if text.contains(' ') {
            return (text.to_string(), None);
        } else {
            ("", text, COMMANDS.iter().map(|c| c.0).collect())
        };
    let hits: Vec<&str> = candidates
        .into_iter()
        .filter(|c| c.starts_with(word))
        .collect();
    match hits.as_slice() {
        [] => (text.to_string(), None),
        [one] => {
            let takes_arg =
                prefix.is_empty() && COMMANDS.iter().any(|c| c.0 == *one && !c.1.is_empty());
            let space = if takes_arg { " " } else { "" };
            (format!("{prefix}{one}{space}"), None)
        }
        many => {
            let mut common = many[0].to_string();
            for h in &many[1..] {
                while !h.starts_with(&common) {
                    common.pop();
                }
            }
            (format!("{prefix}{common}"), Some(many.join(" ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_command() {
        assert_eq!(parse("q"), Ok(Cmd::Quit));
        assert_eq!(parse(" quit "), Ok(Cmd::Quit));
        assert_eq!(parse("help"), Ok(Cmd::Help));
        assert_eq!(parse("theme light"), Ok(Cmd::Theme("light".into())));
        assert_eq!(parse("window 30m"), Ok(Cmd::Window("30m".into())));
        assert_eq!(parse("filter"), Ok(Cmd::Filter(String::new())));
        assert_eq!(
            parse("expr sum(rate(x[1m])) by (job)"),
            Ok(Cmd::Expr("sum(rate(x[1m])) by (job)".into()))
        );
    }

    #[test]
    fn bad_commands_say_why_in_one_line() {
        let e = parse("frobnicate now").unwrap_err();
        assert!(e.contains(":frobnicate"), "{e}");
        assert!(parse("theme").unwrap_err().starts_with("usage: :theme"));
        assert!(parse("expr   ").unwrap_err().starts_with("usage: :expr"));
        assert!(parse("").is_err());
        for e in [parse("zz").unwrap_err(), parse("window").unwrap_err()] {
            assert!(!e.contains('\n'));
        }
    }

    #[test]
    fn tab_completes_names() {
        let themes = ["dark", "light", "high-contrast"];
        assert_eq!(complete("th", &themes), ("theme ".into(), None));
        assert_eq!(complete("he", &themes), ("help".into(), None));
        assert_eq!(complete("theme l", &themes), ("theme light".into(), None));
        let (t, hint) = complete("q", &themes);
        assert_eq!(t, "q");
        assert_eq!(hint.as_deref(), Some("q quit"));
        let (t, hint) = complete("", &themes);
        assert_eq!(t, "");
        assert!(hint.unwrap().contains("expr"));
        assert_eq!(complete("zz", &themes), ("zz".into(), None));
        assert_eq!(complete("expr up", &themes), ("expr up".into(), None));
    }
}

//! The one-line prompts at the bottom of the screen: `/` filters the
//! instance table, `:` runs a command. Parsing lives here, completion in `complete.rs`;
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
    /// The character of `text` the error points at, marked on screen.
    pub error_at: Option<usize>,
    /// Candidates listed (in a popup) after an ambiguous Tab.
    pub candidates: Vec<String>,
    /// Character position in `text` where the completed word starts (where
    /// the popup is drawn).
    pub candidates_at: usize,
}

impl Prompt {
    pub fn new(kind: PromptKind, text: &str) -> Prompt {
        Prompt {
            kind,
            text: text.to_string(),
            error: None,
            error_at: None,
            candidates: vec![],
            candidates_at: 0,
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
pub const COMMANDS: [(&str, &str, &str); 10] = [
    ("q", "", "quit"),
    ("quit", "", "quit"),
    ("help", "", "show the help overlay"),
    ("theme", "NAME", "switch the colour theme"),
    ("window", "DURATION", "set the chart window (30m, 2h)"),
    ("filter", "REGEX", "filter instances (empty clears)"),
    ("expr", "PROMQL", "add an ad hoc panel"),
    (
        "export",
        "[PATH]",
        "write the Markdown summary and timeline, copy it (OSC 52)",
    ),
    (
        "note",
        "TEXT",
        "add a signed note at the cursor's time (or now)",
    ),
    (
        "goto",
        "TIME",
        "in a replay: go to RFC 3339, HH:MM[:SS] or -30s (g)",
    ),
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
    /// `:export [PATH]`.
    Export(Option<String>),
    /// `:note TEXT`.
    Note(String),
    /// `:goto TIME` (a replay's `g`).
    GoTo(String),
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
        "export" => Ok(Cmd::Export((!arg.is_empty()).then(|| arg.to_string()))),
        "note" => need("TEXT").map(Cmd::Note),
        "goto" | "g" => need("TIME").map(Cmd::GoTo),
        "" => Err(
            "type a command: q, help, theme, window, filter, expr, export, note, goto".to_string(),
        ),
        other => Err(format!("unknown command :{other} (Tab lists commands)")),
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
        assert_eq!(parse("export"), Ok(Cmd::Export(None)));
        assert_eq!(
            parse("export ~/incident.md"),
            Ok(Cmd::Export(Some("~/incident.md".into())))
        );
        assert_eq!(
            parse("expr sum(rate(x[1m])) by (job)"),
            Ok(Cmd::Expr("sum(rate(x[1m])) by (job)".into()))
        );
        assert_eq!(
            parse("note  failover to db2:  done "),
            Ok(Cmd::Note("failover to db2:  done".into()))
        );
        assert_eq!(parse("goto 14:03"), Ok(Cmd::GoTo("14:03".into())));
        assert_eq!(parse("g -30s"), Ok(Cmd::GoTo("-30s".into())));
        assert!(parse("goto ").unwrap_err().starts_with("usage: :goto TIME"));
    }

    #[test]
    fn bad_commands_say_why_in_one_line() {
        let e = parse("frobnicate now").unwrap_err();
        assert!(e.contains(":frobnicate"), "{e}");
        assert!(parse("theme").unwrap_err().starts_with("usage: :theme"));
        assert!(parse("expr   ").unwrap_err().starts_with("usage: :expr"));
        assert_eq!(parse("note").unwrap_err(), "usage: :note TEXT");
        assert_eq!(parse("note   ").unwrap_err(), "usage: :note TEXT");
        assert!(parse("").is_err());
        for e in [parse("zz").unwrap_err(), parse("window").unwrap_err()] {
            assert!(!e.contains('\n'));
        }
    }
}

//! `vitals man` and `vitals completions SHELL`: the manual page and the
//! shell completion scripts that the release ships beside the binary.
//!
//! Both are made from the clap command, so they cannot drift from the
//! flags. The page adds what clap does not know: each command's own
//! options, the dashboard's keys and `:` commands (the same tables the `?`
//! overlay shows), the configuration file (the commented example itself),
//! the files vitals writes, the environment it reads, signals and exit
//! status.

use clap_mangen::roff::{bold, italic, roman, Inline, Roff};
use std::io::{self, Write};

/// The annotated configuration file, shown whole in the page.
const EXAMPLE_CONFIG: &str = include_str!("../../examples/vitals.toml");

/// Writes the completion script of `shell` for `cmd`.
pub fn completions(
    shell: clap_complete::Shell,
    mut cmd: clap::Command,
    out: &mut dyn Write,
) -> io::Result<()> {
    let name = cmd.get_name().to_string();
    // clap_complete writes without reporting errors; a closed pipe is
    // not worth a panic, so the script is made in memory first.
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, name, &mut buf);
    out.write_all(&buf)
}

/// Writes the manual page (roff, section 1) for `cmd`, dated `date`
/// (`YYYY-MM-DD`, the commit's date; empty when unknown).
pub fn man_page(cmd: clap::Command, date: &str, out: &mut dyn Write) -> io::Result<()> {
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let version = cmd.get_version().unwrap_or_default().to_string();
    let man = clap_mangen::Man::new(cmd.clone())
        .title("VITALS")
        .section("1")
        .date(date)
        .source(format!("vitals {version}"))
        .manual("User Commands");
    man.render_title(out)?;
    man.render_name_section(out)?;
    let mut r = Roff::new();
    synopsis(&mut r, &cmd);
    description(&mut r);
    r.to_writer(out)?;
    man.render_options_section(out)?;
    let mut r = Roff::new();
    commands(&mut r, &cmd);
    keys(&mut r);
    configuration(&mut r);
    files(&mut r);
    environment(&mut r);
    signals_and_exit(&mut r);
    examples(&mut r);
    r.control("SH", ["SEE ALSO"]);
    r.text([roman(
        "prometheus(1), promtool(1), prometheus-node-exporter(1), prometheus-alertmanager(1)",
    )]);
    r.to_writer(out)?;
    man.render_version_section(out)
}

fn section(r: &mut Roff, title: &str, paragraphs: &[&str]) {
    r.control("SH", [title]);
    for (i, p) in paragraphs.iter().enumerate() {
        if i > 0 {
            r.control("PP", []);
        }
        r.text([roman(*p)]);
    }
}

/// A `.TP` item: a bold term, then its text.
fn item(r: &mut Roff, term: Vec<Inline>, text: &str) {
    r.control("TP", []);
    r.text(term);
    r.text([roman(text)]);
}

fn synopsis(r: &mut Roff, cmd: &clap::Command) {
    r.control("SH", ["SYNOPSIS"]);
    let mut first = true;
    let mut line = |r: &mut Roff, words: &str| {
        if !first {
            r.control("br", []);
        }
        first = false;
        r.text([bold("vitals"), roman(format!(" {words}"))]);
    };
    line(r, "[OPTIONS] [TARGET]...");
    for sub in cmd.get_subcommands() {
        if !sub.has_subcommands() {
            line(r, &usage_of(sub, sub.get_name()));
        }
        for nested in sub.get_subcommands() {
            let name = format!("{} {}", sub.get_name(), nested.get_name());
            line(r, &usage_of(nested, &name));
        }
    }
}

/// `NAME [OPTIONS] <ARG>...` for a command, from its arguments.
fn usage_of(cmd: &clap::Command, name: &str) -> String {
    let mut words = vec![name.to_string()];
    if cmd
        .get_arguments()
        .any(|a| !a.is_positional() && !is_builtin(a))
    {
        words.push("[OPTIONS]".into());
    }
    for a in cmd.get_positionals() {
        let v = a
            .get_value_names()
            .and_then(|v| v.first())
            .map(|v| v.to_string())
            .unwrap_or_else(|| a.get_id().as_str().to_uppercase());
        let many = a.get_num_args().is_some_and(|n| n.max_values() > 1);
        let v = if many { format!("{v}...") } else { v };
        words.push(if a.is_required_set() {
            v
        } else {
            format!("[{v}]")
        });
    }
    words.join(" ")
}

fn is_builtin(a: &clap::Arg) -> bool {
    matches!(a.get_id().as_str(), "help" | "version")
}

fn description(r: &mut Roff) {
    section(
        r,
        "DESCRIPTION",
        &[
            "vitals is a live terminal dashboard for the engineer on call. It scrapes \
             Prometheus exposition endpoints (/metrics) directly and evaluates PromQL \
             itself, or asks a Prometheus-compatible server (--prometheus), and shows the \
             signals that decide an incident at a glance: latency, traffic, errors, CPU, \
             instance count and saturation, with alerts the moment a threshold is crossed.",
            "With no configuration the panels are detected from the metric names and types \
             the targets expose (request-duration histograms, *_requests_total, \
             process_cpu_seconds_total or node_exporter's CPU, up, *instances* gauges, queue \
             depth and memory against their limits). Every panel shows the PromQL it \
             evaluates (the ? overlay, Enter, or snapshot).",
            "Alerts follow Prometheus semantics: pending while counting down their for, \
             then firing, then resolved; an alert whose target cannot be scraped is held \
             stale, never resolved. Every transition is appended to the alert log before \
             the screen shows it, and can be pushed to an Alertmanager and a webhook.",
            "TARGET is http(s)://host:port/path, or host:port for http://host:port/metrics. \
             Durations are Prometheus durations: 500ms, 30s, 5m, 1h30m. A target that is \
             down is shown with the reason; it is never an error of the command.",
        ],
    );
}

/// Each command with its about and the options that are its own (the
/// common ones are listed once under OPTIONS).
fn commands(r: &mut Roff, cmd: &clap::Command) {
    r.control("SH", ["COMMANDS"]);
    let common: Vec<&str> = cmd.get_arguments().map(|a| a.get_id().as_str()).collect();
    let mut all = Vec::new();
    for sub in cmd.get_subcommands() {
        if sub.has_subcommands() {
            for nested in sub.get_subcommands() {
                all.push((format!("{} {}", sub.get_name(), nested.get_name()), nested));
            }
        } else {
            all.push((sub.get_name().to_string(), sub));
        }
    }
    for (name, sub) in all {
        r.control("SS", [format!("vitals {}", usage_of(sub, &name)).as_str()]);
        let about = sub
            .get_long_about()
            .or_else(|| sub.get_about())
            .map(|s| s.to_string())
            .unwrap_or_default();
        r.text([roman(about)]);
        let own = sub
            .get_arguments()
            .filter(|a| !a.is_hide_set() && !is_builtin(a))
            .filter(|a| !common.contains(&a.get_id().as_str()) || a.is_positional());
        let mut any = false;
        for a in own {
            any = true;
            item(r, arg_term(a), &arg_help(a));
        }
        let takes_common = sub
            .get_arguments()
            .any(|a| !is_builtin(a) && !a.is_positional() && common.contains(&a.get_id().as_str()));
        if any && takes_common {
            r.control("PP", []);
            r.text([roman("It also takes the common options above.")]);
        }
    }
}

/// `--name VALUE`, `-s`, or a positional's `VALUE...`.
fn arg_term(a: &clap::Arg) -> Vec<Inline> {
    let value = a
        .get_value_names()
        .and_then(|v| v.first())
        .map(|v| v.to_string())
        .unwrap_or_else(|| a.get_id().as_str().to_uppercase());
    if a.is_positional() {
        return vec![italic(value)];
    }
    let mut term = Vec::new();
    if let Some(s) = a.get_short() {
        term.push(bold(format!("-{s}")));
        term.push(roman(", "));
    }
    if let Some(l) = a.get_long() {
        term.push(bold(format!("--{l}")));
    }
    if a.get_action().takes_values() {
        term.push(roman(" "));
        term.push(italic(value));
    }
    term
}

/// The help text with the default and the possible values.
fn arg_help(a: &clap::Arg) -> String {
    let mut text = a
        .get_long_help()
        .or_else(|| a.get_help())
        .map(|s| s.to_string())
        .unwrap_or_default();
    let values: Vec<String> = a
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    if !values.is_empty() && a.get_action().takes_values() {
        text.push_str(&format!(" [possible values: {}]", values.join(", ")));
    }
    let defaults: Vec<String> = a
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if !defaults.is_empty() && a.get_action().takes_values() {
        text.push_str(&format!(" [default: {}]", defaults.join(", ")));
    }
    text
}

fn keys(r: &mut Roff) {
    r.control("SH", ["KEYS"]);
    r.text([roman(
        "The dashboard answers to vim and k9s habits; ? shows the same list on screen.",
    )]);
    for (k, what) in crate::tui::KEYS {
        item(r, vec![bold(k)], what);
    }
    r.control("SS", ["Commands after :"]);
    r.text([roman(
        "Tab completes commands, and metric, label and instance names inside :expr.",
    )]);
    for (name, arg, what) in crate::tui::PROMPT_COMMANDS {
        let mut term = vec![bold(format!(":{name}"))];
        if !arg.is_empty() {
            term.push(roman(" "));
            term.push(italic(arg));
        }
        item(r, term, what);
    }
    r.control("SS", ["Alerts"]);
    r.text([roman(
        "A lists this run's alerts, the alerts Alertmanager holds and the latest \
         transitions. a acknowledges the selected alert (it stays listed and no longer \
         rings the bell); m mutes it for a duration typed in a prompt (0 unmutes). With \
         the list closed, a and m act on the alert named first in the alerts bar. With \
         --alertmanager a mute is a real silence that the whole team sees.",
    )]);
}

fn configuration(r: &mut Roff) {
    section(
        r,
        "CONFIGURATION",
        &[
            "--config FILE, else $XDG_CONFIG_HOME/vitals/config.toml \
             (~/.config/vitals/config.toml) when it exists. A flag given on the command \
             line wins over the file, the file wins over the defaults; TARGET arguments or \
             --file-sd replace the file's targets as a whole, and --rules files are added \
             to its rules. Relative paths in the file are taken from its directory. Keys \
             are strict: a bad file stops every command with exit status 2 and one line per \
             problem, FILE:LINE:COLUMN: what is expected. Check a file with vitals config \
             check FILE: every problem it can find, values of the wrong type named by their \
             type and never echoed, and the credential, TLS and file_sd files it names read \
             as a run reads them (--no-files checks the file alone).",
            "r in the dashboard or SIGHUP reloads the file: targets, file_sd, panels, rules, \
             theme and retention change in place and keep their history; a file that fails \
             to load is reported on the status line and the running configuration stays.",
            "Every key, with its default or an example:",
        ],
    );
    r.control("PP", []);
    r.control("nf", []);
    r.control("RS", ["4"]);
    for line in EXAMPLE_CONFIG.lines() {
        r.text([roman(line)]);
    }
    r.control("RE", []);
    r.control("fi", []);
}

fn files(r: &mut Roff) {
    r.control("SH", ["FILES"]);
    let entries = [
        (
            "$XDG_CONFIG_HOME/vitals/config.toml",
            "The configuration file, when --config is not given.",
        ),
        (
            "$XDG_CONFIG_HOME/vitals/themes/NAME.toml",
            "User themes: partial overrides of the built-in dark, light, high-contrast, \
             colorblind and mono themes.",
        ),
        (
            "$XDG_STATE_HOME/vitals/vitals.log",
            "Diagnostics (tracing); never written to the terminal while the dashboard runs.",
        ),
        (
            "$XDG_STATE_HOME/vitals/alerts.jsonl",
            "The alert log: one JSON line per transition, flushed before the screen shows it \
             (--alert-log or alert_log move it).",
        ),
        (
            "$XDG_STATE_HOME/vitals/alerts.state.json",
            "Acknowledgements, mutes and Alertmanager silence ids, beside the alert log.",
        ),
        (
            "$XDG_STATE_HOME/vitals/export-TIME.md",
            "The Markdown summary written by :export without a path.",
        ),
    ];
    for (path, what) in entries {
        item(r, vec![italic(path)], what);
    }
    r.control("PP", []);
    r.text([roman(
        "XDG_CONFIG_HOME defaults to ~/.config and XDG_STATE_HOME to ~/.local/state.",
    )]);
}

fn environment(r: &mut Roff) {
    r.control("SH", ["ENVIRONMENT"]);
    let entries = [
        (
            "NO_COLOR",
            "When set and not empty, no colour at all (as --no-color).",
        ),
        (
            "VITALS_LOG",
            "The log filter (tracing's env-filter syntax), e.g. debug; default info.",
        ),
        (
            "XDG_CONFIG_HOME, XDG_STATE_HOME, HOME",
            "Where the configuration, themes, logs and state live (see FILES).",
        ),
        (
            "TERM, COLORTERM",
            "The colour depth: truecolor, 256 colours or the 16 named ANSI colours.",
        ),
        (
            "HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY",
            "Proxies for targets and servers (lower-case forms too); loopback is never \
             proxied, and HTTP_PROXY is ignored when REQUEST_METHOD is set.",
        ),
        (
            "TMUX, STY",
            ":export sends its OSC 52 clipboard sequence through tmux or screen.",
        ),
    ];
    for (name, what) in entries {
        item(r, vec![bold(name)], what);
    }
}

fn signals_and_exit(r: &mut Roff) {
    r.control("SH", ["SIGNALS"]);
    item(
        r,
        vec![bold("SIGHUP")],
        "Reloads the configuration file; when the terminal went away (SSH dropped) it \
         ends vitals instead.",
    );
    item(
        r,
        vec![bold("SIGINT, SIGTERM")],
        "Quit; the terminal is restored on every exit path.",
    );
    r.control("SH", ["EXIT STATUS"]);
    item(r, vec![bold("0")], "Success; for check, no alert firing.");
    item(r, vec![bold("1")], "check: an alert is firing.");
    item(
        r,
        vec![bold("2")],
        "A usage or configuration error, or (snapshot and check) a --prometheus server \
         that cannot be reached; one line on standard error names the file, line, column \
         or URL at fault.",
    );
}

fn examples(r: &mut Roff) {
    r.control("SH", ["EXAMPLES"]);
    let entries = [
        (
            "vitals demo",
            "The dashboard over a built-in simulated fleet.",
        ),
        (
            "vitals 127.0.0.1:9100 http://127.0.0.1:8080/metrics",
            "The dashboard over two exporters.",
        ),
        (
            "vitals --file-sd targets.json",
            "Targets from a Prometheus file_sd JSON file, followed as it changes.",
        ),
        (
            "vitals snapshot --format text --file-sd targets.json",
            "A Markdown summary for the incident channel.",
        ),
        (
            "vitals check --rules alerts.yml 127.0.0.1:9100",
            "Exit 0 when nothing fires, 1 when something fires; one line per alert group.",
        ),
        (
            "vitals check --format junit --rules alerts.yml 127.0.0.1:9100 > vitals.xml",
            "JUnit XML for CI: one test case per rule, failing while it fires (--format tap: TAP).",
        ),
        (
            "vitals --prometheus http://127.0.0.1:9090",
            "The same dashboard over a Prometheus-compatible server.",
        ),
        (
            "vitals completions bash > /etc/bash_completion.d/vitals",
            "Install the bash completion (zsh and fish likewise).",
        ),
    ];
    for (cmd, what) in entries {
        item(r, vec![bold(cmd)], what);
    }
}

//! The command line (PRODUCT.md, "Command line"): parsing with clap,
//! dispatching to the application layer ([`crate::app`]) and printing.
//! `main.rs` only calls [`main`].
#![allow(clippy::print_stdout, clippy::print_stderr)]

use crate::app::{self, Flags};
use crate::demo::{DemoOptions, Fleet, Scenario};
use crate::vocab::paths::log_path;
use crate::vocab::text::for_terminal;
use anyhow::{bail, Context, Result};
use clap::builder::TypedValueParser;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

/// `vitals --version`: the version, the commit and the target it was built for.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("VITALS_GIT_COMMIT"),
    ", ",
    env!("VITALS_TARGET"),
    ")"
);

#[derive(Parser, Debug)]
#[command(
    name = "vitals",
    version = VERSION,
    about = "A live terminal dashboard for the engineer on call: scrapes Prometheus /metrics \
             endpoints and shows latency, traffic, errors, CPU, instances and saturation, \
             with alerts the moment a threshold is crossed.",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// Targets: http(s)://host:port/path, or host:port for http://host:port/metrics.
    #[arg(value_name = "TARGET")]
    targets: Vec<String>,
    #[command(flatten)]
    common: Flags,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Built-in simulated fleet (real exporters on loopback) and the dashboard over it.
    Demo(DemoArgs),
    /// Scrape, evaluate, print once and exit.
    Snapshot(SnapshotArgs),
    /// The dashboard over a recording (--record): play, pause, seek, jump to alerts and notes.
    Replay(app::replay_cmd::ReplayArgs),
    /// Evaluate the alert rules once: exit 0 when nothing fires, 1 when something fires, 2 on error.
    Check(CheckArgs),
    /// Run PromQL conformance files (.test) and print 'N passed, N failed, N unsupported'.
    Promqltest {
        /// Files or directories of *.test files.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Write a recording's samples as OpenMetrics (for promtool tsdb create-blocks-from openmetrics) or JSON.
    Export(app::export_cmd::ExportArgs),
    /// Configuration files.
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Print the shell completion script for SHELL (e.g. vitals completions bash > /etc/bash_completion.d/vitals).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): vitals man | man -l -
    Man,
}

#[derive(Subcommand, Debug)]
enum ConfigCmd {
    /// Validate a configuration file: every problem as FILE:LINE:COLUMN, exit 0 valid / 2 invalid.
    Check {
        /// The TOML file.
        file: PathBuf,
        /// Check the file alone, without reading the files it names.
        #[arg(long)]
        no_files: bool,
    },
}

#[derive(Args, Debug)]
struct DemoArgs {
    /// Serve the simulated fleet only: print 'file_sd: PATH' and 'target: URL' lines, then a 'phase: NAME seed=NNN' line as each phase starts (seed=none for calm and recovery), serve until killed.
    #[arg(long = "no-ui")]
    no_ui: bool,
    /// Starting size of the fleet.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u64).range(2..=1000))]
    instances: u64,
    /// Time compression of the scenario (2 = twice as fast).
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0)]
    speed: f64,
    /// Scenario: incident (the five seed incidents in a loop, each with its cause leading, a recovery after each), calm (no incident), or one seed incident alone.
    #[arg(long, value_name = "NAME", default_value = "incident", value_parser = parse_scenario())]
    scenario: Scenario,
    #[command(flatten)]
    common: Flags,
}

/// The scenario names, listed in help and completions.
fn parse_scenario() -> impl clap::builder::TypedValueParser<Value = Scenario> {
    let names = [
        "incident", "calm", "seed-000", "seed-001", "seed-002", "seed-003", "seed-004",
    ];
    clap::builder::PossibleValuesParser::new(names).map(|s| s.parse().unwrap_or(Scenario::Incident))
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq)]
enum Format {
    Json,
    Text,
}

#[derive(Args, Debug)]
struct SnapshotArgs {
    /// Targets: http(s)://host:port/path, or host:port.
    #[arg(value_name = "TARGET")]
    targets: Vec<String>,
    /// Output: json (the stable schema) or text (a Markdown summary).
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = Format::Json)]
    format: Format,
    /// How long to scrape before evaluating [default: the longest range in any expression plus one interval].
    #[arg(long, value_name = "DUR", value_parser = parse_dur)]
    duration: Option<Duration>,
    #[command(flatten)]
    from: app::replay_cmd::FromArgs,
    #[command(flatten)]
    common: Flags,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// Targets: http(s)://host:port/path, or host:port.
    #[arg(value_name = "TARGET")]
    targets: Vec<String>,
    /// How long to scrape before deciding [default: the longest range plus one interval, plus the longest `for`].
    #[arg(long, value_name = "DUR", value_parser = parse_dur)]
    duration: Option<Duration>,
    /// Replace every rule's `for` (e.g. 0s to fire as soon as a threshold is crossed).
    #[arg(long = "for-override", value_name = "DUR", value_parser = parse_dur)]
    for_override: Option<Duration>,
    /// Output: text (one line per alert group), json (the groups and every rule), tap or junit (one test case per rule, failing while it fires).
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = app::flags::CheckFormat::Text)]
    format: app::flags::CheckFormat,
    #[command(flatten)]
    from: app::replay_cmd::FromArgs,
    #[command(flatten)]
    common: Flags,
}

use crate::app::flags::parse_dur;

/// The `clap` command, with the log path in its help.
pub fn command() -> clap::Command {
    Cli::command().after_help(format!(
        "Diagnostics are logged to {} (VITALS_LOG=debug for more).",
        log_path().display()
    ))
}

/// Runs the command line; returns the process exit code.
pub fn main() -> i32 {
    let parsed = command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    if let Some(code) = docs(&cli) {
        return code;
    }
    let log = app::init_logging();
    let rt = match app::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("vitals: cannot start the runtime: {e}");
            return 2;
        }
    };
    let code = rt.block_on(async move {
        run(cli, log).await.unwrap_or_else(|e| {
            eprintln!("vitals: {}", for_terminal(&format!("{e:#}")));
            2
        })
    });
    // Tasks still blocked on slow targets must not keep the process alive.
    rt.shutdown_timeout(Duration::from_millis(200));
    code
}

/// `completions` and `man`: printed with no log, runtime or terminal; a
/// reader that closes the pipe early (`| head`) is not an error.
fn docs(cli: &Cli) -> Option<i32> {
    let mut out = std::io::stdout().lock();
    let written = match cli.command {
        Some(Cmd::Completions { shell }) => {
            app::manual::completions(shell, Cli::command(), &mut out)
        }
        Some(Cmd::Man) => {
            app::manual::man_page(Cli::command(), env!("VITALS_COMMIT_DATE"), &mut out)
        }
        _ => return None,
    };
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("vitals: cannot write to standard output: {e}");
            Some(2)
        }
        _ => Some(0),
    }
}

async fn run(cli: Cli, log: Option<String>) -> Result<i32> {
    match cli.command {
        None => {
            let f = cli.common;
            let s = app::settings(&f, &cli.targets)?;
            let remote = app::reads_a_server(&f, &s);
            if remote && s.targets_from_flags {
                bail!(
                    "--prometheus reads every series from the server: give no targets or --file-sd"
                );
            }
            if !remote && s.targets.is_empty() && s.file_sd.is_empty() {
                bail!("no targets: give TARGET arguments (host:port or URL), --file-sd PATH, [[target]] in the config file or --prometheus URL, or try `vitals demo`");
            }
            app::dashboard(&f, &s, log, "vitals".into(), None).await
        }
        Some(Cmd::Demo(d)) => demo(d, log).await,
        Some(Cmd::Replay(a)) => app::replay_cmd::replay(a, log).await,
        Some(Cmd::Snapshot(a)) => {
            let f = a.common;
            let (frame, sinks) = match &a.from.from {
                Some(p) => (
                    app::replay_cmd::frame_at(p, a.from.at.as_deref(), &(&f).into(), None)?,
                    None,
                ),
                None => {
                    let s = app::settings(&f, &a.targets)?;
                    let duration = a.duration.unwrap_or_else(|| app::snapshot_duration(&f, &s));
                    app::collect(&s, &f, log, duration, None).await?
                }
            };
            match a.format {
                Format::Json => {
                    let json = serde_json::to_string_pretty(&crate::report::to_json(&frame))?;
                    println!("{}", crate::vocab::text::json(&json));
                }
                Format::Text => print!("{}", crate::report::to_markdown(&frame)),
            }
            app::finish(sinks, &frame).await;
            Ok(0)
        }
        Some(Cmd::Check(a)) => {
            let f = a.common;
            let (frame, sinks) = match &a.from.from {
                Some(p) => (
                    app::replay_cmd::frame_at(
                        p,
                        a.from.at.as_deref(),
                        &(&f).into(),
                        a.for_override,
                    )?,
                    None,
                ),
                None => {
                    let s = app::settings(&f, &a.targets)?;
                    let duration = a
                        .duration
                        .unwrap_or_else(|| app::check_duration(&f, &s, a.for_override));
                    app::collect(&s, &f, log, duration, a.for_override).await?
                }
            };
            let report = crate::report::check_report_as(&frame, a.format.into());
            report.out.iter().for_each(|l| println!("{l}"));
            report.err.iter().for_each(|l| eprintln!("{l}"));
            app::finish(sinks, &frame).await;
            Ok(i32::from(report.firing))
        }
        Some(Cmd::Promqltest { paths }) => {
            let mut out = std::io::stdout().lock();
            let totals = crate::promql::promqltest::run_paths(&paths, &mut out)?;
            Ok(i32::from(totals.failed > 0))
        }
        Some(Cmd::Export(a)) => app::export_cmd::run(a),
        // Answered by `docs` before the runtime starts.
        Some(Cmd::Completions { .. } | Cmd::Man) => Ok(0),
        Some(Cmd::Config(ConfigCmd::Check { file, no_files })) => Ok(app::config_check(
            &file,
            !no_files,
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
        )),
    }
}

async fn demo(d: DemoArgs, log: Option<String>) -> Result<i32> {
    if !(d.speed > 0.0 && d.speed <= 1000.0) {
        bail!("--speed must be more than 0 and at most 1000");
    }
    let opts = DemoOptions {
        instances: d.instances as usize,
        speed: d.speed,
        scenario: d.scenario,
        dir: None,
    };
    let fleet = Fleet::start(opts)
        .await
        .context("starting the demo fleet")?;
    if d.no_ui {
        app::serve_fleet(fleet).await;
        return Ok(0);
    }
    let mut f = d.common;
    f.file_sd.push(fleet.file_sd_path().to_path_buf());
    let s = app::settings(&f, &[])?;
    app::dashboard(&f, &s, log, "vitals demo".into(), Some(fleet)).await
}

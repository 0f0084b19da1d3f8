//! The command line (PRODUCT.md, "Command line"): parsing with clap and
//! running each command. `main.rs` only calls [`main`].
#![allow(clippy::print_stdout, clippy::print_stderr)]

use crate::config::{self, Overrides, Settings};
use crate::demo::{DemoOptions, Fleet, Scenario};
use crate::detect::rate_window;
use crate::engine::{self, Engine, EngineChannels, EngineOptions};
use crate::frame::{AlertState, Frame};
use crate::scrape::{self, Target};
use crate::vocab::duration::parse_duration;
use crate::vocab::paths::log_path;
use anyhow::{bail, Context, Result};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

mod config_cmd;
mod headless;
mod manual;
mod scrape_args;
use scrape_args::scrape_options;

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
    common: Common,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Built-in simulated fleet (real exporters on loopback) and the dashboard over it.
    Demo(DemoArgs),
    /// Scrape, evaluate, print once and exit.
    Snapshot(SnapshotArgs),
    /// Evaluate the alert rules once: exit 0 when nothing fires, 1 when something fires, 2 on error.
    Check(CheckArgs),
    /// Run PromQL conformance files (.test) and print 'N passed, N failed, N unsupported'.
    Promqltest {
        /// Files or directories of *.test files.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
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

#[derive(Args, Debug, Clone)]
struct Common {
    /// Configuration file (TOML) [default: $XDG_CONFIG_HOME/vitals/config.toml if it exists]; flags override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Prometheus file_sd JSON file of targets, re-read when it changes (repeatable).
    #[arg(long = "file-sd", value_name = "PATH")]
    file_sd: Vec<PathBuf>,
    /// Ad hoc panel over a PromQL expression (repeatable; ids expr1, expr2, ...).
    #[arg(long = "expr", value_name = "PROMQL")]
    exprs: Vec<String>,
    /// Scrape and evaluation interval (Prometheus duration) [default: 2s].
    #[arg(long, value_name = "DUR", value_parser = parse_dur)]
    interval: Option<Duration>,
    /// Scrape timeout [default: 80% of the interval].
    #[arg(long, value_name = "DUR", value_parser = parse_dur)]
    timeout: Option<Duration>,
    /// How long samples are kept in memory [default: 15m].
    #[arg(long, value_name = "DUR", value_parser = parse_dur)]
    retention: Option<Duration>,
    #[command(flatten)]
    budget: scrape_args::Budget,
    /// Alert transitions log (JSONL) [default: $XDG_STATE_HOME/vitals/alerts.jsonl].
    #[arg(long = "alert-log", value_name = "PATH")]
    alert_log: Option<PathBuf>,
    /// Prometheus rule file (groups of alerting and recording rules; repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    rules: Vec<PathBuf>,
    /// Alertmanager base URL: firing and resolved alerts are posted to /api/v2/alerts.
    #[arg(long, value_name = "URL")]
    alertmanager: Option<String>,
    /// URL receiving Alertmanager webhook (v4) JSON when an alert fires or resolves.
    #[arg(long, value_name = "URL")]
    webhook: Option<String>,
    /// Ring the terminal bell when a critical alert starts firing (unless acknowledged or muted).
    #[arg(long)]
    bell: bool,
    /// Colour theme: dark, light, high-contrast, colorblind, mono [default: dark].
    #[arg(long, value_name = "NAME")]
    theme: Option<String>,
    /// No colour at all (the NO_COLOR environment variable does the same).
    #[arg(long = "no-color")]
    no_color: bool,
    /// Draw without braille or box-drawing characters.
    #[arg(long)]
    ascii: bool,
    /// Maximum redraws per second.
    #[arg(long, value_name = "N", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=120))]
    fps: u32,
    /// Read from a Prometheus-compatible server (Prometheus, Thanos, Mimir, ...) instead of scraping.
    #[arg(long, value_name = "URL")]
    prometheus: Option<String>,
    /// Header sent with every request to --prometheus, e.g. X-Scope-OrgID=tenant (repeatable).
    #[arg(long = "header", value_name = "NAME=VALUE", value_parser = parse_header)]
    headers: Vec<(String, String)>,
}

#[derive(Args, Debug)]
struct DemoArgs {
    /// Serve the simulated fleet only: print 'file_sd: PATH' and 'target: URL' lines, serve until killed.
    #[arg(long = "no-ui")]
    no_ui: bool,
    /// Starting size of the fleet.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u64).range(2..=1000))]
    instances: u64,
    /// Time compression of the scenario (2 = twice as fast).
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0)]
    speed: f64,
    /// Scenario: incident (a loop of calm, surge, runaway autoscaler, recovery) or calm.
    #[arg(long, value_name = "NAME", value_enum, default_value_t = ScenarioArg::Incident)]
    scenario: ScenarioArg,
    #[command(flatten)]
    common: Common,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum ScenarioArg {
    Incident,
    Calm,
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
    common: Common,
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
    #[command(flatten)]
    common: Common,
}

fn parse_header(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("expected NAME=VALUE, got {s:?}")),
    }
}

fn parse_dur(s: &str) -> Result<Duration, String> {
    parse_duration(s).map_err(|e| e.to_string())
}

fn init_logging() -> Option<String> {
    let path = log_path();
    std::fs::create_dir_all(path.parent()?).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("VITALS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(crate::vocab::text::SafeLog(file)))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(path.display().to_string())
}

/// The `clap` command, with the log path in its help.
pub fn command() -> clap::Command {
    Cli::command().after_help(format!(
        "Diagnostics are logged to {} (VITALS_LOG=debug for more).",
        log_path().display()
    ))
}

/// Runs the command line; returns the process exit code.
pub fn main() -> i32 {
    let matches = match command().try_get_matches() {
        Ok(m) => m,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return 2;
        }
    };
    if let Some(code) = docs(&cli) {
        return code;
    }
    let log = init_logging();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("vitals: cannot start the runtime: {e}");
            return 2;
        }
    };
    let code = rt.block_on(async move {
        match run(cli, log).await {
            Ok(code) => code,
            Err(e) => {
                eprintln!(
                    "vitals: {}",
                    crate::vocab::text::for_terminal(&format!("{e:#}"))
                );
                2
            }
        }
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
        Some(Cmd::Completions { shell }) => manual::completions(shell, Cli::command(), &mut out),
        Some(Cmd::Man) => manual::man_page(Cli::command(), env!("VITALS_COMMIT_DATE"), &mut out),
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
            let s = settings(&cli.common, &cli.targets)?;
            let remote = prometheus_endpoint(&cli.common, &s).is_some();
            if remote && s.targets_from_flags {
                bail!(
                    "--prometheus reads every series from the server: give no targets or --file-sd"
                );
            }
            if !remote && s.targets.is_empty() && s.file_sd.is_empty() {
                bail!("no targets: give TARGET arguments (host:port or URL), --file-sd PATH, [[target]] in the config file or --prometheus URL, or try `vitals demo`");
            }
            dashboard(&s, &cli.common, log, "vitals".into(), None).await
        }
        Some(Cmd::Demo(d)) => demo(d, log).await,
        Some(Cmd::Snapshot(s)) => snapshot(s, log).await,
        Some(Cmd::Check(c)) => check(c, log).await,
        Some(Cmd::Promqltest { paths }) => {
            let mut out = std::io::stdout().lock();
            let totals = crate::promql::promqltest::run_paths(&paths, &mut out)?;
            Ok(if totals.failed > 0 { 1 } else { 0 })
        }
        // Answered by `docs` before the runtime starts.
        Some(Cmd::Completions { .. } | Cmd::Man) => Ok(0),
        Some(Cmd::Config(ConfigCmd::Check { file, no_files })) => Ok(config_cmd::check(
            &file,
            !no_files,
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
        )),
    }
}

fn parse_targets(args: &[String]) -> Result<Vec<Target>> {
    args.iter()
        .map(|a| scrape::parse_target(a).map_err(|e| anyhow::anyhow!("{e}")))
        .collect()
}

/// The command line's flags, for merging over the configuration file.
fn overrides(c: &Common, targets: &[String]) -> Result<Overrides> {
    Ok(Overrides {
        targets: parse_targets(targets)?,
        file_sd: c.file_sd.clone(),
        interval: c.interval,
        timeout: c.timeout,
        retention: c.retention,
        theme: c.theme.clone(),
        alert_log: c.alert_log.clone(),
        alertmanager: c.alertmanager.clone(),
        webhook: c.webhook.clone(),
        max_series: c.budget.max_series,
    })
}

/// The settings of a command: the configuration file (`--config`, else the
/// default location if present) under the command line's flags.
fn settings(c: &Common, targets: &[String]) -> Result<Settings> {
    let flags = overrides(c, targets)?;
    let file = config::apply::choose_file(c.config.as_deref());
    config::load_settings(file.as_deref(), &flags).map_err(|e| anyhow::anyhow!("{e}"))
}

fn engine_options(
    c: &Common,
    s: &Settings,
    log: Option<String>,
    alert_log: bool,
) -> Result<EngineOptions> {
    let rc = config::reload::reconfig(
        s,
        config::reload::load_rule_files(&c.rules).map_err(|e| anyhow::anyhow!("{e}"))?,
        String::new(),
    );
    Ok(EngineOptions {
        interval: s.interval,
        retention: s.retention.max(s.interval * 10),
        exprs: c.exprs.clone(),
        alert_log: alert_log.then(|| {
            s.alert_log
                .clone()
                .unwrap_or_else(crate::alerts::log::default_path)
        }),
        log_path: log,
        for_override: None,
        rules: rc.rules,
        panels: rc.panels,
        detected_panels: rc.detected_panels,
        prometheus_url: prometheus_endpoint(c, s).map(|e| public_url(&e.url)),
        query_offset: Duration::ZERO,
        file_sd_errors: Default::default(),
        max_series: s.max_series,
    })
}

/// The client of `--prometheus URL`, with `--header`s and the timeout.
/// The server to read from: `--prometheus URL` (credentials only in its
/// URL), else the config file's `[prometheus]` with its credentials and TLS.
fn prometheus_endpoint(c: &Common, s: &Settings) -> Option<config::Endpoint> {
    match &c.prometheus {
        Some(url) => Some(config::Endpoint {
            url: url.clone(),
            timeout: None,
            auth: None,
        }),
        None => s.prometheus.clone(),
    }
}

fn remote_client(
    ep: &config::Endpoint,
    c: &Common,
    s: &Settings,
) -> Result<Arc<crate::promapi::PromClient>> {
    let opts = crate::promapi::PromOptions {
        timeout: ep.timeout.unwrap_or(s.timeout),
        headers: c.headers.clone(),
        auth: ep.auth.clone(),
        ..Default::default()
    };
    let client =
        crate::promapi::PromClient::new(&ep.url, opts).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Arc::new(client))
}

/// The server's URL without credentials (for `generatorURL`).
fn public_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string().trim_end_matches('/').to_string()
        }
        Err(_) => crate::net::redact_urls(url),
    }
}

/// Everything behind the screen: target discovery, scrapers and the engine.
struct Pipeline {
    frames: watch::Receiver<Arc<Frame>>,
    commands: mpsc::Sender<crate::frame::Command>,
    cancel: watch::Sender<bool>,
    sinks: Option<headless::Delivery>,
}

/// `exits`: a command without a screen (`snapshot`, `check`), whose
/// sinks deliver within a budget and are waited for.
async fn start_pipeline(
    c: &Common,
    s: &Settings,
    eopts: EngineOptions,
    exits: bool,
) -> Result<Pipeline> {
    let sopts = scrape_options(s)?;
    config::reload::check_file_sd(&s.file_sd).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (targets_tx, targets_rx) = watch::channel(s.targets.clone());
    let feed = config::reload::TargetFeed::start(targets_tx, s.targets.clone(), s.file_sd.clone());
    let client = scrape::build_client(&sopts).context("HTTP client")?;
    let (res_tx, res_rx) = mpsc::channel(1024);
    let (cancel_tx, cancel_rx) = watch::channel(false);
    tokio::spawn(scrape::run_scrapers(
        client,
        sopts,
        targets_rx.clone(),
        res_tx,
        cancel_rx.clone(),
    ));
    let (frames_tx, frames_rx) = watch::channel(Arc::new(Frame::default()));
    let (cmd_tx, cmd_rx) = mpsc::channel(64);
    let mut engine = Engine::new(EngineOptions {
        file_sd_errors: feed.sd_errors(),
        ..eopts
    });
    if let Some(file) = &s.file {
        let (req_tx, req_rx) = mpsc::channel(1);
        let (res_tx, res_rx) = mpsc::channel(4);
        let reloader = config::reload::Reloader {
            file: file.clone(),
            flags: s.flags.clone(),
            rule_files: c.rules.clone(),
            feed,
            current: s.clone(),
        };
        tokio::spawn(reloader.run(req_rx, res_tx));
        engine.connect_reload(engine::ReloadLink {
            requests: req_tx,
            results: res_rx,
        });
    } else {
        // The file_sd watcher lives as long as the engine's target list.
        tokio::spawn(feed.run_until_closed());
    }
    let sinks = headless::connect_sinks(&mut engine, s, exits);
    if let Some(ep) = prometheus_endpoint(c, s) {
        let client = remote_client(&ep, c, s)?;
        let plan = engine.connect_remote(client.url());
        let ch = engine::remote_run::RemoteChannels {
            commands: cmd_rx,
            frames: frames_tx,
            cancel: cancel_rx,
        };
        tokio::spawn(engine::remote_run::run(engine, client, plan, ch));
        return Ok(Pipeline {
            frames: frames_rx,
            commands: cmd_tx,
            cancel: cancel_tx,
            sinks,
        });
    }
    tokio::spawn(engine::run(
        engine,
        EngineChannels {
            results: res_rx,
            commands: cmd_rx,
            targets: targets_rx,
            frames: frames_tx,
            cancel: cancel_rx,
        },
    ));
    Ok(Pipeline {
        frames: frames_rx,
        commands: cmd_tx,
        cancel: cancel_tx,
        sinks,
    })
}

async fn dashboard(
    s: &Settings,
    c: &Common,
    log: Option<String>,
    title: String,
    fleet: Option<Fleet>,
) -> Result<i32> {
    let p = start_pipeline(c, s, engine_options(c, s, log.clone(), true)?, false).await?;
    let ui = crate::tui::UiOptions {
        fps: c.fps,
        ascii: c.ascii,
        no_color: c.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        theme: s.theme.clone(),
        log_path: log,
        config_path: s.file.as_ref().map(|p| p.display().to_string()),
        title,
        bell: c.bell || s.bell,
    };
    let result = crate::tui::run(p.frames, p.commands, ui).await;
    let _ = p.cancel.send(true);
    if let Some(f) = fleet {
        let _ = tokio::time::timeout(Duration::from_millis(500), f.shutdown()).await;
    }
    result.map(|()| 0)
}

fn default_duration(c: &Common, s: &Settings) -> Duration {
    let mut longest = rate_window(s.interval);
    let configured = s
        .panels
        .iter()
        .flat_map(|p| p.exprs.iter().map(|e| &e.expr));
    let rules = s.rules.iter().map(|r| match r {
        crate::alerts::rulefile::FileRule::Alerting(a) => &a.expr,
        crate::alerts::rulefile::FileRule::Recording(r) => &r.expr,
    });
    for e in c.exprs.iter().chain(configured).chain(rules) {
        if let Ok(expr) = crate::promql::parse(e) {
            longest = longest.max(Duration::from_millis(
                crate::promql::longest_range_ms(&expr).max(0) as u64,
            ));
        }
    }
    longest + s.interval
}

async fn snapshot(s: SnapshotArgs, log: Option<String>) -> Result<i32> {
    let settings = settings(&s.common, &s.targets)?;
    let duration = s.duration.unwrap_or_else(|| {
        match prometheus_endpoint(&s.common, &settings) {
            // The server already holds the history: one refresh is enough.
            Some(_) => Duration::ZERO,
            None => default_duration(&s.common, &settings),
        }
    });
    let (frame, sinks) = headless::collect(&settings, &s.common, log, duration, None).await?;
    match s.format {
        Format::Json => println!(
            "{}",
            crate::vocab::text::json(&serde_json::to_string_pretty(&crate::report::to_json(
                &frame
            ))?)
        ),
        Format::Text => print!("{}", crate::report::to_markdown(&frame)),
    }
    headless::finish(sinks, &frame).await;
    Ok(0)
}

async fn check(c: CheckArgs, log: Option<String>) -> Result<i32> {
    let s = settings(&c.common, &c.targets)?;
    let longest_for = c.for_override.unwrap_or_else(|| {
        s.rules
            .iter()
            .filter_map(|r| match r {
                crate::alerts::rulefile::FileRule::Alerting(a) => Some(a.for_),
                crate::alerts::rulefile::FileRule::Recording(_) => None,
            })
            .fold(Duration::from_secs(30), Duration::max)
    });
    let duration = c
        .duration
        .unwrap_or_else(|| match prometheus_endpoint(&c.common, &s) {
            // The rules are brought up to date from the server's history.
            Some(_) => Duration::ZERO,
            None => default_duration(&c.common, &s) + longest_for + s.interval,
        });
    let (frame, sinks) = headless::collect(&s, &c.common, log, duration, c.for_override).await?;
    let firing: Vec<_> = frame
        .alerts
        .iter()
        .filter(|a| a.state == AlertState::Firing)
        .collect();
    for a in &frame.alerts {
        if matches!(a.state, AlertState::Firing | AlertState::Pending) {
            println!(
                "{} {} [{}]{} {}",
                a.state.as_str().to_uppercase(),
                crate::vocab::text::one_line(&a.name),
                a.severity.as_str(),
                if a.stale { " (stale)" } else { "" },
                crate::vocab::text::one_line(&a.summary)
            );
        }
    }
    for t in frame.targets.iter().filter(|t| !t.up) {
        let error = t.error.as_deref().unwrap_or("unknown");
        let line = format!(
            "vitals: target {} is down: {}",
            t.url,
            crate::vocab::text::one_line(error)
        );
        eprintln!("{}", crate::vocab::text::for_terminal(&line));
    }
    headless::finish(sinks, &frame).await;
    if firing.is_empty() {
        println!("OK: no alert firing ({} targets)", frame.targets.len());
        Ok(0)
    } else {
        Ok(1)
    }
}

async fn demo(d: DemoArgs, log: Option<String>) -> Result<i32> {
    if !(d.speed > 0.0 && d.speed <= 1000.0) {
        bail!("--speed must be more than 0 and at most 1000");
    }
    let opts = DemoOptions {
        instances: d.instances as usize,
        speed: d.speed,
        scenario: match d.scenario {
            ScenarioArg::Incident => Scenario::Incident,
            ScenarioArg::Calm => Scenario::Calm,
        },
        dir: None,
    };
    let fleet = Fleet::start(opts)
        .await
        .context("starting the demo fleet")?;
    if d.no_ui {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        // A reader that goes away must not stop the fleet.
        let _ = writeln!(out, "file_sd: {}", fleet.file_sd_path().display());
        for t in fleet.targets() {
            let _ = writeln!(out, "target: {t}");
        }
        let _ = out.flush();
        drop(out);
        wait_for_termination().await;
        let _ = tokio::time::timeout(Duration::from_millis(500), fleet.shutdown()).await;
        return Ok(0);
    }
    let mut common = d.common;
    common.file_sd.push(fleet.file_sd_path().to_path_buf());
    let s = settings(&common, &[])?;
    dashboard(&s, &common, log, "vitals demo".into(), Some(fleet)).await
}

/// Waits for Ctrl-C, SIGTERM or SIGHUP.
async fn wait_for_termination() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).ok();
        let mut hup = signal(SignalKind::hangup()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match term.as_mut() { Some(s) => { s.recv().await; } None => std::future::pending().await } } => {}
            _ = async { match hup.as_mut() { Some(s) => { s.recv().await; } None => std::future::pending().await } } => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

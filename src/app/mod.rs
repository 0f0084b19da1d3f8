//! The application layer: the composition root. It turns the command
//! line's flags and the configuration into running parts — the target feed
//! and file_sd watcher, the scrapers, the reloader, the sinks, the engine
//! and its run loop, the terminal — and wires their channels. `cli.rs`
//! parses, calls one function here and prints; tests build pipelines the
//! same way ([`Pipeline::start`]).

mod config_cmd;
pub mod export_cmd;
pub mod flags;
mod headless;
pub mod manual;
pub mod recording;
pub mod replay_cmd;
mod scrape_args;

pub use config_cmd::check as config_check;
pub use flags::{settings, Flags};
pub use headless::{collect, collect_with, finish, Delivery, EXIT_BUDGET};
pub use scrape_args::scrape_options;

use crate::config::{self, Settings};
use crate::demo::Fleet;
use crate::detect::rate_window;
use crate::engine::{self, Engine, EngineChannels, EngineOptions, Feed, Replies};
use crate::frame::{Command, Frame};
use crate::promapi::feed::run_poller;
use crate::scrape;
use crate::vocab::paths::log_path;
use anyhow::{Context, Result};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// True when the numbers come from a server (`--prometheus` or the
/// configuration's `[prometheus]`).
pub fn reads_a_server(f: &Flags, s: &Settings) -> bool {
    prometheus_endpoint(f, s).is_some()
}

/// The engine's options from the flags and settings.
pub fn engine_options(
    f: &Flags,
    s: &Settings,
    log: Option<String>,
    alert_log: bool,
) -> Result<EngineOptions> {
    let rc = config::reload::reconfig(
        s,
        config::reload::load_rule_files(&f.rules).map_err(|e| anyhow::anyhow!("{e}"))?,
        String::new(),
    );
    Ok(EngineOptions {
        interval: s.interval,
        retention: s.retention.max(s.interval * 10),
        exprs: f.exprs.clone(),
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
        prometheus_url: prometheus_endpoint(f, s).map(|e| public_url(&e.url)),
        query_offset: Duration::ZERO,
        file_sd_errors: Default::default(),
        max_series: s.max_series,
        logged_states: Default::default(),
        grouping: rc.grouping,
    })
}

/// The server to read from: `--prometheus URL` (credentials only in its
/// URL), else the config file's `[prometheus]` with its credentials and TLS.
fn prometheus_endpoint(f: &Flags, s: &Settings) -> Option<config::Endpoint> {
    match &f.prometheus {
        Some(url) => Some(config::Endpoint {
            url: url.clone(),
            timeout: None,
            auth: None,
        }),
        None => s.prometheus.clone(),
    }
}

/// The client of the server, with `--header`s and the timeout.
fn server_client(
    ep: &config::Endpoint,
    f: &Flags,
    s: &Settings,
) -> Result<Arc<crate::promapi::PromClient>> {
    let opts = crate::promapi::PromOptions {
        timeout: ep.timeout.unwrap_or(s.timeout),
        headers: f.headers.clone(),
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
        Err(_) => crate::vocab::redact::redact_urls(url),
    }
}

/// Everything behind the screen: target discovery, scrapers (or the
/// server's client), the reloader, the sinks and the engine's run loop.
pub struct Pipeline {
    pub frames: watch::Receiver<Arc<Frame>>,
    pub commands: mpsc::Sender<Command>,
    /// Sending `true` stops the engine and the scrapers.
    pub cancel: watch::Sender<bool>,
    /// The sinks of a command that exits, to be waited for.
    pub sinks: Option<Delivery>,
    /// The recorder's thread (`--record`), to be waited for after `cancel`.
    pub recorder: Option<std::thread::JoinHandle<()>>,
}

impl Pipeline {
    /// Starts every part and wires them. `exits`: a command without a
    /// screen (`snapshot`, `check`), whose sinks deliver within a budget
    /// and are waited for.
    pub async fn start(
        f: &Flags,
        s: &Settings,
        eopts: EngineOptions,
        exits: bool,
    ) -> Result<Pipeline> {
        let server = prometheus_endpoint(f, s);
        let recorder = recording::start(s, &f.rules, &eopts, server.is_some())?;
        // Scraping's interval and timeout are checked; over a server the
        // timeout is the queries' own and may be longer than the interval.
        let sopts = match server {
            Some(_) => None,
            None => Some(scrape_options(s)?),
        };
        config::reload::check_file_sd(&s.file_sd).map_err(|e| anyhow::anyhow!("{e}"))?;
        let (targets_tx, targets_rx) = watch::channel(s.targets.clone());
        let feed =
            config::reload::TargetFeed::start(targets_tx, s.targets.clone(), s.file_sd.clone());
        let (frames_tx, frames_rx) = watch::channel(Arc::new(Frame::default()));
        let (cmd_tx, cmd_rx) = mpsc::channel(64);
        let (cancel_tx, cancel_rx) = watch::channel(false);
        // A catch-up with the server's history logs only what the alert
        // log does not hold yet.
        let logged_states = match (&server, &eopts.alert_log) {
            (Some(_), Some(path)) => crate::sinks::log::last_states(path),
            _ => Default::default(),
        };
        let mut engine = Engine::new(EngineOptions {
            file_sd_errors: feed.sd_errors(),
            logged_states,
            ..eopts
        });
        let mut replies = Replies::default();
        let (recorder, record_thread) = match recorder {
            Some(r) => {
                replies.record_errors = Some(r.errors);
                (Some(r.tx), r.thread)
            }
            None => (None, None),
        };
        if let Some(file) = &s.file {
            let (req_tx, req_rx) = mpsc::channel(1);
            let (res_tx, res_rx) = mpsc::channel(4);
            let reloader = config::reload::Reloader {
                file: file.clone(),
                flags: s.flags.clone(),
                rule_files: f.rules.clone(),
                feed,
                current: s.clone(),
            };
            tokio::spawn(reloader.run(req_rx, res_tx));
            engine.connect_reload(req_tx);
            replies.reloads = Some(res_rx);
        } else {
            // The file_sd watcher lives as long as the engine's target list.
            tokio::spawn(feed.run_until_closed());
        }
        let sinks = headless::connect_sinks(&mut engine, s, exits, &mut replies);
        let (writer, unavailable) = crate::sinks::log::Writer::open(engine.alert_log());
        if let Some(reason) = unavailable {
            engine.alert_log_unavailable(reason);
        }
        let writer = Some(crate::sinks::log::spawn_writer(writer));
        let ch = |feed| EngineChannels {
            feed,
            replies,
            writer,
            commands: cmd_rx,
            frames: frames_tx,
            cancel: cancel_rx.clone(),
            recorder,
        };
        if let Some(ep) = server {
            let client = server_client(&ep, f, s)?;
            let plan = engine.connect_remote(client.url());
            let clock = engine.clock();
            let (tx, rx) = mpsc::channel(4);
            let ch = ch(Feed::Server(rx));
            let cancel = cancel_rx.clone();
            on_own_thread(async move {
                let batching = !exits;
                let poller = tokio::spawn(run_poller(client, clock, plan, tx, cancel, batching));
                engine::run(engine, ch).await;
                poller.abort();
            });
        } else if let Some(sopts) = sopts {
            let client = scrape::build_client(&sopts).context("HTTP client")?;
            let (res_tx, res_rx) = mpsc::channel(1024);
            tokio::spawn(scrape::run_scrapers(
                client,
                sopts,
                targets_rx.clone(),
                res_tx,
                cancel_rx.clone(),
            ));
            let feed = Feed::Scrapes {
                results: res_rx,
                targets: targets_rx,
            };
            tokio::spawn(engine::run(engine, ch(feed)));
        }
        Ok(Pipeline {
            frames: frames_rx,
            commands: cmd_tx,
            cancel: cancel_tx,
            sinks,
            recorder: record_thread,
        })
    }
}

/// Runs the engine and the poller over a server on a thread of their own
/// with a single-threaded runtime: a refresh's requests, their
/// connections, the answers and the engine's tick then stay on one thread,
/// instead of waking the shared runtime's other worker for each answer and
/// again for the engine (most of the process's CPU over a fast server went
/// to those wake-ups). Only the frame crosses to the screen's thread.
fn on_own_thread(task: impl std::future::Future<Output = ()> + Send + 'static) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::warn!("no runtime of its own for the engine ({e}): sharing the main one");
            tokio::spawn(task);
            return;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("vitals-engine".into())
        .spawn(move || rt.block_on(task));
    if let Err(e) = spawned {
        tracing::error!("cannot start the engine thread: {e}");
    }
}

/// The dashboard over `s` until the user quits; `fleet` (the demo's) is
/// shut down after.
pub async fn dashboard(
    f: &Flags,
    s: &Settings,
    log: Option<String>,
    title: String,
    fleet: Option<Fleet>,
) -> Result<i32> {
    let eopts = engine_options(f, s, log.clone(), true)?;
    let p = Pipeline::start(f, s, eopts, false).await?;
    let ui = crate::tui::UiOptions {
        fps: f.fps,
        ascii: f.ascii,
        no_color: f.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        theme: s.theme.clone(),
        log_path: log,
        config_path: s.file.as_ref().map(|p| p.display().to_string()),
        title,
        bell: f.bell || s.bell,
    };
    let result = crate::tui::run(p.frames, p.commands, ui).await;
    let _ = p.cancel.send(true);
    crate::record::drain(p.recorder, Duration::from_secs(2)).await;
    if let Some(fleet) = fleet {
        let _ = tokio::time::timeout(Duration::from_millis(500), fleet.shutdown()).await;
    }
    result.map(|()| 0)
}

/// How long `snapshot` collects by default: the longest range in any
/// expression plus one interval; over a server, one refresh.
pub fn snapshot_duration(f: &Flags, s: &Settings) -> Duration {
    if reads_a_server(f, s) {
        // The server already holds the history.
        return Duration::ZERO;
    }
    longest_range(f, s) + s.interval
}

/// How long `check` collects by default: as `snapshot`, plus the longest
/// `for` (at least 30 s) and one more interval; over a server, one refresh
/// (the rules are brought up to date from its history).
pub fn check_duration(f: &Flags, s: &Settings, for_override: Option<Duration>) -> Duration {
    if reads_a_server(f, s) {
        return Duration::ZERO;
    }
    let longest_for = for_override.unwrap_or_else(|| {
        s.rules
            .iter()
            .filter_map(|r| match r {
                crate::alerts::rulefile::FileRule::Alerting(a) => Some(a.for_),
                crate::alerts::rulefile::FileRule::Recording(_) => None,
            })
            .fold(Duration::from_secs(30), Duration::max)
    });
    longest_range(f, s) + s.interval + longest_for + s.interval
}

/// The longest range of any expression (at least the rate window).
fn longest_range(f: &Flags, s: &Settings) -> Duration {
    let mut longest = rate_window(s.interval);
    let configured = s
        .panels
        .iter()
        .flat_map(|p| p.exprs.iter().map(|e| &e.expr));
    let rules = s.rules.iter().map(|r| match r {
        crate::alerts::rulefile::FileRule::Alerting(a) => &a.expr,
        crate::alerts::rulefile::FileRule::Recording(r) => &r.expr,
    });
    for e in f.exprs.iter().chain(configured).chain(rules) {
        if let Ok(expr) = crate::promql::parse(e) {
            longest = longest.max(Duration::from_millis(
                crate::promql::longest_range_ms(&expr).max(0) as u64,
            ));
        }
    }
    longest
}

/// Diagnostics go to [`log_path`] (`VITALS_LOG` sets the level); returns
/// the path when the log could be opened.
pub fn init_logging() -> Option<String> {
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

/// The runtime every command runs on: two worker threads.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// Waits for Ctrl-C, SIGTERM or SIGHUP.
/// `vitals demo --no-ui`: prints `file_sd: PATH` and `target: URL` lines,
/// then `phase: NAME seed=NNN` as each scenario phase starts, and serves
/// the fleet until a termination signal. A reader that goes away does not
/// stop the fleet.
pub async fn serve_fleet(fleet: Fleet) {
    use std::io::Write;
    let print = |lines: &[String]| {
        let mut out = std::io::stdout().lock();
        for l in lines {
            let _ = writeln!(out, "{l}");
        }
        let _ = out.flush();
    };
    let mut lines = vec![format!("file_sd: {}", fleet.file_sd_path().display())];
    lines.extend(fleet.targets().into_iter().map(|t| format!("target: {t}")));
    print(&lines);
    let mut since = None;
    let stop = wait_for_termination();
    tokio::pin!(stop);
    loop {
        print(&fleet.phase_lines(&mut since));
        tokio::select! {
            _ = &mut stop => break,
            _ = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    }
    let _ = tokio::time::timeout(Duration::from_millis(500), fleet.shutdown()).await;
}

pub async fn wait_for_termination() {
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

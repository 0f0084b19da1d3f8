//! `vitals replay PATH` and `snapshot`/`check --from PATH --at TIME`: the
//! engine over a recording, with the recorded configuration unless
//! `--config`, `--rules` or `--expr` say otherwise.

use crate::config::{self, Overrides};
use crate::engine::replay::Player;
use crate::engine::EngineOptions;
use crate::frame::Frame;
use crate::record::{ConfigRecord, Event, Recording};
use anyhow::{anyhow, Result};
use clap::Args;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// `vitals replay`'s arguments.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// The recording: the --record folder (or one of its *.vrec segments).
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    #[command(flatten)]
    pub eval: EvalFlags,
    /// Colour theme: dark, light, high-contrast, colorblind, mono [default: dark].
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// No colour at all (the NO_COLOR environment variable does the same).
    #[arg(long = "no-color")]
    pub no_color: bool,
    /// Draw without braille or box-drawing characters.
    #[arg(long)]
    pub ascii: bool,
    /// Maximum redraws per second.
    #[arg(long, value_name = "N", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=120))]
    pub fps: u32,
}

/// What a replay evaluates, when not what was recorded.
#[derive(Args, Debug, Default, Clone)]
pub struct EvalFlags {
    /// Panels and rules from this configuration file instead of the recorded one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Prometheus rule files instead of the recorded ones (repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// More ad hoc panels (repeatable).
    #[arg(long = "expr", value_name = "PROMQL")]
    pub exprs: Vec<String>,
}

/// `snapshot --from PATH --at TIME` and `check --from PATH --at TIME`.
#[derive(Args, Debug, Default, Clone)]
pub struct FromArgs {
    /// Evaluate an instant of a recording instead of scraping: the --record folder or a segment.
    #[arg(long, value_name = "PATH")]
    pub from: Option<PathBuf>,
    /// The instant (with --from): RFC 3339, HH:MM[:SS] on the recording's day (local time), or back from its end (-30s) [default: the end].
    #[arg(long, value_name = "TIME", requires = "from")]
    pub at: Option<String>,
}

/// Opens a recording: every problem is one line.
pub fn open(path: &Path) -> Result<Recording> {
    Recording::open(path).map_err(|e| anyhow!("{e}"))
}

/// The engine's options for replaying `rec`.
pub fn options(rec: &Recording, f: &EvalFlags) -> Result<EngineOptions> {
    let recorded = rec
        .events()
        .take(4)
        .find_map(|e| match e {
            Event::Config(c) => Some(c),
            _ => None,
        })
        .unwrap_or_else(|| ConfigRecord {
            interval_ms: 2000,
            retention_ms: 3_600_000,
            ..Default::default()
        });
    let interval = Duration::from_millis(recorded.interval_ms.max(100));
    let overrides = Overrides {
        interval: Some(interval),
        retention: Some(Duration::from_millis(recorded.retention_ms)),
        ..Default::default()
    };
    let s = match (&f.config, &recorded.config) {
        (Some(p), _) => config::load_settings(Some(p), &overrides).map_err(|e| anyhow!("{e}"))?,
        (None, Some(c)) => {
            let cfg = config::parse(Path::new(&c.path), &c.text).unwrap_or_else(|e| {
                tracing::warn!("the recorded configuration does not load: {e}");
                Default::default()
            });
            config::apply::resolve(None, &cfg, &overrides)
        }
        (None, None) => config::apply::resolve(None, &Default::default(), &overrides),
    };
    let rules = if f.rules.is_empty() {
        let mut rules = Vec::new();
        for r in &recorded.rules {
            rules.extend(
                crate::alerts::rulefile::parse(&r.path, &r.text)
                    .map_err(|e| anyhow!("recorded rules: {e}"))?,
            );
        }
        rules
    } else {
        config::reload::load_rule_files(&f.rules).map_err(|e| anyhow!("{e}"))?
    };
    for e in &f.exprs {
        crate::promql::parse(e).map_err(|err| anyhow!("--expr: {err}"))?;
    }
    let rc = config::reload::reconfig(&s, rules, String::new());
    Ok(EngineOptions {
        interval,
        retention: s.retention,
        exprs: recorded.exprs.iter().chain(&f.exprs).cloned().collect(),
        rules: rc.rules,
        panels: rc.panels,
        detected_panels: rc.detected_panels,
        grouping: rc.grouping,
        max_series: if recorded.max_series > 0 {
            recorded.max_series
        } else {
            s.max_series
        },
        ..Default::default()
    })
}

/// The frame of the recording at `at` (default: its end), as the
/// dashboard showed it then (`snapshot`/`check --from`).
pub fn frame_at(
    path: &Path,
    at: Option<&str>,
    f: &EvalFlags,
    for_override: Option<Duration>,
) -> Result<Frame> {
    let rec = open(path)?;
    let mut opts = options(&rec, f)?;
    opts.for_override = for_override;
    let mut player = Player::new(rec, opts);
    player.pause();
    player.load_index();
    let t = match at {
        Some(spec) => {
            crate::record::timespec::parse_at(spec, player.start_ms(), player.end_ms(), false)
                .map_err(|e| anyhow!("--at {e}"))?
        }
        None => player.end_ms(),
    };
    if t < player.start_ms() || t > player.end_ms() {
        let span = |ms| crate::vocab::time::rfc3339_s(ms);
        return Err(anyhow!(
            "--at: {} is outside the recording ({} to {})",
            span(t),
            span(player.start_ms()),
            span(player.end_ms())
        ));
    }
    player.seek(t);
    let frame = player.frame();
    if let Some(m) = frame.replay.as_ref().and_then(|r| r.message.clone()) {
        tracing::warn!("{m}");
        #[allow(clippy::print_stderr)]
        {
            eprintln!("vitals: {}", crate::vocab::text::for_terminal(&m));
        }
    }
    Ok(frame)
}

/// `vitals replay PATH`: the dashboard over the recording.
pub async fn replay(a: ReplayArgs, log: Option<String>) -> Result<i32> {
    let rec = open(&a.path)?;
    let opts = options(&rec, &a.eval)?;
    let player = Player::new(rec, opts);
    let (frames_tx, frames_rx) = watch::channel(Arc::new(Frame::default()));
    let (cmd_tx, cmd_rx) = mpsc::channel(64);
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let engine = std::thread::Builder::new()
        .name("vitals-replay".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(crate::engine::replay::run(
                    player, cmd_rx, frames_tx, cancel_rx,
                ));
            }
        })?;
    let ui = crate::tui::UiOptions {
        fps: a.fps,
        ascii: a.ascii,
        no_color: a.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        theme: a
            .theme
            .unwrap_or_else(|| config::apply::DEFAULT_THEME.into()),
        log_path: log,
        config_path: a.eval.config.as_ref().map(|p| p.display().to_string()),
        title: "vitals replay".into(),
        bell: false,
    };
    let result = crate::tui::run(frames_rx, cmd_tx, ui).await;
    let _ = cancel_tx.send(true);
    // A long seek may still be running: the process does not wait for it
    // (it writes nothing but a note, which is written as it is typed).
    drop(engine);
    result.map(|()| 0)
}

impl From<&crate::app::Flags> for EvalFlags {
    /// `snapshot`/`check --from` take `--config`, `--rules` and `--expr`
    /// from their usual flags.
    fn from(f: &crate::app::Flags) -> EvalFlags {
        EvalFlags {
            config: f.config.clone(),
            rules: f.rules.clone(),
            exprs: f.exprs.clone(),
        }
    }
}

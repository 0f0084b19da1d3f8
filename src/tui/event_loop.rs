//! The event loop: frames from the engine, keys and resizes from the
//! terminal, signals from the system. It draws only when something changed
//! (a new frame, a key that changed the view, a resize, data turning stale)
//! and at most `fps` times a second; ratatui sends only the changed cells.

use super::status::stale_age_ms;
use super::terminal::Tui;
use super::view::{KeyOutcome, View};
use super::UiOptions;
use crate::frame::{Command, Frame};
use crate::theme::Theme;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::{Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::layout::Rect;
use ratatui::Terminal;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// Why the loop ended without an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// `q` or Ctrl-C.
    Quit,
    /// SIGTERM, SIGINT, or SIGHUP once the terminal is gone.
    Signal,
}

/// How a loop ended, and how many times it drew.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub end: End,
    pub draws: u64,
}

/// Sets up the terminal, runs the loop until quit, and restores the
/// terminal on every exit path (see [`super::terminal`]).
pub async fn run(
    frames: watch::Receiver<Arc<Frame>>,
    commands: mpsc::Sender<Command>,
    opts: UiOptions,
) -> anyhow::Result<()> {
    let theme = Theme::load(&opts.theme, opts.no_color)?;
    let view = View {
        ascii: opts.ascii,
        title: opts.title.clone(),
        log_path: opts.log_path.clone(),
        config_path: opts.config_path.clone(),
        // Read once here, outside rendering, for `t`.
        local_offset_s: chrono::Local::now().offset().local_minus_utc(),
        alerts: super::alerts_keys::AlertsView {
            bell: opts.bell,
            ..Default::default()
        },
        ..View::default()
    };
    let signals = shutdown_signal(commands.clone());
    let mut tui = Tui::enter()?;
    let shutdown = std::pin::pin!(async {
        tokio::select! {
            () = signals => {}
            () = super::terminal::panicked() => {}
        }
    });
    let events = EventStream::new();
    let clock = || chrono::Utc::now().timestamp_millis();
    let result = drive(
        &mut tui.terminal,
        events,
        frames,
        commands,
        &theme,
        view,
        opts.fps,
        shutdown,
        clock,
    )
    .await;
    drop(tui);
    if super::terminal::did_panic() {
        anyhow::bail!("the dashboard stopped after a panic (message above)");
    }
    match result {
        Ok(outcome) => {
            tracing::info!(?outcome, "dashboard closed");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Listens for SIGTERM, SIGHUP and SIGINT. The handlers are installed when
/// this is called, before the terminal changes mode, so no signal can end
/// the process with the terminal left raw; the returned future resolves on
/// SIGTERM, SIGINT, or a SIGHUP whose terminal is gone (the SSH session
/// dropped). A SIGHUP while the terminal is still there asks the engine to
/// reload the configuration, as daemons do.
fn shutdown_signal(commands: mpsc::Sender<Command>) -> impl Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut streams = Vec::new();
        for kind in [SignalKind::terminate(), SignalKind::interrupt()] {
            match signal(kind) {
                Ok(s) => streams.push(s),
                Err(e) => tracing::warn!("cannot listen for signal {kind:?}: {e}"),
            }
        }
        let mut hangup = signal(SignalKind::hangup())
            .map_err(|e| tracing::warn!("cannot listen for SIGHUP: {e}"))
            .ok();
        async move {
            loop {
                let others = async {
                    if streams.is_empty() {
                        std::future::pending::<()>().await;
                    }
                    let waits = streams.iter_mut().map(|s| Box::pin(s.recv()));
                    let _ = futures_util::future::select_all(waits).await;
                };
                let hup = async {
                    match hangup.as_mut() {
                        Some(h) => h.recv().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    () = others => return,
                    _ = hup => {
                        if !terminal_present() {
                            return;
                        }
                        tracing::info!("SIGHUP with the terminal present: reloading");
                        if let Err(e) = commands.try_send(Command::Reload) {
                            tracing::warn!("reload not sent to the engine: {e}");
                        }
                    }
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        drop(commands);
        async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Whether the controlling terminal is still usable: after a hangup the
/// kernel fails every terminal request on it (`isatty` sees `EIO`).
#[cfg(unix)]
fn terminal_present() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() || std::io::stdin().is_terminal()
}

/// The loop itself, over any backend and event source (tests drive it with
/// `TestBackend` and a channel). `clock` gives the wall clock in ms; it is
/// read only to tell how old the data is.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn drive<B, E, S, C>(
    terminal: &mut Terminal<B>,
    mut events: E,
    mut frames: watch::Receiver<Arc<Frame>>,
    commands: mpsc::Sender<Command>,
    theme: &Theme,
    mut view: View,
    fps: u32,
    mut shutdown: std::pin::Pin<&mut S>,
    clock: C,
) -> anyhow::Result<Outcome>
where
    B: Backend + RawOut + super::alerts_bell::Bell,
    B::Error: Send + Sync + 'static,
    E: Stream<Item = std::io::Result<Event>> + Unpin,
    S: Future<Output = ()>,
    C: Fn() -> i64,
{
    let gap = Duration::from_secs(1) / fps.clamp(1, 1000);
    let mut theme = theme.clone();
    // `frame` is what the view shows; `latest` what the engine last
    // published. They differ only while paused.
    let mut latest = frames.borrow_and_update().clone();
    let mut frame = latest.clone();
    let mut dirty = true;
    let mut draws = 0u64;
    let mut last_draw: Option<Instant> = None;
    let mut area = terminal
        .size()
        .map(|s| Rect::new(0, 0, s.width, s.height))
        .unwrap_or_default();
    let mut showing_stale = false;
    let mut table_window: Vec<String> = Vec::new();
    let mut reload_theme = latest.theme.as_ref().map(|(n, _)| *n);
    let mut chart_width = 0u16;
    let mut table_rank = None;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let now = Instant::now();
        if dirty && last_draw.is_none_or(|t| now >= t + gap) {
            view.now_ms = Some(clock());
            showing_stale = stale_age_ms(&frame, &view).is_some();
            let completed = terminal
                .draw(|f| super::render(&frame, &view, &theme, f.area(), f.buffer_mut()))
                .map_err(|e| anyhow::anyhow!("cannot draw to the terminal: {e}"))?;
            area = completed.area;
            draws += 1;
            if frame.server.is_some() {
                // Over a server, the rows in sight get their values by name.
                let w = super::table_window(&frame, &view, area);
                if w != table_window {
                    if let Err(e) = commands.try_send(Command::TableWindow(w.clone())) {
                        tracing::debug!("table window not sent to the engine: {e}");
                    } else {
                        table_window = w;
                    }
                }
                // Sorted by a value, that column is ranked past the rows in sight
                let rank = super::table_rank(&frame, &view, area);
                if rank != table_rank && commands.try_send(Command::TableRank(rank)).is_ok() {
                    table_rank = rank;
                }
                // and the charts' step follows their width.
                let w = super::chart_width(&frame, &view, area);
                if w != 0 && w != chart_width && commands.try_send(Command::ChartWidth(w)).is_ok() {
                    chart_width = w;
                }
            }
            dirty = false;
            last_draw = Some(now);
        }
        let wake = if dirty {
            last_draw.map(|t| t + gap)
        } else {
            None
        };
        tokio::select! {
            biased;
            () = &mut shutdown => return Ok(Outcome { end: End::Signal, draws }),
            ev = events.next() => match ev {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    match view.on_key(key, &frame, area) {
                        KeyOutcome::Quit => return Ok(Outcome { end: End::Quit, draws }),
                        KeyOutcome::Redraw => dirty = true,
                        KeyOutcome::Ignored => {}
                        KeyOutcome::Send(cmd) => {
                            if let Err(e) = commands.try_send(cmd) {
                                tracing::warn!("command not sent to the engine: {e}");
                                view.message = Some(format!("not sent to the engine: {e}"));
                            }
                            dirty = true;
                        }
                        KeyOutcome::Export(path) => {
                            let dir = crate::vocab::paths::state_dir();
                            let env = super::export::TermEnv::from_env();
                            view.message = Some(
                                match super::export::export(&frame, path.as_deref(), &dir, clock(), &env) {
                                    Ok(done) => {
                                        if let Some(seq) = &done.osc52 {
                                            if let Err(e) = terminal.backend_mut().write_raw(seq.as_bytes()) {
                                                tracing::warn!("clipboard sequence not sent: {e}");
                                            }
                                        }
                                        tracing::info!(path = %done.path.display(), "exported");
                                        done.message
                                    }
                                    Err(e) => e,
                                },
                            );
                            dirty = true;
                        }
                        KeyOutcome::SetTheme(name) => {
                            view.message = Some(switch_theme(&mut theme, &name));
                            dirty = true;
                        }
                    }
                    if !view.paused && !Arc::ptr_eq(&frame, &latest) {
                        // Unpaused: jump to the newest frame.
                        frame = latest.clone();
                        view.clamp(&frame);
                        dirty = true;
                    }
                }
                Some(Ok(Event::Paste(text))) => {
                    if view.on_paste(&text) == KeyOutcome::Redraw {
                        dirty = true;
                    }
                }
                Some(Ok(Event::Mouse(m))) => {
                    if view.on_mouse(m, &frame, area) == KeyOutcome::Redraw {
                        dirty = true;
                    }
                }
                Some(Ok(Event::Resize(w, h))) => {
                    area = Rect::new(0, 0, w, h);
                    dirty = true;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => anyhow::bail!("cannot read the terminal: {e}"),
                None => anyhow::bail!("the terminal closed its input"),
            },
            changed = frames.changed() => match changed {
                Ok(()) => {
                    latest = frames.borrow_and_update().clone();
                    // A reload that changed the file's theme: applied once.
                    if let Some((n, name)) = &latest.theme {
                        if reload_theme != Some(*n) {
                            reload_theme = Some(*n);
                            view.message = Some(switch_theme(&mut theme, name));
                            dirty = true;
                        }
                    }
                    super::alerts_bell::ring(&mut view.alerts, &latest, terminal.backend_mut());
                    if !view.paused {
                        frame = latest.clone();
                        view.clamp(&frame);
                        dirty = true;
                    } else if !Arc::ptr_eq(&frame.notes, &latest.notes)
                        && frame.notes != latest.notes
                    {
                        // Paused: a note added since shows on the held frame.
                        let mut held = Frame::clone(&frame);
                        held.notes = Arc::clone(&latest.notes);
                        frame = Arc::new(held);
                        dirty = true;
                    }
                }
                Err(_) => anyhow::bail!("the engine stopped publishing frames"),
            },
            () = sleep_until_opt(wake) => {}
            _ = tick.tick(), if !view.paused => {
                let mut probe = view.clone();
                probe.now_ms = Some(clock());
                let stale = stale_age_ms(&frame, &probe).is_some();
                // While stale the age on screen changes every second.
                if stale || stale != showing_stale {
                    dirty = true;
                }
            }
        }
    }
}

/// Bytes for the terminal outside the screen buffer (the OSC 52 clipboard
/// sequence), written between draws.
pub(crate) trait RawOut {
    fn write_raw(&mut self, bytes: &[u8]) -> std::io::Result<()>;
}

impl<W: std::io::Write> RawOut for ratatui::backend::CrosstermBackend<W> {
    fn write_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        std::io::Write::write_all(self, bytes)?;
        std::io::Write::flush(self)
    }
}

impl RawOut for ratatui::backend::TestBackend {
    fn write_raw(&mut self, _bytes: &[u8]) -> std::io::Result<()> {
        Ok(())
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
#[path = "event_loop_tests.rs"]
mod tests;

/// Loads theme `name` in place of `theme` (keeping `--no-color`); what to
/// say on the message line.
fn switch_theme(theme: &mut Theme, name: &str) -> String {
    match Theme::load(name, theme.is_no_color()) {
        Ok(t) => {
            *theme = t;
            format!("theme {name}")
        }
        Err(e) => {
            let e = format!("{e:#}");
            format!("theme {name}: {}", e.lines().next().unwrap_or(""))
        }
    }
}

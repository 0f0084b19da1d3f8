//! The commands that run without a screen and exit (`snapshot`, `check`):
//! collecting the frame at the end of the run, and delivering what fired
//! to every configured sink before the process ends — or saying on stderr,
//! one line per sink, what could not be delivered and why.

use super::{engine_options, prometheus_endpoint, Flags, Pipeline};
use crate::alerts::notify::RESEND_DELAY;
use crate::config::Settings;
use crate::engine::{self, Engine, EngineOptions, Replies};
use crate::frame::Frame;
use crate::sinks::delivery::{self as sinks, Retry, SinkOptions};
use anyhow::{bail, Result};
use std::io::Write;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long a command that exits gives each sink, unless the sink's
/// `timeout` says otherwise.
pub const EXIT_BUDGET: Duration = Duration::from_secs(5);

/// The sinks of a command that exits, still delivering.
pub struct Delivery {
    running: sinks::Running,
    limit: Duration,
}

/// Starts the notification sinks the settings name and connects the
/// engine to them: each sink its own task and queue. A command that
/// `exits` gives each batch at most the sink's `timeout` (default
/// [`EXIT_BUDGET`]) and gets the [`Delivery`] to wait for; the dashboard
/// retries with [`Retry::DASHBOARD`] and also connects Alertmanager
/// silences and its alert list.
/// What the sinks and Alertmanager send back go into `replies`.
pub(super) fn connect_sinks(
    engine: &mut Engine,
    s: &Settings,
    exits: bool,
    replies: &mut Replies,
) -> Option<Delivery> {
    if !exits {
        if let Some(am) = &s.alertmanager {
            let link = crate::sinks::alertmanager::spawn(&am.url, am.auth.clone(), s.interval);
            engine.connect_alertmanager(link.requests);
            replies.silences = Some(link.replies);
            replies.held = Some(link.held);
        }
    }
    if s.alertmanager.is_none() && s.webhook.is_none() {
        return None;
    }
    let budget = |e: &Option<crate::config::Endpoint>| {
        e.as_ref().and_then(|e| e.timeout).unwrap_or(EXIT_BUDGET)
    };
    let limit = budget(&s.alertmanager).max(budget(&s.webhook));
    let opts = SinkOptions {
        alertmanager: s.alertmanager.as_ref().map(|e| e.url.clone()),
        webhook: s.webhook.as_ref().map(|e| e.url.clone()),
        resend_delay: RESEND_DELAY,
        alertmanager_auth: s.alertmanager.as_ref().and_then(|e| e.auth.clone()),
        webhook_auth: s.webhook.as_ref().and_then(|e| e.auth.clone()),
        alertmanager_timeout: s.alertmanager.as_ref().and_then(|e| e.timeout),
        webhook_timeout: s.webhook.as_ref().and_then(|e| e.timeout),
    };
    let (tx, rx) = mpsc::channel(256);
    let (report_tx, report_rx) = mpsc::channel(16);
    let retry = if exits {
        Retry::exiting(limit)
    } else {
        Retry::DASHBOARD
    };
    let running = sinks::start(&opts, retry, rx, report_tx);
    replies.sink_reports = Some(report_rx);
    engine.connect_sinks(engine::SinkLink {
        tx,
        resend_delay: RESEND_DELAY,
        alertmanager: opts.alertmanager.is_some(),
        webhook: opts.webhook.is_some(),
    });
    if exits {
        Some(Delivery {
            running,
            // The last batch may have been queued just before the end.
            limit: limit + Duration::from_secs(1),
        })
    } else {
        tokio::spawn(running.join());
        None
    }
}

/// Runs the pipeline without a screen for `duration`, returning the frame
/// evaluated at (or just after) the end, and the sinks still delivering
/// what it fired.
pub async fn collect(
    s: &Settings,
    f: &Flags,
    log: Option<String>,
    duration: Duration,
    for_override: Option<Duration>,
) -> Result<(Frame, Option<Delivery>)> {
    let mut eopts = engine_options(f, s, log, s.alert_log.is_some())?;
    eopts.for_override = for_override;
    collect_with(f, s, eopts, duration).await
}

/// [`collect`] with the engine's options given: scraping, the first frame
/// at least `duration` after the start; over a server, the first frame of
/// a refresh made at least `duration` after the start (the alert rules
/// brought up to date from its history first). A server that cannot be
/// read at all is an error (one line).
pub async fn collect_with(
    f: &Flags,
    s: &Settings,
    eopts: EngineOptions,
    duration: Duration,
) -> Result<(Frame, Option<Delivery>)> {
    let server = prometheus_endpoint(f, s).is_some();
    if server && s.targets_from_flags {
        bail!("--prometheus reads every series from the server: give no targets or --file-sd");
    }
    if !server && s.targets.is_empty() && s.file_sd.is_empty() {
        bail!("no targets: give TARGET arguments (host:port or URL), --file-sd PATH, [[target]] in the config file or --prometheus URL");
    }
    for e in &f.exprs {
        crate::promql::parse(e).map_err(|err| anyhow::anyhow!("--expr: {err}"))?;
    }
    let mut p = Pipeline::start(f, s, eopts, true).await?;
    let mut end = None;
    let frame = loop {
        if p.frames.changed().await.is_err() {
            bail!("the engine stopped unexpectedly");
        }
        let frame = p.frames.borrow_and_update().clone();
        // The first frame is the start, on the engine's clock.
        let end = *end.get_or_insert(frame.time_ms + duration.as_millis() as i64);
        match &frame.server {
            None if frame.time_ms >= end => break frame,
            None => {}
            Some(st) if st.data_ms.is_some_and(|d| d >= end) => break frame,
            // Never answered, or the refresh due at the end failed.
            Some(st) if st.data_ms.is_none() || frame.time_ms >= end => {
                if let Some(e) = &st.error {
                    let _ = p.cancel.send(true);
                    bail!("{e}");
                }
            }
            Some(_) => {}
        }
    };
    // Ends the engine, and with it the engine's end of the sinks.
    let _ = p.cancel.send(true);
    crate::record::drain(p.recorder, Duration::from_secs(2)).await;
    Ok(((*frame).clone(), p.sinks))
}

/// Waits for the sinks to deliver (each within its budget) and writes one
/// stderr line per sink that could not, and one if the alert log could
/// not be written. Returns the lines written.
pub async fn finish(delivery: Option<Delivery>, frame: &Frame) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(d) = delivery {
        for o in d.running.finish(d.limit).await {
            if let Some(p) = o.problem() {
                lines.push(format!("vitals: could not notify {p}"));
            }
        }
    }
    if let Some(e) = &frame.alert_log_error {
        lines.push(format!("vitals: {e}"));
    }
    let mut err = std::io::stderr().lock();
    for l in &lines {
        let _ = writeln!(err, "{}", crate::net::redact_urls(l));
    }
    lines
}

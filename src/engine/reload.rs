//! Configuration reload, the engine's side: `r` (and SIGHUP) ask the
//! reloader task to re-read the file; what it sends back is applied here
//! without touching the store, so every series keeps its history, panels
//! whose expressions did not change keep their charts and rules that did
//! not change keep their alert state. A file that fails to load changes
//! nothing and is reported in the notice line.

use super::{recording, Engine};
use crate::alerts::rulefile::FileRule;
use crate::config::reload::Reconfig;
use tokio::sync::mpsc;

/// How long a "reloaded" notice stays on screen.
pub const RELOADED_NOTICE_MS: i64 = 10_000;

pub(super) struct ReloadState {
    /// Asks the reloader; a full channel means a reload is on its way.
    requests: mpsc::Sender<()>,
    /// The "reloaded" notice on screen and when it goes.
    shown: Option<(String, Option<i64>)>,
}

impl Engine {
    /// Connects the reloader: from now on `r` and SIGHUP ask it to reload
    /// the file. Its answers come through the run loop ([`Engine::reloaded`]).
    pub fn connect_reload(&mut self, requests: mpsc::Sender<()>) {
        self.reload = Some(ReloadState {
            requests,
            shown: None,
        });
    }

    /// `Command::Reload`: asks the reloader, or says there is nothing to reload.
    pub(super) fn request_reload(&mut self) {
        match &self.reload {
            Some(r) => {
                if let Err(mpsc::error::TrySendError::Closed(_)) = r.requests.try_send(()) {
                    self.notice = Some("reload: the configuration reloader stopped".into());
                }
            }
            None => self.notice = Some("reload: no configuration file in use".into()),
        }
    }

    /// The reloader's answer: the new configuration is applied (without
    /// touching the store), or the reason it was refused is shown. `now_ms`
    /// is when it arrived: a "reloaded" notice goes ten seconds later.
    pub fn reloaded(&mut self, result: Result<Reconfig, String>, now_ms: i64) {
        let (text, until) = match result {
            Ok(cfg) => {
                let text = cfg.message.clone();
                self.reconfigure(cfg);
                (text, Some(now_ms + RELOADED_NOTICE_MS))
            }
            Err(e) => (e, None),
        };
        self.notice = Some(text.clone());
        if let Some(r) = &mut self.reload {
            r.shown = Some((text, until));
        }
    }

    /// Clears a "reloaded" notice whose time is up.
    pub(super) fn expire_reload_notice(&mut self, now_ms: i64) {
        if let Some(r) = &mut self.reload {
            if let Some((text, Some(until))) = &r.shown {
                if now_ms >= *until {
                    if self.notice.as_ref() == Some(text) {
                        self.notice = None;
                    }
                    r.shown = None;
                }
            }
        }
    }

    /// Replaces the configured panels and rules, and the retention and
    /// theme when they changed. The store is untouched; unchanged panels
    /// keep their chart history and unchanged rules their alert state.
    pub fn reconfigure(&mut self, cfg: Reconfig) {
        let recording = |rules: &[FileRule]| -> Vec<FileRule> {
            rules
                .iter()
                .filter(|r| matches!(r, FileRule::Recording(_)))
                .cloned()
                .collect()
        };
        if recording(&self.opts.rules) != recording(&cfg.rules) {
            self.recording = recording::runtimes(&cfg.rules);
        }
        if let Some(name) = cfg.theme {
            let n = self.theme_request.as_ref().map_or(1, |(n, _)| n + 1);
            self.theme_request = Some((n, name));
        }
        if let Some(r) = cfg.retention {
            // Longer keeps more from now on; shorter trims at the next append.
            self.opts.retention = r;
            let ms = i64::try_from(r.as_millis()).unwrap_or(i64::MAX);
            self.store.set_retention_ms(ms);
            self.store.set_series_bytes(crate::store::series_bytes_cap(
                ms,
                self.opts.interval.as_millis() as i64,
            ));
        }
        if let Some(n) = cfg.max_series {
            self.opts.max_series = n;
            self.store.set_max_series(n);
        }
        self.opts.panels = cfg.panels;
        self.opts.detected_panels = cfg.detected_panels;
        self.opts.rules = cfg.rules;
        self.opts.grouping = cfg.grouping;
        // Force the rebuild even when the catalog did not change.
        self.detected = Default::default();
        self.redetect();
    }
}

//! Selecting and handling alerts: `A` opens the alerts list (this run's
//! alert instances, then the alerts Alertmanager holds), `j`/`k` move the
//! selection, `a` acknowledges, `m` mutes for a duration typed in a prompt
//! prefilled with `1h` (`0` unmutes), `Esc` or `A` closes. With the list
//! closed, `a` and `m` act on the alert named first in the alerts bar.
//! Drawing is in `alerts_list.rs`.

use super::alerts_bar;
use super::view::{KeyOutcome, View};
use crate::frame::{AlertState, Command, Frame};
use crate::vocab::labels::Labels;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::Duration;

/// The mute duration offered first.
pub const DEFAULT_MUTE: &str = "1h";

/// One row of the alerts list: an alert instance of ours or one that
/// Alertmanager holds.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct AlertKey {
    pub name: String,
    pub labels: Labels,
    /// Held by Alertmanager (not one of this process's rules).
    pub held: bool,
}

/// The mute prompt: the duration being typed for one alert.
#[derive(Clone, Debug, PartialEq)]
pub struct MutePrompt {
    pub target: AlertKey,
    pub text: String,
    pub error: Option<String>,
}

/// The alerts list's part of the view.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlertsView {
    /// The list is shown over the body.
    pub open: bool,
    /// The selected row, kept by identity so re-sorting does not move it.
    pub selected: Option<AlertKey>,
    pub mute: Option<MutePrompt>,
    /// Ring the terminal bell on new critical alerts (`--bell`).
    pub bell: bool,
    /// The frame bell count already rung (`None`: none yet).
    pub rung: Option<u64>,
}

/// The rows of the list in display order: ours (firing first, as the
/// frame sorts them), then Alertmanager's.
pub fn rows(frame: &Frame) -> Vec<AlertKey> {
    let ours = frame.alerts.iter().map(|a| AlertKey {
        name: a.name.clone(),
        labels: a.labels.clone(),
        held: false,
    });
    let held = frame.alertmanager_alerts.iter().map(|a| AlertKey {
        name: a.name.clone(),
        labels: a.labels.clone(),
        held: true,
    });
    ours.chain(held).collect()
}

/// The index of the selected row (the first when none or gone).
pub fn selected_index(view: &AlertsView, rows: &[AlertKey]) -> usize {
    view.selected
        .as_ref()
        .and_then(|s| rows.iter().position(|r| r == s))
        .unwrap_or(0)
}

/// What `a` and `m` act on with the list closed: the first alert in the
/// bar (unacknowledged first, for `a`).
fn bar_target(frame: &Frame, for_ack: bool) -> Option<AlertKey> {
    let firing = alerts_bar::firing(frame);
    let pick = if for_ack {
        firing.iter().find(|a| !a.acknowledged)
    } else {
        firing.first()
    };
    pick.map(|a| AlertKey {
        name: a.name.clone(),
        labels: a.labels.clone(),
        held: false,
    })
}

impl View {
    /// The alert keys; `None` leaves the key to the rest of `on_key`.
    pub(super) fn on_alerts_key(&mut self, key: KeyEvent, frame: &Frame) -> Option<KeyOutcome> {
        if self.alerts.mute.is_some() {
            return Some(self.on_mute_key(key, frame));
        }
        if self.help {
            return None;
        }
        let rows = rows(frame);
        let open = self.alerts.open;
        let outcome = match key.code {
            KeyCode::Char('A') => {
                self.alerts.open = !open;
                self.message = None;
                KeyOutcome::Redraw
            }
            KeyCode::Esc if open => {
                self.alerts.open = false;
                KeyOutcome::Redraw
            }
            KeyCode::Char('j') | KeyCode::Down if open => self.move_selection(&rows, 1),
            KeyCode::Char('k') | KeyCode::Up if open => self.move_selection(&rows, -1),
            KeyCode::Home if open => self.move_selection(&rows, isize::MIN),
            KeyCode::End if open => self.move_selection(&rows, isize::MAX),
            KeyCode::Char('a') => {
                let target = if open {
                    rows.get(selected_index(&self.alerts, &rows)).cloned()
                } else {
                    bar_target(frame, true)
                };
                self.ack(target, frame)
            }
            KeyCode::Char('m') => {
                let target = if open {
                    rows.get(selected_index(&self.alerts, &rows)).cloned()
                } else {
                    bar_target(frame, false)
                };
                match target {
                    Some(t) => {
                        self.alerts.mute = Some(MutePrompt {
                            target: t,
                            text: DEFAULT_MUTE.to_string(),
                            error: None,
                        });
                        self.message = None;
                    }
                    None => {
                        self.message = Some("no alert to mute (A lists alerts)".into());
                    }
                }
                KeyOutcome::Redraw
            }
            _ => return None,
        };
        Some(outcome)
    }

    fn move_selection(&mut self, rows: &[AlertKey], by: isize) -> KeyOutcome {
        if rows.is_empty() {
            return KeyOutcome::Ignored;
        }
        let at = selected_index(&self.alerts, rows) as isize;
        let next = at.saturating_add(by).clamp(0, rows.len() as isize - 1) as usize;
        let before = self.alerts.selected.clone();
        self.alerts.selected = Some(rows[next].clone());
        if before == self.alerts.selected {
            KeyOutcome::Ignored
        } else {
            KeyOutcome::Redraw
        }
    }

    fn ack(&mut self, target: Option<AlertKey>, frame: &Frame) -> KeyOutcome {
        let Some(t) = target else {
            self.message = Some("no firing alert to acknowledge (A lists alerts)".into());
            return KeyOutcome::Redraw;
        };
        if t.held {
            self.message = Some(format!(
                "{} is held by Alertmanager: mute it with m (a silence) instead",
                t.name
            ));
            return KeyOutcome::Redraw;
        }
        let state = frame
            .alerts
            .iter()
            .find(|a| a.name == t.name && a.labels == t.labels)
            .map(|a| a.state);
        if !matches!(state, Some(AlertState::Firing | AlertState::Pending)) {
            self.message = Some(format!(
                "{} is not pending or firing: nothing to acknowledge",
                t.name
            ));
            return KeyOutcome::Redraw;
        }
        self.message = Some(format!("acknowledged {}", t.name));
        KeyOutcome::Send(Command::Ack {
            name: t.name,
            labels: t.labels,
        })
    }

    fn on_mute_key(&mut self, key: KeyEvent, frame: &Frame) -> KeyOutcome {
        let Some(p) = self.alerts.mute.as_mut() else {
            return KeyOutcome::Ignored;
        };
        p.error = None;
        match key.code {
            KeyCode::Esc => self.alerts.mute = None,
            KeyCode::Backspace => {
                p.text.pop();
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => p.text.clear(),
            KeyCode::Char(c) if !c.is_control() => p.text.push(c),
            KeyCode::Enter => return self.submit_mute(frame),
            _ => return KeyOutcome::Ignored,
        }
        KeyOutcome::Redraw
    }

    fn submit_mute(&mut self, frame: &Frame) -> KeyOutcome {
        let Some(mut p) = self.alerts.mute.take() else {
            return KeyOutcome::Ignored;
        };
        match parse_mute(&p.text) {
            Ok(d) => {
                self.message = Some(if d.is_zero() {
                    format!("unmuted {}", p.target.name)
                } else {
                    let until = frame
                        .time_ms
                        .saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2));
                    format!(
                        "muted {} for {} (until {})",
                        p.target.name,
                        crate::report::format::duration(d),
                        super::timeview::clock(until, self.tz())
                    )
                });
                KeyOutcome::Send(Command::Mute {
                    name: p.target.name,
                    labels: p.target.labels,
                    duration: d,
                })
            }
            Err(e) => {
                p.error = Some(e);
                self.alerts.mute = Some(p);
                KeyOutcome::Redraw
            }
        }
    }
}

/// A mute duration: a Prometheus duration (`30m`, `1h30m`); `0`, `0s` or
/// `off` unmutes. At most 30 days.
pub fn parse_mute(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t == "0" || t.eq_ignore_ascii_case("off") {
        return Ok(Duration::ZERO);
    }
    let d = crate::vocab::duration::parse_duration(t)
        .map_err(|_| format!("bad duration {t:?}: write it like 30m, 1h or 2h30m (0 unmutes)"))?;
    if d > Duration::from_secs(30 * 86_400) {
        return Err("mute for at most 30d".to_string());
    }
    Ok(d)
}

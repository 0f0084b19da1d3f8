//! Selecting and handling alerts: `A` opens the alerts list (this run's
//! alert groups, the resolved alerts, then the alerts Alertmanager holds),
//! `j`/`k` move the selection, `Enter` opens a group's alerts (`Esc` goes
//! back), `a` acknowledges, `m` mutes for a duration typed in a prompt
//! prefilled with `1h` (`0` unmutes) — on a group, every alert of it —
//! `Esc` or `A` closes. With the list closed, `a` and `m` act on the group
//! named first in the alerts bar. Drawing is in `alerts_list.rs`.

use super::alerts_bar;
use super::view::{KeyOutcome, View};
use crate::frame::{Alert, AlertGroup, AlertState, Command, Frame};
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

/// One row of the alerts list.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RowKey {
    /// A group of pending and firing alerts, by its `groupKey`.
    Group(String),
    /// One alert.
    Alert(AlertKey),
}

/// The mute prompt: the duration being typed for an alert or a group.
#[derive(Clone, Debug, PartialEq)]
pub struct MutePrompt {
    pub target: RowKey,
    /// What the prompt names: `CpuHigh ×38`, `LatencyP99High`.
    pub name: String,
    pub text: String,
    pub error: Option<String>,
}

/// The alerts list's part of the view.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlertsView {
    /// The list is shown over the body.
    pub open: bool,
    /// The selected row, kept by identity so re-sorting does not move it.
    pub selected: Option<RowKey>,
    /// The group whose alerts the list shows (`Enter` on a group).
    pub opened: Option<String>,
    pub mute: Option<MutePrompt>,
    /// Ring the terminal bell on new critical alerts (`--bell`).
    pub bell: bool,
    /// The frame bell count already rung (`None`: none yet).
    pub rung: Option<u64>,
}

/// The group a row key names, if it is still there.
pub fn group<'a>(frame: &'a Frame, key: &str) -> Option<&'a AlertGroup> {
    frame.alert_groups.iter().find(|g| g.key == key)
}

fn alert_key(a: &Alert) -> AlertKey {
    AlertKey {
        name: a.name.clone(),
        labels: a.labels.clone(),
        held: false,
    }
}

/// The rows of the list in display order: an opened group's alerts; else
/// the groups (as the frame orders them), the alerts in no group (resolved),
/// then Alertmanager's.
pub fn rows(frame: &Frame, view: &AlertsView) -> Vec<RowKey> {
    if let Some(g) = view.opened.as_deref().and_then(|k| group(frame, k)) {
        return g
            .members
            .iter()
            .filter_map(|&i| frame.alerts.get(i))
            .map(|a| RowKey::Alert(alert_key(a)))
            .collect();
    }
    let groups = frame
        .alert_groups
        .iter()
        .map(|g| RowKey::Group(g.key.clone()));
    let grouped: std::collections::HashSet<usize> = frame
        .alert_groups
        .iter()
        .flat_map(|g| g.members.iter().copied())
        .collect();
    let loose = frame
        .alerts
        .iter()
        .enumerate()
        .filter(|(i, _)| !grouped.contains(i))
        .map(|(_, a)| RowKey::Alert(alert_key(a)));
    let held = frame.alertmanager_alerts.iter().map(|a| {
        RowKey::Alert(AlertKey {
            name: a.name.clone(),
            labels: a.labels.clone(),
            held: true,
        })
    });
    groups.chain(loose).chain(held).collect()
}

/// The index of the selected row (the first when none or gone).
pub fn selected_index(view: &AlertsView, rows: &[RowKey]) -> usize {
    view.selected
        .as_ref()
        .and_then(|s| rows.iter().position(|r| r == s))
        .unwrap_or(0)
}

/// What `a` and `m` act on with the list closed: the first group in the
/// bar (unacknowledged first, for `a`).
fn bar_target(frame: &Frame, for_ack: bool) -> Option<RowKey> {
    let firing = alerts_bar::firing(frame);
    let pick = if for_ack {
        firing
            .iter()
            .find(|b| b.firing.iter().any(|a| !a.acknowledged))
    } else {
        firing.first()
    };
    pick.map(|b| RowKey::Group(b.group.key.clone()))
}

/// The alerts a row acts on: a group's, or the one alert; and its name.
fn targets(frame: &Frame, row: &RowKey) -> Option<(String, Vec<(String, Labels)>)> {
    match row {
        RowKey::Group(k) => {
            let g = group(frame, k)?;
            let alerts: Vec<(String, Labels)> = g
                .members
                .iter()
                .filter_map(|&i| frame.alerts.get(i))
                .map(|a| (a.name.clone(), a.labels.clone()))
                .collect();
            let name = if alerts.len() > 1 {
                format!("{} ×{}", g.name, alerts.len())
            } else {
                g.name.clone()
            };
            Some((name, alerts))
        }
        RowKey::Alert(a) => Some((a.name.clone(), vec![(a.name.clone(), a.labels.clone())])),
    }
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
        let rows = rows(frame, &self.alerts);
        let open = self.alerts.open;
        let opened = open
            && self
                .alerts
                .opened
                .as_deref()
                .and_then(|k| group(frame, k))
                .is_some();
        let selected = || rows.get(selected_index(&self.alerts, &rows)).cloned();
        let outcome = match key.code {
            KeyCode::Char('A') => {
                self.alerts.open = !open;
                self.alerts.opened = None;
                self.message = None;
                KeyOutcome::Redraw
            }
            KeyCode::Esc if opened => {
                let back = self.alerts.opened.take().map(RowKey::Group);
                self.alerts.selected = back;
                KeyOutcome::Redraw
            }
            KeyCode::Esc if open => {
                self.alerts.open = false;
                self.alerts.opened = None;
                KeyOutcome::Redraw
            }
            KeyCode::Enter if open => match selected() {
                Some(RowKey::Group(k)) => {
                    let first = group(frame, &k)
                        .and_then(|g| g.members.first())
                        .and_then(|&i| frame.alerts.get(i))
                        .map(|a| RowKey::Alert(alert_key(a)));
                    self.alerts.opened = Some(k);
                    self.alerts.selected = first;
                    KeyOutcome::Redraw
                }
                // An alert row has nothing to open; the key is spent here.
                _ => KeyOutcome::Ignored,
            },
            KeyCode::Char('j') | KeyCode::Down if open => self.move_selection(&rows, 1),
            KeyCode::Char('k') | KeyCode::Up if open => self.move_selection(&rows, -1),
            KeyCode::Home if open => self.move_selection(&rows, isize::MIN),
            KeyCode::End if open => self.move_selection(&rows, isize::MAX),
            KeyCode::Char('a') => {
                let target = if open {
                    selected()
                } else {
                    bar_target(frame, true)
                };
                self.ack(target, frame)
            }
            KeyCode::Char('m') => {
                let target = if open {
                    selected()
                } else {
                    bar_target(frame, false)
                };
                match target.and_then(|t| Some((targets(frame, &t)?.0, t))) {
                    Some((name, t)) => {
                        self.alerts.mute = Some(MutePrompt {
                            target: t,
                            name,
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

    fn move_selection(&mut self, rows: &[RowKey], by: isize) -> KeyOutcome {
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

    fn ack(&mut self, target: Option<RowKey>, frame: &Frame) -> KeyOutcome {
        let Some(t) = target else {
            self.message = Some("no firing alert to acknowledge (A lists alerts)".into());
            return KeyOutcome::Redraw;
        };
        if let RowKey::Alert(a) = &t {
            if a.held {
                self.message = Some(format!(
                    "{} is held by Alertmanager: mute it with m (a silence) instead",
                    a.name
                ));
                return KeyOutcome::Redraw;
            }
        }
        let Some((name, alerts)) = targets(frame, &t) else {
            self.message = Some("that alert group is over: nothing to acknowledge".into());
            return KeyOutcome::Redraw;
        };
        let active: Vec<(String, Labels)> = alerts
            .into_iter()
            .filter(|(n, l)| {
                frame.alerts.iter().any(|a| {
                    &a.name == n
                        && &a.labels == l
                        && matches!(a.state, AlertState::Firing | AlertState::Pending)
                })
            })
            .collect();
        if active.is_empty() {
            self.message = Some(format!(
                "{name} is not pending or firing: nothing to acknowledge"
            ));
            return KeyOutcome::Redraw;
        }
        self.message = Some(format!("acknowledged {name}"));
        KeyOutcome::Send(match <[_; 1]>::try_from(active) {
            Ok([(name, labels)]) => Command::Ack { name, labels },
            Err(alerts) => Command::AckGroup { alerts },
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
        let d = match parse_mute(&p.text) {
            Ok(d) => d,
            Err(e) => {
                p.error = Some(e);
                self.alerts.mute = Some(p);
                return KeyOutcome::Redraw;
            }
        };
        let Some((_, alerts)) = targets(frame, &p.target) else {
            self.message = Some(format!("{} is over: nothing to mute", p.name));
            return KeyOutcome::Redraw;
        };
        self.message = Some(if d.is_zero() {
            format!("unmuted {}", p.name)
        } else {
            let until = frame
                .time_ms
                .saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2));
            format!(
                "muted {} for {} (until {})",
                p.name,
                crate::report::format::duration(d),
                super::timeview::clock(until, self.tz())
            )
        });
        let labels = match (&p.target, alerts.len()) {
            (RowKey::Group(k), n) if n > 1 => group(frame, k).map(|g| g.labels.clone()),
            _ => None,
        };
        KeyOutcome::Send(match (labels, <[_; 1]>::try_from(alerts)) {
            (None, Ok([(name, labels)])) => Command::Mute {
                name,
                labels,
                duration: d,
            },
            (labels, Ok(one)) => Command::MuteGroup {
                labels: labels.unwrap_or_default(),
                alerts: one.into(),
                duration: d,
            },
            (labels, Err(alerts)) => Command::MuteGroup {
                labels: labels.unwrap_or_default(),
                alerts,
                duration: d,
            },
        })
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

//! The alerts list (`A`), drawn over the body below the alerts bar: one
//! row per alert group (state, severity, `Name ×N`, worst instance and
//! value, since when, pending / inhibited / acknowledged / muted), the
//! resolved alerts of this run, then the alerts Alertmanager holds, marked
//! as such, then the latest transitions and notes (`alerts_history.rs`). `Enter` on a group lists its
//! alerts (labels, value, inhibited / acknowledged / muted until / stale).
//! Also the `m` prompt's bottom row. Keys are in `alerts_keys.rs`.
//!
//! ```text
//! ┏ Alerts 3 firing, 1 pending · 1 from Alertmanager ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
//! ┃ ✗ FIRING   CRIT LatencyP99High                 231ms for 2m10s                               ┃
//! ┃›▲ FIRING   WARN CpuBusy        127.0.0.1:41001 82.3% for 2m10s       ack · muted until 12:50… ┃
//! ┃ ◌ STALE    CRIT QueueFull      127.0.0.1:41006 97.0% for 2m10s       firing (target down)    ┃
//! ┃ ▲ PENDING  WARN ErrorRatioHigh                 3.10% fires in 20s                            ┃
//! ┃ ✓ RESOLVED WARN InstancesDown                  5     resolved 1m ago                         ┃
//! ┃ ✗ FIRING   CRIT DiskFull       db:9100               for 10m         from Alertmanager · …   ┃
//! ┃ History                                                                                      ┃
//! ┃ 11:58:10Z ✎ oncall@db1: paged the database team                                              ┃
//! ┃ 11:57:53Z LatencyP99High pending -> firing 231ms                                             ┃
//! ┗ j k select · a ack · m mute · A/Esc close ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┛
//! ```

use super::alerts_history::{draw_history, has_history};
use super::alerts_keys::{group, rows, selected_index, RowKey};
use super::alerts_rows::{group_row, held_row, notes_text, our_row, severity_word, Row};
use super::glyphs::Glyphs;
use super::layout::Areas;
use super::timeview::clock;
use super::view::View;
use crate::frame::{AlertGroup, AlertState, Frame, Level};
use crate::report::format;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Widget};

fn pad(s: &str, w: usize) -> String {
    let s = format::truncate(s, w);
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(w.saturating_sub(n)))
}

fn title(frame: &Frame, opened: Option<&AlertGroup>) -> String {
    if let Some(gr) = opened {
        let mut t = format!(" {} {} firing, {} pending", gr.name, gr.firing, gr.pending);
        if gr.inhibited > 0 {
            t.push_str(&format!(", {} inhibited", gr.inhibited));
        }
        t.push(' ');
        return t;
    }
    let live = |s: AlertState| {
        frame
            .alerts
            .iter()
            .filter(|a| a.state == s && !a.inhibited)
            .count()
    };
    let groups = frame.alert_groups.len();
    let mut t = format!(
        " Alerts {} firing, {} pending in {groups} group{}",
        live(AlertState::Firing),
        live(AlertState::Pending),
        if groups == 1 { "" } else { "s" }
    );
    let inhibited = frame.alerts.iter().filter(|a| a.inhibited).count();
    if inhibited > 0 {
        t.push_str(&format!(" · {inhibited} inhibited"));
    }
    if !frame.alertmanager_alerts.is_empty() {
        t.push_str(&format!(
            " · {} from Alertmanager",
            frame.alertmanager_alerts.len()
        ));
    }
    t.push(' ');
    t
}

/// Draws the list over the body when it is open.
pub fn render(
    frame: &Frame,
    view: &View,
    theme: &Theme,
    plan: &Areas,
    area: Rect,
    buf: &mut Buffer,
) {
    if !view.alerts.open {
        return;
    }
    let top = plan.alerts.bottom().max(area.y);
    let body = Rect::new(area.x, top, area.width, area.bottom().saturating_sub(top));
    if body.height < 3 || body.width < 20 {
        return;
    }
    let g = Glyphs::new(view.ascii);
    let opened = view.alerts.opened.as_deref().and_then(|k| group(frame, k));
    Clear.render(body, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(g.focus_border())
        .border_style(theme.border(true))
        .title(Span::styled(title(frame, opened), theme.accent()))
        .title_bottom(Span::styled(
            if opened.is_some() {
                " j k select · a ack · m mute · Esc back · A close "
            } else {
                " j k select · Enter open group · a ack · m mute · A/Esc close "
            },
            theme.muted(),
        ));
    let inner = block.inner(body);
    block.render(body, buf);
    let keys = rows(frame, &view.alerts);
    let list: Vec<Row> = keys
        .iter()
        .filter_map(|k| match k {
            // A group of one alert is that alert, written in full.
            RowKey::Group(key) => group(frame, key).map(|gr| match gr.members.as_slice() {
                [only] => match frame.alerts.get(*only) {
                    Some(a) => our_row(a, frame, view, &g, theme),
                    None => group_row(gr, frame, &g, theme),
                },
                _ => group_row(gr, frame, &g, theme),
            }),
            RowKey::Alert(a) if a.held => frame
                .alertmanager_alerts
                .iter()
                .find(|h| h.name == a.name && h.labels == a.labels)
                .map(|h| held_row(h, frame, &g, theme)),
            RowKey::Alert(a) => frame
                .alerts
                .iter()
                .find(|x| x.name == a.name && x.labels == a.labels)
                .map(|x| our_row(x, frame, view, &g, theme)),
        })
        .collect();
    let height = usize::from(inner.height);
    if list.is_empty() {
        let msg = format!(" {} no alerts this run", g.ok);
        Line::from(Span::styled(msg, theme.level(Level::Ok))).render(inner, buf);
        draw_history(
            frame,
            view,
            theme,
            Rect {
                y: inner.y + 2,
                height: inner.height.saturating_sub(2),
                ..inner
            },
            buf,
        );
        return;
    }
    // The list takes what it needs, up to two thirds when there is history.
    let list_h = if !has_history(frame) || height < 8 {
        height
    } else {
        list.len().min(height * 2 / 3).max(1)
    };
    let sel = selected_index(&view.alerts, &keys).min(list.len() - 1);
    let offset = sel.saturating_sub(list_h.saturating_sub(1));
    // Narrow screens drop the severity word (the glyph and colour carry
    // it) and write the marks short, so they stay visible.
    let narrow = inner.width < 110;
    let widest = |f: &dyn Fn(&Row) -> usize| list.iter().map(f).max().unwrap_or(0);
    let mut name_w = widest(&|r| r.name.chars().count()).min(28);
    let mut labels_w = widest(&|r| r.labels.chars().count()).min(40);
    let value_w = widest(&|r| r.value.chars().count());
    let since_of = |r: &Row| {
        if narrow {
            r.since.1.clone()
        } else {
            r.since.0.clone()
        }
    };
    let since_w = widest(&|r| since_of(r).chars().count());
    let notes_w = widest(&|r| notes_text(r, narrow).chars().count());
    let sev_w = if narrow { 0 } else { 5 };
    let fixed = 1 + 2 + 9 + sev_w + value_w + 1 + since_w + 1;
    let mut excess =
        (fixed + name_w + 1 + labels_w + 1 + notes_w).saturating_sub(usize::from(inner.width));
    let give = excess.min(labels_w.saturating_sub(15));
    labels_w -= give;
    excess -= give;
    name_w -= excess.min(name_w.saturating_sub(14));
    for (i, r) in list.iter().enumerate().skip(offset).take(list_h) {
        let y = inner.y + (i - offset) as u16;
        let marker = if i == sel { "›" } else { " " };
        let sev = if narrow {
            String::new()
        } else {
            format!("{} ", severity_word(r.severity))
        };
        let text = format!(
            "{marker}{} {} {sev}{} {} {} {} {}",
            r.glyph,
            pad(r.state, 8),
            pad(&r.name, name_w),
            pad(&r.labels, labels_w),
            pad(&r.value, value_w),
            pad(&since_of(r), since_w),
            notes_text(r, narrow)
        );
        let style = if i == sel {
            r.style.add_modifier(Modifier::REVERSED)
        } else {
            r.style
        };
        let row = Rect::new(inner.x, y, inner.width, 1);
        if i == sel {
            buf.set_style(row, style);
        }
        let text = format::truncate(&text, usize::from(inner.width));
        buf.set_stringn(row.x, row.y, text, usize::from(row.width), style);
    }
    let used = list_h.min(list.len()) as u16;
    let rest = Rect {
        y: inner.y + used,
        height: inner.height.saturating_sub(used),
        ..inner
    };
    draw_history(frame, view, theme, rest, buf);
}

/// The `m` prompt on the bottom row.
pub fn render_prompt(frame: &Frame, view: &View, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let Some(p) = &view.alerts.mute else {
        return;
    };
    if area.height < 3 {
        return;
    }
    let row = Rect::new(area.x, area.bottom() - 1, area.width, 1);
    let mut spans = vec![
        Span::styled(format!("mute {} for: {}", p.name, p.text), theme.text()),
        Span::styled(" ", theme.text().add_modifier(Modifier::REVERSED)),
    ];
    if let Some(e) = &p.error {
        spans.push(Span::styled(format!("  {e}"), theme.level(Level::Warn)));
    } else {
        let until = super::alerts_keys::parse_mute(&p.text).ok().map(|d| {
            if d.is_zero() {
                "unmutes".to_string()
            } else {
                let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2);
                format!(
                    "until {}",
                    clock(frame.time_ms.saturating_add(ms), view.tz())
                )
            }
        });
        let hint = match until {
            Some(u) => format!("  {u} · Enter mutes, 0 unmutes, Esc cancels"),
            None => "  Enter mutes, 0 unmutes, Esc cancels".to_string(),
        };
        spans.push(Span::styled(hint, theme.muted()));
    }
    Clear.render(row, buf);
    Line::from(spans).render(row, buf);
}

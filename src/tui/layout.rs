//! Where each region goes for a given screen size (see the sketch in
//! `tui/mod.rs`). Pure: the same inputs give the same rectangles, so key
//! handling can navigate by position.

use super::view::{Focus, View};
use crate::frame::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

/// Smallest height of a chart panel (border, value line, 4 plot rows).
pub const MIN_CHART_HEIGHT: u16 = 7;
/// Height of a chart panel whose plot has room for its y-axis values and
/// time labels (border, value line, 5 plot rows: see `plot::render`). The
/// instance table gives up rows (it pages) before the charts go below it.
pub const AXES_CHART_HEIGHT: u16 = 8;
/// Smallest width of a chart panel.
pub const MIN_CHART_WIDTH: u16 = 28;

/// How the panels are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Line charts in a grid of `cols` columns.
    Grid { cols: usize },
    /// One compact row per panel (small screens).
    Stats,
    /// One panel (or the instance table) fills the body.
    Expanded,
}

/// The rectangles of one screen.
#[derive(Clone, Debug, PartialEq)]
pub struct Areas {
    pub status: Rect,
    pub alerts: Rect,
    pub mode: Mode,
    /// One per frame panel, in order; empty rectangles for hidden ones.
    pub panels: Vec<Rect>,
    /// The box around the stat rows (stats mode only).
    pub stats_box: Option<Rect>,
    pub table: Option<Rect>,
}

impl Areas {
    /// Focusable regions in Tab order.
    pub fn focusable(&self) -> Vec<(Focus, Rect)> {
        let mut out: Vec<(Focus, Rect)> = self
            .panels
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.is_empty())
            .map(|(i, r)| (Focus::Panel(i), *r))
            .collect();
        if let Some(t) = self.table.filter(|t| !t.is_empty()) {
            out.push((Focus::Instances, t));
        }
        out
    }
}

/// Number of rows the alerts bar takes.
fn alert_rows(frame: &Frame, area: Rect) -> u16 {
    // Muted alerts are not shown in the bar, so they take no row.
    let firing = super::alerts_bar::firing(frame).len();
    let max = if area.height >= 40 { 3 } else { 1 };
    u16::try_from(firing).unwrap_or(u16::MAX).clamp(1, max)
}

/// Lays out the screen.
pub fn plan(area: Rect, frame: &Frame, view: &View) -> Areas {
    let [status, alerts, body] = Layout::vertical([
        Constraint::Length(super::status::rows(frame, view, area.width)),
        Constraint::Length(alert_rows(frame, area)),
        Constraint::Fill(1),
    ])
    .areas(area);
    let n = frame.panels.len();
    let mut plan = Areas {
        status,
        alerts,
        mode: Mode::Expanded,
        panels: vec![Rect::default(); n],
        stats_box: None,
        table: None,
    };
    if view.expanded {
        match view.focus {
            Focus::Panel(i) if i < n => {
                plan.panels[i] = body;
                return plan;
            }
            Focus::Instances => {
                plan.table = Some(body);
                return plan;
            }
            Focus::Panel(_) => {}
        }
    }
    let has_table = !frame.instances.is_empty();
    if n == 0 {
        plan.mode = Mode::Stats;
        plan.table = Some(body);
        return plan;
    }
    let table_need = u16::try_from(frame.instances.len())
        .unwrap_or(u16::MAX)
        .saturating_add(3);
    let cols = if body.width >= 150 {
        3
    } else if body.width >= 70 {
        2
    } else {
        1
    }
    .min(n);
    let rows = n.div_ceil(cols);
    let rows16 = u16::try_from(rows).unwrap_or(u16::MAX);
    let grid_need = rows16.saturating_mul(MIN_CHART_HEIGHT);
    let axes_need = rows16.saturating_mul(AXES_CHART_HEIGHT);
    let wide_enough = body.width / cols as u16 >= MIN_CHART_WIDTH;
    let table_h = if has_table {
        let generous = table_need.min((body.height * 2 / 5).max(6));
        let least = table_need.min(6);
        if body.height.saturating_sub(generous) >= axes_need {
            generous
        } else if body.height.saturating_sub(least) >= axes_need {
            // Charts keep their axes; the table takes what is left and pages.
            body.height - axes_need
        } else {
            least
        }
    } else {
        0
    };
    if wide_enough && body.height.saturating_sub(table_h) >= grid_need {
        plan.mode = Mode::Grid { cols };
        let [grid, table] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(table_h)]).areas(body);
        if has_table {
            plan.table = Some(table);
        }
        let row_rects = Layout::vertical(vec![Constraint::Fill(1); rows]).split(grid);
        for (r, row) in row_rects.iter().enumerate() {
            let in_row = (n - r * cols).min(cols);
            let cells = Layout::horizontal(vec![Constraint::Fill(1); in_row]).split(*row);
            for (c, cell) in cells.iter().enumerate() {
                plan.panels[r * cols + c] = *cell;
            }
        }
        return plan;
    }
    plan.mode = Mode::Stats;
    let box_h = (u16::try_from(n).unwrap_or(u16::MAX).saturating_add(2)).min(body.height);
    let [stats, table] = if has_table {
        Layout::vertical([Constraint::Length(box_h), Constraint::Fill(1)]).areas(body)
    } else {
        [body, Rect::default()]
    };
    plan.stats_box = Some(stats);
    for (i, r) in plan.panels.iter_mut().enumerate() {
        let y = stats
            .y
            .saturating_add(1)
            .saturating_add(u16::try_from(i).unwrap_or(u16::MAX));
        if y.saturating_add(1) < stats.bottom() {
            *r = Rect::new(stats.x + 1, y, stats.width.saturating_sub(2), 1);
        }
    }
    if has_table && !table.is_empty() {
        plan.table = Some(table);
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{Alert, AlertState};

    fn firing(name: &str, muted_until_ms: Option<i64>) -> Alert {
        Alert {
            name: name.to_string(),
            state: AlertState::Firing,
            muted_until_ms,
            ..Default::default()
        }
    }

    #[test]
    fn muted_alerts_take_no_row_of_the_bar() {
        let area = Rect::new(0, 0, 200, 50);
        let mut frame = Frame {
            time_ms: 1_000,
            alerts: vec![
                firing("A", None),
                firing("B", Some(60_000)),
                firing("C", Some(60_000)),
            ],
            ..Default::default()
        };
        frame.alert_groups = crate::alerts::group::groups(&frame.alerts, &[]);
        assert_eq!(alert_rows(&frame, area), 1);
        // A mute that has run out counts again.
        frame.alerts[1].muted_until_ms = Some(500);
        assert_eq!(alert_rows(&frame, area), 2);
    }
}

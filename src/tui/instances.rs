//! The instance table: instance, job, up, CPU, p99, error ratio and the last
//! scrape error, one row per instance, filtered and sorted as the view says.
//! Cells the engine judged past their panel's thresholds are coloured and
//! marked with the level glyph; outliers across instances (robust z-score)
//! worse than the fleet carry `◆`; the bottom border names the worst three instances for the
//! focused signal.

use super::glyphs::Glyphs;
use super::table_view::{self, SortKey};
use super::view::{Focus, View};
use crate::frame::{Frame, InstanceRow, Level, TableColumn, TableRank, Unit};
use crate::report::format;
use crate::report::outliers;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, Widget};

/// The outlier mark (not colour alone).
pub const OUTLIER: &str = "◆";

/// The three signals the table compares across instances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Signal {
    Cpu,
    P99,
    Errors,
}

impl Signal {
    const ALL: [Signal; 3] = [Signal::Cpu, Signal::P99, Signal::Errors];

    fn of(self, r: &InstanceRow) -> Option<f64> {
        match self {
            Signal::Cpu => r.cpu,
            Signal::P99 => r.p99,
            Signal::Errors => r.error_ratio,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Signal::Cpu => "CPU",
            Signal::P99 => "p99",
            Signal::Errors => "errors",
        }
    }

    /// The engine's verdict on the value.
    fn level(self, r: &InstanceRow) -> Level {
        match self {
            Signal::Cpu => r.cpu_level,
            Signal::P99 => r.p99_level,
            Signal::Errors => r.error_level,
        }
    }

    fn unit(self, r: &InstanceRow) -> Unit {
        match self {
            Signal::Cpu if r.cpu_is_cores => Unit::Cores,
            Signal::Cpu => Unit::Ratio,
            Signal::P99 => Unit::Seconds,
            Signal::Errors => Unit::Ratio,
        }
    }

    /// The signal of the focused panel, or of the sort column, else CPU.
    fn focused(frame: &Frame, view: &View) -> Signal {
        let by_panel = match view.focus {
            Focus::Panel(i) => frame.panels.get(i).map(|p| p.id.as_str()),
            Focus::Instances => None,
        };
        match (by_panel, view.sort) {
            (Some("latency"), _) | (None, SortKey::P99) => Signal::P99,
            (Some("errors"), _) | (None, SortKey::Errors) => Signal::Errors,
            _ => Signal::Cpu,
        }
    }
}

/// A value cell coloured by the engine's verdict on it, marked when an
/// outlier.
fn cell<'a>(r: &InstanceRow, sig: Signal, outlier: bool, g: &Glyphs, theme: &Theme) -> Cell<'a> {
    let Some(v) = sig.of(r) else {
        return Cell::from(Span::styled("-", theme.muted()));
    };
    let level = sig.level(r);
    let mut mark = match level {
        Level::Warn | Level::Crit => format!(" {}", g.level(level)),
        _ => String::new(),
    };
    if outlier {
        mark.push(' ');
        mark.push_str(OUTLIER);
    }
    Cell::from(Span::styled(
        format!("{}{mark}", format::value(v, sig.unit(r))),
        theme.level(level),
    ))
}

/// Outlier flags per signal, per row of `frame.instances` (up rows only).
fn outlier_flags(frame: &Frame) -> [Vec<bool>; 3] {
    Signal::ALL.map(|sig| {
        let vals: Vec<Option<f64>> = frame
            .instances
            .iter()
            .map(|r| sig.of(r).filter(|_| r.up))
            .collect();
        // CPU, p99 and errors: higher is worse.
        outliers::flags(&vals, false)
    })
}

/// `worst CPU: a 95.0% ◆ · b 60.0% · c 40.0%` for the focused signal.
fn worst_line(frame: &Frame, view: &View, flags: &[Vec<bool>; 3]) -> Option<String> {
    let sig = Signal::focused(frame, view);
    let k = Signal::ALL.iter().position(|s| *s == sig).unwrap_or(0);
    let vals: Vec<Option<f64>> = frame
        .instances
        .iter()
        .map(|r| sig.of(r).filter(|_| r.up))
        .collect();
    let top = outliers::worst(&vals, 3);
    if top.is_empty() {
        return None;
    }
    let names: Vec<String> = top
        .iter()
        .map(|i| {
            let r = &frame.instances[*i];
            let mark = if flags[k][*i] {
                format!(" {OUTLIER}")
            } else {
                String::new()
            };
            format!(
                "{} {}{mark}",
                r.instance,
                format::opt_value(sig.of(r), sig.unit(r))
            )
        })
        .collect();
    Some(format!(" worst {}: {} ", sig.name(), names.join(" · ")))
}

fn row<'a>(
    r: &'a InstanceRow,
    out: [bool; 3],
    frame: &Frame,
    g: &Glyphs,
    theme: &Theme,
    job: bool,
) -> Row<'a> {
    let (up_text, up_style) = if r.up {
        (format!("{} up", g.ok), theme.level(Level::Ok))
    } else if r.awaiting_first_scrape {
        ("… wait".to_string(), theme.muted())
    } else {
        (format!("{} DOWN", g.crit), theme.level(Level::Crit))
    };
    let name_style = if frame.pinned.as_deref() == Some(r.instance.as_str()) {
        // The instance every panel is pinned to.
        theme.accent()
    } else if r.up {
        theme.text()
    } else {
        theme.stale()
    };
    let mut cells = vec![Cell::from(Span::styled(r.instance.as_str(), name_style))];
    if job {
        cells.push(Cell::from(Span::styled(r.job.as_str(), theme.muted())));
    }
    cells.extend([
        Cell::from(Span::styled(up_text, up_style)),
        cell(r, Signal::Cpu, out[0], g, theme),
        cell(r, Signal::P99, out[1], g, theme),
        cell(r, Signal::Errors, out[2], g, theme),
        Cell::from(Span::styled(
            r.last_error.as_deref().unwrap_or(""),
            theme.level(if r.last_error.is_some() {
                Level::Warn
            } else {
                Level::Unknown
            }),
        )),
    ]);
    Row::new(cells)
}

/// The first of `len` rows shown when `inner_rows` fit: the scroll
/// position, moved so that the selected row stays in sight.
fn first_row(view: &View, len: usize, inner_rows: usize) -> usize {
    let mut scroll = view.table_scroll.min(len.saturating_sub(inner_rows.max(1)));
    if let Some(r) = view.selected_row(len).filter(|_| inner_rows > 0) {
        if r < scroll {
            scroll = r;
        } else if r >= scroll + inner_rows {
            scroll = r + 1 - inner_rows;
        }
    }
    scroll
}

/// The row (position among the rows shown) drawn at screen row `y` of the
/// table in `area`, and the scroll position it was drawn with.
pub(super) fn row_at(frame: &Frame, view: &View, area: Rect, y: u16) -> Option<(usize, usize)> {
    let shown = table_view::visible(frame, view).len();
    let inner_rows = usize::from(area.height.saturating_sub(3));
    let scroll = first_row(view, shown, inner_rows);
    // Border, then the header, then the rows.
    let offset = usize::from(y.checked_sub(area.y.checked_add(2)?)?);
    let row = scroll + offset;
    (offset < inner_rows && row < shown).then_some((row, scroll))
}

/// The instances the table drawn in `area` shows, top to bottom: the rows
/// whose values the engine asks a server for by name. Sorted by a value
/// column, only rows that already have that value count: a row given its
/// value would move, and the rows in sight would change under the user.
pub fn window(frame: &Frame, view: &View, area: Rect) -> Vec<String> {
    let shown = table_view::visible(frame, view);
    let inner_rows = usize::from(area.height.saturating_sub(3));
    let scroll = first_row(view, shown.len(), inner_rows);
    let sorted_by = match view.sort {
        SortKey::Cpu => Some(Signal::Cpu),
        SortKey::P99 => Some(Signal::P99),
        SortKey::Errors => Some(Signal::Errors),
        _ => None,
    };
    shown
        .iter()
        .skip(scroll)
        .take(inner_rows)
        .map(|i| &frame.instances[*i])
        .filter(|r| sorted_by.is_none_or(|s| s.of(r).is_some()))
        .map(|r| r.instance.clone())
        .collect()
}

/// The table sorted by a value column, down to the deepest row in sight:
/// over a server that column is asked for down to that row, in the
/// table's direction, so the rows in sight have their values and places.
pub fn rank(frame: &Frame, view: &View, area: Rect) -> Option<TableRank> {
    let column = match view.sort {
        SortKey::Cpu => TableColumn::Cpu,
        SortKey::P99 => TableColumn::P99,
        SortKey::Errors => TableColumn::Errors,
        _ => return None,
    };
    let shown = table_view::visible(frame, view).len();
    let inner_rows = usize::from(area.height.saturating_sub(3));
    let last = (first_row(view, shown, inner_rows) + inner_rows).min(shown);
    Some(TableRank {
        column,
        worst_first: view.sort.worst_first() != view.sort_reversed,
        rows: last,
    })
}

pub fn render(
    frame: &Frame,
    view: &View,
    focused: bool,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let g = Glyphs::new(view.ascii);
    let total = frame.instances.len();
    let up = frame.instances.iter().filter(|r| r.up).count();
    let shown = table_view::visible(frame, view);
    let inner_rows = usize::from(area.height.saturating_sub(3));
    let scroll = first_row(view, shown.len(), inner_rows);
    let selected = view.selected_row(shown.len());
    let mut title = vec![Span::styled(" Instances ", theme.accent())];
    let count_style = if up < total {
        theme.level(Level::Crit)
    } else {
        theme.text()
    };
    title.push(Span::styled(format!("{up}/{total} up "), count_style));
    if let Some(re) = table_view::active_filter(view) {
        title.push(Span::styled(
            format!("/{} {} shown ", re.as_str(), shown.len()),
            theme.info(),
        ));
    }
    if shown.len() > inner_rows && inner_rows > 0 {
        let last = (scroll + inner_rows).min(shown.len());
        title.push(Span::styled(
            format!("rows {}-{last} of {} (PgUp/PgDn) ", scroll + 1, shown.len()),
            theme.muted(),
        ));
    }
    let flags = outlier_flags(frame);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(if focused {
            g.focus_border()
        } else {
            g.border()
        })
        .border_style(theme.border(focused))
        .title(Line::from(title));
    let block = match worst_line(frame, view, &flags) {
        Some(w) => block.title_bottom(Line::from(Span::styled(w, theme.text()))),
        None => block,
    };
    if total == 0 {
        let inner = block.inner(area);
        block.render(area, buf);
        let text = if frame.time_ms == 0 {
            "waiting for the first scrape"
        } else {
            "no instances"
        };
        Span::styled(text, theme.muted()).render(inner, buf);
        return;
    }
    let job = area.width >= 100;
    let inst_w = frame
        .instances
        .iter()
        .map(|r| r.instance.chars().count())
        .max()
        .unwrap_or(8)
        .clamp(8, 32) as u16;
    let mut widths = vec![Constraint::Length(inst_w)];
    let mut header = vec!["INSTANCE"];
    if job {
        widths.push(Constraint::Length(12));
        header.push("JOB");
    }
    let arrow = match (view.sort_reversed, g.ascii) {
        (false, false) => "▼",
        (true, false) => "▲",
        (false, true) => "v",
        (true, true) => "^",
    };
    widths.extend([
        Constraint::Length(6),
        Constraint::Length(12),
        Constraint::Length(9),
        Constraint::Length(8),
        Constraint::Fill(1),
    ]);
    header.extend(["UP", "CPU", "P99", "ERRORS", "LAST SCRAPE ERROR"]);
    let header: Vec<String> = header
        .into_iter()
        .map(|h| {
            if view.sort.header() == Some(h) {
                format!("{h}{arrow}")
            } else {
                h.to_string()
            }
        })
        .collect();
    let rows: Vec<Row> = shown
        .iter()
        .enumerate()
        .skip(scroll)
        .map(|(pos, i)| {
            let out = [flags[0][*i], flags[1][*i], flags[2][*i]];
            let r = row(&frame.instances[*i], out, frame, &g, theme, job);
            if selected == Some(pos) {
                r.style(Style::new().add_modifier(Modifier::REVERSED))
            } else {
                r
            }
        })
        .collect();
    Table::new(rows, widths)
        .header(Row::new(header).style(theme.muted()))
        .column_spacing(1)
        .block(block)
        .style(Style::new())
        .render(area, buf);
}

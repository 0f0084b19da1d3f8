//! One panel in the grid: a box titled with the panel's name and state, the
//! current value (worst series first, coloured and marked by level), and the
//! chart below it. A panel that cannot be computed shows why.

use super::bignum;
use super::glyphs::{level_word, Glyphs};
use super::levels::{current_count, headline, of_limit};
use super::plot::{self, ChartCtx};
use crate::frame::{Level, Panel, PanelKind};
use crate::report::format;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

/// Most series whose values are listed on the value line.
const LISTED_SERIES: usize = 4;

/// The bordered box of a panel; returns the inner area.
pub fn panel_box(
    panel: &Panel,
    focused: bool,
    g: &Glyphs,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) -> Rect {
    let level = panel.level;
    let title_style = if focused {
        theme.accent().add_modifier(Modifier::REVERSED)
    } else {
        theme.accent()
    };
    let mut right: Vec<Span> = Vec::new();
    if panel.warming_up {
        right.push(Span::styled(
            format!(" {}warming up ", g.ellipsis),
            theme.muted(),
        ));
    }
    if panel.error.is_some() {
        right.push(Span::styled(" error ", theme.level(Level::Warn)));
    } else if level != Level::Unknown {
        right.push(Span::styled(
            format!(" {} {} ", g.level(level), level_word(level)),
            theme.level(level),
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(if focused {
            g.focus_border()
        } else {
            g.border()
        })
        .border_style(theme.border(focused))
        .title(Line::from(Span::styled(
            format!(" {} ", panel.title),
            title_style,
        )))
        .title(Line::from(right).right_aligned());
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

/// The current values: the worst first (glyph, value, legend), then the
/// other series, then the thresholds when there is room.
pub fn values_line<'a>(panel: &'a Panel, g: &Glyphs, theme: &Theme, width: u16) -> Line<'a> {
    let Some((hi, head, v)) = headline(panel) else {
        let text = if panel.series.is_empty() {
            "no data"
        } else {
            "no current value"
        };
        return Line::from(Span::styled(text, theme.muted()));
    };
    // The headline is the worst value: its state is the panel's.
    let level = panel.level;
    let style = theme.level(level).add_modifier(Modifier::BOLD);
    let mut spans = vec![Span::styled(
        format!("{} {}", g.level(level), format::value(v, panel.unit)),
        style,
    )];
    let many = panel.series.len() > 1;
    if many && !head.legend.is_empty() {
        spans.push(Span::styled(format!(" {}", head.legend), theme.muted()));
    }
    // `92 desired of max 40`.
    if let Some(max) = of_limit(panel) {
        spans.push(Span::styled(max, style));
    }
    if panel.series.len() <= LISTED_SERIES {
        for (i, s) in panel.series.iter().enumerate() {
            if i == hi {
                continue;
            }
            spans.push(Span::raw("  "));
            spans.push(Span::styled(
                s.legend.clone(),
                Style::new().fg(theme.series(i)),
            ));
            spans.push(Span::styled(
                format!(" {}", format::opt_value(s.value, panel.unit)),
                theme.text(),
            ));
        }
    } else if many {
        spans.push(Span::styled(
            format!("  worst of {}", current_count(panel)),
            theme.muted(),
        ));
    }
    let mut th = Vec::new();
    if let Some(w) = panel.warn {
        th.push(format!("warn {}", format::value(w, panel.unit)));
    }
    if let Some(c) = panel.crit {
        th.push(format!("crit {}", format::value(c, panel.unit)));
    }
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let th = th.join(" ");
    if !th.is_empty() && used + th.len() + 3 <= usize::from(width) {
        let pad = usize::from(width) - used - th.len();
        spans.push(Span::raw(" ".repeat(pad)));
        spans.push(Span::styled(th, theme.muted()));
    }
    Line::from(spans)
}

/// Panels at least this tall (inside the border) show the value big.
const BIG_MIN_HEIGHT: u16 = 14;
const BIG_MIN_WIDTH: u16 = 40;

/// The value three rows tall, with the state, the other series and the
/// thresholds beside it. Returns false when it does not fit.
pub fn big_header(panel: &Panel, g: &Glyphs, theme: &Theme, area: Rect, buf: &mut Buffer) -> bool {
    let Some((hi, head, v)) = headline(panel) else {
        return false;
    };
    // The headline is the worst value: its state is the panel's.
    let level = panel.level;
    let style = theme.level(level).add_modifier(Modifier::BOLD);
    let text = format::value(v, panel.unit);
    let (digits, unit) = bignum::split(&text);
    // `40 of max 40`: the limit beside the value, on its baseline.
    let unit = format!("{unit}{}", of_limit(panel).unwrap_or_default());
    let unit = unit.trim_start();
    let big_w = bignum::width(digits);
    let unit_w = unit.chars().count() as u16;
    if digits.is_empty() || area.height < bignum::HEIGHT || big_w + unit_w + 28 > area.width {
        return false;
    }
    let x = area.x + 1;
    bignum::render(digits, style, Rect { x, ..area }, buf);
    let unit_x = x + big_w + 1;
    buf.set_string(unit_x, area.y + 2, unit, style);
    let info_x = unit_x + unit.chars().count() as u16 + 2;
    let info = Rect::new(info_x, area.y, area.right().saturating_sub(info_x), 1);
    let mut first = vec![Span::styled(
        format!("{} {}", g.level(level), level_word(level)),
        theme.level(level),
    )];

    if panel.series.len() > 1 {
        first.push(Span::styled(format!("  {}", head.legend), theme.text()));
    }
    Line::from(first).render(info, buf);
    let mut others: Vec<Span> = Vec::new();
    if panel.series.len() <= LISTED_SERIES {
        for (i, s) in panel.series.iter().enumerate().filter(|(i, _)| *i != hi) {
            others.push(Span::styled(
                s.legend.clone(),
                Style::new().fg(theme.series(i)),
            ));
            others.push(Span::styled(
                format!(" {}  ", format::opt_value(s.value, panel.unit)),
                theme.text(),
            ));
        }
    } else {
        others.push(Span::styled(
            format!("worst of {} series", current_count(panel)),
            theme.muted(),
        ));
    }
    Line::from(others).render(
        Rect {
            y: area.y + 1,
            ..info
        },
        buf,
    );
    let mut th = Vec::new();
    if let Some(w) = panel.warn {
        th.push(format!("warn {}", format::value(w, panel.unit)));
    }
    if let Some(c) = panel.crit {
        th.push(format!("crit {}", format::value(c, panel.unit)));
    }
    Span::styled(th.join("  "), theme.muted()).render(
        Rect {
            y: area.y + 2,
            ..info
        },
        buf,
    );
    true
}

/// Lines `legend  value` for stat and table panels.
fn series_rows<'a>(panel: &'a Panel, theme: &Theme) -> Vec<Line<'a>> {
    panel
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            Line::from(vec![
                Span::styled(
                    format!("{:<24} ", s.legend),
                    Style::new().fg(theme.series(i)),
                ),
                Span::styled(format::opt_value(s.value, panel.unit), theme.level(s.level)),
            ])
        })
        .collect()
}

/// Shows the error of a panel that cannot be computed.
pub fn render_error(panel: &Panel, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let mut lines = vec![Line::from(Span::styled(
        format!("error: {}", panel.error.as_deref().unwrap_or("")),
        theme.level(Level::Warn),
    ))];
    for e in &panel.exprs {
        lines.push(Line::from(Span::styled(e.as_str(), theme.muted())));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(area, buf);
}

/// Draws one panel of the grid.
pub fn render(
    panel: &Panel,
    focused: bool,
    ctx: &ChartCtx,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let g = Glyphs::new(ctx.ascii);
    let inner = panel_box(panel, focused, &g, theme, area, buf);
    if inner.is_empty() {
        return;
    }
    if panel.error.is_some() {
        render_error(panel, theme, inner, buf);
        return;
    }
    let graph = matches!(panel.kind, PanelKind::Graph | PanelKind::Histogram);
    let big = graph
        && inner.height >= BIG_MIN_HEIGHT
        && inner.width >= BIG_MIN_WIDTH
        && big_header(
            panel,
            &g,
            theme,
            Rect {
                height: bignum::HEIGHT,
                ..inner
            },
            buf,
        );
    let header_rows = if big {
        bignum::HEIGHT
    } else {
        values_line(panel, &g, theme, inner.width).render(Rect { height: 1, ..inner }, buf);
        1
    };
    let rest = Rect {
        y: inner.y + header_rows,
        height: inner.height - header_rows,
        ..inner
    };
    match panel.kind {
        PanelKind::Graph | PanelKind::Histogram => {
            plot::render(panel, ctx, theme, rest, buf);
        }
        PanelKind::Stat | PanelKind::Table => {
            Paragraph::new(series_rows(panel, theme)).render(rest, buf);
        }
    }
}

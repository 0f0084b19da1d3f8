//! The terminal UI: draws each published `Frame` and turns keys into view
//! changes and engine `Command`s.
//!
//! Screen layout, wide (150 columns and more: three columns of charts;
//! 70 and more: two). Panels at least 14 rows tall show the value three rows
//! high; smaller ones on one line.
//!
//! ```text
//!  vitals demo │ ✗ targets 5/6 up │ updated 12:00:03Z │ every 2s │ scrape         ? help  q quit
//!  ✗ CRITICAL LatencyP99High 231ms for 2m10s                       (reverse video, full width)
//!  ▲ WARNING CpuBusy 82.3% for 2m10s (127.0.0.1:41001)       (one row per alert when tall)
//! ┏ Latency ━━━━━━━━━━━━━ ✗ CRIT ┓╭ Traffic ─────────────────────╮╭ Errors ──────── ▲ WARN ╮
//! ┃ ▀▀█ ▀▀█ ▄█    ✗ CRIT  p99    ┃│ ▄█    ▀▀█ ▀▀█     ·          ││ ▀▀█   ▄█  █▀█  ▲ WARN   │
//! ┃ █▀▀ ▀▀█  █    p50 50ms  p95..┃│  █    █▀▀ ▀▀█                ││ ▀▀█    █  █ █           │
//! ┃ ▀▀▀ ▀▀▀ ▀▀▀ ms warn.. crit.. ┃│ ▀▀▀ ▀ ▀▀▀ ▀▀▀ k/s            ││ ▀▀▀ ▀ ▀▀▀ ▀▀▀ %  warn.. │
//! ┃243ms          ⢀⡠⠔⠊ crit 200ms┃│1.29k/s            ⣀⡠⠤⠔⠒⠉    ││5.25% ⠤⠤⠤⠤⠤ crit 5.00%   │
//! ┃      ⣀⡠⠤⠒⠉⠁      warn 150ms ┃│        ⣀⠤⠒⠉                  ││      ⣀⠤⠒⠉  warn 1.00%   │
//! ┃0s    -4m58s               now┃│0/s     -4m58s            now││0%    -4m58s         now│
//! ┗━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┛╰──────────────────────────────╯╰─────────────────────────╯
//! ╭ CPU ───────────────── ✗ CRIT ╮╭ Instances ──────────── ✓ OK ╮╭ Saturation … ─── ✓ OK ╮
//! │  ... same shape ...           ││                              ││                        │
//! ╰───────────────────────────────╯╰──────────────────────────────╯╰────────────────────────╯
//! ╭ Instances 5/6 up ──────────────────────────────────────────────────────────────────────╮
//! │INSTANCE         JOB    UP      CPU       P99       ERRORS   LAST SCRAPE ERROR           │
//! │127.0.0.1:41001  demo   ✓ up    82.3% ✗   231ms ✗   3.10% ▲                              │
//! │127.0.0.1:41006  demo   ✗ DOWN  -         -         -        connection refused          │
//! ╰────────────────────────────────────────────────────────────────────────────────────────╯
//! ```
//!
//! Small screens (80x24), when charts would not fit: one row per panel
//! (state glyph, name, values, sparkline, state word), then the table.
//!
//! ```text
//!  vitals demo │ ✗ targets 5/6 up │ updated 12:00:03Z │ every 2s │ scrape
//!  ✗ CRITICAL LatencyP99High 231ms for 2m10s  +1 more
//! ╭ Signals ─────────────────────────────────────────────────────────────────────╮
//! │›✗ Latency     231ms p99 p50 50.0ms p95 180ms ▄▄▄▄▅▅▅▅▆▆▆▇▇▇██           CRIT│
//! │ · Traffic     1.23k/s          ▃▃▃▃▄▄▄▄▄▄▄▅▅▅▅▅▅▆▆▆▆▆▇▇▇▇▇███                 │
//! │ ▲ Errors      3.10%            ▁▁▁▁▁▁▁▂▂▂▂▂▃▃▃▄▄▄▅▅▆▆▇█                   WARN│
//! ╰──────────────────────────────────────────────────────────────────────────────╯
//! ╭ Instances 5/6 up ────────────────────────────────────────────────────────────╮
//! ╰──────────────────────────────────────────────────────────────────────────────╯
//! ```
//!
//! `Enter` expands the focused panel over the body (chart, legend with
//! now/min/max per series, expressions; `←/→` step a value cursor); `?`
//! draws the help overlay on top. Every chart shows the same time window
//! (`timeview`: `+ - [ ] 0`), written on its x axis; `p` freezes the view on
//! its frame (PAUSED on the status line). The instance table is filtered
//! and sorted by `table_view` and marks outliers (`outliers`); `select`
//! moves its selected row and pins every panel to that instance (the
//! status line says `pinned: <instance>`). The `/` and `:` prompts take the
//! bottom row (`prompt_bar`, with a popup of Tab completions from
//! `complete`); `:export` writes the Markdown summary and timeline
//! (`export`); `:note TEXT` adds a note, marked `✎` on every chart's time
//! axis (`plot`) and listed in the alerts list's history. `A` lists the
//! alerts over the body (`alerts_list`, keys in `alerts_keys`): `a`
//! acknowledges, `m` mutes. In `vitals replay` (`Frame::replay` set) the
//! status line shows the playback and `p`/Space `< > [ ] 0 g n N` drive the
//! player (`replay`); the charts end at the replay's position.
//! Every region is drawn by its own file from `(&Frame, &View, &Theme)`;
//! rendering does no I/O, reads no clock and takes no lock.

mod alerts_bar;
mod alerts_bell;
mod alerts_history;
pub mod alerts_keys;
mod alerts_list;
mod alerts_rows;
mod bignum;
mod complete;
mod event_loop;
mod expanded;
pub mod export;
mod glyphs;
mod graph;
mod help;
mod instances;
mod keys;
mod layout;
mod levels;
mod paste;
mod plot;
mod prompt;
mod prompt_bar;
mod replay;
mod select;
mod stat_rows;
mod status;
mod table_view;
mod terminal;
pub mod timeview;
mod view;

pub use event_loop::run;
pub use help::{KEYS, REPLAY_KEYS};
pub use layout::{plan, Areas, Mode};
pub use prompt::COMMANDS as PROMPT_COMMANDS;
pub use prompt::{Prompt, PromptKind};
pub use table_view::SortKey;
pub use view::{Focus, KeyOutcome, View};

use crate::frame::Frame;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// What the command line decides about the UI.
#[derive(Clone, Debug, PartialEq)]
pub struct UiOptions {
    /// Most redraws per second (`--fps`).
    pub fps: u32,
    /// Plain ASCII only, no braille or box drawing (`--ascii`).
    pub ascii: bool,
    /// No colour (`--no-color` or `NO_COLOR`).
    pub no_color: bool,
    /// Theme name or theme file path (`--theme`).
    pub theme: String,
    /// The diagnostics log, shown in help when the frame does not name one.
    pub log_path: Option<String>,
    /// The configuration file in use, shown in help.
    pub config_path: Option<String>,
    /// First words of the status line, e.g. `vitals demo`.
    pub title: String,
    /// Ring the terminal bell on new critical alerts (`--bell`).
    pub bell: bool,
}

impl Default for UiOptions {
    fn default() -> UiOptions {
        UiOptions {
            fps: 30,
            ascii: false,
            no_color: false,
            theme: "dark".to_string(),
            log_path: None,
            config_path: None,
            title: "vitals".to_string(),
            bell: false,
        }
    }
}

/// The view as drawn: focus kept inside what the frame has.
fn drawn_view<'a>(frame: &Frame, view: &'a View) -> std::borrow::Cow<'a, View> {
    if matches!(view.focus, Focus::Panel(i) if i >= frame.panels.len())
        || (view.focus == Focus::Instances && frame.instances.is_empty())
    {
        let mut v = view.clone();
        v.clamp(frame);
        std::borrow::Cow::Owned(v)
    } else {
        std::borrow::Cow::Borrowed(view)
    }
}

/// The instances the instance table shows on a screen of `area`, top to
/// bottom (empty when the table is not drawn).
pub fn table_window(frame: &Frame, view: &View, area: Rect) -> Vec<String> {
    if area.is_empty() {
        return Vec::new();
    }
    let view = drawn_view(frame, view);
    match layout::plan(area, frame, &view).table {
        Some(t) => instances::window(frame, &view, t),
        None => Vec::new(),
    }
}

/// The instance table's value sort on a screen of `area`, down to its
/// deepest row in sight (`None`: not sorted by a value, or not shown).
pub fn table_rank(frame: &Frame, view: &View, area: Rect) -> Option<crate::frame::TableRank> {
    if area.is_empty() {
        return None;
    }
    let view = drawn_view(frame, view);
    let t = layout::plan(area, frame, &view).table?;
    instances::rank(frame, &view, t)
}

/// The width in cells of the widest chart on a screen of `area` (inside
/// its panel's border; 0 when no chart is drawn).
pub fn chart_width(frame: &Frame, view: &View, area: Rect) -> u16 {
    if area.is_empty() {
        return 0;
    }
    let view = drawn_view(frame, view);
    let plan = layout::plan(area, frame, &view);
    if plan.mode == Mode::Stats {
        return 0;
    }
    frame
        .panels
        .iter()
        .zip(&plan.panels)
        .filter(|(p, r)| {
            !r.is_empty()
                && matches!(
                    p.kind,
                    crate::frame::PanelKind::Graph | crate::frame::PanelKind::Histogram
                )
        })
        .map(|(_, r)| r.width.saturating_sub(2))
        .max()
        .unwrap_or(0)
}

/// Pure rendering of the whole screen: no I/O, no clock, no lock.
pub fn render(frame: &Frame, view: &View, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    let view = drawn_view(frame, view);
    let view = view.as_ref();
    let plan = layout::plan(area, frame, view);
    let mut range = timeview::range(frame, view);
    // A replay's charts end at its position, not now: the axis says when.
    range.live &= frame.replay.is_none();
    let ctx = plot::ChartCtx {
        range,
        // Over a server the charts' points are a range query's step apart.
        interval: frame
            .server
            .as_ref()
            .and_then(|s| s.chart_step)
            .map_or(frame.interval, |step| step.max(frame.interval)),
        cursor: view.cursor_ms,
        notes: &frame.notes,
        tz: view.tz(),
        ascii: view.ascii,
    };
    status::render(frame, view, theme, plan.status, buf);
    alerts_bar::render(frame, view.ascii, theme, plan.alerts, buf);
    if let Some(b) = plan.stats_box {
        stat_rows::render_box(view.ascii, theme, b, buf);
    }
    for (i, (panel, rect)) in frame.panels.iter().zip(&plan.panels).enumerate() {
        if rect.is_empty() {
            continue;
        }
        let focused = view.focus == Focus::Panel(i);
        match plan.mode {
            Mode::Expanded => expanded::render(panel, &ctx, theme, *rect, buf),
            Mode::Grid { .. } => graph::render(panel, focused, &ctx, theme, *rect, buf),
            Mode::Stats => stat_rows::render_row(panel, focused, &ctx, theme, *rect, buf),
        }
    }
    if let Some(t) = plan.table {
        let focused = view.focus == Focus::Instances;
        instances::render(frame, view, focused, theme, t, buf);
    }
    alerts_list::render(frame, view, theme, &plan, area, buf);
    if view.help {
        help::render(frame, view, theme, area, buf);
    }
    prompt_bar::render(view, theme, area, buf);
    alerts_list::render_prompt(frame, view, theme, area, buf);
    if view.ascii {
        glyphs::asciify(buf, area);
    }
}

//! The symbols that carry status without colour, in Unicode and in plain
//! ASCII (`--ascii`), and the final pass that makes a whole screen ASCII.

use crate::frame::Level;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::symbols::border;

/// How many series marks there are (`Glyphs::series`).
pub const SERIES_MARKS: usize = 8;

/// One set of status symbols.
#[derive(Clone, Copy, Debug)]
pub struct Glyphs {
    pub ascii: bool,
    pub ok: &'static str,
    pub warn: &'static str,
    pub crit: &'static str,
    pub unknown: &'static str,
    pub stale: &'static str,
    pub sep: &'static str,
    pub ellipsis: &'static str,
    /// Counts a group's alerts: `CpuHigh ×38`.
    pub times: &'static str,
    /// A note (`:note`) on a chart's time axis and in the alerts list.
    pub note: &'static str,
    /// Sparkline steps, lowest first.
    pub spark: [&'static str; 8],
}

const UNICODE: Glyphs = Glyphs {
    ascii: false,
    ok: "✓",
    warn: "▲",
    crit: "✗",
    unknown: "·",
    stale: "◌",
    sep: "│",
    ellipsis: "…",
    times: "×",
    note: "✎",
    spark: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"],
};

const ASCII: Glyphs = Glyphs {
    ascii: true,
    ok: "+",
    warn: "!",
    crit: "X",
    unknown: "-",
    stale: "~",
    sep: "|",
    ellipsis: "~",
    times: "x",
    note: "^",
    spark: ["_", "_", ".", ".", "-", "-", "=", "#"],
};

impl Glyphs {
    /// The Unicode or the ASCII set.
    pub fn new(ascii: bool) -> Glyphs {
        if ascii {
            ASCII
        } else {
            UNICODE
        }
    }

    /// The mark of the `i`th series of a panel, in legends and at the end
    /// of its line in the expanded chart: series are told apart by shape
    /// as well as colour (`--no-color`). None of them is a level's symbol
    /// or the outlier mark.
    pub fn series(&self, i: usize) -> &'static str {
        const UNICODE_MARKS: [&str; SERIES_MARKS] = ["■", "●", "□", "○", "▼", "◇", "+", "×"];
        const ASCII_MARKS: [&str; SERIES_MARKS] = ["*", "o", "#", "@", "v", "%", "+", "x"];
        if self.ascii {
            ASCII_MARKS[i % ASCII_MARKS.len()]
        } else {
            UNICODE_MARKS[i % UNICODE_MARKS.len()]
        }
    }

    /// The symbol of a level.
    pub fn level(&self, level: Level) -> &'static str {
        match level {
            Level::Unknown => self.unknown,
            Level::Ok => self.ok,
            Level::Warn => self.warn,
            Level::Crit => self.crit,
        }
    }

    /// Border set for an unfocused panel.
    pub fn border(&self) -> border::Set<'static> {
        if self.ascii {
            ASCII_BORDER
        } else {
            border::ROUNDED
        }
    }

    /// Border set for the focused panel (visible without colour).
    pub fn focus_border(&self) -> border::Set<'static> {
        if self.ascii {
            ASCII_FOCUS_BORDER
        } else {
            border::THICK
        }
    }

    /// A sparkline of `values` (oldest first) squeezed or padded into
    /// `width` cells, empty cells where there is no data, on a given scale:
    /// `lo` is the lowest block, `hi` the full one (a value below a
    /// threshold on the scale reads as such).
    pub fn sparkline_in(&self, values: &[f64], width: usize, lo: f64, hi: f64) -> String {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        if width == 0 || finite.is_empty() {
            return " ".repeat(width);
        }
        let n = finite.len();
        let cells = width.min(n);
        let mut out = " ".repeat(width - cells);
        for c in 0..cells {
            // the maximum of the points that fall into this cell
            let a = c * n / cells;
            let b = ((c + 1) * n / cells).max(a + 1);
            let v = finite[a..b]
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max);
            let step = if hi > lo {
                (((v - lo) / (hi - lo)) * 7.0).round().clamp(0.0, 7.0) as usize
            } else {
                0
            };
            out.push_str(self.spark[step]);
        }
        out
    }
}

/// Level words, so colour is never the only signal.
pub fn level_word(level: Level) -> &'static str {
    match level {
        Level::Unknown => "",
        Level::Ok => "OK",
        Level::Warn => "WARN",
        Level::Crit => "CRIT",
    }
}

const ASCII_BORDER: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

const ASCII_FOCUS_BORDER: border::Set<'static> = border::Set {
    top_left: "#",
    top_right: "#",
    bottom_left: "#",
    bottom_right: "#",
    vertical_left: "#",
    vertical_right: "#",
    horizontal_top: "=",
    horizontal_bottom: "=",
};

/// Replaces every non-ASCII symbol in `area` with a plain character of the
/// same shape, so `--ascii` screens hold nothing but ASCII whatever the
/// widgets drew (braille plots, box drawing, ellipses, µ).
pub fn asciify(buf: &mut Buffer, area: Rect) {
    let area = area.intersection(buf.area);
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            let Some(cell) = buf.cell_mut((x, y)) else {
                continue;
            };
            let sym = cell.symbol();
            if sym.is_ascii() {
                continue;
            }
            let c = sym.chars().next().unwrap_or(' ');
            let plain = match c {
                '\u{2801}'..='\u{28ff}' | '•' | '●' | '■' | '◆' => "*",
                '▼' => "v",
                '□' => "#",
                '○' => "o",
                '◇' => "%",
                '×' => "x",
                '–' => "-",
                '\u{2800}' => " ",
                '─' | '━' | '═' | '╌' => "-",
                '│' | '┃' | '║' | '╎' => "|",
                '┌' | '┐' | '└' | '┘' | '╭' | '╮' | '╯' | '╰' | '┼' | '├' | '┤' | '┬' | '┴' => {
                    "+"
                }
                '┏' | '┓' | '┗' | '┛' => "#",
                '…' => "~",
                'µ' => "u",
                '▁' | '▂' => "_",
                '▃' => ".",
                '▅' | '▆' => "-",
                '▄' | '▇' | '█' | '▀' | '▌' | '▐' => "#",
                '✓' => "+",
                '✗' => "X",
                '▲' => "!",
                '◌' => "~",
                '·' => ".",
                '✎' => "^",
                _ => "?",
            };
            cell.set_symbol(plain);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_and_pads() {
        let g = Glyphs::new(false);
        assert_eq!(g.sparkline_in(&[0.0, 1.0, 2.0, 7.0], 6, 0.0, 7.0), "  ▁▂▃█");
        assert_eq!(g.sparkline_in(&[], 3, 0.0, 1.0), "   ");
        assert_eq!(g.sparkline_in(&[f64::NAN, 5.0], 2, 0.0, 5.0), " █");
        let up_to_99: Vec<f64> = (0..100).map(f64::from).collect();
        let squeezed = g.sparkline_in(&up_to_99, 4, 0.0, 99.0);
        assert_eq!(squeezed.chars().count(), 4);
        assert!(Glyphs::new(true)
            .sparkline_in(&[1.0, 2.0], 5, 0.0, 2.0)
            .is_ascii());
        // On a scale up to a threshold, a value half way is half a bar.
        assert_eq!(g.sparkline_in(&[0.1, 0.1], 2, 0.0, 0.2), "▅▅");
        assert_eq!(g.sparkline_in(&[0.3], 1, 0.0, 0.2), "█");
    }

    #[test]
    fn asciify_leaves_only_ascii() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 7, 1));
        buf.set_string(0, 0, "╭⣿─…µ✗✎", ratatui::style::Style::new());
        let area = buf.area;
        asciify(&mut buf, area);
        let line: String = (0..7).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        assert_eq!(line, "+*-~uX^");
    }
}

//! Numbers three rows tall (a 3x5 pixel font in half blocks) for panels with
//! room, so the current value reads from across a war room.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

/// Rows the big font takes.
pub const HEIGHT: u16 = 3;

/// Pixel rows of a glyph, top first; each row is a bit mask, bit 2 left.
fn glyph(c: char) -> Option<(u16, [u8; 5])> {
    Some(match c {
        '0' => (3, [0b111, 0b101, 0b101, 0b101, 0b111]),
        '1' => (3, [0b010, 0b110, 0b010, 0b010, 0b111]),
        '2' => (3, [0b111, 0b001, 0b111, 0b100, 0b111]),
        '3' => (3, [0b111, 0b001, 0b111, 0b001, 0b111]),
        '4' => (3, [0b101, 0b101, 0b111, 0b001, 0b001]),
        '5' => (3, [0b111, 0b100, 0b111, 0b001, 0b111]),
        '6' => (3, [0b111, 0b100, 0b111, 0b101, 0b111]),
        '7' => (3, [0b111, 0b001, 0b001, 0b001, 0b001]),
        '8' => (3, [0b111, 0b101, 0b111, 0b101, 0b111]),
        '9' => (3, [0b111, 0b101, 0b111, 0b001, 0b111]),
        '-' => (3, [0b000, 0b000, 0b111, 0b000, 0b000]),
        '.' => (1, [0b0, 0b0, 0b0, 0b0, 0b1]),
        _ => return None,
    })
}

/// Splits `231ms` into the number drawn big (`231`) and the rest (`ms`).
pub fn split(text: &str) -> (&str, &str) {
    let end = text
        .char_indices()
        .find(|(_, c)| glyph(*c).is_none())
        .map_or(text.len(), |(i, _)| i);
    text.split_at(end)
}

/// Width in cells of `digits` drawn big (one blank column between glyphs).
pub fn width(digits: &str) -> u16 {
    let mut w = 0u16;
    for c in digits.chars() {
        if let Some((gw, _)) = glyph(c) {
            w = w.saturating_add(gw + 1);
        }
    }
    w.saturating_sub(1)
}

/// Draws `digits` big at the top left of `area`; returns the width used.
/// Characters the font lacks are skipped.
pub fn render(digits: &str, style: Style, area: Rect, buf: &mut Buffer) -> u16 {
    if area.height < HEIGHT || width(digits) > area.width {
        return 0;
    }
    let mut x = area.x;
    for c in digits.chars() {
        let Some((gw, rows)) = glyph(c) else {
            continue;
        };
        for col in 0..gw {
            let bit = 1u8 << (gw - 1 - col);
            for cell_row in 0..HEIGHT {
                let top = rows
                    .get(usize::from(cell_row * 2))
                    .is_some_and(|r| r & bit != 0);
                let bottom = rows
                    .get(usize::from(cell_row * 2 + 1))
                    .is_some_and(|r| r & bit != 0);
                let sym = match (top, bottom) {
                    (true, true) => "█",
                    (true, false) => "▀",
                    (false, true) => "▄",
                    (false, false) => " ",
                };
                if let Some(cell) = buf.cell_mut((x + col, area.y + cell_row)) {
                    cell.set_symbol(sym).set_style(style);
                }
            }
        }
        x += gw + 1;
    }
    x.saturating_sub(area.x + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_number_from_unit() {
        assert_eq!(split("231ms"), ("231", "ms"));
        assert_eq!(split("82.3%"), ("82.3", "%"));
        assert_eq!(split("-1.20k/s"), ("-1.20", "k/s"));
        assert_eq!(split("NaN"), ("", "NaN"));
    }

    #[test]
    fn draws_three_rows() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 9, 3));
        let w = render("1.5", Style::new(), buf.area, &mut buf);
        assert_eq!(w, 9);
        let rows: Vec<String> = (0..3)
            .map(|y| (0..9).map(|x| buf[(x, y)].symbol().to_string()).collect())
            .collect();
        assert_eq!(rows, vec!["▄█    █▀▀", " █    ▀▀█", "▀▀▀ ▀ ▀▀▀"]);
    }
}

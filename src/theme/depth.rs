//! How many colours the terminal can show, and reducing RGB colours to it.

use ratatui::style::Color;

/// The colour depth of the terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorDepth {
    /// 24-bit colour (`COLORTERM=truecolor` or `24bit`, or a `TERM` of the
    /// `*-direct` family).
    TrueColor,
    /// The xterm 256-colour palette (`TERM=*-256color`).
    Ansi256,
    /// The 16 named ANSI colours (anything else).
    Ansi16,
}

impl ColorDepth {
    /// Detects the depth from `COLORTERM` and `TERM`.
    pub fn detect() -> ColorDepth {
        let colorterm = std::env::var("COLORTERM").unwrap_or_default();
        let term = std::env::var("TERM").unwrap_or_default();
        ColorDepth::from_env(&colorterm, &term)
    }

    /// The depth that the given `COLORTERM` and `TERM` values announce.
    pub fn from_env(colorterm: &str, term: &str) -> ColorDepth {
        let colorterm = colorterm.trim().to_ascii_lowercase();
        let term = term.trim().to_ascii_lowercase();
        if colorterm == "truecolor" || colorterm == "24bit" || term.ends_with("-direct") {
            ColorDepth::TrueColor
        } else if term.contains("256color") || term.contains("256colour") {
            ColorDepth::Ansi256
        } else {
            ColorDepth::Ansi16
        }
    }

    /// Reduces `color` to this depth. `fallback` is the theme's named colour
    /// for terminals with 16 colours.
    pub fn reduce(self, color: Color, fallback: Option<Color>) -> Color {
        match (self, color) {
            (ColorDepth::TrueColor, c) => c,
            (ColorDepth::Ansi256, Color::Rgb(r, g, b)) => Color::Indexed(rgb_to_256(r, g, b)),
            (ColorDepth::Ansi256, c) => c,
            (ColorDepth::Ansi16, Color::Rgb(r, g, b)) => {
                fallback.unwrap_or_else(|| nearest_named(r, g, b))
            }
            (ColorDepth::Ansi16, Color::Indexed(i)) if i >= 16 => fallback.unwrap_or_else(|| {
                let (r, g, b) = index_to_rgb(i);
                nearest_named(r, g, b)
            }),
            (ColorDepth::Ansi16, Color::Indexed(i)) => NAMED[usize::from(i)].0,
            (ColorDepth::Ansi16, c) => c,
        }
    }
}

/// The 16 named colours with the xterm default RGB values.
const NAMED: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

fn dist(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).unsigned_abs();
    d(a.0, b.0).pow(2) + d(a.1, b.1).pow(2) + d(a.2, b.2).pow(2)
}

fn nearest_named(r: u8, g: u8, b: u8) -> Color {
    NAMED
        .iter()
        .min_by_key(|(_, rgb)| dist(*rgb, (r, g, b)))
        .map(|(c, _)| *c)
        .unwrap_or(Color::Reset)
}

const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

fn nearest_cube_step(v: u8) -> u8 {
    let mut best = 0u8;
    for (i, c) in CUBE.iter().enumerate() {
        if (i32::from(*c) - i32::from(v)).abs()
            < (i32::from(CUBE[best as usize]) - i32::from(v)).abs()
        {
            best = i as u8;
        }
    }
    best
}

/// The nearest entry of the xterm 256-colour palette (cube or grey ramp).
fn rgb_to_256(r: u8, g: u8, b: u8) -> u8 {
    let (cr, cg, cb) = (
        nearest_cube_step(r),
        nearest_cube_step(g),
        nearest_cube_step(b),
    );
    let cube_idx = 16 + 36 * cr + 6 * cg + cb;
    let cube_rgb = (CUBE[cr as usize], CUBE[cg as usize], CUBE[cb as usize]);
    let avg = ((u16::from(r) + u16::from(g) + u16::from(b)) / 3) as u8;
    let grey_step = if avg < 8 { 0 } else { ((avg - 8) / 10).min(23) };
    let grey = 8 + grey_step * 10;
    let grey_idx = 232 + grey_step;
    if dist((grey, grey, grey), (r, g, b)) < dist(cube_rgb, (r, g, b)) {
        grey_idx
    } else {
        cube_idx
    }
}

fn index_to_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => NAMED[usize::from(i)].1,
        16..=231 => {
            let n = i - 16;
            (
                CUBE[usize::from(n / 36)],
                CUBE[usize::from((n / 6) % 6)],
                CUBE[usize::from(n % 6)],
            )
        }
        _ => {
            let v = 8 + (i - 232) * 10;
            (v, v, v)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_depth_from_env() {
        assert_eq!(
            ColorDepth::from_env("truecolor", "xterm"),
            ColorDepth::TrueColor
        );
        assert_eq!(
            ColorDepth::from_env("", "xterm-256color"),
            ColorDepth::Ansi256
        );
        assert_eq!(ColorDepth::from_env("", "linux"), ColorDepth::Ansi16);
        assert_eq!(
            ColorDepth::from_env("TrueColor", "screen"),
            ColorDepth::TrueColor
        );
        assert_eq!(
            ColorDepth::from_env("24bit", "xterm-256color"),
            ColorDepth::TrueColor
        );
        assert_eq!(
            ColorDepth::from_env("", "xterm-direct"),
            ColorDepth::TrueColor
        );
        assert_eq!(
            ColorDepth::from_env("", "screen.xterm-256color"),
            ColorDepth::Ansi256
        );
        assert_eq!(
            ColorDepth::from_env("yes", "tmux-256color"),
            ColorDepth::Ansi256
        );
        assert_eq!(ColorDepth::from_env("", "xterm"), ColorDepth::Ansi16);
        assert_eq!(ColorDepth::from_env("", "dumb"), ColorDepth::Ansi16);
        assert_eq!(ColorDepth::from_env("", ""), ColorDepth::Ansi16);
    }

    #[test]
    fn reduces_rgb() {
        let orange = Color::Rgb(0xe6, 0x9f, 0x00);
        assert_eq!(ColorDepth::TrueColor.reduce(orange, None), orange);
        assert_eq!(
            ColorDepth::Ansi256.reduce(orange, None),
            Color::Indexed(178)
        );
        assert_eq!(
            ColorDepth::Ansi16.reduce(orange, Some(Color::Yellow)),
            Color::Yellow
        );
        assert_eq!(
            ColorDepth::Ansi16.reduce(Color::Rgb(250, 5, 5), None),
            Color::LightRed
        );
        assert_eq!(
            ColorDepth::Ansi256.reduce(Color::Rgb(128, 128, 128), None),
            Color::Indexed(244)
        );
        assert_eq!(
            ColorDepth::Ansi16.reduce(Color::Indexed(1), None),
            Color::Red
        );
        assert_eq!(ColorDepth::Ansi16.reduce(Color::Cyan, None), Color::Cyan);
        // 256 colours: the cube and the grey ramp, exact where they can be.
        let to256 = |r, g, b| ColorDepth::Ansi256.reduce(Color::Rgb(r, g, b), None);
        assert_eq!(to256(0, 0, 0), Color::Indexed(16));
        assert_eq!(to256(255, 255, 255), Color::Indexed(231));
        assert_eq!(to256(0xd5, 0x5e, 0x00), Color::Indexed(166));
        assert_eq!(to256(0x08, 0x08, 0x08), Color::Indexed(232));
        assert_eq!(to256(0xee, 0xee, 0xee), Color::Indexed(255));
        // 16 colours without a named fallback: the nearest named colour.
        let to16 = |r, g, b| ColorDepth::Ansi16.reduce(Color::Rgb(r, g, b), None);
        assert_eq!(to16(0, 0, 250), Color::Blue);
        assert_eq!(to16(10, 200, 10), Color::Green);
        assert_eq!(to16(120, 120, 120), Color::DarkGray);
        assert_eq!(
            ColorDepth::Ansi16.reduce(Color::Indexed(196), None),
            Color::LightRed
        );
        // Named colours and the default pass through at every depth.
        for d in [
            ColorDepth::TrueColor,
            ColorDepth::Ansi256,
            ColorDepth::Ansi16,
        ] {
            assert_eq!(d.reduce(Color::Reset, None), Color::Reset);
            assert_eq!(d.reduce(Color::LightRed, None), Color::LightRed);
        }
    }

    #[test]
    fn every_rgb_colour_reduces_to_the_palette_entry_nearest_to_it() {
        for r in (0..=255u16).step_by(17) {
            for g in (0..=255u16).step_by(51) {
                for b in (0..=255u16).step_by(85) {
                    let (r, g, b) = (r as u8, g as u8, b as u8);
                    let Color::Indexed(i) = ColorDepth::Ansi256.reduce(Color::Rgb(r, g, b), None)
                    else {
                        panic!("not indexed");
                    };
                    assert!(i >= 16, "never the terminal-defined 0-15");
                    let got = dist(index_to_rgb(i), (r, g, b));
                    let best = (16..=255u8)
                        .map(|j| dist(index_to_rgb(j), (r, g, b)))
                        .min()
                        .unwrap();
                    // The cube-or-grey choice is within a small margin of
                    // the true nearest entry.
                    assert!(
                        got <= best + 3 * 20 * 20,
                        "{r},{g},{b}: {i} {got} vs {best}"
                    );
                }
            }
        }
    }
}

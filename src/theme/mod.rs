//! Colours and emphasis, named by meaning. The only place in the crate that
//! builds a `Color`.
//!
//! A theme is a set of slots (`ok`, `warn`, `crit`, `stale`, `muted`,
//! `accent`, `text`, `border`, `focus`, `info`, eight series colours) read
//! from `themes/*.toml` (embedded in the binary) or from a user file that
//! overrides only the slots it names. RGB colours are reduced to what the
//! terminal can show ([`ColorDepth`]). With `--no-color`, `NO_COLOR` or the
//! `mono` theme every slot is the terminal's default colour and status is
//! carried by bold and reverse video (glyphs and words are always drawn).

mod depth;
mod file;

pub use depth::ColorDepth;

use crate::frame::Level;
use ratatui::style::{Color, Modifier, Style};

/// The themes shipped in the binary: (name, file text).
const BUILTIN: [(&str, &str); 5] = [
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("colorblind", include_str!("../../themes/colorblind.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// Number of series colours a theme holds.
pub const SERIES_COLORS: usize = 8;

/// A resolved theme: one colour per slot.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    name: String,
    /// Status is shown with modifiers instead of colour.
    monochrome: bool,
    text: Color,
    muted: Color,
    accent: Color,
    border: Color,
    focus: Color,
    ok: Color,
    warn: Color,
    crit: Color,
    stale: Color,
    info: Color,
    series: [Color; SERIES_COLORS],
}

impl Theme {
    /// Loads a built-in theme by name (`dark`, `light`, `high-contrast`,
    /// `colorblind`, `mono`) or a theme file by path (partial: the slots it
    /// does not name come from `dark`). `no_color` (or a non-empty
    /// `NO_COLOR` in the environment) gives [`Theme::no_color`]. The
    /// terminal's colour depth is detected from `COLORTERM` and `TERM`.
    pub fn load(name: &str, no_color: bool) -> anyhow::Result<Theme> {
        let env_no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        // Still validate the name, so a typo is reported even without colour.
        let theme = Theme::load_with_depth(name, ColorDepth::detect())?;
        if no_color || env_no_color {
            return Ok(Theme::no_color());
        }
        Ok(theme)
    }

    /// Like [`Theme::load`] with an explicit colour depth and no look at
    /// `NO_COLOR`.
    pub fn load_with_depth(name: &str, depth: ColorDepth) -> anyhow::Result<Theme> {
        let builtin = |n: &str| BUILTIN.iter().find(|(b, _)| *b == n).map(|(_, t)| *t);
        let canonical = match name {
            "default" => "dark",
            "colour-blind" | "colorblind-safe" | "colour-blind-safe" | "color-blind" => {
                "colorblind"
            }
            "monochrome" => "mono",
            "highcontrast" | "high_contrast" => "high-contrast",
            other => other,
        };
        let base_text = builtin("dark").unwrap_or_default();
        let base = file::parse(base_text, "themes/dark.toml", None, depth)?;
        if let Some(text) = builtin(canonical) {
            let source = format!("themes/{canonical}.toml");
            let mut theme = file::parse(text, &source, Some(&base), depth)?;
            theme.name = canonical.to_string();
            return Ok(theme);
        }
        let path = std::path::Path::new(name);
        if name.ends_with(".toml") || path.exists() {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read theme file {name}: {e}"))?;
            let mut theme = file::parse(&text, name, Some(&base), depth)?;
            theme.name = name.to_string();
            return Ok(theme);
        }
        anyhow::bail!(
            "unknown theme {name:?}: expected one of {} or a path to a .toml theme file",
            Theme::builtin_names().join(", ")
        )
    }

    /// Names of the themes shipped in the binary.
    pub fn builtin_names() -> Vec<&'static str> {
        BUILTIN.iter().map(|(n, _)| *n).collect()
    }

    /// Every slot is the terminal's default colour; status is carried by
    /// glyphs, words, bold and reverse video.
    pub fn no_color() -> Theme {
        Theme {
            name: "no-color".to_string(),
            monochrome: true,
            text: Color::Reset,
            muted: Color::Reset,
            accent: Color::Reset,
            border: Color::Reset,
            focus: Color::Reset,
            ok: Color::Reset,
            warn: Color::Reset,
            crit: Color::Reset,
            stale: Color::Reset,
            info: Color::Reset,
            series: [Color::Reset; SERIES_COLORS],
        }
    }

    /// The theme's name (`dark`, `no-color`, a file path, ...).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// True when status is carried by modifiers rather than colour.
    pub fn is_monochrome(&self) -> bool {
        self.monochrome
    }

    fn fg(&self, c: Color) -> Style {
        Style::new().fg(c)
    }

    /// Ordinary text.
    pub fn text(&self) -> Style {
        self.fg(self.text)
    }

    /// Secondary text: labels, axes, hints.
    pub fn muted(&self) -> Style {
        if self.monochrome {
            Style::new().add_modifier(Modifier::DIM)
        } else {
            self.fg(self.muted)
        }
    }

    /// Titles and the product name.
    pub fn accent(&self) -> Style {
        self.fg(self.accent).add_modifier(Modifier::BOLD)
    }

    /// Informational highlights (pending alerts, notices).
    pub fn info(&self) -> Style {
        self.fg(self.info)
    }

    /// A panel border; the focused panel stands out without colour too
    /// (the caller also switches to a thick border).
    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(self.focus).add_modifier(Modifier::BOLD)
        } else {
            self.fg(self.border)
        }
    }

    /// Style of a value or word in state `level`.
    pub fn level(&self, level: Level) -> Style {
        match level {
            Level::Unknown => self.text(),
            Level::Ok => self.fg(self.ok),
            Level::Warn => self.fg(self.warn).add_modifier(Modifier::BOLD),
            Level::Crit => {
                let s = self.fg(self.crit).add_modifier(Modifier::BOLD);
                if self.monochrome {
                    s.add_modifier(Modifier::REVERSED)
                } else {
                    s
                }
            }
        }
    }

    /// A banner that cannot be missed: reverse video in the level's colour.
    pub fn banner(&self, level: Level) -> Style {
        let c = match level {
            Level::Crit => self.crit,
            Level::Warn => self.warn,
            Level::Ok => self.ok,
            Level::Unknown => self.text,
        };
        Style::new()
            .fg(c)
            .add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }

    /// Data that is held but not current (stale alerts, down targets' rows).
    pub fn stale(&self) -> Style {
        if self.monochrome {
            Style::new().add_modifier(Modifier::ITALIC)
        } else {
            self.fg(self.stale)
        }
    }

    /// The colour of series `i` (cycling through the theme's eight).
    pub fn series(&self, i: usize) -> Color {
        self.series[i % SERIES_COLORS]
    }

    /// The colour of a threshold line at `level` (warn or crit).
    pub fn threshold(&self, level: Level) -> Color {
        match level {
            Level::Crit => self.crit,
            Level::Warn => self.warn,
            _ => self.muted,
        }
    }

    /// The colour of a reference line (a configured limit).
    pub fn limit(&self) -> Color {
        self.info
    }
}

impl Default for Theme {
    /// The built-in `dark` theme at 16 colours.
    fn default() -> Theme {
        Theme::load_with_depth("dark", ColorDepth::Ansi16).unwrap_or_else(|_| Theme::no_color())
    }
}

#[cfg(test)]
mod tests;

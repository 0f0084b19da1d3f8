//! Colours and emphasis, named by meaning. The only place in the crate that
//! builds a `Color`.
//!
//! A theme is a set of slots (`ok`, `warn`, `crit`, `stale`, `muted`,
//! `accent`, `text`, `border`, `focus`, `info`, eight series colours) read
//! from `themes/*.toml` (embedded in the binary) or from a user file that
//! overrides only the slots it names.
//!
//! User themes live in `$XDG_CONFIG_HOME/vitals/themes/NAME.toml` (else
//! `~/.config/vitals/themes/`) and are found by `--theme NAME` and
//! `:theme NAME`. A user file named like a built-in theme changes only the
//! slots it names of that built-in; a file with a new name starts from the
//! theme its `inherits` key names, else from `dark`. A theme given as a
//! path to a `.toml` file works the same way. RGB colours are reduced to what the
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

/// The text of built-in theme `name`.
fn builtin_text(name: &str) -> Option<&'static str> {
    BUILTIN.iter().find(|(b, _)| *b == name).map(|(_, t)| *t)
}

/// Built-in theme `name` (every built-in starts from `dark`).
fn builtin(name: &str, depth: ColorDepth) -> anyhow::Result<Theme> {
    let dark = file::parse(
        builtin_text("dark").unwrap_or_default(),
        "themes/dark.toml",
        None,
        depth,
    )?;
    let text = builtin_text(name).ok_or_else(|| anyhow::anyhow!("unknown theme {name:?}"))?;
    let mut theme = file::parse(text, &format!("themes/{name}.toml"), Some(&dark), depth)?;
    theme.name = name.to_string();
    Ok(theme)
}

/// Where user themes live: `$XDG_CONFIG_HOME/vitals/themes`, else
/// `$HOME/.config/vitals/themes`.
pub fn user_theme_dir() -> Option<std::path::PathBuf> {
    Some(crate::vocab::paths::config_dir()?.join("themes"))
}

/// The names of the user themes in `dir`, sorted.
fn user_names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".toml").map(str::to_string)
        })
        .filter(|n| builtin_text(n).is_none())
        .collect();
    names.sort();
    names
}

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
        Theme::load_from(name, depth, user_theme_dir().as_deref())
    }

    /// Like [`Theme::load_with_depth`], with user themes looked up in
    /// `user_dir` (none when `None`).
    pub fn load_from(
        name: &str,
        depth: ColorDepth,
        user_dir: Option<&std::path::Path>,
    ) -> anyhow::Result<Theme> {
        let canonical = match name {
            "default" => "dark",
            "colour-blind" | "colorblind-safe" | "colour-blind-safe" | "color-blind" => {
                "colorblind"
            }
            "monochrome" => "mono",
            "highcontrast" | "high_contrast" => "high-contrast",
            other => other,
        };
        let is_name = !canonical.is_empty()
            && canonical
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && !canonical.ends_with(".toml");
        let user_file = user_dir
            .filter(|_| is_name)
            .map(|d| d.join(format!("{canonical}.toml")))
            .filter(|p| p.is_file());
        if let Some(path) = user_file {
            let mut theme = Theme::from_file(&path, Some(canonical), depth)?;
            theme.name = canonical.to_string();
            return Ok(theme);
        }
        if builtin_text(canonical).is_some() {
            return builtin(canonical, depth);
        }
        let path = std::path::Path::new(name);
        if name.ends_with(".toml") || path.exists() {
            let mut theme = Theme::from_file(path, None, depth)?;
            theme.name = name.to_string();
            return Ok(theme);
        }
        let mut known = Theme::builtin_names()
            .into_iter()
            .map(str::to_string)
            .collect::<Vec<_>>();
        known.extend(user_dir.map(user_names).unwrap_or_default());
        known.dedup();
        anyhow::bail!(
            "unknown theme {name:?}: expected one of {} or a path to a .toml theme file",
            known.join(", ")
        )
    }

    /// A theme file over its base: the theme its `inherits` names, else
    /// the built-in `same_as` (a user file named like a built-in), else
    /// `dark`.
    fn from_file(
        path: &std::path::Path,
        same_as: Option<&str>,
        depth: ColorDepth,
    ) -> anyhow::Result<Theme> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read theme file {shown}: {e}"))?;
        let base_name = match file::inherits(&text) {
            Some(b) => {
                if builtin_text(&b).is_none() {
                    anyhow::bail!(
                        "{shown}: inherits: unknown theme {b:?}; expected one of {}",
                        Theme::builtin_names().join(", ")
                    );
                }
                b
            }
            None => same_as
                .filter(|n| builtin_text(n).is_some())
                .unwrap_or("dark")
                .to_string(),
        };
        let base = builtin(&base_name, depth)?;
        file::parse(&text, &shown, Some(&base), depth)
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

    /// True for [`Theme::no_color`] (`--no-color` or `NO_COLOR`), which a
    /// theme switch at run time keeps; the `mono` theme is not it.
    pub fn is_no_color(&self) -> bool {
        self.name == "no-color"
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

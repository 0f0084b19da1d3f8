//! The theme file format (TOML, strict keys, every key optional so a file
//! can override only what it names).
//!
//! ```toml
//! inherits = "light"   # the theme this one starts from (optional)
//! monochrome = false
//! [colors]
//! crit = "#d55e00/lightred"   # RGB with a named fallback for 16 colours
//! series = ["cyan", "magenta"]
//! ```

use super::{ColorDepth, Theme, SERIES_COLORS};
use ratatui::style::Color;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    inherits: Option<String>,
    monochrome: Option<bool>,
    colors: Option<Colors>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Colors {
    text: Option<String>,
    muted: Option<String>,
    accent: Option<String>,
    border: Option<String>,
    focus: Option<String>,
    ok: Option<String>,
    warn: Option<String>,
    crit: Option<String>,
    stale: Option<String>,
    info: Option<String>,
    series: Option<Vec<String>>,
}

/// Parses theme file `text` (named `source` in errors) over `base` (or over
/// the terminal default colours when `base` is `None`).
pub(super) fn parse(
    text: &str,
    source: &str,
    base: Option<&Theme>,
    depth: ColorDepth,
) -> anyhow::Result<Theme> {
    let file: ThemeFile = toml::from_str(text).map_err(|e| {
        let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        anyhow::anyhow!(
            "{source}:{line}:{col}: {}",
            e.message().lines().next().unwrap_or("invalid theme file")
        )
    })?;
    let mut theme = base.cloned().unwrap_or_else(Theme::no_color);
    if let Some(m) = file.monochrome {
        theme.monochrome = m;
    } else if base.is_none() {
        theme.monochrome = false;
    }
    let Some(colors) = file.colors else {
        return Ok(theme);
    };
    let slot = |value: &Option<String>, key: &str, into: &mut Color| -> anyhow::Result<()> {
        if let Some(v) = value {
            *into = color(v, depth).ok_or_else(|| bad_color(text, source, key, v))?;
        }
        Ok(())
    };
    slot(&colors.text, "text", &mut theme.text)?;
    slot(&colors.muted, "muted", &mut theme.muted)?;
    slot(&colors.accent, "accent", &mut theme.accent)?;
    slot(&colors.border, "border", &mut theme.border)?;
    slot(&colors.focus, "focus", &mut theme.focus)?;
    slot(&colors.ok, "ok", &mut theme.ok)?;
    slot(&colors.warn, "warn", &mut theme.warn)?;
    slot(&colors.crit, "crit", &mut theme.crit)?;
    slot(&colors.stale, "stale", &mut theme.stale)?;
    slot(&colors.info, "info", &mut theme.info)?;
    if let Some(series) = &colors.series {
        if series.is_empty() || series.len() > SERIES_COLORS {
            let (line, col) = key_position(text, "series");
            anyhow::bail!(
                "{source}:{line}:{col}: series must list 1 to {SERIES_COLORS} colours, found {}",
                series.len()
            );
        }
        for i in 0..SERIES_COLORS {
            let v = &series[i % series.len()];
            theme.series[i] =
                color(v, depth).ok_or_else(|| bad_color(text, source, "series", v))?;
        }
    }
    Ok(theme)
}

/// The theme a file names in `inherits`, if the file parses.
pub(super) fn inherits(text: &str) -> Option<String> {
    toml::from_str::<ThemeFile>(text)
        .ok()
        .and_then(|f| f.inherits)
        .map(|s| s.trim().to_string())
}

fn bad_color(text: &str, source: &str, key: &str, value: &str) -> anyhow::Error {
    let (line, col) = key_position(text, key);
    anyhow::anyhow!(
        "{source}:{line}:{col}: {key}: invalid colour {value:?}: expected a name (red, lightblue, default, ...), 0-255, #rrggbb or #rrggbb/name"
    )
}

/// Line and column (1-based) of the first line that assigns `key`.
fn key_position(text: &str, key: &str) -> (usize, usize) {
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key) {
            if rest.trim_start().starts_with('=') {
                return (i + 1, line.len() - trimmed.len() + 1);
            }
        }
    }
    (1, 1)
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Parses one colour and reduces it to `depth`.
fn color(value: &str, depth: ColorDepth) -> Option<Color> {
    let (main, fallback) = match value.split_once('/') {
        Some((m, f)) => (m.trim(), Some(named(f.trim())?)),
        None => (value.trim(), None),
    };
    let c = if let Some(hex) = main.strip_prefix('#') {
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let p = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
        Color::Rgb(p(0)?, p(2)?, p(4)?)
    } else if let Ok(i) = main.parse::<u8>() {
        Color::Indexed(i)
    } else {
        named(main)?
    };
    Some(depth.reduce(c, fallback))
}

/// One of the 16 named colours, or the terminal default.
fn named(name: &str) -> Option<Color> {
    let n = name.to_ascii_lowercase().replace(['-', '_', ' '], "");
    Some(match n.as_str() {
        "default" | "reset" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_colour_forms() {
        let d = ColorDepth::TrueColor;
        assert_eq!(color("red", d), Some(Color::Red));
        assert_eq!(color("Light-Blue", d), Some(Color::LightBlue));
        assert_eq!(color("default", d), Some(Color::Reset));
        assert_eq!(color("208", d), Some(Color::Indexed(208)));
        assert_eq!(color("#0a0B0c", d), Some(Color::Rgb(10, 11, 12)));
        assert_eq!(
            color("#e69f00/yellow", ColorDepth::Ansi16),
            Some(Color::Yellow)
        );
        assert_eq!(color("#e69f0", d), None);
        assert_eq!(color("#e69f00/orange", d), None);
        assert_eq!(color("purple", d), None);
    }

    #[test]
    fn unknown_key_is_an_error_with_position() {
        let text = "[colors]\nok = \"green\"\nokay = \"red\"\n";
        let err = parse(text, "t.toml", None, ColorDepth::Ansi16)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("t.toml:3:1: unknown field `okay`"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn bad_colour_names_the_line() {
        let text = "[colors]\n\nwarn = \"orange\"\n";
        let err = parse(text, "t.toml", None, ColorDepth::Ansi16)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("t.toml:3:1: warn: invalid colour \"orange\""),
            "{err}"
        );
    }

    #[test]
    fn series_length_is_checked() {
        let text = "[colors]\nseries = []\n";
        let err = parse(text, "t.toml", None, ColorDepth::Ansi16).unwrap_err();
        assert!(err.to_string().starts_with("t.toml:2:1: series must list"));
    }
}

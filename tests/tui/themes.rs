//! Every built-in theme draws the incident screen through TestBackend, with
//! its colours (truecolor, and the 16-colour fallback of the palettes
//! that use RGB), and a user theme is found by name.

use crate::tui_fixture;

use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;
use tui_fixture::*;
use vitals::theme::{ColorDepth, Theme};
use vitals::tui::{render, View};

fn draw(theme: &Theme) -> Terminal<TestBackend> {
    let view = View {
        title: "vitals demo".into(),
        now_ms: Some(NOW_MS + 400),
        ..View::default()
    };
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| render(&incident(), &view, theme, f.area(), f.buffer_mut()))
        .unwrap();
    t
}

fn colours(t: &Terminal<TestBackend>) -> Vec<Color> {
    let mut seen: Vec<Color> = Vec::new();
    for cell in t.backend().buffer().content() {
        for c in [cell.fg, cell.bg] {
            if !seen.contains(&c) {
                seen.push(c);
            }
        }
    }
    seen
}

#[test]
fn every_builtin_theme_renders_with_its_colours() {
    for name in Theme::builtin_names() {
        let theme = Theme::load_from(name, ColorDepth::TrueColor, None).unwrap();
        let t = draw(&theme);
        let text = t.backend().to_string();
        // Status never rests on colour alone.
        assert!(text.contains("CRITICAL LatencyP99High"), "{name}");
        assert!(text.contains("CRIT") && text.contains("WARN"), "{name}");
        let used = colours(&t);
        if name == "mono" {
            assert_eq!(used, vec![Color::Reset], "{name}");
        } else {
            assert!(used.len() >= 5, "{name}: {used:?}");
        }
        insta::assert_debug_snapshot!(
            format!("theme_{name}_truecolor_80x24"),
            t.backend().buffer()
        );
    }
}

#[test]
fn rgb_themes_fall_back_to_named_colours_on_16_colour_terminals() {
    for name in ["light", "high-contrast", "colorblind"] {
        let theme = Theme::load_from(name, ColorDepth::Ansi16, None).unwrap();
        let t = draw(&theme);
        for c in colours(&t) {
            assert!(
                !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                "{name}: {c:?}"
            );
        }
        let t256 = draw(&Theme::load_from(name, ColorDepth::Ansi256, None).unwrap());
        for c in colours(&t256) {
            assert!(!matches!(c, Color::Rgb(..)), "{name} at 256: {c:?}");
        }
    }
    let t = draw(&Theme::load_from("colorblind", ColorDepth::Ansi16, None).unwrap());
    insta::assert_debug_snapshot!("theme_colorblind_16_80x24", t.backend().buffer());
}

#[test]
fn a_user_theme_is_found_by_name_and_overrides_its_slots() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("dark.toml"),
        "# crit in magenta for this team\n[colors]\ncrit = \"lightmagenta\"\n",
    )
    .unwrap();
    let mine = Theme::load_from("dark", ColorDepth::Ansi16, Some(dir.path())).unwrap();
    let stock = Theme::load_from("dark", ColorDepth::Ansi16, None).unwrap();
    let (a, b) = (draw(&mine), draw(&stock));
    assert_eq!(a.backend().to_string(), b.backend().to_string());
    let (ca, cb) = (colours(&a), colours(&b));
    assert!(ca.contains(&Color::LightMagenta) && !ca.contains(&Color::LightRed));
    assert!(cb.contains(&Color::LightRed) && !cb.contains(&Color::LightMagenta));
}

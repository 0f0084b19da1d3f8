use super::*;

#[test]
fn every_builtin_theme_loads_at_every_depth() {
    for name in Theme::builtin_names() {
        for depth in [
            ColorDepth::TrueColor,
            ColorDepth::Ansi256,
            ColorDepth::Ansi16,
        ] {
            let t = Theme::load_with_depth(name, depth).unwrap();
            assert_eq!(t.name(), name);
            if depth == ColorDepth::Ansi16 {
                // 16-colour terminals get only named colours.
                for c in [t.text, t.muted, t.accent, t.ok, t.warn, t.crit, t.stale] {
                    assert!(
                        !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                        "{name}: {c:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn dark_uses_named_ansi_colours() {
    let t = Theme::load_with_depth("dark", ColorDepth::TrueColor).unwrap();
    assert_eq!(t.ok, Color::Green);
    assert_eq!(t.warn, Color::Yellow);
    assert_eq!(t.crit, Color::LightRed);
    assert!(!t.is_monochrome());
}

#[test]
fn status_levels_differ_in_colour_and_weight() {
    let t = Theme::default();
    assert_ne!(t.level(Level::Ok), t.level(Level::Crit));
    assert!(t.level(Level::Crit).add_modifier.contains(Modifier::BOLD));
}

#[test]
fn no_color_maps_every_slot_to_default_and_uses_modifiers() {
    let t = Theme::no_color();
    for c in [
        t.text, t.muted, t.accent, t.border, t.focus, t.ok, t.warn, t.crit, t.stale, t.info,
    ] {
        assert_eq!(c, Color::Reset);
    }
    assert!(t.series.iter().all(|c| *c == Color::Reset));
    let crit = t.level(Level::Crit);
    assert!(crit.add_modifier.contains(Modifier::REVERSED));
    assert!(t.level(Level::Warn).add_modifier.contains(Modifier::BOLD));
    assert!(Theme::load("dark", true).unwrap().is_monochrome());
}

#[test]
fn mono_theme_is_monochrome() {
    let t = Theme::load_with_depth("mono", ColorDepth::TrueColor).unwrap();
    assert!(t.is_monochrome());
    assert_eq!(t.crit, Color::Reset);
}

#[test]
fn aliases_and_unknown_names() {
    assert_eq!(
        Theme::load_with_depth("monochrome", ColorDepth::Ansi16)
            .unwrap()
            .name(),
        "mono"
    );
    assert_eq!(
        Theme::load_with_depth("colour-blind", ColorDepth::Ansi16)
            .unwrap()
            .name(),
        "colorblind"
    );
    let err = Theme::load_with_depth("solarized", ColorDepth::Ansi16)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown theme \"solarized\""), "{err}");
    assert!(
        err.contains("dark, light, high-contrast, colorblind, mono"),
        "{err}"
    );
}

#[test]
fn a_user_file_overrides_only_what_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    std::fs::write(&path, "[colors]\ncrit = \"magenta\"\n").unwrap();
    let t = Theme::load_with_depth(path.to_str().unwrap(), ColorDepth::Ansi16).unwrap();
    let dark = Theme::load_with_depth("dark", ColorDepth::Ansi16).unwrap();
    assert_eq!(t.crit, Color::Magenta);
    assert_eq!(t.ok, dark.ok);
    assert_eq!(t.series, dark.series);

    std::fs::write(&path, "[colours]\ncrit = \"magenta\"\n").unwrap();
    let err = Theme::load_with_depth(path.to_str().unwrap(), ColorDepth::Ansi16).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("mine.toml:1:2: unknown field `colours`"),
        "{msg}"
    );

    let err = Theme::load_with_depth("/nonexistent/x.toml", ColorDepth::Ansi16).unwrap_err();
    assert!(err
        .to_string()
        .starts_with("cannot read theme file /nonexistent/x.toml"));
}

#[test]
fn a_user_theme_named_like_a_builtin_changes_only_its_slots() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("light.toml"),
        "[colors]\ncrit = \"#ff00ff/lightmagenta\"\n",
    )
    .unwrap();
    let d = ColorDepth::TrueColor;
    let t = Theme::load_from("light", d, Some(dir.path())).unwrap();
    let light = Theme::load_from("light", d, None).unwrap();
    assert_eq!(t.name(), "light");
    assert_eq!(t.crit, Color::Rgb(255, 0, 255));
    assert_eq!(
        Theme {
            crit: light.crit,
            ..t.clone()
        },
        light
    );
    // Other built-ins are untouched; 16 colours get the named fallback.
    assert_eq!(
        Theme::load_from("dark", d, Some(dir.path())).unwrap(),
        Theme::load_from("dark", d, None).unwrap()
    );
    let t16 = Theme::load_from("light", ColorDepth::Ansi16, Some(dir.path())).unwrap();
    assert_eq!(t16.crit, Color::LightMagenta);
}

#[test]
fn a_new_user_theme_starts_from_dark_or_what_it_inherits() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("oncall.toml"), "[colors]\nok = \"cyan\"\n").unwrap();
    std::fs::write(
        dir.path().join("paper.toml"),
        "inherits = \"light\"\n[colors]\nok = \"blue\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("typo.toml"), "inherits = \"lite\"\n").unwrap();
    let d = ColorDepth::Ansi16;
    let dark = Theme::load_from("dark", d, None).unwrap();
    let light = Theme::load_from("light", d, None).unwrap();
    let t = Theme::load_from("oncall", d, Some(dir.path())).unwrap();
    assert_eq!(t.name(), "oncall");
    assert_eq!(
        Theme {
            ok: dark.ok,
            name: "dark".into(),
            ..t
        },
        dark
    );
    let t = Theme::load_from("paper", d, Some(dir.path())).unwrap();
    assert_eq!(t.ok, Color::Blue);
    assert_eq!(
        Theme {
            ok: light.ok,
            name: "light".into(),
            ..t
        },
        light
    );
    let e = Theme::load_from("typo", d, Some(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(e.ends_with("typo.toml: inherits: unknown theme \"lite\"; expected one of dark, light, high-contrast, colorblind, mono"), "{e}");
    // Unknown names list the user's themes too.
    let e = Theme::load_from("nope", d, Some(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(e.contains("mono, oncall, paper, typo or a path"), "{e}");
    // A path with `inherits` works the same way.
    let path = dir.path().join("paper.toml");
    let t = Theme::load_from(path.to_str().unwrap(), d, None).unwrap();
    assert_eq!(t.ok, Color::Blue);
    assert_eq!(t.text, light.text);
}

#[test]
fn user_themes_live_under_xdg_config_home() {
    // Only the path is computed here; no environment is changed.
    if let Some(dir) = user_theme_dir() {
        assert!(dir.ends_with("vitals/themes"), "{}", dir.display());
    }
}

#[test]
fn only_no_color_survives_a_theme_switch() {
    assert!(Theme::no_color().is_no_color());
    let mono = Theme::load_from("mono", ColorDepth::Ansi16, None).unwrap();
    assert!(mono.is_monochrome() && !mono.is_no_color());
    assert!(!Theme::default().is_no_color());
}

//! Reasoning, themes and colour depth as they look in a pane: reasoning collapsed and
//! expanded, every shipped theme (text and style runs), 256 and 16 colours, `NO_COLOR`, and
//! the theme files themselves (every shipped one parses; a broken one is reported).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

#[test]
fn reasoning_collapsed_and_expanded() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = room(2, 100, 20, ColorDepth::TrueColor);
    thinker(&mut app);
    let collapsed = text(&draw(&app));
    assert!(
        collapsed.contains("▸ reasoning · 120 tok · $0.0012 (Alt+E)"),
        "{collapsed}"
    );
    assert!(
        collapsed.contains("12→340 tok (120 reasoning)"),
        "{collapsed}"
    );
    insta::assert_snapshot!("reasoning_collapsed", collapsed);
    let key = |c: char| Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT));
    update(&mut app, key('e'));
    assert!(app.panes[0].reasoning_expanded && !app.panes[1].reasoning_expanded);
    let buf = draw(&app);
    insta::assert_snapshot!("reasoning_expanded", text(&buf));
    let (x, y) = find(&buf, "comparison").unwrap();
    assert!(
        buf[(x, y)].modifier.contains(Modifier::DIM),
        "reasoning is dimmed"
    );
    // Alt+Shift+E: every pane (the collapsed one opens, so all are open), then all close.
    update(&mut app, key('E'));
    assert!(app.panes.iter().all(|p| p.reasoning_expanded));
    update(&mut app, key('E'));
    assert!(app.panes.iter().all(|p| !p.reasoning_expanded));
}

#[test]
fn every_shipped_theme() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let md = "## Colours\n\nText with `code`, a [link](https://example.com) and **bold**.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```rust\nlet x = 1;\n```\n\n> quoted";
    let mut app = room(2, 80, 28, ColorDepth::TrueColor);
    thinker(&mut app);
    answer_all(&mut app, "colours", md);
    let mut seen = Vec::new();
    for _ in 0..modelroom::theme::BUILTIN.len() {
        let name = app.theme().name().to_owned();
        let buf = draw(&app);
        insta::assert_snapshot!(format!("theme_{name}_text"), text(&buf));
        insta::assert_snapshot!(format!("theme_{name}_styles"), styles(&buf));
        seen.push(name);
        update(
            &mut app,
            Action::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::ALT)),
        );
    }
    assert_eq!(seen, vec!["dark", "light", "high-contrast"]);
    assert_eq!(app.theme().name(), "dark", "cycling wraps around");
}

#[test]
fn themes_fit_256_and_16_colour_terminals() {
    let rt = paused_clock();
    let _clock = rt.enter();
    for (depth, allowed) in [
        (ColorDepth::Ansi256, "indexed"),
        (ColorDepth::Ansi16, "named"),
    ] {
        let mut app = answered(ELEMENTS[7].1, 60, 20, depth);
        for _ in 0..modelroom::theme::BUILTIN.len() {
            let buf = draw(&app);
            for cell in &buf.content {
                for c in [cell.fg, cell.bg] {
                    let ok = match c {
                        Color::Rgb(..) => false,
                        Color::Indexed(_) => allowed == "indexed",
                        _ => true,
                    };
                    assert!(ok, "{c:?} in {} at {depth:?}", app.theme().name());
                }
            }
            update(&mut app, Action::Command(Command::CycleTheme));
        }
    }
}

#[test]
fn no_color_gives_modifiers_only() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = room(2, 90, 30, ColorDepth::None);
    thinker(&mut app);
    let md = format!(
        "{}\n\nUse `cargo test` and see [docs](https://x.example).",
        ELEMENTS[7].1
    );
    answer_all(&mut app, "plain", &md);
    update(&mut app, Action::Command(Command::ToggleReasoningAll));
    let buf = draw(&app);
    for cell in &buf.content {
        assert_eq!(
            (cell.fg, cell.bg),
            (Color::Reset, Color::Reset),
            "{:?}",
            cell.symbol()
        );
    }
    let screen = text(&buf);
    assert!(
        screen.contains("`cargo test`"),
        "code keeps its backticks:\n{screen}"
    );
    assert!(screen.contains("│fn main"), "a bar marks code:\n{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn every_theme_in_the_themes_directory_parses_and_ships() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut shipped: Vec<String> = modelroom::theme::BUILTIN
        .iter()
        .map(|(n, _)| (*n).to_owned())
        .collect();
    shipped.sort();
    assert_eq!(
        files, shipped,
        "every file in themes/ is built in, and only those"
    );
    for depth in [
        ColorDepth::TrueColor,
        ColorDepth::Ansi256,
        ColorDepth::Ansi16,
        ColorDepth::None,
    ] {
        let (themes, errors) = Themes::load(depth, Some(&dir));
        assert!(errors.is_empty(), "{errors:?}");
        for name in &files {
            let theme: &Theme = themes.get(name).unwrap();
            assert_eq!(theme.name(), name);
            assert!(modelroom::theme::CODE_THEMES.contains(&theme.code_theme()));
        }
    }
}

#[test]
fn a_broken_theme_is_reported_and_the_default_used() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("nord.toml"),
        "[ui]\nborder = \"blue\"\nbordr_focused = \"cyan\"\n",
    )
    .unwrap();
    let (mut themes, errors) = Themes::load(ColorDepth::TrueColor, Some(dir.path()));
    assert_eq!(errors.len(), 1);
    let e = errors[0].to_string();
    assert!(
        e.contains("nord.toml:3:") && e.contains("bordr_focused"),
        "{e}"
    );
    assert!(themes.select("nord").is_err());
    assert_eq!(themes.current().name(), "dark");
}

//! The keymap: chords as config.toml writes them and as hints name them, the room's defaults,
//! the modes' tables and what config.toml's `[keys]` tables may and may not do.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::*;

fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
    KeyEvent::new_with_kind(code, m, KeyEventKind::Press)
}

fn keys(toml: &str) -> Result<Keymap, String> {
    let table: toml::Table = toml::from_str(toml).unwrap();
    Keymap::from_config(&table)
}

fn overrides(pairs: &[(&str, &str)]) -> Result<Keymap, String> {
    let table: toml::Table = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), toml::Value::from(*v)))
        .collect();
    Keymap::from_config(&table)
}

#[test]
fn chords_parse_and_print_round_trip() {
    for s in [
        "ctrl-q",
        "alt-enter",
        "shift-tab",
        "f1",
        "f11",
        "?",
        "pageup",
        "ctrl-home",
        "alt-1",
        "space",
        "ctrl--",
    ] {
        let chord: KeyChord = s.parse().unwrap();
        assert_eq!(chord.to_string(), s);
    }
    assert_eq!("Ctrl-Q".parse::<KeyChord>().unwrap().to_string(), "ctrl-q");
    assert!("ctrl-nothing".parse::<KeyChord>().is_err());
    assert!("f99".parse::<KeyChord>().is_err());
}

#[test]
fn defaults_resolve_as_documented() {
    let k = Keymap::default();
    assert_eq!(
        k.resolve(key(KeyCode::Enter, KeyModifiers::NONE), false),
        Some(Command::Send)
    );
    assert_eq!(
        k.resolve(key(KeyCode::Enter, KeyModifiers::ALT), false),
        Some(Command::NewLine)
    );
    assert_eq!(
        k.resolve(key(KeyCode::Char('j'), KeyModifiers::CONTROL), false),
        Some(Command::NewLine)
    );
    assert_eq!(
        k.resolve(key(KeyCode::BackTab, KeyModifiers::SHIFT), false),
        Some(Command::FocusPrev)
    );
    assert_eq!(
        k.resolve(key(KeyCode::Char('3'), KeyModifiers::ALT), false),
        Some(Command::Focus3)
    );
    assert_eq!(
        k.resolve(
            key(
                KeyCode::Char('Q'),
                KeyModifiers::CONTROL | KeyModifiers::SHIFT
            ),
            false
        ),
        Some(Command::Quit)
    );
}

#[test]
fn question_mark_and_home_act_only_on_an_empty_prompt() {
    let k = Keymap::default();
    let q = key(KeyCode::Char('?'), KeyModifiers::SHIFT);
    assert_eq!(k.resolve(q, true), Some(Command::Help));
    assert_eq!(k.resolve(q, false), None);
    assert_eq!(
        k.resolve(key(KeyCode::Home, KeyModifiers::NONE), false),
        None
    );
    assert_eq!(
        k.resolve(key(KeyCode::Char('a'), KeyModifiers::NONE), true),
        None
    );
}

#[test]
fn config_overrides_bind_and_unbind() {
    let k = overrides(&[("ctrl-n", "add_pane"), ("alt-n", "none")]).unwrap();
    assert_eq!(
        k.resolve(key(KeyCode::Char('n'), KeyModifiers::CONTROL), false),
        Some(Command::AddPane)
    );
    assert_eq!(
        k.resolve(key(KeyCode::Char('n'), KeyModifiers::ALT), false),
        None
    );
    assert!(
        overrides(&[("ctrl-n", "fly")])
            .unwrap_err()
            .contains("unknown command `fly`")
    );
}

#[test]
fn a_keymap_without_a_quit_key_is_refused_and_hints_follow_the_keymap() {
    let e = overrides(&[("ctrl-q", "none")]).unwrap_err();
    assert!(e.contains("no key for `quit`"), "{e}");
    let k = overrides(&[("ctrl-q", "none"), ("alt-x", "quit")]).unwrap();
    assert_eq!(k.label_for(Command::Quit).as_deref(), Some("Alt+X"));
    let d = Keymap::default();
    assert_eq!(d.label_for(Command::Quit).as_deref(), Some("Ctrl+Q"));
    assert_eq!(d.label_for(Command::Help).as_deref(), Some("F1"));
    assert_eq!(
        d.label_for(Command::ToggleReasoningAll).as_deref(),
        Some("Alt+Shift+E")
    );
    assert_eq!(d.label_for(Command::Send).as_deref(), Some("Enter"));
}

#[test]
fn every_command_has_a_default_key() {
    for (cmd, keys) in Keymap::default().help_rows() {
        assert!(!keys.is_empty(), "{cmd:?} has no key");
    }
}

#[test]
fn every_default_key_parses_and_no_two_defaults_clash() {
    fn all_parse<A: Action>() {
        for &a in A::ALL {
            for k in a.default_keys() {
                assert!(k.parse::<KeyChord>().is_ok(), "[keys.{}] {k}", A::TABLE);
            }
        }
        let m = ModeKeys::<A>::default();
        let mut seen = std::collections::HashSet::new();
        for (chord, a) in m.chords() {
            assert!(
                seen.insert(chord),
                "[keys.{}] {chord} twice ({a:?})",
                A::TABLE
            );
        }
    }
    all_parse::<PromptAction>();
    all_parse::<PickerAction>();
    all_parse::<FormAction>();
    all_parse::<BrowserAction>();
    all_parse::<DialogAction>();
    all_parse::<AttachAction>();
    all_parse::<ConfirmAction>();
    all_parse::<DiffAction>();
    all_parse::<HelpAction>();
    all_parse::<SpendAction>();
    all_parse::<AccountAction>();
    all_parse::<BoardAction>();
    let d = Keymap::default();
    d.check_room_against_prompt().unwrap();
    // An empty `[keys]` is the defaults, through every check a config's tables go through.
    Keymap::from_config(&toml::Table::new()).unwrap();
    assert_eq!(
        DEFAULTS.len(),
        d.room.always.len(),
        "a room default is lost"
    );
    assert_eq!(WHEN_EMPTY.len(), d.room.when_empty.len());
}

#[test]
fn hints_have_one_spelling() {
    let d = Keymap::default();
    assert_eq!(d.picker.label(PickerAction::Up).as_deref(), Some("↑"));
    assert_eq!(d.picker.labels(PickerAction::Down), ["↓", "Ctrl+N"]);
    assert_eq!(
        d.picker.label(PickerAction::PageUp).as_deref(),
        Some("PgUp")
    );
    assert_eq!(
        d.picker.label(PickerAction::SortPrev).as_deref(),
        Some("Shift+Tab")
    );
    assert_eq!(d.routing.labels(FormAction::ChoiceNext), ["→", "Space"]);
    assert_eq!(
        d.browser.labels(BrowserAction::ConfirmDelete),
        ["y", "Shift+Y"]
    );
    assert_eq!(
        d.prompt.label(PromptAction::ClearLine).as_deref(),
        Some("Ctrl+U")
    );
    assert_eq!(d.label_for(Command::ScrollUp).as_deref(), Some("Ctrl+↑"));
    assert_eq!(
        d.quick_label_for(Command::ScrollBottom).as_deref(),
        Some("End")
    );
    assert_eq!(
        d.label_for(Command::ScrollBottom).as_deref(),
        Some("Ctrl+End")
    );
    // The help lists keys as hints name them, never as config.toml writes them.
    for section in d.help_sections() {
        for (keys, _) in &section.rows {
            assert!(!keys.contains("ctrl-") && !keys.contains("alt-"), "{keys}");
        }
    }
}

#[test]
fn a_mode_table_rebinds_that_mode_only() {
    let k = keys(
        r#"
        [picker]
        "ctrl-s" = "sort_next"
        "tab" = "none"
        [browser]
        "alt-o" = "open"
        "#,
    )
    .unwrap();
    let ctrl_s = key(KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(k.picker.resolve(ctrl_s), Some(PickerAction::SortNext));
    assert_eq!(
        k.picker.resolve(key(KeyCode::Tab, KeyModifiers::NONE)),
        None
    );
    assert_eq!(
        k.picker.label(PickerAction::SortNext).as_deref(),
        Some("Ctrl+S")
    );
    // The key bound in the config is the one hints name, even beside a default.
    assert_eq!(k.browser.labels(BrowserAction::Open), ["Alt+O", "Enter"]);
    // The room and the other modes keep theirs.
    assert_eq!(k.resolve(ctrl_s, false), Some(Command::SendFocused));
    assert_eq!(
        k.routing.resolve(key(KeyCode::Tab, KeyModifiers::NONE)),
        Some(FormAction::NextField)
    );
}

#[test]
fn bad_mode_tables_are_refused_naming_the_table_and_the_key() {
    let cases = [
        (
            "[picker]\n\"ctrl-nothing\" = \"close\"",
            "[keys.picker] \"ctrl-nothing\": unknown key `ctrl-nothing`",
        ),
        (
            "[picker]\n\"ctrl-x\" = \"fly\"",
            "[keys.picker] \"ctrl-x\": unknown action `fly`",
        ),
        (
            "[picker]\n\"ctrl-x\" = 3",
            "[keys.picker] \"ctrl-x\": a binding is an action's name",
        ),
        (
            "[picker]\n\"ctrl-x\" = \"close\"\n\"ctrl-X\" = \"up\"",
            "\"ctrl-X\" and \"ctrl-x\" are the same key (Ctrl+X)",
        ),
        (
            "[picker]\n\"x\" = \"close\"",
            "[keys.picker] \"x\": `x` would type into a text field of the model picker",
        ),
        (
            "[picker]\n\"esc\" = \"none\"\n\"ctrl-c\" = \"none\"",
            "[keys.picker] leaves no key for `close`",
        ),
        (
            "[browser]\n\"esc\" = \"up\"\n\"ctrl-c\" = \"none\"",
            "[keys.browser] leaves no key for `close`",
        ),
        (
            "[sesions]\n\"x\" = \"close\"",
            "[keys.sesions]: no such mode",
        ),
        (
            "\"ctrl-z\" = \"zoom\"",
            "[keys] \"ctrl-z\" = \"zoom\" and [keys.prompt] \"ctrl-z\" = \"undo\"",
        ),
        (
            "\"alt-P\" = \"routing\"\n\"alt-shift-p\" = \"zoom\"",
            "[keys] \"alt-P\" and \"alt-shift-p\" are the same key (Alt+Shift+P)",
        ),
        (
            "\"ctrl-n\" = 1",
            "[keys] \"ctrl-n\": a binding is a command's name",
        ),
        (
            "[picker]\n\"ctrl-u\" = \"up\"",
            "[keys.picker] \"ctrl-u\" = \"up\" and [keys.prompt] \"ctrl-u\" = \"clear_line\" are the same key in the model picker",
        ),
        ("[help]\n\"\\u001b\" = \"close\"", "control character"),
        (
            "\"ctrl-n\" = \"\\u001b[2J\"",
            "unknown command `\\u{1b}[2J`",
        ),
    ];
    for (toml, want) in cases {
        let e = keys(toml).unwrap_err();
        assert!(e.contains(want), "{toml}\n→ {e}\nwanted {want}");
        assert!(!e.contains('\u{1b}'), "{e}");
    }
    // A plain character is fine where nothing types, and for a yes/no answer.
    let k = keys("[board]\n\"x\" = \"close\"\n[browser]\n\"j\" = \"confirm_delete\"").unwrap();
    assert_eq!(
        k.board.resolve(key(KeyCode::Char('x'), KeyModifiers::NONE)),
        Some(BoardAction::Close)
    );
    // Unbinding a prompt key frees it for the room.
    let k = keys("\"ctrl-z\" = \"zoom\"\n[prompt]\n\"ctrl-z\" = \"none\"").unwrap();
    assert_eq!(
        k.resolve(key(KeyCode::Char('z'), KeyModifiers::CONTROL), false),
        Some(Command::Zoom)
    );
}

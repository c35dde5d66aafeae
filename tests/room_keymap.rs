//! Rebinding keys by config.toml's `[keys]` tables, mode by mode: the screen names the new key
//! (footers, placeholders, notices, the help), the new key does the action and the old one no
//! longer does. A bad table is refused by the binary before anything runs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::binary::{Env, stderr};
use common::drive::{self, key, load_demo_catalog, press, type_text};
use common::{draw, text};
use modelroom::app::{App, Effect, Overlay, Settings, update};
use modelroom::catalog::search::SortKey;
use modelroom::keymap::Keymap;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

/// A room of `models` at 120×40 whose keymap comes from `config` as config.toml would hold it.
fn room_with(config: &str, models: &[&str]) -> App {
    let config = modelroom::config::parse(config, std::path::Path::new("config.toml")).unwrap();
    let keymap = Keymap::from_config(&config.keys).unwrap();
    let models = modelroom::model::parse_all(models).unwrap();
    let mut app = App::new(&models, keymap, Settings::default());
    update(
        &mut app,
        modelroom::app::Action::Resize {
            width: 120,
            height: 40,
        },
    );
    app
}

fn screen(app: &App) -> String {
    text(&draw(app))
}

fn ctrl(app: &mut App, c: char) {
    press(app, KeyCode::Char(c), KeyModifiers::CONTROL);
}

fn alt(app: &mut App, c: char) {
    press(app, KeyCode::Char(c), KeyModifiers::ALT);
}

#[test]
fn a_rebound_picker_key_is_named_in_its_footer_and_only_it_sorts() {
    let mut app = room_with(
        "[keys.picker]\n\"ctrl-s\" = \"sort_next\"\n\"tab\" = \"none\"\n",
        &["a/1"],
    );
    load_demo_catalog(&mut app, 1);
    alt(&mut app, 'n');
    let Overlay::Picker(_) = &app.overlay else {
        panic!("Alt+N opens the picker")
    };
    let shown = screen(&app);
    assert!(shown.contains("Ctrl+S sort"), "{shown}");
    assert!(!shown.contains("Tab sort"), "{shown}");
    let sort = |app: &App| match &app.overlay {
        Overlay::Picker(p) => p.sort,
        _ => panic!("the picker closed"),
    };
    key(&mut app, KeyCode::Tab);
    assert_eq!(sort(&app), SortKey::Relevance, "Tab no longer sorts");
    ctrl(&mut app, 's');
    assert_eq!(sort(&app), SortKey::Price);
    // The defaults of the same picker still hold.
    assert!(shown.contains("Enter picks"), "{shown}");
    key(&mut app, KeyCode::Esc);
    assert!(matches!(app.overlay, Overlay::None));
}

#[test]
fn a_rebound_routing_form_applies_only_on_its_new_key() {
    let mut app = room_with(
        "[keys.routing]\n\"ctrl-a\" = \"apply\"\n\"enter\" = \"none\"\n",
        &["a/1"],
    );
    alt(&mut app, 'p');
    assert!(matches!(app.overlay, Overlay::Routing(_)));
    let shown = screen(&app);
    assert!(shown.contains("Ctrl+A applies"), "{shown}");
    assert!(!shown.contains("Enter applies"), "{shown}");
    key(&mut app, KeyCode::Enter);
    assert!(
        matches!(app.overlay, Overlay::Routing(_)),
        "Enter applies no more"
    );
    // Too narrow for every hint, the footer ends in `…` inside its box.
    update(
        &mut app,
        modelroom::app::Action::Resize {
            width: 60,
            height: 30,
        },
    );
    let shown = screen(&app);
    let foot = shown.lines().find(|l| l.contains("field ·")).unwrap();
    assert!(foot.trim_end().ends_with("…╯"), "{foot}");
    ctrl(&mut app, 'a');
    assert!(matches!(app.overlay, Overlay::None), "Ctrl+A applied it");
}

#[test]
fn the_browser_and_dialogs_close_on_their_new_keys() {
    let mut app = room_with(
        "[keys.browser]\n\"ctrl-g\" = \"close\"\n\"esc\" = \"none\"\n\
         [keys.dialog]\n\"ctrl-g\" = \"cancel\"\n\"esc\" = \"none\"\n",
        &["a/1"],
    );
    alt(&mut app, 's');
    assert!(matches!(app.overlay, Overlay::Sessions(_)));
    let shown = screen(&app);
    assert!(shown.contains("Ctrl+G closes"), "{shown}");
    assert!(!shown.contains("Esc closes"), "{shown}");
    key(&mut app, KeyCode::Esc);
    assert!(
        matches!(app.overlay, Overlay::Sessions(_)),
        "Esc closes no more"
    );
    ctrl(&mut app, 'g');
    assert!(matches!(app.overlay, Overlay::None));

    alt(&mut app, 't');
    assert!(matches!(app.overlay, Overlay::Title(_)));
    let shown = screen(&app);
    assert!(shown.contains("Enter confirms · Ctrl+G cancels"), "{shown}");
    key(&mut app, KeyCode::Esc);
    assert!(matches!(app.overlay, Overlay::Title(_)));
    ctrl(&mut app, 'g');
    assert!(matches!(app.overlay, Overlay::None));
}

#[test]
fn the_attach_prompt_completes_on_its_new_key() {
    let mut app = room_with(
        "[keys.attach]\n\"ctrl-t\" = \"complete\"\n\"tab\" = \"none\"\n",
        &["a/1"],
    );
    alt(&mut app, 'f');
    assert!(matches!(app.overlay, Overlay::AttachPath(_)));
    let shown = screen(&app);
    assert!(
        shown.contains("Ctrl+T completes · Enter attaches"),
        "{shown}"
    );
    assert!(shown.contains("(Ctrl+T completes, ~ is home)"), "{shown}");
    let completes = |fx: Vec<Effect>| fx.iter().any(|e| matches!(e, Effect::CompletePath(_)));
    assert!(
        !completes(key(&mut app, KeyCode::Tab)),
        "Tab completes no more"
    );
    assert!(completes(press(
        &mut app,
        KeyCode::Char('t'),
        KeyModifiers::CONTROL
    )));
}

#[test]
fn the_diff_view_swaps_on_its_new_key() {
    let mut app = room_with(
        "[keys.diff]\n\"ctrl-w\" = \"swap\"\n\"s\" = \"none\"\n",
        &["a/1", "b/2"],
    );
    for (i, live) in drive::send(&mut app, "Which lock?").into_iter().enumerate() {
        let text = ["Use a mutex here.", "Use a lock there."][i];
        drive::ev(
            &mut app,
            live,
            modelroom::api::StreamEvent::Content(text.into()),
        );
        drive::finish(&mut app, live, modelroom::chat::Usage::default());
    }
    press(&mut app, KeyCode::F(8), KeyModifiers::NONE);
    let sides = |app: &App| match &app.overlay {
        Overlay::Diff(v) => (v.left, v.right),
        other => panic!("no diff view: {other:?}"),
    };
    let before = sides(&app);
    let shown = screen(&app);
    assert!(shown.contains("Ctrl+W swaps"), "{shown}");
    key(&mut app, KeyCode::Char('s'));
    assert_eq!(sides(&app), before, "s swaps no more");
    ctrl(&mut app, 'w');
    assert_eq!(sides(&app), (before.1, before.0));
}

#[test]
fn a_rebound_room_key_is_named_by_placeholders_hints_and_notices() {
    let mut app = room_with(
        "[keys]\n\"ctrl-a\" = \"add_pane\"\n\"alt-n\" = \"none\"\n",
        &[],
    );
    let shown = screen(&app);
    assert!(shown.contains("No pane to ask: Ctrl+A adds one"), "{shown}");
    assert!(shown.contains("Add one with Ctrl+A"), "{shown}");
    assert!(!shown.contains("Alt+N"), "{shown}");
    alt(&mut app, 'n');
    assert!(
        matches!(app.overlay, Overlay::None),
        "Alt+N adds no pane now"
    );
    ctrl(&mut app, 'a');
    assert!(matches!(app.overlay, Overlay::Picker(_)));

    // A send refused while a pane answers names the stop key that is bound.
    let mut app = room_with(
        "[keys]\n\"ctrl-k\" = \"stop\"\n\"esc\" = \"none\"\n",
        &["a/1"],
    );
    assert_eq!(drive::send(&mut app, "one").len(), 1);
    app.prompt.set_text("two");
    key(&mut app, KeyCode::Enter);
    let notice = app.notice.as_ref().unwrap().text.to_string();
    assert!(notice.contains("stop it (Ctrl+K)"), "{notice}");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.streaming_count(), 1, "Esc stops nothing now");
    ctrl(&mut app, 'k');
    assert_eq!(app.streaming_count(), 0);
}

#[test]
fn a_rebound_prompt_key_edits_and_the_old_one_types_through() {
    let mut app = room_with(
        "[keys.prompt]\n\"ctrl-k\" = \"clear_line\"\n\"up\" = \"none\"\n\"ctrl-p\" = \"history_prev\"\n",
        &["a/1"],
    );
    drive::send(&mut app, "earlier");
    update(
        &mut app,
        modelroom::app::Action::Command(modelroom::app::Command::Stop),
    );
    type_text(&mut app, "draft");
    ctrl(&mut app, 'k');
    assert_eq!(app.prompt.text(), "", "Ctrl+K clears the line");
    key(&mut app, KeyCode::Up);
    assert_eq!(app.prompt.text(), "", "Up recalls nothing now");
    ctrl(&mut app, 'p');
    assert_eq!(app.prompt.text(), "earlier");
}

#[test]
fn the_help_lists_every_mode_with_the_keys_bound() {
    let mut app = room_with(
        "[keys.picker]\n\"ctrl-s\" = \"sort_next\"\n\"tab\" = \"none\"\n\
         [keys.help]\n\"ctrl-g\" = \"close\"\n\"esc\" = \"none\"\n",
        &["a/1"],
    );
    press(&mut app, KeyCode::F(1), KeyModifiers::NONE);
    assert!(matches!(app.overlay, Overlay::Help));
    let mut seen = String::new();
    // Page through the whole list, as a person would.
    for _ in 0..20 {
        seen.push_str(&screen(&app));
        key(&mut app, KeyCode::PageDown);
    }
    for (title, table) in [
        ("room", "[keys]"),
        ("prompt", "[keys.prompt]"),
        ("model picker", "[keys.picker]"),
        ("routing form", "[keys.routing]"),
        ("sessions browser", "[keys.browser]"),
        ("dialogs", "[keys.dialog]"),
        ("attach a file", "[keys.attach]"),
        ("questions", "[keys.confirm]"),
        ("word diff", "[keys.diff]"),
        ("help", "[keys.help]"),
        ("spend view", "[keys.spend]"),
        ("account view", "[keys.account]"),
        ("leaderboard", "[keys.board]"),
    ] {
        let heading = seen
            .lines()
            .any(|l| l.contains(&format!("│{title} ")) && l.contains(table));
        assert!(heading, "no heading for {title} {table}");
    }
    let sort = seen.lines().find(|l| l.contains("next sort")).unwrap();
    assert!(sort.contains("│Ctrl+S ") && !sort.contains("Tab"), "{sort}");
    assert!(seen.contains("F1, ? or Ctrl+G closes"), "{seen}");
    key(&mut app, KeyCode::Esc);
    assert!(
        matches!(app.overlay, Overlay::Help),
        "Esc closes the help no more"
    );
    ctrl(&mut app, 'g');
    assert!(matches!(app.overlay, Overlay::None));
}

#[tokio::test]
async fn a_bad_key_table_stops_the_start_naming_the_file_the_table_and_the_key() {
    for (config, want) in [
        (
            "[keys.picker]\n\"ctrl-s\" = \"sort\"\n",
            "[keys.picker] \"ctrl-s\": unknown action `sort`",
        ),
        (
            "[keys.browser]\n\"ctrl-r\" = \"open\"\n\"ctrl-R\" = \"rename\"\n",
            "[keys.browser] \"ctrl-R\" and \"ctrl-r\" are the same key (Ctrl+R)",
        ),
        (
            "[keys.picker]\n\"ctrl-nope\" = \"close\"\n",
            "[keys.picker] \"ctrl-nope\": unknown key `ctrl-nope`",
        ),
    ] {
        let env = Env::with_config(config);
        let out = env.run(&["--demo"]).await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        let path = env.config().display().to_string();
        assert!(err.contains(&format!("{path}: {want}")), "{err}");
        assert!(!env.data().join("sessions").exists(), "nothing ran");
    }
}

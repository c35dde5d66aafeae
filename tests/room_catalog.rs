//! The catalog in the room, driven through `update` with keys: the picker filters as you type,
//! sorts, and binds the highlighted model to a new or the focused pane; unknown models are
//! caught before sending with the closest ids; the routing form sets what the request carries;
//! models retired since a session was saved are flagged when it is reopened.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::drive::{self, demo_index, key, press, started, type_text};
use common::{draw_sized, rows};
use modelroom::api::{ChatRequest, ProviderSort, Variant};
use modelroom::app::{Action, App, CatalogUpdate, Effect, Overlay, Settings, SharedIndex, update};
use modelroom::catalog::SortKey;
use modelroom::keymap::Keymap;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use serde_json::json;

const WIDTH: u16 = 140;
const HEIGHT: u16 = 40;

fn room_with(models: &[&str], settings: Settings) -> App {
    let mut app = drive::room(models, settings, WIDTH, HEIGHT);
    drive::load_demo_catalog(&mut app, 1_790_000_000);
    app
}

fn room(models: &[&str]) -> App {
    room_with(models, Settings::default())
}

fn chats(fx: Vec<Effect>) -> Vec<ChatRequest> {
    started(fx).into_iter().map(|(_, _, chat)| chat).collect()
}

/// At `WIDTH`×`HEIGHT` whatever the room was told: some tests build a room that was never
/// resized.
fn screen(app: &App) -> String {
    rows(&draw_sized(app, WIDTH, HEIGHT)).join("\n")
}

fn picked(app: &App) -> Vec<String> {
    let Overlay::Picker(p) = &app.overlay else {
        panic!("the picker is not open")
    };
    let index = p.index().unwrap();
    p.hits.iter().map(|&i| index.rows[i].id.clone()).collect()
}

#[test]
fn alt_n_opens_the_picker_which_narrows_as_you_type_and_adds_the_choice() {
    let mut app = room(&["demo/fast"]);
    press(&mut app, KeyCode::Char('n'), KeyModifiers::ALT);
    let all = picked(&app);
    assert_eq!(all.len(), modelroom::sim::MODELS.len());
    let shown = screen(&app);
    assert!(shown.contains("add a pane: pick a model"), "{shown}");
    assert!(
        shown.contains(&format!("{} of {} models", all.len(), all.len())),
        "{shown}"
    );
    assert!(shown.contains("demo/mini:free ★free"), "{shown}");
    type_text(&mut app, "thnk");
    assert_eq!(picked(&app), ["demo/thinker"]);
    let shown = screen(&app);
    assert!(shown.contains("1 of 13 models"), "{shown}");
    assert!(
        shown.contains("$3.00") && shown.contains("$15.00") && shown.contains("200K"),
        "{shown}"
    );
    assert!(
        shown.contains("A reasoning model"),
        "the description shows: {shown}"
    );
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.overlay, Overlay::None));
    assert_eq!(app.panes.len(), 2);
    assert_eq!(
        (app.panes[1].model.as_str(), app.focus),
        ("demo/thinker", 1)
    );
    assert!(app.panes[1].note.is_none());
}

#[test]
fn tab_sorts_arrows_move_and_alt_m_rebinds_the_focused_pane() {
    let mut app = room(&["demo/fast", "demo/coder"]);
    press(&mut app, KeyCode::Char('m'), KeyModifiers::ALT);
    assert!(screen(&app).contains("change the model of demo/fast"));
    key(&mut app, KeyCode::Tab);
    let Overlay::Picker(p) = &app.overlay else {
        panic!()
    };
    assert_eq!(p.sort, SortKey::Price);
    let by_price = picked(&app);
    assert_eq!(by_price[0], "demo/mini:free");
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Char('f'), KeyModifiers::CONTROL);
    assert_eq!(
        picked(&app),
        ["demo/mini:free"],
        "Ctrl+F shows free models only"
    );
    press(&mut app, KeyCode::Char('f'), KeyModifiers::CONTROL);
    key(&mut app, KeyCode::Down);
    let expected = by_price[1].clone();
    let fx = key(&mut app, KeyCode::Enter);
    assert!(fx.is_empty(), "nothing was streaming: {fx:?}");
    assert_eq!(app.panes[0].model, expected);
    assert_eq!(app.panes.len(), 2);
    // Esc closes without a change; Ctrl+R asks for a fresh catalog.
    press(&mut app, KeyCode::Char('m'), KeyModifiers::ALT);
    let fx = press(&mut app, KeyCode::Char('r'), KeyModifiers::CONTROL);
    assert!(fx.contains(&Effect::RefreshCatalog { force: true }));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.panes[0].model, expected);
}

#[test]
fn an_id_the_catalog_lacks_can_be_typed_but_is_caught_before_sending() {
    let mut app = room(&["demo/fast"]);
    press(&mut app, KeyCode::Char('n'), KeyModifiers::ALT);
    type_text(&mut app, "demo/thinkr");
    // The fuzzy search still finds the real one and Enter would take it; Ctrl+T takes the text.
    assert_eq!(picked(&app)[0], "demo/thinker");
    press(&mut app, KeyCode::Char('t'), KeyModifiers::CONTROL);
    assert_eq!(app.panes[1].model, "demo/thinkr");
    let note = app.panes[1].note.clone().unwrap();
    assert!(note.contains("did you mean demo/thinker?"), "{note}");
    type_text(&mut app, "hello");
    // The misspelt pane is left out; the other pane is asked all the same.
    let fx = key(&mut app, KeyCode::Enter);
    assert_eq!(chats(fx).len(), 1, "only demo/fast is asked");
    assert!(app.panes[1].entries.is_empty());
    let notice = app.notice.clone().unwrap().text;
    assert!(
        notice.starts_with("not sent to pane 2 (demo/thinkr): its model cannot be asked"),
        "{notice}"
    );
    // Sent to that pane alone, it is refused with the reason, and the prompt is kept.
    app.focus = 1;
    type_text(&mut app, "hello");
    let fx = press(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(chats(fx).is_empty(), "nothing is sent");
    let notice = app.notice.clone().unwrap().text;
    assert_eq!(
        notice,
        "not sent: demo/thinkr is not in the catalog: did you mean demo/thinker?"
    );
    assert_eq!(app.prompt.text(), "hello", "the prompt is kept");
    // Alt+M opens the picker on the wrong id, to correct it.
    press(&mut app, KeyCode::Char('m'), KeyModifiers::ALT);
    let Overlay::Picker(p) = &app.overlay else {
        panic!("the picker is open")
    };
    assert_eq!(p.query.text(), "demo/thinkr");
    assert_eq!(picked(&app)[0], "demo/thinker");
    press(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    // Other endpoints: typed as @name/model; an unknown name is caught the same way.
    type_text(&mut app, "@local/qwen3");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.panes[1].model, "@local/qwen3");
    assert!(
        app.panes[1]
            .note
            .clone()
            .unwrap()
            .contains("no endpoint named `local`")
    );
}

#[test]
fn a_pane_on_a_named_endpoint_sends_there_without_catalog_checks() {
    let settings = Settings {
        endpoints: vec!["local".into()],
        ..Settings::default()
    };
    let mut app = room_with(&["@local/qwen3:8b", "demo/fast"], settings);
    type_text(&mut app, "hi");
    let sent = chats(key(&mut app, KeyCode::Enter));
    assert_eq!(sent.len(), 2);
    assert_eq!(
        (sent[0].endpoint.as_deref(), sent[0].model.as_str()),
        (Some("local"), "qwen3:8b")
    );
    assert_eq!(
        (sent[1].endpoint.as_deref(), sent[1].model.as_str()),
        (None, "demo/fast")
    );
    let est = app.money.estimate.clone();
    assert!(est.is_none(), "the prompt was sent and cleared");
}

#[test]
fn the_routing_form_sets_what_the_next_request_carries() {
    let settings = Settings {
        deny_data_collection: true,
        ..Settings::default()
    };
    let mut app = room_with(&["demo/down", "demo/fast"], settings);
    press(&mut app, KeyCode::Char('p'), KeyModifiers::ALT);
    assert!(matches!(app.overlay, Overlay::Routing(_)));
    assert!(screen(&app).contains("routing for demo/down"));
    key(&mut app, KeyCode::Right); // sort: price
    key(&mut app, KeyCode::Right); // sort: throughput
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Right); // variant: floor
    key(&mut app, KeyCode::Down);
    type_text(&mut app, "2");
    key(&mut app, KeyCode::Down);
    type_text(&mut app, "demo/fast");
    key(&mut app, KeyCode::Down);
    type_text(&mut app, "aurora, borealis");
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    type_text(&mut app, "cirrus");
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char(' ')); // no other providers
    let shown = screen(&app);
    assert!(shown.contains("sends model: demo/down:floor"), "{shown}");
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.overlay, Overlay::None));
    let r = &app.panes[0].routing.clone();
    assert_eq!(r.sort, Some(ProviderSort::Throughput));
    assert_eq!(r.variant, Some(Variant::Floor));
    assert_eq!(r.fallbacks, ["demo/fast"]);
    assert_eq!(
        r.label(),
        "throughput·:floor·≤$2·+1 fallback·order aurora,borealis·not cirrus·no fallbacks"
    );
    let title = screen(&app);
    assert!(
        title.starts_with("┏ 1 demo/down [throughput·:floor·≤$2·+1 fallback"),
        "{title}"
    );
    type_text(&mut app, "hi");
    let sent = chats(key(&mut app, KeyCode::Enter));
    assert_eq!(sent[0].routing, *r);
    assert!(sent[0].deny_data_collection);
    assert!(
        sent[1].routing.is_default(),
        "the other pane keeps the defaults"
    );
    // Saved with the session and back.
    let snapshot = app.snapshot();
    let saved = serde_json::to_value(&snapshot).unwrap();
    assert_eq!(
        saved["panes"][0]["routing"],
        json!({"sort":"throughput","variant":"floor","max_price":{"prompt":2.0,"completion":2.0},
               "fallbacks":["demo/fast"],"order":["aurora","borealis"],"ignore":["cirrus"],
               "allow_fallbacks":false})
    );
    assert!(saved["panes"][1].get("routing").is_none());
    let (back, _) = App::from_session(&snapshot, Keymap::default(), Settings::default()).unwrap();
    assert_eq!(back.panes[0].routing, *r);
}

#[test]
fn a_fallback_model_that_is_unknown_is_caught_too() {
    let mut app = room(&["demo/fast"]);
    press(&mut app, KeyCode::Char('p'), KeyModifiers::ALT);
    for _ in 0..3 {
        key(&mut app, KeyCode::Down);
    }
    type_text(&mut app, "demo/slwo");
    key(&mut app, KeyCode::Enter);
    // Refused in the form, which stays open with what was typed and the closest ids.
    let Overlay::Routing(form) = &app.overlay else {
        panic!("the form closed on an unknown fallback")
    };
    let why = form.error.clone().unwrap();
    assert!(
        why.contains("demo/slwo") && why.contains("did you mean demo/slow?"),
        "{why}"
    );
    assert!(screen(&app).contains("did you mean demo/slow?"));
    assert!(app.panes[0].routing.fallbacks.is_empty(), "nothing applied");
    // Corrected, it applies.
    for _ in 0.."slwo".len() {
        key(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "slow");
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.overlay, Overlay::None));
    assert_eq!(app.panes[0].routing.fallbacks, ["demo/slow"]);
    type_text(&mut app, "hi");
    assert_eq!(chats(key(&mut app, KeyCode::Enter)).len(), 1);
}

#[test]
fn a_resumed_session_flags_models_the_catalog_no_longer_lists() {
    let mut old = App::new(
        &modelroom::model::parse_all(&["demo/fast", "vendor/retired-model"]).unwrap(),
        Keymap::default(),
        Settings::default(),
    );
    old.prompt.set_text("hi");
    update(&mut old, Action::Command(modelroom::app::Command::Send));
    let session = old.snapshot();
    let (mut app, _) = App::from_session(&session, Keymap::default(), Settings::default()).unwrap();
    assert!(
        app.panes[1].note.is_none(),
        "no catalog yet, nothing to say"
    );
    let loaded = CatalogUpdate {
        index: SharedIndex(Arc::new(demo_index())),
        fetched_at: 1,
        from_cache: true,
    };
    update(&mut app, Action::CatalogLoaded(Box::new(loaded)));
    assert!(app.panes[0].note.is_none());
    let note = app.panes[1].note.clone().unwrap();
    assert!(
        note.starts_with("⚠ retired? vendor/retired-model is not in the catalog"),
        "{note}"
    );
}

#[test]
fn without_a_catalog_the_room_still_sends_and_says_so() {
    let models = modelroom::model::parse_all(&["vendor/anything"]).unwrap();
    let mut app = App::new(&models, Keymap::default(), Settings::default());
    let refused = modelroom::api::ApiError::Connect {
        url: "http://127.0.0.1:9".into(),
        detail: "connection refused".into(),
    };
    update(&mut app, Action::CatalogFailed(refused.into()));
    let notice = app.notice.clone().unwrap().text;
    assert!(
        notice
            .starts_with("no model catalog (cannot reach http://127.0.0.1:9: connection refused)"),
        "{notice}"
    );
    app.notice = None;
    assert!(screen(&app).contains("no catalog (F5 retries)"));
    app.prompt.set_text("hi");
    let fx = update(&mut app, Action::Command(modelroom::app::Command::Send));
    assert_eq!(chats(fx).len(), 1);
}

#[test]
fn a_typed_model_that_names_an_endpoint_but_no_model_is_refused_in_the_picker() {
    let mut app = room(&["demo/fast"]);
    press(&mut app, KeyCode::Char('n'), KeyModifiers::ALT);
    type_text(&mut app, "@local");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.panes.len(), 1, "no pane was added");
    let Overlay::Picker(p) = &app.overlay else {
        panic!("the picker stays open to mend the text")
    };
    let said = p.message.clone().unwrap();
    assert!(said.contains("write it as @endpoint/model"), "{said}");
}

//! A pane's own settings in the room (issue 13): set in the routing form (Alt+P), shown in
//! the title, sent with the pane's requests, flagged when the model does not take them, and
//! several samples per prompt with their spread.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::drive::{self, key, press, started, type_text};
use common::{draw_sized, text};
use modelroom::api::StreamEvent;
use modelroom::app::{Action, Overlay, Settings, update};
use modelroom::chat::FinishReason;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

/// Opens the focused pane's form, goes to the settings field and types `settings`.
fn set_settings(app: &mut modelroom::app::App, settings: &str) {
    press(app, KeyCode::Char('p'), KeyModifiers::ALT);
    assert!(matches!(app.overlay, Overlay::Routing(_)));
    for _ in 0..12 {
        key(app, KeyCode::Down);
    }
    type_text(app, settings);
    key(app, KeyCode::Enter);
}

#[test]
fn the_form_sets_a_panes_settings_which_its_title_shows_and_its_requests_carry() {
    let mut app = drive::room(
        &["demo/thinker", "demo/thinker"],
        Settings::default(),
        160,
        20,
    );
    drive::load_demo_catalog(&mut app, 1);
    set_settings(&mut app, "effort=high, temperature=0.2, seed=7");
    assert!(matches!(app.overlay, Overlay::None), "the form applied");
    let screen = text(&draw_sized(&app, 160, 20));
    assert!(screen.contains("{T0.2 · seed 7 · effort high}"), "{screen}");
    app.prompt.set_text("hi");
    let chats = started(update(
        &mut app,
        Action::Command(modelroom::app::Command::Send),
    ));
    assert_eq!(chats.len(), 2);
    let (focused, other) = (&chats[0].2, &chats[1].2);
    assert_eq!(
        focused.reasoning,
        Some(serde_json::json!({"effort": "high"}))
    );
    assert_eq!((focused.temperature, focused.seed), (Some(0.2), Some(7)));
    assert_eq!((other.reasoning.clone(), other.seed), (None, None));
}

#[test]
fn a_bad_setting_keeps_the_form_open_and_the_pane_unchanged() {
    let mut app = drive::room(&["demo/fast"], Settings::default(), 120, 20);
    set_settings(&mut app, "temperature=7");
    let Overlay::Routing(form) = &app.overlay else {
        panic!("the form closed")
    };
    assert!(form.error.as_deref().unwrap().contains("temperature `7`"));
    key(&mut app, KeyCode::Esc);
    assert!(app.panes[0].settings.is_default());
}

#[test]
fn a_setting_the_model_does_not_take_is_flagged_in_its_pane_before_sending() {
    let mut app = drive::room(&["demo/fast"], Settings::default(), 120, 20);
    drive::load_demo_catalog(&mut app, 1);
    set_settings(&mut app, "effort=high");
    let note = app.panes[0].note.clone().unwrap();
    assert!(
        note.contains("demo/fast does not list reasoning among its supported parameters"),
        "{note}"
    );
}

#[test]
fn samples_ask_a_pane_k_times_and_show_their_spread_when_all_have_ended() {
    let mut app = drive::room(&["demo/fast", "demo/coder"], Settings::default(), 160, 30);
    drive::load_demo_catalog(&mut app, 1);
    set_settings(&mut app, "samples=3");
    app.prompt.set_text("hi");
    let chats = started(update(
        &mut app,
        Action::Command(modelroom::app::Command::Send),
    ));
    assert_eq!(chats.len(), 4, "three samples of pane 1, one of pane 2");
    assert!(app.panes[0].is_live());
    let texts = ["alpha beta", "alpha gamma", "alpha beta"];
    for ((pane, request, _), body) in chats.iter().take(3).zip(texts) {
        for event in [
            StreamEvent::Content(body.into()),
            StreamEvent::Finished(FinishReason::Stop),
            StreamEvent::Done,
        ] {
            update(
                &mut app,
                Action::Stream {
                    pane: *pane,
                    request: *request,
                    event,
                },
            );
        }
    }
    assert!(!app.panes[0].is_live());
    let spread = app.panes[0].spread.clone().unwrap();
    // {alpha,beta}·{alpha,gamma} 1/3, ·{alpha,beta} 1, {alpha,gamma}·{alpha,beta} 1/3: 0.56.
    assert!(spread.contains("3 samples · 10–11 chars"), "{spread}");
    assert!(spread.contains("agree 0.56"), "{spread}");
    let screen = text(&draw_sized(&app, 160, 30));
    assert!(screen.contains("sample 2/3"), "{screen}");
    assert!(screen.contains("agree 0.56"), "{screen}");
}

#[test]
fn the_pre_send_estimate_counts_every_sample() {
    let mut app = drive::room(&["demo/thinker"], Settings::default(), 120, 20);
    drive::load_demo_catalog(&mut app, 1);
    let one = modelroom::app::money::estimate(&app, &[0], "hello there").max;
    set_settings(&mut app, "samples=3");
    let three = modelroom::app::money::estimate(&app, &[0], "hello there").max;
    assert!(one.as_usd() > 0.0);
    assert!(
        (three.as_usd() - 3.0 * one.as_usd()).abs() < 1e-12,
        "{one} {three}"
    );
}

#[test]
fn an_answer_waiting_for_its_endpoints_limit_says_queued() {
    let mut app = drive::room(&["demo/fast"], Settings::default(), 120, 20);
    let live = drive::send(&mut app, "hi");
    let (pane, request) = live[0];
    update(
        &mut app,
        Action::Stream {
            pane,
            request,
            event: StreamEvent::Queued,
        },
    );
    let screen = text(&draw_sized(&app, 120, 20));
    assert!(
        screen.contains("queued: this endpoint has as many answers streaming"),
        "{screen}"
    );
    update(
        &mut app,
        Action::Stream {
            pane,
            request,
            event: StreamEvent::Dequeued,
        },
    );
    let screen = text(&draw_sized(&app, 120, 20));
    assert!(screen.contains("waiting for the first token"), "{screen}");
}

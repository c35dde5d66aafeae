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
                Action::Streamed {
                    pane: *pane,
                    request: *request,
                    events: vec![event],
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
        Action::Streamed {
            pane,
            request,
            events: vec![StreamEvent::Queued],
        },
    );
    let screen = text(&draw_sized(&app, 120, 20));
    assert!(
        screen.contains("queued: this endpoint has as many answers streaming"),
        "{screen}"
    );
    update(
        &mut app,
        Action::Streamed {
            pane,
            request,
            events: vec![StreamEvent::Dequeued],
        },
    );
    let screen = text(&draw_sized(&app, 120, 20));
    assert!(screen.contains("waiting for the first token"), "{screen}");
}

#[tokio::test]
async fn a_shootout_opens_one_pinned_pane_per_provider_and_a_broken_pin_is_loud() {
    use modelroom::api::{ApiKey, Client, Dialect, Endpoint};
    use modelroom::app::{Command, Effect};
    let sim = modelroom::sim::start(0, modelroom::sim::SimOptions::default())
        .await
        .unwrap();
    let mut app = drive::room(&["demo/thinker"], Settings::default(), 200, 40);
    set_settings(&mut app, "effort=low");
    let fx = update(&mut app, Action::Command(Command::ShootOut));
    let Some(Effect::FetchProviders { pane, model }) = fx.into_iter().next() else {
        panic!("no fetch")
    };
    assert!(pane.is_some());
    assert_eq!(model.as_str(), "demo/thinker");
    let mut ep = Endpoint::new(sim.base_url(), Some(ApiKey::new("k")));
    ep.dialect = Dialect::OpenRouter;
    let listed = Client::new(ep)
        .unwrap()
        .endpoints("demo/thinker")
        .await
        .unwrap();
    update(
        &mut app,
        Action::Providers {
            pane,
            model: "demo/thinker".into(),
            result: Ok(Box::new(listed.clone())),
        },
    );
    assert_eq!(app.panes.len(), 4);
    let screen = text(&draw_sized(&app, 200, 40));
    assert!(
        screen.contains("demo/thinker @ Quasar Compute · fp4"),
        "{screen}"
    );
    app.prompt.set_text("hi");
    let chats = started(update(&mut app, Action::Command(Command::Send)));
    let pins: Vec<(Vec<String>, bool)> = chats
        .iter()
        .skip(1)
        .map(|(_, _, c)| (c.routing.only.clone(), c.routing.allow_fallbacks))
        .collect();
    assert_eq!(
        pins,
        [
            (vec!["granite".to_owned()], false),
            (vec!["cirrus".to_owned()], false),
            (vec!["quasar".to_owned()], false)
        ]
    );
    assert!(
        chats
            .iter()
            .all(|(_, _, c)| c.reasoning == Some(serde_json::json!({"effort": "low"})))
    );
    // The granite pane's answer comes from Cirrus AI: its footer says so, loudly.
    let (pane, request, _) = chats[1];
    for event in [
        StreamEvent::Served {
            id: None,
            model: None,
            provider: Some("Cirrus AI".into()),
        },
        StreamEvent::Content("hello".into()),
        StreamEvent::Finished(FinishReason::Stop),
        StreamEvent::Done,
    ] {
        update(
            &mut app,
            Action::Streamed {
                pane,
                request,
                events: vec![event],
            },
        );
    }
    let screen = text(&draw_sized(&app, 200, 40));
    assert!(screen.contains("⚠⚠"), "{screen}");
    assert!(
        screen.contains("PINNED TO granite BUT SERVED BY Cirrus AI"),
        "{screen}"
    );
    // An empty or failed listing opens nothing and says why.
    let before = app.panes.len();
    let first = app.panes[0].id;
    update(
        &mut app,
        Action::Providers {
            pane: Some(first),
            model: "demo/thinker".into(),
            result: Err(modelroom::api::ApiError::Malformed {
                detail: "no `endpoints`".into(),
            }),
        },
    );
    assert_eq!(app.panes.len(), before);
    assert!(
        app.notice
            .clone()
            .unwrap()
            .text
            .contains("cannot list the providers of demo/thinker")
    );
}

#[test]
fn two_unpinned_panes_of_one_model_hint_that_providers_may_differ() {
    let mut app = drive::room(
        &["demo/thinker", "demo/thinker"],
        Settings::default(),
        160,
        20,
    );
    drive::send(&mut app, "hi");
    let notice = app.notice.clone().unwrap().text;
    assert!(
        notice.contains("demo/thinker runs in several panes unpinned: providers may differ"),
        "{notice}"
    );
    let mut other = drive::room(&["demo/thinker", "demo/fast"], Settings::default(), 160, 20);
    drive::send(&mut other, "hi");
    assert!(other.notice.is_none());
}

#[tokio::test]
async fn the_picker_shows_the_highlighted_models_providers_on_ctrl_e() {
    use modelroom::api::{ApiKey, Client, Dialect, Endpoint};
    use modelroom::app::Effect;
    let sim = modelroom::sim::start(0, modelroom::sim::SimOptions::default())
        .await
        .unwrap();
    let mut app = drive::room(&["demo/fast"], Settings::default(), 160, 30);
    drive::load_demo_catalog(&mut app, 1);
    press(&mut app, KeyCode::Char('n'), KeyModifiers::ALT);
    type_text(&mut app, "demo/thinker");
    let fx = press(&mut app, KeyCode::Char('e'), KeyModifiers::CONTROL);
    let Some(Effect::FetchProviders { pane: None, model }) = fx.into_iter().next() else {
        panic!("no fetch for the picker")
    };
    assert_eq!(model.as_str(), "demo/thinker");
    let mut ep = Endpoint::new(sim.base_url(), Some(ApiKey::new("k")));
    ep.dialect = Dialect::OpenRouter;
    let listed = Client::new(ep).unwrap().endpoints("demo/thinker").await;
    update(
        &mut app,
        Action::Providers {
            pane: None,
            model: "demo/thinker".into(),
            result: listed.map(Box::new),
        },
    );
    let screen = text(&draw_sized(&app, 160, 30));
    assert!(
        screen.contains("providers (3): Granite Bedrock · bf16 $3.15/$15.75 72 tok/s"),
        "{screen}"
    );
    assert_eq!(app.panes.len(), 1, "the picker only shows them");
}

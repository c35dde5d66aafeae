//! Not losing one's way in the room (issue 15): a quit or a regenerate that would cut an
//! answer short asks first or is refused, notices go when their time is up, a prompt may
//! start with `?`, `--resume` brings the prompt history back, the prompt box says where Enter
//! sends, and without colour the person's prompt is still marked apart.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::drive::{self, ev, key, press, send, type_text};
use common::{draw, paused_clock, text};
use modelroom::api::StreamEvent;
use modelroom::app::{App, Overlay, Settings};
use modelroom::chat::Usage;
use modelroom::keymap::Keymap;
use modelroom::theme::{ColorDepth, Themes};
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use ratatui::style::Modifier;

fn room(models: &[&str]) -> App {
    drive::room(models, Settings::default(), 100, 24)
}

fn notice(app: &App) -> String {
    app.notice
        .as_ref()
        .map(|n| n.text.to_string())
        .unwrap_or_default()
}

#[test]
fn ctrl_q_while_answers_stream_asks_first() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = room(&["a/1", "b/2"]);
    send(&mut app, "q");
    press(&mut app, KeyCode::Char('q'), KeyModifiers::CONTROL);
    assert!(!app.should_quit());
    assert_eq!(app.streaming_count(), 2, "nothing was stopped");
    assert!(
        notice(&app).contains("2 answers are still streaming: Ctrl+Q again"),
        "{}",
        notice(&app)
    );
    // Anything else in between disarms it.
    key(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Char('q'), KeyModifiers::CONTROL);
    assert!(!app.should_quit());
    press(&mut app, KeyCode::Char('q'), KeyModifiers::CONTROL);
    assert!(app.should_quit() && app.streaming_count() == 0);
}

#[test]
fn alt_r_on_a_streaming_pane_is_refused_and_bills_nothing_twice() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = room(&["a/1"]);
    let live = send(&mut app, "q");
    let fx = press(&mut app, KeyCode::Char('r'), KeyModifiers::ALT);
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(app.panes[0].answers().count(), 1);
    assert!(
        notice(&app).contains("pane 1 is still answering"),
        "{}",
        notice(&app)
    );
    drive::finish(&mut app, live[0], Usage::default());
    let fx = press(&mut app, KeyCode::Char('r'), KeyModifiers::ALT);
    assert!(!drive::started(fx).is_empty(), "a finished pane asks again");
}

#[test]
fn notices_expire() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = room(&["a/1"]);
    press(&mut app, KeyCode::Char('y'), KeyModifiers::ALT);
    assert!(notice(&app).starts_with("theme:"));
    assert!(
        app.animating(),
        "a notice keeps the clock ticking until it goes"
    );
    rt.block_on(tokio::time::sleep(Duration::from_secs(3)));
    modelroom::app::update(&mut app, modelroom::app::Action::Tick);
    assert!(app.notice.is_some(), "still fresh");
    rt.block_on(tokio::time::sleep(Duration::from_secs(4)));
    modelroom::app::update(&mut app, modelroom::app::Action::Tick);
    assert!(app.notice.is_none(), "gone after its time");
    assert!(!app.animating());
}

#[test]
fn a_prompt_may_start_with_a_question_mark() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = room(&["a/1"]);
    key(&mut app, KeyCode::Char('?'));
    assert!(matches!(app.overlay, Overlay::Help));
    assert!(text(&draw(&app)).contains("type on for a prompt that starts with ?"));
    type_text(&mut app, "why not");
    assert!(matches!(app.overlay, Overlay::None));
    assert_eq!(app.prompt.text(), "?why not");
    // F1's help is closed by typing nothing into the prompt.
    let mut app = room(&["a/1"]);
    key(&mut app, KeyCode::F(1));
    key(&mut app, KeyCode::Char('x'));
    assert!(matches!(app.overlay, Overlay::Help) && app.prompt.is_empty());
}

#[test]
fn resume_restores_the_prompt_history() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = room(&["a/1", "b/2"]);
    for prompt in ["first", "second"] {
        for live in send(&mut app, prompt) {
            ev(&mut app, live, StreamEvent::Content("ok".into()));
            drive::finish(&mut app, live, Usage::default());
        }
    }
    let saved = app.snapshot();
    let (mut back, _) = App::from_session(&saved, Keymap::default(), Settings::default()).unwrap();
    assert_eq!(back.history.entries(), ["first", "second"]);
    key(&mut back, KeyCode::Up);
    assert_eq!(back.prompt.text(), "second");
    key(&mut back, KeyCode::Up);
    assert_eq!(back.prompt.text(), "first");
}

#[test]
fn the_prompt_box_says_where_enter_sends() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = room(&["a/1", "b/2", "c/3"]);
    key(&mut app, KeyCode::Tab);
    let shown = text(&draw(&app));
    assert!(
        shown.contains("Ask all 3 panes…") && shown.contains("prompt → all 3 panes"),
        "{shown}"
    );
    key(&mut app, KeyCode::F(2));
    let shown = text(&draw(&app));
    assert!(shown.contains("Ask pane 2 only…"), "{shown}");
    assert!(shown.contains("prompt → pane 2 only (b/2)"), "{shown}");
    let mut empty = room(&[]);
    key(&mut empty, KeyCode::Char('x'));
    key(&mut empty, KeyCode::Backspace);
    let shown = text(&draw(&empty));
    assert!(!shown.contains("all 0 panes"), "{shown}");
    assert!(shown.contains("No pane to ask: Alt+N adds one"), "{shown}");
}

#[test]
fn without_colour_the_prompt_is_marked_apart_from_answers() {
    let themes = Themes::builtin(ColorDepth::None);
    let plain = themes.current();
    assert!(plain.prompt().add_modifier.contains(Modifier::REVERSED));
    assert_ne!(plain.prompt(), plain.strong());
    assert_ne!(plain.prompt(), plain.heading(1));
}

#[test]
fn a_misspelt_model_flags_its_own_pane_whole_and_the_others_are_asked() {
    let rt = paused_clock();
    let _clock = rt.enter();
    for (width, height) in [(80, 24), (120, 40)] {
        let mut app = drive::room(
            &["demo/fsat", "demo/fast"],
            Settings::default(),
            width,
            height,
        );
        drive::load_demo_catalog(&mut app, 1_700_000_000);
        let shown = text(&draw(&app));
        let flat: String = shown
            .lines()
            .map(|l| l.trim_matches(|c| "┃│ ".contains(c)))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            flat.contains("nothing is sent to this pane until then"),
            "the note is whole: {shown}"
        );
        insta::assert_snapshot!(format!("misspelt_model_{width}x{height}"), shown);
        type_text(&mut app, "hello");
        let started = drive::started(key(&mut app, KeyCode::Enter));
        assert_eq!(started.len(), 1, "the other pane is asked");
        assert_eq!(started[0].0, app.panes[1].id);
    }
}

#[test]
fn alt_t_starts_from_the_current_title() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = room(&["a/1"]);
    let title = app.title();
    press(&mut app, KeyCode::Char('t'), KeyModifiers::ALT);
    let Overlay::Title(input) = &app.overlay else {
        panic!("the title field is open")
    };
    assert_eq!(input.text(), title);
    type_text(&mut app, " (2)");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.title(), format!("{title} (2)"));
}

#[test]
fn the_sessions_browser_shows_ids_zoned_times_and_cuts_with_an_ellipsis() {
    use modelroom::app::{Action, Command, SessionRow, update};
    use modelroom::sanitize::Clean;
    let rt = paused_clock();
    let _clock = rt.enter();
    for (width, height) in [(80, 24), (120, 40)] {
        let mut app = drive::room(&["a/1"], Settings::default(), width, height);
        update(&mut app, Action::Command(Command::Sessions));
        let row = |id: &str, title: &str| SessionRow {
            id: id.into(),
            shown_id: Clean::line(id),
            title: Clean::line(title),
            updated: Clean::line("2026-12-02T03:58:47Z"),
            models: vec![
                Clean::line("anthropic/claude-sonnet-4.6"),
                Clean::line("openai/gpt-5.1"),
            ],
            prompts: 3,
            cost_usd: 0.00101,
            damaged: None,
        };
        let title = "Explain server-sent events and when to prefer them over websockets";
        let rows = vec![
            row("20261202-035847-d2c1", title),
            row("20261202-033537-f17c", title),
        ];
        update(&mut app, Action::SessionsListed(Ok(rows)));
        let shown = text(&draw(&app));
        assert!(shown.contains("20261202-035847-d2c1") && shown.contains("20261202-033537-f17c"));
        assert!(
            shown.contains("updated (UTC)") && shown.contains("2026-12-02 03:58 UTC"),
            "{shown}"
        );
        assert!(
            shown.contains('…'),
            "a cut title or model list ends in …: {shown}"
        );
        insta::assert_snapshot!(format!("sessions_browser_{width}x{height}"), shown);
    }
}

#[test]
fn the_spend_view_ranks_the_latest_round() {
    use modelroom::chat::Cost;
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = drive::room(&["a/slow", "b/quick"], Settings::default(), 120, 40);
    let live = send(&mut app, "go");
    let wait = |s: u64| rt.block_on(tokio::time::sleep(Duration::from_secs(s)));
    wait(1);
    ev(
        &mut app,
        live[1],
        StreamEvent::Content("quick and short".into()),
    );
    wait(1);
    ev(
        &mut app,
        live[0],
        StreamEvent::Content("slow but long".into()),
    );
    let usage = |tokens, cost| Usage {
        completion_tokens: tokens,
        cost: Some(Cost::usd(cost)),
        ..Usage::default()
    };
    drive::finish(&mut app, live[1], usage(20, 0.0001));
    wait(2);
    drive::finish(&mut app, live[0], usage(300, 0.003));
    key(&mut app, KeyCode::F(3));
    let shown = text(&draw(&app));
    assert!(shown.contains("latest round, ranked"), "{shown}");
    assert!(
        shown.contains("cheapest    2 b/quick $0.0001 · 1 a/slow $0.003"),
        "{shown}"
    );
    assert!(
        shown.contains("first token 2 b/quick 1.00 s · 1 a/slow 2.00 s"),
        "{shown}"
    );
    assert!(
        shown.contains("longest     1 a/slow 300 tok · 2 b/quick 20 tok"),
        "{shown}"
    );
    assert!(shown.contains("fastest     1 a/slow 150 tok/s"), "{shown}");
}

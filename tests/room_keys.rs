//! Key handling, driven through `update` with key events and stream events, asserting on the
//! room's state and on the effects it asks for. No terminal, network or disk.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::drive::{self, ev, key, press, started, type_text};
use modelroom::api::{ApiError, ChatRequest, Generation, StreamEvent};
use modelroom::app::{
    Action, AnswerState, App, CostState, Effect, Overlay, PaneId, RequestId, SendMode, Settings,
    update,
};
use modelroom::chat::{Cost, Role, Usage};
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

fn room(models: &[&str]) -> App {
    drive::room(models, Settings::default(), 120, 30)
}

/// Types `text` and presses Enter; returns the streams started, as (pane, request, chat).
fn send(app: &mut App, text: &str) -> Vec<(PaneId, RequestId, ChatRequest)> {
    type_text(app, text);
    started(key(app, KeyCode::Enter))
}

/// A whole answer: text, usage with `cost`, finish, done.
fn answer(app: &mut App, pane: PaneId, request: RequestId, text: &str, cost: f64) {
    ev(
        app,
        (pane, request),
        StreamEvent::Opened {
            generation_id: Some(format!("gen-{}", request.0)),
        },
    );
    ev(
        app,
        (pane, request),
        StreamEvent::Served {
            id: None,
            model: None,
            provider: Some("Aurora Cloud".into()),
        },
    );
    ev(app, (pane, request), StreamEvent::Content(text.into()));
    let usage = Usage {
        prompt_tokens: 5,
        completion_tokens: 7,
        cost: Some(Cost::usd(cost)),
        ..Usage::default()
    };
    drive::finish(app, (pane, request), usage);
}

#[test]
fn enter_broadcasts_to_every_pane_and_clears_the_prompt() {
    let mut app = room(&["a/one", "b/two", "c/three"]);
    let streams = send(&mut app, "hello");
    assert_eq!(streams.len(), 3);
    for ((pane, _, chat), p) in streams.iter().zip(&app.panes) {
        assert_eq!(*pane, p.id);
        assert_eq!(chat.model, p.model.as_str());
        let last = chat.messages.last().unwrap();
        assert_eq!((last.role, last.content.as_str()), (Role::User, "hello"));
    }
    assert!(app.prompt.is_empty());
    assert_eq!(app.history.entries(), ["hello"]);
    assert!(
        started(key(&mut app, KeyCode::Enter)).is_empty(),
        "an empty prompt sends nothing"
    );
}

#[test]
fn ctrl_s_sends_to_the_focused_pane_and_f2_switches_the_mode() {
    let mut app = room(&["a/one", "b/two"]);
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "only you");
    let fx = started(press(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL));
    assert_eq!(fx.len(), 1);
    assert_eq!(fx[0].0, app.panes[1].id);
    answer(&mut app, fx[0].0, fx[0].1, "done", 0.001);
    key(&mut app, KeyCode::F(2));
    assert_eq!(app.send_mode, SendMode::Focused);
    let fx = send(&mut app, "again");
    assert_eq!(fx.len(), 1);
    assert_eq!(fx[0].0, app.panes[1].id);
}

#[test]
fn newline_keys_and_paste_never_send() {
    let mut app = room(&["a/one"]);
    type_text(&mut app, "line one");
    assert!(press(&mut app, KeyCode::Enter, KeyModifiers::ALT).is_empty());
    type_text(&mut app, "two");
    assert!(press(&mut app, KeyCode::Char('j'), KeyModifiers::CONTROL).is_empty());
    type_text(&mut app, "three");
    assert_eq!(app.prompt.text(), "line one\ntwo\nthree");
    assert!(update(&mut app, Action::Paste("\npasted\nlines\n".into())).is_empty());
    assert_eq!(app.prompt.line_count(), 6);
    assert!(
        app.layout.input.height > 3,
        "the prompt box grows with its lines"
    );
}

#[test]
fn focus_moves_with_tab_shift_tab_and_alt_digits() {
    let mut app = room(&["a/1", "a/2", "a/3"]);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, 1);
    press(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    press(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(app.focus, 2, "wraps around");
    press(&mut app, KeyCode::Char('1'), KeyModifiers::ALT);
    assert_eq!(app.focus, 0);
    press(&mut app, KeyCode::Char('9'), KeyModifiers::ALT);
    assert_eq!(app.focus, 0, "no ninth pane");
}

#[test]
fn zoom_gives_the_focused_pane_the_room_and_back() {
    let mut app = room(&["a/1", "a/2"]);
    key(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Char('z'), KeyModifiers::ALT);
    assert!(app.zoom);
    assert!(app.layout.panes[0].is_empty());
    assert_eq!(app.layout.panes[1].width, 120);
    press(&mut app, KeyCode::Char('z'), KeyModifiers::ALT);
    assert!(!app.layout.panes[0].is_empty());
}

#[test]
fn answers_stream_in_and_the_spend_is_the_sum_of_their_costs() {
    let mut app = room(&["a/1", "a/2"]);
    let fx = send(&mut app, "q");
    ev(
        &mut app,
        (fx[0].0, fx[0].1),
        StreamEvent::Content("Hel".into()),
    );
    assert_eq!(
        app.panes[0].last_answer().unwrap().state,
        AnswerState::Streaming
    );
    assert_eq!(app.streaming_count(), 2);
    ev(
        &mut app,
        (fx[0].0, fx[0].1),
        StreamEvent::Content("lo".into()),
    );
    assert_eq!(app.panes[0].last_answer().unwrap().reply.content, "Hello");
    answer(&mut app, fx[1].0, fx[1].1, "B", 0.002);
    let usage = Usage {
        cost: Some(Cost::usd(0.001)),
        ..Usage::default()
    };
    ev(&mut app, (fx[0].0, fx[0].1), StreamEvent::Usage(usage));
    let end = ev(&mut app, (fx[0].0, fx[0].1), StreamEvent::Done);
    assert_eq!(
        app.panes[0].last_answer().unwrap().state,
        AnswerState::Complete
    );
    assert!(
        end.contains(&Effect::RefreshBalance),
        "the round ended: refresh the balance"
    );
    assert_eq!(app.panes[0].spend().0, Cost::usd(0.001));
    let (total, pending) = app.spend();
    assert!((total.as_usd() - 0.003).abs() < 1e-12 && pending == 0);
}

#[test]
fn stale_stream_events_are_ignored() {
    let mut app = room(&["a/1"]);
    let fx = send(&mut app, "q");
    let (pane, old, _) = fx[0];
    // Alt+R on a live pane is refused (it would bill twice): stop first, then ask again.
    let fx = key(&mut app, KeyCode::Esc);
    assert!(fx.contains(&Effect::CancelStream { request: old }));
    let fx = press(&mut app, KeyCode::Char('r'), KeyModifiers::ALT);
    let (_, new, _) = started(fx)[0];
    assert_ne!(old, new);
    ev(
        &mut app,
        (pane, old),
        StreamEvent::Content("from the old request".into()),
    );
    ev(
        &mut app,
        (pane, RequestId(999_999)),
        StreamEvent::Content("from nowhere".into()),
    );
    ev(&mut app, (pane, new), StreamEvent::Content("fresh".into()));
    assert_eq!(app.panes[0].last_answer().unwrap().reply.content, "fresh");
}

#[test]
fn esc_stops_the_focused_pane_and_its_cost_is_reconciled() {
    let mut app = room(&["a/1", "a/2"]);
    let fx = send(&mut app, "q");
    for (pane, request, _) in &fx {
        ev(
            &mut app,
            (*pane, *request),
            StreamEvent::Opened {
                generation_id: Some(format!("gen-{}", request.0)),
            },
        );
        ev(
            &mut app,
            (*pane, *request),
            StreamEvent::Content("partial".into()),
        );
    }
    let stop = key(&mut app, KeyCode::Esc);
    assert!(stop.contains(&Effect::CancelStream { request: fx[0].1 }));
    assert!(stop.iter().any(|e| matches!(e, Effect::Reconcile { generation_id, .. } if *generation_id == format!("gen-{}", fx[0].1.0))));
    let a = app.panes[0].last_answer().unwrap();
    assert_eq!(a.state, AnswerState::Stopped);
    assert_eq!(a.reply.content, "partial");
    assert_eq!(a.cost, CostState::Pending);
    assert!(app.panes[1].is_live(), "the other pane carries on");
    let record = Generation {
        total_cost: Some(0.0042),
        provider_name: Some("Aurora Cloud".into()),
        ..Generation::default()
    };
    update(
        &mut app,
        Action::Reconciled {
            pane: fx[0].0,
            request: fx[0].1,
            result: Ok(record),
        },
    );
    assert_eq!(
        app.panes[0].last_answer().unwrap().cost,
        CostState::Reported(Cost::usd(0.0042))
    );
    let all = press(&mut app, KeyCode::Char('x'), KeyModifiers::CONTROL);
    assert!(all.contains(&Effect::CancelStream { request: fx[1].1 }));
    assert_eq!(app.streaming_count(), 0);
}

#[test]
fn ctrl_c_stops_streams_first_and_quits_when_none_run() {
    let mut app = room(&["a/1"]);
    send(&mut app, "q");
    press(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(!app.should_quit() && app.streaming_count() == 0);
    press(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(app.should_quit());
    let mut app = room(&["a/1"]);
    press(&mut app, KeyCode::Char('q'), KeyModifiers::CONTROL);
    assert!(app.should_quit());
}

#[test]
fn sending_while_a_pane_answers_is_refused_and_keeps_the_text() {
    let mut app = room(&["a/1"]);
    send(&mut app, "first");
    let fx = send(&mut app, "second");
    assert!(fx.is_empty());
    assert_eq!(app.prompt.text(), "second");
    assert!(
        app.notice
            .as_ref()
            .unwrap()
            .text
            .contains("still answering")
    );
}

#[test]
fn follow_ups_carry_each_panes_own_history() {
    let mut app = room(&["a/1", "a/2"]);
    let fx = send(&mut app, "one");
    answer(&mut app, fx[0].0, fx[0].1, "first answer", 0.0);
    ev(
        &mut app,
        (fx[1].0, fx[1].1),
        StreamEvent::Failed(ApiError::Http {
            status: 502,
            code: None,
            message: "down".into(),
            provider: None,
            raw: None,
            retry_after: None,
        }),
    );
    let fx = send(&mut app, "two");
    let roles = |chat: &modelroom::api::ChatRequest| {
        chat.messages
            .iter()
            .map(|m| (m.role, m.content.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        roles(&fx[0].2),
        vec![
            (Role::User, "one".to_owned()),
            (Role::Assistant, "first answer".to_owned()),
            (Role::User, "two".to_owned()),
        ]
    );
    assert_eq!(
        roles(&fx[1].2),
        vec![(Role::User, "two".to_owned())],
        "a failed answer without text is left out"
    );
}

#[test]
fn regenerate_asks_the_same_prompt_and_keeps_the_earlier_cost() {
    let mut app = room(&["a/1"]);
    let fx = send(&mut app, "one");
    answer(&mut app, fx[0].0, fx[0].1, "A1", 0.01);
    let fx = send(&mut app, "two");
    answer(&mut app, fx[0].0, fx[0].1, "A2", 0.02);
    let regen = started(press(&mut app, KeyCode::Char('r'), KeyModifiers::ALT));
    let msgs: Vec<&str> = regen[0]
        .2
        .messages
        .iter()
        .map(|m| m.content.as_str())
        .collect();
    assert_eq!(msgs, ["one", "A1", "two"]);
    answer(&mut app, regen[0].0, regen[0].1, "A2 again", 0.03);
    assert!(
        (app.spend().0.as_usd() - 0.06).abs() < 1e-12,
        "every answer's cost counts"
    );
    let next = send(&mut app, "three");
    let msgs: Vec<&str> = next[0]
        .2
        .messages
        .iter()
        .map(|m| m.content.as_str())
        .collect();
    assert_eq!(
        msgs,
        ["one", "A1", "two", "A2 again", "three"],
        "the newest answer continues the conversation"
    );
}

#[test]
fn rate_limits_are_retried_after_retry_after() {
    let mut app = room(&["a/1"]);
    let fx = send(&mut app, "q");
    let (pane, request, _) = fx[0];
    let retry = ev(
        &mut app,
        (pane, request),
        StreamEvent::Failed(ApiError::Http {
            status: 429,
            code: None,
            message: "slow down".into(),
            provider: None,
            raw: None,
            retry_after: Some(Duration::from_secs(3)),
        }),
    );
    assert!(retry.contains(&Effect::RetryAfter {
        pane,
        request,
        after: Duration::from_secs(3)
    }));
    assert!(matches!(
        app.panes[0].last_answer().unwrap().state,
        AnswerState::Retrying { .. }
    ));
    let again = started(update(&mut app, Action::Retry { pane, request }));
    assert_eq!(again.len(), 1);
    assert_eq!(app.panes[0].last_answer().unwrap().attempts, 2);
}

#[test]
fn a_rejected_model_is_noted_and_the_pane_can_be_rebound() {
    let mut app = room(&["nobody/nothing"]);
    let fx = send(&mut app, "q");
    ev(
        &mut app,
        (fx[0].0, fx[0].1),
        StreamEvent::Failed(ApiError::Http {
            status: 400,
            code: None,
            message: "nobody/nothing is not a valid model ID".into(),
            provider: None,
            raw: None,
            retry_after: None,
        }),
    );
    assert!(matches!(
        app.panes[0].last_answer().unwrap().state,
        AnswerState::Failed
    ));
    assert!(app.panes[0].note.as_ref().unwrap().contains("Alt+M"));
    press(&mut app, KeyCode::Char('m'), KeyModifiers::ALT);
    assert!(matches!(app.overlay, Overlay::Picker(_)));
    type_text(&mut app, "demo/fast");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.panes[0].model, "demo/fast");
    assert!(app.panes[0].note.is_none());
}

#[test]
fn panes_are_added_and_closed() {
    let mut app = room(&["a/1", "a/2"]);
    press(&mut app, KeyCode::Char('n'), KeyModifiers::ALT);
    type_text(&mut app, "c/3");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.panes.len(), 3);
    assert_eq!(app.focus, 2);
    let fx = send(&mut app, "q");
    let closing = press(&mut app, KeyCode::Char('w'), KeyModifiers::ALT);
    assert!(closing.contains(&Effect::CancelStream { request: fx[2].1 }));
    assert_eq!(app.panes.len(), 2);
    assert_eq!(app.focus, 1);
    press(&mut app, KeyCode::Char('n'), KeyModifiers::ALT);
    type_text(&mut app, "has space");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.panes.len(), 2, "a model id with a space is refused");
}

#[test]
fn up_and_down_recall_history_only_at_the_prompts_edges() {
    let mut app = room(&["a/1"]);
    let fx = send(&mut app, "older");
    answer(&mut app, fx[0].0, fx[0].1, "x", 0.0);
    let fx = send(&mut app, "newer");
    answer(&mut app, fx[0].0, fx[0].1, "y", 0.0);
    type_text(&mut app, "draft");
    key(&mut app, KeyCode::Up);
    assert_eq!(app.prompt.text(), "newer");
    key(&mut app, KeyCode::Up);
    assert_eq!(app.prompt.text(), "older");
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    assert_eq!(app.prompt.text(), "draft");
    press(&mut app, KeyCode::Enter, KeyModifiers::ALT);
    type_text(&mut app, "second line");
    key(&mut app, KeyCode::Up);
    assert_eq!(
        app.prompt.text(),
        "draft\nsecond line",
        "Up inside a multi-line prompt moves the cursor"
    );
}

#[test]
fn help_opens_with_f1_or_question_mark_on_an_empty_prompt() {
    let mut app = room(&["a/1"]);
    key(&mut app, KeyCode::F(1));
    assert!(matches!(app.overlay, Overlay::Help));
    key(&mut app, KeyCode::Esc);
    assert!(matches!(app.overlay, Overlay::None));
    key(&mut app, KeyCode::Char('?'));
    assert!(matches!(app.overlay, Overlay::Help));
    key(&mut app, KeyCode::Esc);
    type_text(&mut app, "why");
    key(&mut app, KeyCode::Char('?'));
    assert_eq!(app.prompt.text(), "why?");
    assert!(matches!(app.overlay, Overlay::None));
}

#[test]
fn alt_c_copies_the_last_answer() {
    let mut app = room(&["a/1"]);
    let fx = send(&mut app, "q");
    answer(&mut app, fx[0].0, fx[0].1, "copy me", 0.0);
    let copy = press(&mut app, KeyCode::Char('c'), KeyModifiers::ALT);
    assert_eq!(copy, vec![Effect::Copy("copy me".into())]);
}

#[test]
fn alt_shift_c_copies_code_blocks_the_last_first_then_older_ones() {
    let mut app = room(&["a/1"]);
    let fx = send(&mut app, "q");
    let text = "Run this:\n\n```sh\nmake test\n```\n\nand then:\n\n```rust\nfn main() {}\n```\n";
    answer(&mut app, fx[0].0, fx[0].1, text, 0.0);
    let copy = |app: &mut App| {
        press(
            app,
            KeyCode::Char('C'),
            KeyModifiers::ALT | KeyModifiers::SHIFT,
        )
    };
    assert_eq!(copy(&mut app), vec![Effect::Copy("fn main() {}\n".into())]);
    assert_eq!(copy(&mut app), vec![Effect::Copy("make test\n".into())]);
    // Past the first block it starts again from the last.
    assert_eq!(copy(&mut app), vec![Effect::Copy("fn main() {}\n".into())]);
    // Alt+C still copies the whole answer.
    let whole = press(&mut app, KeyCode::Char('c'), KeyModifiers::ALT);
    assert_eq!(whole, vec![Effect::Copy(text.into())]);
}

#[test]
fn control_sequences_never_enter_the_state() {
    let mut app = room(&["a/1"]);
    let fx = send(&mut app, "q");
    ev(
        &mut app,
        (fx[0].0, fx[0].1),
        StreamEvent::Content("a\u{1b}[2Jb\u{1b}]52;c;eA==\u{7}c\u{9b}1md\u{202e}e\r\tf".into()),
    );
    assert_eq!(
        app.panes[0].last_answer().unwrap().reply.content,
        "abcde    f"
    );
    // A sequence cut between two deltas goes whole, leaving no printable tail behind.
    for piece in [
        "g\u{1b}]8;;http://ev",
        "il\u{1b}\\link\u{1b}]8",
        ";;\u{1b}\\ h",
    ] {
        ev(
            &mut app,
            (fx[0].0, fx[0].1),
            StreamEvent::Content(piece.into()),
        );
    }
    let reasoning = ["r\u{1b}[3", "1mx\u{1b}", "[0m"];
    for piece in reasoning {
        ev(
            &mut app,
            (fx[0].0, fx[0].1),
            StreamEvent::Reasoning(piece.into()),
        );
    }
    let reply = &app.panes[0].last_answer().unwrap().reply;
    assert_eq!(reply.content, "abcde    fglink h");
    assert_eq!(reply.reasoning, "rx");
}

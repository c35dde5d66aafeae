//! The whole room end to end: the real event loop on a `TestBackend`, scripted keys, the real
//! client and task pool, and the simulated gateway on 127.0.0.1. Waits on the loop's status
//! signal, never on wall-clock sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::live::{self, Room, screen};
use modelroom::api::{Client, Dialect};
use modelroom::app::{AnswerState, CostState, Settings};
use modelroom::chat::Cost;
use modelroom::runtime;
use modelroom::store::SessionStore;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

async fn open_room(models: &[&str], width: u16, height: u16) -> Room {
    open_room_saving(models, width, height, None).await
}

async fn open_room_saving(
    models: &[&str],
    width: u16,
    height: u16,
    store: Option<SessionStore>,
) -> Room {
    let sim = live::gateway().await;
    let client = Client::new(live::endpoint(&sim.base_url(), Dialect::OpenRouter)).unwrap();
    Room::start(
        client,
        models,
        Settings::default(),
        (width, height),
        move |ctx, tx| {
            ctx.saver = store.clone().map(|s| runtime::Saver::new(s, tx.clone()));
            ctx.store = store;
        },
    )
    .holding(sim)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_prompt_streams_into_every_pane_and_the_spend_adds_up() {
    let mut room = open_room(&["demo/fast", "demo/thinker", "demo/canon"], 150, 40).await;
    room.wait("the first frame", |s| s.frames > 0).await;
    room.type_line("Compare event streams");
    room.wait("three answers to finish", |s| {
        s.answers == 3 && s.streaming == 0
    })
    .await;
    let (app, term) = room.quit().await;

    let mut total = Cost::ZERO;
    for pane in &app.panes {
        let answer = pane.last_answer().expect("each pane answered");
        assert_eq!(answer.state, AnswerState::Complete, "{}", pane.model);
        assert!(answer.reply.content.len() > 50);
        let CostState::Reported(cost) = answer.cost else {
            panic!("cost of {} not reported", pane.model)
        };
        assert!(cost > Cost::ZERO);
        total += cost;
    }
    let rows = screen(&term);
    let text = rows.join("\n");
    for pane in &app.panes {
        assert!(
            text.contains(pane.model.as_str()),
            "title names {}",
            pane.model
        );
        let provider = pane.last_provider().unwrap();
        assert!(
            rows[0].contains(provider),
            "title shows provider {provider}: {}",
            rows[0]
        );
        // The end of each answer is in view (the pane follows the stream).
        let last_line = pane
            .last_answer()
            .unwrap()
            .reply
            .content
            .lines()
            .rev()
            .find(|l| l.len() > 3)
            .unwrap();
        let tail: String = last_line
            .chars()
            .rev()
            .take(12)
            .collect::<String>()
            .chars()
            .rev()
            .collect();
        assert!(
            text.contains(tail.trim()),
            "the end of {}'s answer ({tail:?}) is on screen",
            pane.model
        );
    }
    let status = rows.last().unwrap();
    assert!(
        status.contains(&format!("spend {total}")),
        "status bar `{status}` shows {total}"
    );
    assert!(status.contains("send: all"));
    // demo/canon answers under its canonical slug; the footer says so.
    assert!(text.contains("via demo/canon-"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_keeps_the_partial_answer_and_reconciles_its_cost() {
    let mut room = open_room(&["demo/slow"], 100, 30).await;
    room.wait("the first frame", |s| s.frames > 0).await;
    room.type_line("[sim:ttft=0] [sim:rate=200] [sim:tokens=4000] a long story");
    room.wait("the answer to start", |s| s.streaming == 1).await;
    // Let some text arrive, then stop the focused pane.
    room.wait("some text", |s| s.text_bytes > 0).await;
    room.key(KeyCode::Esc, KeyModifiers::NONE);
    room.wait("the stream to stop", |s| s.streaming == 0).await;
    // The reconciliation arrives from /generation about a second later.
    room.wait("the cost to be reconciled", |s| s.reconciling == 0)
        .await;
    let (app, term) = room.quit().await;
    let answer = app.panes[0].last_answer().unwrap();
    assert_eq!(answer.state, AnswerState::Stopped);
    assert!(!answer.reply.content.is_empty(), "partial text kept");
    assert!(
        matches!(answer.cost, CostState::Reported(c) if c > Cost::ZERO),
        "{:?}",
        answer.cost
    );
    assert!(screen(&term).join("\n").contains("■ stopped"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_model_output_reaches_the_screen_harmless() {
    let mut room = open_room(&["demo/fast"], 100, 30).await;
    room.wait("the first frame", |s| s.frames > 0).await;
    room.type_line("[sim:escape] hi");
    room.wait("the answer", |s| s.answers == 1 && s.streaming == 0)
        .await;
    let (app, term) = room.quit().await;
    assert!(app.panes[0].last_answer().unwrap().reply.content.len() > 10);
    for (y, row) in screen(&term).iter().enumerate() {
        assert!(
            !row.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "row {y} holds a control character: {row:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_pane_shows_its_error_and_the_others_carry_on() {
    let mut room = open_room(&["demo/fast", "nobody/nothing"], 120, 30).await;
    room.wait("the first frame", |s| s.frames > 0).await;
    room.type_line("hello");
    room.wait("both panes to finish", |s| {
        s.answers == 2 && s.streaming == 0
    })
    .await;
    let (app, term) = room.quit().await;
    assert_eq!(
        app.panes[0].last_answer().unwrap().state,
        AnswerState::Complete
    );
    assert!(matches!(
        app.panes[1].last_answer().unwrap().state,
        AnswerState::Failed
    ));
    let text = screen(&term).join("\n");
    assert!(text.contains("✗ 400"), "{text}");
    assert!(
        text.contains("rejected"),
        "the pane suggests rebinding: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_save_is_shown_and_retried_with_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let sessions = dir.path().join("sessions");
    let store = SessionStore::open(&sessions).unwrap();
    // The directory turns into a file: every write fails, as on a full or read-only disk.
    std::fs::remove_dir(&sessions).unwrap();
    std::fs::write(&sessions, b"not a directory").unwrap();
    let mut room = open_room_saving(&["demo/fast"], 120, 30, Some(store.clone())).await;
    room.wait("the first frame", |s| s.frames > 0).await;
    room.type_line("first");
    room.wait("the answer", |s| s.answers == 1 && s.streaming == 0)
        .await;
    room.wait("the save to fail", |s| s.save_failed && !s.saving)
        .await;
    // The disk comes back; the next save (after the next answer) succeeds.
    std::fs::remove_file(&sessions).unwrap();
    std::fs::create_dir(&sessions).unwrap();
    room.type_line("second");
    room.wait("the second answer", |s| s.answers == 2 && s.streaming == 0)
        .await;
    let (app, _term) = room.quit().await;
    assert!(
        app.save_error.is_none(),
        "the error clears once a save works: {:?}",
        app.save_error
    );
    let saved = store
        .load(&app.session.id)
        .expect("saved once the disk was back");
    assert_eq!(saved.totals.prompts, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_bar_says_when_a_save_failed() {
    let dir = tempfile::tempdir().unwrap();
    let sessions = dir.path().join("sessions");
    let store = SessionStore::open(&sessions).unwrap();
    std::fs::remove_dir(&sessions).unwrap();
    std::fs::write(&sessions, b"not a directory").unwrap();
    let mut room = open_room_saving(&["demo/fast"], 140, 30, Some(store)).await;
    room.wait("the first frame", |s| s.frames > 0).await;
    room.type_line("hello");
    room.wait("the answer", |s| s.answers == 1 && s.streaming == 0)
        .await;
    room.wait("the save to fail", |s| s.save_failed && !s.saving)
        .await;
    let (app, term) = room.quit().await;
    assert!(app.save_error.is_some());
    let status = screen(&term).pop().unwrap();
    assert!(status.contains("not saved"), "{status}");
}

//! Stream events in batches (`Action::Streamed`: what one network read brought, in one action):
//! a batch leaves the room exactly as the same events one by one would, its text pieces joined
//! or not; its end still ends, saves and re-estimates; and the frame log counts every chunk.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::drive::{self, ev, send};
use common::live::{self, Room};
use modelroom::api::{ApiError, Client, Dialect, StreamEvent};
use modelroom::app::{Action, AnswerState, App, Effect, PaneId, RequestId, Settings, update};
use modelroom::chat::{Cost, FinishReason, Usage};
use modelroom::runtime::FrameLog;

fn room() -> App {
    drive::room(&["demo/fast"], Settings::default(), 100, 30)
}

fn batch(
    app: &mut App,
    (pane, request): (PaneId, RequestId),
    events: Vec<StreamEvent>,
) -> Vec<Effect> {
    let fx = update(
        app,
        Action::Streamed {
            pane,
            request,
            events,
        },
    );
    app.render_visible();
    fx
}

fn content(s: &str) -> StreamEvent {
    StreamEvent::Content(s.into())
}

fn reasoning(s: &str) -> StreamEvent {
    StreamEvent::Reasoning(s.into())
}

/// Text and reasoning in pieces, hostile sequences cut between them, and the events between.
fn pieces() -> Vec<StreamEvent> {
    vec![
        StreamEvent::Opened {
            generation_id: Some("gen-1".into()),
        },
        reasoning("let me "),
        reasoning("think\u{1b}]0;ti"),
        reasoning("tle\u{7} hard"),
        content("# Title\n\nred: \u{1b}["),
        content("31mnot red\u{1b}"),
        content("[0m, a link \u{1b}]8;;http://evil"),
        StreamEvent::ReasoningDetails(vec![serde_json::json!({"type": "reasoning.text"})]),
        content("\u{7}here\u{1b}]8;;\u{1b}"),
        content("\\ and\ttab\n\n- one\n- two"),
        reasoning(" more"),
        content("\n"),
    ]
}

fn usage() -> Usage {
    Usage {
        prompt_tokens: 10,
        completion_tokens: 12,
        cost: Some(Cost::usd(0.001)),
        ..Usage::default()
    }
}

fn ending() -> Vec<StreamEvent> {
    vec![
        StreamEvent::Usage(usage()),
        StreamEvent::Finished(FinishReason::Stop),
        StreamEvent::Done,
    ]
}

/// What a person could tell apart: the answer's text, reasoning and state, and the screen
/// (the reasoning open).
fn seen(app: &mut App) -> (String, String, AnswerState, String) {
    app.panes[0].reasoning_expanded = true;
    let a = app.panes[0].last_answer().unwrap();
    (
        a.reply.content.to_string(),
        a.reply.reasoning.to_string(),
        a.state.clone(),
        common::text(&common::draw(app)),
    )
}

#[test]
fn a_batch_shows_what_the_same_events_one_by_one_show() {
    let rt = common::paused_clock();
    rt.block_on(async {
        let mut one = room();
        let mut all = room();
        let live_one = send(&mut one, "hi")[0];
        let live_all = send(&mut all, "hi")[0];
        for event in pieces() {
            ev(&mut one, live_one, event);
        }
        batch(&mut all, live_all, pieces());
        let streaming = seen(&mut one);
        assert_eq!(streaming, seen(&mut all));
        assert_eq!(
            streaming.0,
            "# Title\n\nred: not red, a link here and    tab\n\n- one\n- two\n"
        );
        assert_eq!(streaming.1, "let me think hard more");
        assert_eq!(streaming.2, AnswerState::Streaming);
        let reply = |app: &App| app.panes[0].last_answer().unwrap().reply.clone();
        assert!(reply(&all).ttft.is_some());
        assert_eq!(reply(&all).generation_id.as_deref(), Some("gen-1"));
        assert_eq!(reply(&all).reasoning_details.len(), 1);
        for event in ending() {
            ev(&mut one, live_one, event);
        }
        batch(&mut all, live_all, ending());
        assert_eq!(seen(&mut one), seen(&mut all));
        assert_eq!(seen(&mut all).2, AnswerState::Complete);
        assert_eq!(reply(&one).usage, reply(&all).usage);
        assert_eq!(reply(&one).duration, reply(&all).duration);
    });
}

#[test]
fn a_batch_that_ends_the_answer_saves_charges_and_estimates_again() {
    let mut app = room();
    app.enable_saves();
    let live = send(&mut app, "hi")[0];
    // A prompt typed while the answer streams: its estimate counts the history once it ends.
    app.prompt.set_text("and then?");
    let mut events = vec![content("an answer")];
    let fx = batch(&mut app, live, events.clone());
    assert!(
        app.money.estimate.is_none(),
        "a token changes nothing the estimate reads"
    );
    assert!(!fx.iter().any(|e| matches!(e, Effect::Save { .. })));
    events = vec![content(" in full")];
    events.extend(ending());
    // Events after the end belong to nothing: they are dropped.
    events.push(content(" and a late token"));
    let fx = batch(&mut app, live, events);
    let a = app.panes[0].last_answer().unwrap();
    assert_eq!(a.state, AnswerState::Complete);
    assert_eq!(a.reply.content.as_str(), "an answer in full");
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Save { .. })),
        "{fx:?}"
    );
    assert!(
        fx.iter().any(|e| matches!(e, Effect::RecordSpend(_))),
        "{fx:?}"
    );
    assert!(fx.contains(&Effect::RefreshBalance), "{fx:?}");
    assert!(app.money.estimate.is_some(), "the end re-estimates");
    // Rendered whole: the footer is on screen without a frame's render.
    let shown = common::text(&common::draw(&app));
    assert!(shown.contains("an answer in full"), "{shown}");
    assert!(shown.contains("$0.001"), "{shown}");
}

#[test]
fn a_rate_limit_in_a_batch_schedules_the_retry_and_a_stopped_answer_takes_no_batch() {
    let mut app = room();
    let live = send(&mut app, "hi")[0];
    let limited = ApiError::Http {
        status: 429,
        code: None,
        message: "slow down".into(),
        provider: None,
        raw: None,
        retry_after: Some(Duration::from_secs(3)),
    };
    let fx = batch(&mut app, live, vec![StreamEvent::Failed(limited)]);
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::RetryAfter { after, .. } if *after == Duration::from_secs(3)
    )));
    assert!(matches!(
        app.panes[0].last_answer().unwrap().state,
        AnswerState::Retrying { .. }
    ));

    let mut app = room();
    let live = send(&mut app, "hi")[0];
    batch(&mut app, live, vec![content("kept")]);
    update(&mut app, Action::Command(modelroom::app::Command::StopAll));
    batch(
        &mut app,
        live,
        vec![content(" not kept"), StreamEvent::Done],
    );
    let a = app.panes[0].last_answer().unwrap();
    assert_eq!(
        (a.state.clone(), a.reply.content.as_str()),
        (AnswerState::Stopped, "kept")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_frame_log_counts_every_chunk_of_a_flood_that_comes_in_batches() {
    const CHUNKS: u64 = 3000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frames");
    let log = FrameLog::create(&path).unwrap();
    let sim = live::gateway().await;
    let client = Client::new(live::endpoint(&sim.base_url(), Dialect::OpenRouter)).unwrap();
    let mut room = Room::start(
        client,
        &["demo/fast"],
        Settings::default(),
        (100, 30),
        move |ctx, _| ctx.frame_file = Some(log),
    )
    .holding(sim);
    room.wait("the first frame", |s| s.frames > 0).await;
    room.type_line(&format!("[sim:flood={CHUNKS}] go"));
    room.wait("the flood to end", |s| s.answers == 1 && s.streaming == 0)
        .await;
    let (app, _) = room.quit().await;
    assert_eq!(
        app.panes[0].last_answer().unwrap().state,
        AnswerState::Complete
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let counts: Vec<u64> = text
        .lines()
        .skip(1)
        .map(|l| l.split(' ').nth(4).unwrap().parse().unwrap())
        .collect();
    assert_eq!(counts.iter().max(), Some(&CHUNKS), "{text}");
    let marks = text.lines().filter(|l| l.starts_with("c ")).count();
    assert_eq!(
        marks as u64,
        CHUNKS / 1000,
        "a line every thousandth chunk: {text}"
    );
}

//! The diff view (F8): two panes' latest answers word by word, disagreements first; which two
//! panes it compares; streaming and missing answers; blind rounds; `NO_COLOR`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::drive::{self, ev, key, press, send};
use common::{draw, paused_clock, text, usage, vendor_models};
use modelroom::api::StreamEvent;
use modelroom::app::{App, Overlay, PaneId, RequestId, Settings};
use modelroom::theme::ColorDepth;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use ratatui::style::Color;

const ANSWERS: [&str; 3] = [
    "Use a mutex here, as the docs say.\n\nThe answer is forty two in all the cases we \
     tried. It is fast, and it is simple to read. Then stop and go home early today.",
    "Use a lock here, as the docs say.\n\nThe answer is seventeen, not forty two, except on \
     Sundays. It is fast, and it is simple to read. Then stop and go home late today.",
    "Use a mutex here, as the docs say.\n\nThe answer is forty two in all the cases we \
     tried. It is fast, and it is simple to read. Then stop and go home early today.",
];

fn stream_text(app: &mut App, live: (PaneId, RequestId), text: &str) {
    ev(app, live, StreamEvent::Content(text.to_owned()));
}

/// `n` panes that answered one prompt with `ANSWERS`.
fn answered(n: usize, width: u16, height: u16) -> App {
    let mut app = drive::room(&vendor_models(n), Settings::default(), width, height);
    for (i, live) in send(&mut app, "Which lock?").into_iter().enumerate() {
        stream_text(&mut app, live, ANSWERS[i % 3]);
        drive::finish(&mut app, live, usage());
    }
    app
}

fn diff(app: &App) -> &modelroom::app::DiffView {
    match &app.overlay {
        Overlay::Diff(v) => v,
        other => panic!("no diff view: {other:?}"),
    }
}

#[test]
fn diff_80x24() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = answered(2, 80, 24);
    key(&mut app, KeyCode::F(8));
    let screen = text(&draw(&app));
    insta::assert_snapshot!("diff_80x24", screen);
    // Disagreements first: the summary, then the largest place, before the merged answers.
    let at = |s: &str| {
        screen
            .find(s)
            .unwrap_or_else(|| panic!("{s} missing:\n{screen}"))
    };
    assert!(at("17 words differ in 2 places") < at("place 1 of 2 · 15 words"));
    assert!(at("{+seventeen,") < at("place 2 of 2 · 2 words"));
    assert!(at("[-early-]{+late+}") < at("both answers, merged"));
}

#[test]
fn diff_120x40_with_the_second_pane_chosen() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = answered(3, 120, 40);
    key(&mut app, KeyCode::F(8));
    assert_eq!((diff(&app).left, diff(&app).right), (0, 1));
    // Tab moves the second pane on: 1 and 3 answered alike.
    key(&mut app, KeyCode::Tab);
    assert_eq!((diff(&app).left, diff(&app).right), (0, 2));
    let screen = text(&draw(&app));
    assert!(screen.contains("word for word the same"), "{screen}");
    // Back to pane 2, the first pane moved on to 3 (skipping 2, which is the other side), swapped.
    press(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    key(&mut app, KeyCode::Right);
    assert_eq!((diff(&app).left, diff(&app).right), (2, 1));
    key(&mut app, KeyCode::Char('s'));
    assert_eq!((diff(&app).left, diff(&app).right), (1, 2));
    insta::assert_snapshot!("diff_120x40", text(&draw(&app)));
    key(&mut app, KeyCode::F(8));
    assert!(matches!(app.overlay, Overlay::None));
}

#[test]
fn a_streaming_answer_is_diffed_as_far_as_it_came_and_again_when_it_ends() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = drive::room(&vendor_models(2), Settings::default(), 100, 30);
    let live = send(&mut app, "Which lock?");
    stream_text(&mut app, live[0], ANSWERS[0]);
    drive::finish(&mut app, live[0], usage());
    stream_text(&mut app, live[1], "Use a lock here,");
    key(&mut app, KeyCode::F(8));
    let screen = text(&draw(&app));
    assert!(
        screen.contains("2 · vendor/model-2 is still answering: this compares its first 4 words"),
        "{screen}"
    );
    stream_text(
        &mut app,
        live[1],
        ANSWERS[1].trim_start_matches("Use a lock here,"),
    );
    drive::finish(&mut app, live[1], usage());
    let screen = text(&draw(&app));
    assert!(!screen.contains("still answering"), "{screen}");
    assert!(screen.contains("{+seventeen,"), "{screen}");
}

#[test]
fn no_answer_yet_and_a_single_pane_are_said_in_words() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = drive::room(&vendor_models(1), Settings::default(), 80, 24);
    key(&mut app, KeyCode::F(8));
    assert!(matches!(app.overlay, Overlay::None));
    assert!(text(&draw(&app)).contains("a diff compares two panes"));
    let mut app = drive::room(&vendor_models(2), Settings::default(), 80, 24);
    key(&mut app, KeyCode::F(8));
    let screen = text(&draw(&app));
    assert!(
        screen.contains("1 · vendor/model-1 has no answer yet"),
        "{screen}"
    );
    assert!(screen.contains("nothing to compare yet"), "{screen}");
    // One answer and no other: no "places", the answer once, all of it marked as only there.
    key(&mut app, KeyCode::Esc);
    let live = send(&mut app, "Which lock?");
    stream_text(&mut app, live[0], "Use a mutex.");
    drive::finish(&mut app, live[0], usage());
    let failure = modelroom::api::ApiError::Http {
        status: 503,
        code: None,
        message: "No available provider could serve the request".into(),
        provider: None,
        raw: None,
        retry_after: None,
    };
    ev(&mut app, live[1], StreamEvent::Failed(failure));
    key(&mut app, KeyCode::F(8));
    let screen = text(&draw(&app));
    let failed = "✗ 2 · vendor/model-2 failed: its 0 words before it did";
    assert!(screen.contains(failed), "{screen}");
    let summary = "no word in common: 3 words only in the first, 0 only";
    assert!(screen.contains(summary), "{screen}");
    assert!(!screen.contains("place 1"), "{screen}");
    assert_eq!(screen.matches("[-Use a mutex.-]").count(), 1, "{screen}");
}

#[test]
fn a_blind_round_names_panes_by_label_and_scrubs_their_names_from_the_text() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = drive::room(&vendor_models(2), Settings::default(), 100, 30);
    app.set_blind(true);
    for (i, live) in send(&mut app, "who are you?").into_iter().enumerate() {
        ev(
            &mut app,
            live,
            StreamEvent::Served {
                id: None,
                model: None,
                provider: Some("Aurora Cloud".into()),
            },
        );
        stream_text(
            &mut app,
            live,
            &format!("I am model-{} from vendor, served by Aurora Cloud.", i + 1),
        );
        drive::finish(&mut app, live, usage());
    }
    key(&mut app, KeyCode::F(8));
    let screen = text(&draw(&app));
    assert!(
        screen.contains("diff · 1 · model A ⇄ 2 · model B"),
        "{screen}"
    );
    for name in ["vendor/model", "model-1", "model-2", "Aurora"] {
        assert!(!screen.contains(name), "{name} shown:\n{screen}");
    }
}

#[test]
fn without_colour_the_markers_carry_the_difference() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = common::room(2, 80, 24, ColorDepth::None);
    for (i, live) in send(&mut app, "Which lock?").into_iter().enumerate() {
        stream_text(&mut app, live, ANSWERS[i]);
        drive::finish(&mut app, live, usage());
    }
    key(&mut app, KeyCode::F(8));
    let buf = draw(&app);
    let screen = text(&buf);
    assert!(screen.contains("[-mutex-]{+lock+}"), "{screen}");
    let plain = |c: Color| c == Color::Reset;
    let colour = buf.content().iter().any(|c| !plain(c.fg) || !plain(c.bg));
    assert!(!colour, "colour under NO_COLOR");
}

#[test]
fn hostile_answers_reach_the_view_without_their_control_sequences() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = drive::room(&vendor_models(2), Settings::default(), 80, 24);
    let live = send(&mut app, "hi");
    let hostile = [
        "\x1b[31mred\x1b]0;owned\x07 and\ttabbed \u{9b}2J text",
        "plain text",
    ];
    for (i, live) in live.into_iter().enumerate() {
        stream_text(&mut app, live, hostile[i]);
        drive::finish(&mut app, live, usage());
    }
    key(&mut app, KeyCode::F(8));
    let buf = draw(&app);
    let screen = text(&buf);
    assert!(screen.contains("[-red and tabbed-]"), "{screen}");
    for c in buf.content() {
        let s = c.symbol();
        assert!(
            !s.chars().any(|ch| ch.is_control()),
            "control char {s:?}:\n{screen}"
        );
    }
}

#[test]
fn a_long_diff_scrolls_to_its_last_row_and_back_at_once() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = drive::room(&vendor_models(2), Settings::default(), 80, 24);
    let long = |word: &str| {
        (0..40)
            .map(|i| format!("Point {i}: the {word} way is best here.\n"))
            .collect::<String>()
    };
    for (live, word) in send(&mut app, "go").into_iter().zip(["first", "second"]) {
        stream_text(&mut app, live, &long(word));
        drive::finish(&mut app, live, usage());
    }
    key(&mut app, KeyCode::F(8));
    let rows = diff(&app).rows.len();
    assert!(rows > 50, "{rows}");
    key(&mut app, KeyCode::End);
    // The last row at the bottom of the 21 rows shown (24: the status bar and borders off).
    assert_eq!(diff(&app).scroll, rows - 21);
    let screen = text(&draw(&app));
    assert!(
        screen.contains(&format!("rows {}-{rows} of {rows}", rows - 20)),
        "{screen}"
    );
    key(&mut app, KeyCode::Up);
    assert_eq!(diff(&app).scroll, rows - 22);
    key(&mut app, KeyCode::PageUp);
    assert_eq!(diff(&app).scroll, rows - 42);
    key(&mut app, KeyCode::Home);
    assert_eq!(diff(&app).scroll, 0);
}

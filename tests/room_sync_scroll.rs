//! Reading answers side by side (issue 15): Alt+J / Alt+K
//! step the focused pane from prompt to prompt, and synced scrolling (Alt+L) brings every pane
//! to the prompt the focused one shows, however long each pane's answers are.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::drive::{self, ev, key, press, send};
use common::{draw, paused_clock, text};
use modelroom::api::StreamEvent;
use modelroom::app::pane::{Entry, Pane};
use modelroom::app::{App, Command, Settings, update};
use modelroom::chat::Usage;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

const PROMPTS: usize = 5;

/// Three panes asked five prompts; pane `i` answers prompt `k` in `(k + 1) * (i + 2) * 2`
/// lines, so the same prompt sits at different rows in each pane.
fn room() -> App {
    let mut app = drive::room(&["a/1", "b/2", "c/3"], Settings::default(), 120, 30);
    for k in 0..PROMPTS {
        let live = send(&mut app, &format!("question {k}"));
        assert_eq!(live.len(), 3);
        for (i, &l) in live.iter().enumerate() {
            let body: String = (0..(k + 1) * (i + 2) * 2)
                .map(|n| format!("answer {k} line {n}\n\n"))
                .collect();
            ev(&mut app, l, StreamEvent::Content(body));
            drive::finish(&mut app, l, Usage::default());
        }
    }
    app
}

/// The prompt (from 0) whose first row is the pane's top row, if the view starts at one.
fn prompt_on_top(p: &Pane) -> Option<usize> {
    let (entry, row) = p.view_start();
    let upto = &p.entries[..=entry];
    let is_prompt = matches!(upto.last(), Some(Entry::Prompt { .. }));
    (row == 0 && is_prompt).then(|| {
        upto.iter()
            .filter(|e| matches!(e, Entry::Prompt { .. }))
            .count()
            - 1
    })
}

fn tops(app: &App) -> Vec<Option<usize>> {
    app.panes.iter().map(prompt_on_top).collect()
}

fn alt(app: &mut App, c: char) {
    press(app, KeyCode::Char(c), KeyModifiers::ALT);
}

#[test]
fn synced_prompt_jumps_line_every_pane_up_at_the_same_prompt() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = room();
    alt(&mut app, 'l');
    assert!(app.sync_scroll);
    assert!(text(&draw(&app)).contains("scroll synced"));
    update(
        &mut app,
        modelroom::app::Action::Command(Command::ScrollTop),
    );
    assert_eq!(tops(&app), vec![Some(0); 3]);
    alt(&mut app, 'j');
    assert_eq!(tops(&app), vec![Some(1); 3]);
    alt(&mut app, 'j');
    assert_eq!(tops(&app), vec![Some(2); 3]);
    alt(&mut app, 'k');
    assert_eq!(tops(&app), vec![Some(1); 3]);
    // Brackets are text: a prompt may start with `[` (JSON, a checklist), so they never scroll.
    key(&mut app, KeyCode::Char('['));
    assert_eq!(tops(&app), vec![Some(1); 3]);
    assert_eq!(app.prompt.text(), "[");
}

#[test]
fn a_synced_line_scroll_brings_the_others_to_the_prompt_the_focused_pane_shows() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = room();
    alt(&mut app, 'l');
    alt(&mut app, 'k');
    alt(&mut app, 'k');
    let k = prompt_on_top(&app.panes[0]).expect("at a prompt");
    // A few lines down into prompt k's answer: the others still show prompt k at the top.
    for _ in 0..3 {
        press(&mut app, KeyCode::Down, KeyModifiers::CONTROL);
    }
    assert_eq!(
        prompt_on_top(&app.panes[0]),
        None,
        "pane 1 is inside an answer"
    );
    assert_eq!(prompt_on_top(&app.panes[1]), Some(k));
    assert_eq!(prompt_on_top(&app.panes[2]), Some(k));
    // Back to the bottom: every pane follows its latest answer again.
    update(
        &mut app,
        modelroom::app::Action::Command(Command::ScrollBottom),
    );
    assert!(app.panes.iter().all(|p| p.scroll.follow));
}

#[test]
fn without_sync_only_the_focused_pane_moves() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = room();
    assert!(!app.sync_scroll);
    let before: Vec<_> = app.panes.iter().map(|p| p.scroll).collect();
    alt(&mut app, 'k');
    alt(&mut app, 'k');
    assert_eq!(prompt_on_top(&app.panes[0]), Some(PROMPTS - 2));
    assert_eq!(app.panes[1].scroll, before[1]);
    assert_eq!(app.panes[2].scroll, before[2]);
    assert!(!text(&draw(&app)).contains("scroll synced"));
    // Turning sync on lines the others up with the focused pane at once.
    alt(&mut app, 'l');
    assert_eq!(tops(&app), vec![Some(PROMPTS - 2); 3]);
    // And off again: the others stay put.
    alt(&mut app, 'l');
    let kept: Vec<_> = app.panes.iter().map(|p| p.scroll).collect();
    alt(&mut app, 'k');
    assert_eq!(prompt_on_top(&app.panes[0]), Some(PROMPTS - 3));
    assert_eq!(app.panes[1].scroll, kept[1]);
    assert_eq!(app.panes[2].scroll, kept[2]);
}

#[test]
fn stepping_past_the_first_prompt_says_so_and_stays() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = room();
    update(
        &mut app,
        modelroom::app::Action::Command(Command::ScrollTop),
    );
    alt(&mut app, 'k');
    assert_eq!(prompt_on_top(&app.panes[0]), Some(0));
    let notice = app.notice.as_ref().map(|n| n.text.to_string());
    assert!(notice.unwrap_or_default().contains("first prompt"));
}

fn jump(app: &mut App, n: &str) {
    alt(app, 'o');
    assert!(matches!(app.overlay, modelroom::app::Overlay::JumpTo(_)));
    assert!(text(&draw(app)).contains("go to prompt"));
    for c in n.chars() {
        key(app, KeyCode::Char(c));
    }
    key(app, KeyCode::Enter);
    assert!(matches!(app.overlay, modelroom::app::Overlay::None));
}

#[test]
fn alt_o_goes_to_prompt_n_in_every_synced_pane() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = room();
    alt(&mut app, 'l');
    jump(&mut app, "2");
    assert_eq!(tops(&app), vec![Some(1); 3]);
    key(&mut app, KeyCode::Tab);
    jump(&mut app, "1");
    assert_eq!(tops(&app), vec![Some(0); 3]);
}

#[test]
fn alt_o_unsynced_moves_the_focused_pane_and_refuses_a_bad_number() {
    let rt = paused_clock();
    let _clock = rt.enter();
    let mut app = room();
    let before: Vec<_> = app.panes.iter().map(|p| p.scroll).collect();
    jump(&mut app, "3");
    assert_eq!(prompt_on_top(&app.panes[0]), Some(2));
    assert_eq!(app.panes[1].scroll, before[1]);
    let at = app.panes[0].scroll;
    for bad in ["0", "9", "two"] {
        jump(&mut app, bad);
        assert_eq!(app.panes[0].scroll, at, "{bad} moved the pane");
        let notice = app.notice.as_ref().map(|n| n.text.to_string());
        assert!(
            notice.unwrap_or_default().contains("prompts 1 to 5"),
            "{bad}"
        );
    }
}

//! Scrolling long transcripts: entries render when they come into view (a reopened session
//! renders only what is seen), paging up and down shows every line in order without gaps, the
//! reading position survives new text and a new width, and the bottom resumes following.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{draw_sized, drive, rows};
use modelroom::api::StreamEvent;
use modelroom::app::pane::Entry;
use modelroom::app::{Action, App, Command, Settings, update};
use modelroom::keymap::Keymap;
use modelroom::markdown::MarkdownText;
use modelroom::store::{
    AnswerRecord, CostStatus, FORMAT_VERSION, Finish, PaneRecord, Params, Session, Totals, Turn,
};
use modelroom::theme::ColorDepth;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

const ANSWERS: usize = 60;

/// One pane, `ANSWERS` exchanges; answer k has paragraphs `k.0` … `k.5` (one row each).
fn long_session() -> Session {
    let turns = (0..ANSWERS)
        .flat_map(|k| {
            let content: Vec<String> = (0..6).map(|p| format!("para {k}.{p}")).collect();
            [
                // Long enough to wrap at 60 columns but not at 100.
                Turn::user(format!("prompt {k}: {}", "word ".repeat(15))),
                Turn::Assistant(std::sync::Arc::new(AnswerRecord {
                    content: content.join("\n\n"),
                    reasoning: String::new(),
                    reasoning_details: Vec::new(),
                    model: None,
                    provider: Some("P".into()),
                    generation_id: None,
                    usage: None,
                    cost_usd: None,
                    cost_status: CostStatus::Unknown,
                    ttft_ms: None,
                    duration_ms: None,
                    finish: Finish::Complete,
                    finish_reason: Some("stop".into()),
                    error: None,
                    citations: Vec::new(),
                })),
            ]
        })
        .collect();
    Session {
        version: FORMAT_VERSION,
        id: "20261125-000000-0001".into(),
        title: "long".into(),
        created_at: String::new(),
        updated_at: String::new(),
        panes: vec![PaneRecord {
            model: "a/b".into(),
            closed: false,
            routing: Default::default(),
            settings: Default::default(),
            params: Params::default(),
            turns,
        }],
        totals: Totals::default(),
        arena: Default::default(),
    }
}

fn reopen(width: u16, height: u16) -> App {
    let (mut app, _) =
        App::from_session(&long_session(), Keymap::default(), Settings::default()).unwrap();
    update(&mut app, Action::Resize { width, height });
    app
}

fn screen(app: &App, width: u16, height: u16) -> Vec<String> {
    rows(&draw_sized(app, width, height))
}

/// The `para k.p` labels on screen, top to bottom.
fn paras(rows: &[String]) -> Vec<(usize, usize)> {
    rows.iter()
        .filter_map(|r| {
            let at = r.find("para ")?;
            let label: String = r[at + 5..]
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let (k, p) = label.split_once('.')?;
            Some((k.parse().ok()?, p.parse().ok()?))
        })
        .collect()
}

fn rendered(app: &App) -> Vec<bool> {
    let cx = modelroom::markdown::Ctx {
        theme: app.theme(),
        highlighter: app.highlighter(),
    };
    let width = app.panes[0].width;
    app.panes[0]
        .entries
        .iter()
        .filter_map(|e| match e {
            Entry::Answer(a) => Some(a.is_rendered(width, &cx)),
            Entry::Prompt { .. } => None,
        })
        .collect()
}

#[test]
fn a_reopened_session_renders_only_what_is_in_view() {
    let app = reopen(80, 24);
    let done = rendered(&app);
    assert!(done[ANSWERS - 1], "the last answer is in view");
    let count = done.iter().filter(|d| **d).count();
    assert!(count <= 5, "{count} of {ANSWERS} answers rendered");
    let seen = paras(&screen(&app, 80, 24));
    assert_eq!(
        seen.last(),
        Some(&(ANSWERS - 1, 5)),
        "the view is at the bottom"
    );
}

#[test]
fn paging_up_from_the_bottom_shows_every_line_in_order_without_gaps() {
    let mut app = reopen(80, 24);
    let mut pages = vec![paras(&screen(&app, 80, 24))];
    for _ in 0..200 {
        update(&mut app, Action::Command(Command::PageUp));
        let page = paras(&screen(&app, 80, 24));
        if Some(&page) == pages.last() {
            break;
        }
        pages.push(page);
    }
    assert_eq!(
        pages.last().unwrap().first(),
        Some(&(0, 0)),
        "reached the top"
    );
    // Top to bottom: each page is a run of consecutive lines, and each starts no later than
    // the line after the previous page's last (pages may overlap, never leave a gap).
    let index = |(k, p): (usize, usize)| k * 6 + p;
    pages.reverse();
    let mut next = 0;
    for page in &pages {
        let ix: Vec<usize> = page.iter().copied().map(index).collect();
        assert!(
            ix.windows(2).all(|w| w[1] == w[0] + 1),
            "a page skips or repeats a line: {page:?}"
        );
        assert!(ix[0] <= next, "a gap before {:?}", page[0]);
        next = next.max(ix[ix.len() - 1] + 1);
    }
    assert_eq!(next, ANSWERS * 6, "every line was shown");
    assert!(
        rendered(&app).iter().all(|d| *d),
        "everything passed was rendered"
    );

    // And down again, page by page, to the bottom, where the view follows again.
    for _ in 0..200 {
        update(&mut app, Action::Command(Command::PageDown));
        if app.panes[0].scroll.follow {
            break;
        }
    }
    assert!(app.panes[0].scroll.follow);
    assert_eq!(paras(&screen(&app, 80, 24)).last(), Some(&(ANSWERS - 1, 5)));
}

/// Typed into a fresh room: a long answer streams while the person scrolls.
#[test]
fn scrolling_up_stops_following_and_end_resumes() {
    let mut app = drive::room(&["a/1"], Settings::default(), 120, 30);
    let (pane, request) = drive::send(&mut app, "q")[0];
    let content = |text: String| Action::Streamed {
        pane,
        request,
        events: vec![StreamEvent::Content(text)],
    };
    update(&mut app, content("line\n\n".repeat(100)));
    update(
        &mut app,
        Action::Key(KeyEvent::new(KeyCode::PageUp, KeyModifiers::NONE)),
    );
    let scroll = app.panes[0].scroll;
    assert!(!scroll.follow);
    update(&mut app, content("more\n".repeat(50)));
    assert_eq!(
        app.panes[0].scroll, scroll,
        "new text does not move what is being read"
    );
    update(
        &mut app,
        Action::Key(KeyEvent::new(KeyCode::End, KeyModifiers::NONE)),
    );
    assert!(app.panes[0].scroll.follow);
    let inside = app.layout.panes[0];
    let wheel = MouseEvent {
        kind: MouseEventKind::ScrollUp,
        column: inside.x + 2,
        row: inside.y + 2,
        modifiers: KeyModifiers::NONE,
    };
    update(&mut app, Action::Mouse(wheel));
    assert!(!app.panes[0].scroll.follow);
    update(
        &mut app,
        Action::Key(KeyEvent::new(KeyCode::End, KeyModifiers::CONTROL)),
    );
    assert!(app.panes[0].scroll.follow);
}

#[test]
fn the_reading_position_survives_a_new_width_and_home_goes_to_the_top() {
    let mut app = reopen(100, 30);
    update(&mut app, Action::Command(Command::ScrollTop));
    assert!(!app.panes[0].scroll.follow);
    for _ in 0..10 {
        update(&mut app, Action::Command(Command::ScrollDown));
    }
    let before = paras(&screen(&app, 100, 30))[0];
    update(
        &mut app,
        Action::Resize {
            width: 60,
            height: 30,
        },
    );
    let after = paras(&screen(&app, 60, 30))[0];
    assert_eq!(before, after, "the same line stays at the top");
    update(&mut app, Action::Command(Command::ScrollBottom));
    assert!(app.panes[0].scroll.follow);
}

/// Code that streams past between two frames is not highlighted until the view shows it
/// (issue 10: a flood scrolls most of it past unseen); what the view shows is what eager
/// rendering shows, and paging up to older code highlights it as it comes into view.
#[test]
fn code_is_highlighted_as_it_comes_into_view() {
    let rt = common::paused_clock();
    let _clock = rt.enter();
    let mut app = common::room(1, 80, 24, ColorDepth::TrueColor);
    let live = drive::send(&mut app, "go")[0];
    let answer: String = (0..20)
        .map(|k| format!("Part {k}.\n\n```rust\nfn part_{k}() -> u32 {{\n    {k}\n}}\n```\n\n"))
        .collect();
    // Everything between two frames, as in a flood.
    update(
        &mut app,
        Action::Streamed {
            pane: live.0,
            request: live.1,
            events: vec![StreamEvent::Content(answer.clone())],
        },
    );
    app.render_visible();
    let first = draw_sized(&app, 80, 24);
    let a = app.panes[0].last_answer().unwrap();
    assert!(a.text.has_deferred(), "code out of sight was left plain");
    let cx = modelroom::markdown::Ctx {
        theme: app.theme(),
        highlighter: app.highlighter(),
    };
    let width = app.panes[0].width;
    let eager = MarkdownText::render(&answer, width, false, &cx);
    let n = a.text.len();
    // Half the pane's rows are surely in view (the footer takes some below the text); the
    // last check below compares the whole screen.
    let shown = n.saturating_sub(usize::from(app.panes[0].height) / 2)..n;
    let rows_of = |m: &MarkdownText| shown.clone().map(|i| m.row(i).cloned()).collect::<Vec<_>>();
    assert_eq!(
        rows_of(&a.text),
        rows_of(&eager),
        "the view shows highlighted code"
    );
    // Up to the top and back: every block has been in view, and is now highlighted.
    update(&mut app, Action::Command(Command::ScrollTop));
    for _ in 0..20 {
        update(&mut app, Action::Command(Command::PageDown));
    }
    assert!(app.panes[0].scroll.follow);
    let a = app.panes[0].last_answer().unwrap();
    assert!(!a.text.has_deferred());
    let all = |m: &MarkdownText| (0..n).map(|i| m.row(i).cloned()).collect::<Vec<_>>();
    assert_eq!(all(&a.text), all(&eager));
    assert_eq!(
        draw_sized(&app, 80, 24),
        first,
        "the bottom looks as it did"
    );
}

//! Nothing a room did is lost: two rooms on one session (a second `--resume` or Alt+S open, a
//! room of a modelroom without locks, a crashed room's leftover lock), a closed pane, and the
//! line printed at quit, which carries a prompt's text and must not carry its escapes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command as Process, Stdio};

use common::drive::{self, ev, send};
use modelroom::api::StreamEvent;
use modelroom::app::{Action, App, Command, PaneId, RequestId, Settings, update};
use modelroom::chat::{Cost, Usage};
use modelroom::keymap::Keymap;
use modelroom::runtime::Saver;
use modelroom::store::{Listing, Session, SessionStore, Turn};

fn answered(app: &mut App, live: (PaneId, RequestId), text: &str, cost: f64) {
    ev(app, live, StreamEvent::Content(text.into()));
    let usage = Usage {
        prompt_tokens: 5,
        completion_tokens: 7,
        cost: Some(Cost::usd(cost)),
        ..Usage::default()
    };
    drive::finish(app, live, usage);
}

/// A room that asked `prompt` of two models, each answer costing `cost`.
fn room_that_asked(prompt: &str, cost: f64) -> App {
    let mut app = drive::room(&["demo/fast", "demo/thinker"], Settings::default(), 120, 30);
    ask(&mut app, prompt, cost);
    app
}

fn ask(app: &mut App, prompt: &str, cost: f64) {
    for live in send(app, prompt) {
        answered(app, live, &format!("answer to {prompt}"), cost);
    }
}

/// Every prompt in every readable session of `store`.
fn all_prompts(store: &SessionStore) -> Vec<String> {
    let mut out = Vec::new();
    for l in store.list().unwrap() {
        let Listing::Ok(h) = l else { panic!("{l:?}") };
        let s = store.load(&h.id).unwrap();
        out.extend(s.prompts().into_iter().map(str::to_owned));
    }
    out.sort();
    out.dedup();
    out
}

/// A room's saver run to the end: saves `app`'s snapshot, applies what the saver reports
/// (a copy made on the way), and returns the finish report's error.
async fn quit(app: &mut App, store: &SessionStore) -> Option<String> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let saver = Saver::new(store.clone(), tx);
    let report = saver.finish(Some(app.snapshot())).await;
    while let Ok(action) = rx.try_recv() {
        update(app, action);
    }
    if let Some(f) = report.moved {
        app.moved_to(f.id, f.title, f.why);
    }
    report.error.map(|e| e.to_string())
}

fn reopen(opened: &Session) -> App {
    let (mut app, _) = App::from_session(opened, Keymap::default(), Settings::default()).unwrap();
    update(
        &mut app,
        Action::Resize {
            width: 120,
            height: 30,
        },
    );
    app
}

#[tokio::test]
async fn a_second_room_on_an_open_session_gets_a_copy_and_both_keep_their_turns() {
    let dir = tempfile::tempdir().unwrap();
    let (store_a, store_b) = (
        SessionStore::open(dir.path()).unwrap(),
        SessionStore::open(dir.path()).unwrap(),
    );
    let mut first = room_that_asked("zero", 0.001);
    assert_eq!(quit(&mut first, &store_a).await, None);
    let id = first.session.id.clone();

    // Room A resumes it (`--resume`), then room B opens it too (`--resume` or Alt+S).
    let opened_a = modelroom::sessions::open_for_room(&store_a, &id).unwrap();
    assert!(opened_a.note.is_none());
    let opened_b = modelroom::sessions::open_for_room(&store_b, "latest").unwrap();
    let note = opened_b.note.clone().expect("the second room is told");
    assert!(note.contains("is open in another room (pid"), "{note}");
    assert_ne!(opened_b.session.id, id);
    assert!(opened_b.session.title.ends_with("(copy)"));
    assert!(note.contains(&opened_b.session.id), "{note}");

    let mut a = reopen(&opened_a.session);
    let mut b = reopen(&opened_b.session);
    ask(&mut a, "from A", 0.002);
    ask(&mut b, "from B", 0.003);
    update(&mut b, Action::Command(Command::NameSession));
    // The title is there to edit; Ctrl+U clears it.
    drive::press(
        &mut b,
        ratatui::crossterm::event::KeyCode::Char('u'),
        ratatui::crossterm::event::KeyModifiers::CONTROL,
    );
    drive::type_text(&mut b, "named by B");
    drive::key(&mut b, ratatui::crossterm::event::KeyCode::Enter);
    assert_eq!(quit(&mut b, &store_b).await, None);
    assert_eq!(quit(&mut a, &store_a).await, None);

    assert_eq!(all_prompts(&store_a), ["from A", "from B", "zero"]);
    let original = store_a.load(&id).unwrap();
    assert_eq!(original.prompts(), ["zero", "from A"]);
    let copy = store_a.load(&b.session.id).unwrap();
    assert_eq!(copy.prompts(), ["zero", "from B"]);
    assert!((copy.totals.cost_usd - 0.008).abs() < 1e-12);
    assert_eq!(copy.title, "named by B");
}

#[tokio::test]
async fn a_file_changed_under_a_room_without_a_lock_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let (store_a, store_b) = (
        SessionStore::open(dir.path()).unwrap(),
        SessionStore::open(dir.path()).unwrap(),
    );
    let mut a = room_that_asked("zero", 0.001);
    assert_eq!(quit(&mut a, &store_a).await, None);
    let id = a.session.id.clone();
    // Room B reads it as a modelroom without locks would, and saves its own turn first.
    let mut b = reopen(&store_b.load(&id).unwrap());
    ask(&mut b, "from B", 0.002);
    store_b.save(&b.snapshot()).unwrap();
    let theirs = std::fs::read(store_a.path(&id)).unwrap();

    ask(&mut a, "from A", 0.003);
    assert_eq!(quit(&mut a, &store_a).await, None);
    assert_eq!(
        std::fs::read(store_a.path(&id)).unwrap(),
        theirs,
        "the other writer's file is left as it was"
    );
    assert_ne!(a.session.id, id, "room A goes on as a copy");
    let why = a.session.copied_because.clone().unwrap();
    assert!(why.contains("changed by another program"), "{why}");
    assert!(why.contains(&a.session.id), "{why}");
    let farewell = modelroom::runtime::farewell(&a, true);
    assert!(
        farewell.contains(&format!("--resume {}", a.session.id)),
        "{farewell}"
    );
    assert!(farewell.contains("saved as a copy"), "{farewell}");
    assert_eq!(all_prompts(&store_a), ["from A", "from B", "zero"]);
}

#[tokio::test]
async fn a_crashed_rooms_lock_is_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::open(dir.path()).unwrap();
    let mut a = room_that_asked("zero", 0.001);
    assert_eq!(quit(&mut a, &store).await, None);
    let id = a.session.id.clone();
    // That room quits (its process would exit): the session is free.
    store.release(&id);
    let lock = dir.path().join(format!("{id}.lock"));
    assert!(!lock.exists());

    // Another process holds the lock (as a live room does) until it dies.
    let mut holder = Process::new("flock")
        .arg("--nonblock")
        .arg(&lock)
        .args(["sh", "-c", "echo locked; exec cat"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("flock (util-linux)");
    let mut line = String::new();
    BufReader::new(holder.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");
    let fresh = SessionStore::open(dir.path()).unwrap();
    let opened = fresh.open_for_room(&id).unwrap();
    assert!(opened.note.is_some(), "held by a live process: a copy");
    assert_ne!(opened.session.id, id);

    // It ends without a word (its input closes; `flock` does not remove the file), as a room
    // killed with SIGKILL leaves its lock file behind.
    drop(holder.stdin.take());
    assert!(holder.wait().unwrap().success());
    assert!(lock.exists());
    let after = SessionStore::open(dir.path()).unwrap();
    let opened = after.open_for_room(&id).unwrap();
    assert!(opened.note.is_none(), "{:?}", opened.note);
    assert_eq!(opened.session.id, id);
    // While this room has it, it cannot be renamed or deleted from elsewhere.
    let elsewhere = SessionStore::open(dir.path()).unwrap();
    assert!(
        elsewhere
            .remove(&id)
            .unwrap_err()
            .to_string()
            .contains("open in another room")
    );
    assert!(elsewhere.rename(&id, "x").is_err());
    after.release(&id);
    assert!(!lock.exists());
    elsewhere.rename(&id, "renamed").unwrap();
}

#[tokio::test]
async fn a_closed_pane_keeps_its_answers_and_cost_and_can_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::open(dir.path()).unwrap();
    let mut app = room_that_asked("one", 0.25);
    app.focus = 1;
    update(&mut app, Action::Command(Command::ClosePane));
    assert_eq!(app.panes.len(), 1);
    let notice = app.notice.as_ref().unwrap().text.clone();
    assert!(notice.contains("Alt+Shift+W brings it back"), "{notice}");
    assert_eq!(
        app.spend().0,
        Cost::usd(0.5),
        "the session spend still counts it"
    );
    // Closing the last pane leaves a session that still holds everything.
    update(&mut app, Action::Command(Command::ClosePane));
    assert!(app.panes.is_empty());
    assert_eq!(quit(&mut app, &store).await, None);

    let saved = store.load(&app.session.id).unwrap();
    assert_eq!(saved.panes.len(), 2);
    assert!(saved.panes.iter().all(|p| p.closed && p.turns.len() == 2));
    assert_eq!((saved.totals.answers, saved.totals.cost_usd), (2, 0.5));
    let md = modelroom::sessions::markdown::markdown(&saved);
    assert!(
        md.contains("demo/thinker") && md.contains("answer to one"),
        "{md}"
    );

    let mut back = reopen(&saved);
    assert!(back.panes.is_empty());
    assert_eq!(back.closed.len(), 2);
    update(&mut back, Action::Command(Command::ReopenPane));
    assert_eq!(back.panes.len(), 1);
    assert_eq!(back.panes[0].model, "demo/fast");
    assert_eq!(back.panes[0].answers().count(), 1);
    let again = back.snapshot();
    assert_eq!(again.panes.len(), 2);
    assert_eq!(
        again.panes.iter().map(|p| p.closed).collect::<Vec<_>>(),
        [false, true]
    );
    let Turn::Assistant(a) = &again.panes[0].turns[1] else {
        panic!()
    };
    assert_eq!(a.cost_usd, Some(0.25));
}

#[test]
fn the_quit_line_carries_no_terminal_control() {
    let hostile = "\u{1b}]0;pwned\u{7}\u{1b}]52;c;aGVsbG8=\u{7}\u{1b}[2J\u{202e}hello";
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _guard = rt.enter();
    let mut app = room_that_asked(hostile, 0.001);
    let line = modelroom::runtime::farewell(&app, true);
    assert!(line.starts_with("session saved: "), "{line:?}");
    assert!(line.contains("hello"), "{line:?}");
    for bad in ['\u{1b}', '\u{7}', '\u{202e}'] {
        assert!(!line.contains(bad), "{line:?}");
    }
    assert!(!line.contains("[2J"), "{line:?}");
    app.save_error = Some(format!("disk full {hostile}").as_str().into());
    let line = modelroom::runtime::farewell(&app, true);
    assert!(
        line.contains("could not be saved") && !line.contains('\u{1b}'),
        "{line:?}"
    );
}

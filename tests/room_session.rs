//! The room as a session and back, without a terminal: a snapshot holds every pane and
//! answer as the room shows it (a reconciled cost included, though records of settled answers
//! are reused between snapshots), reopening gives the same room, and a file replaced behind
//! the store's back is never overwritten.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::drive::{self, ev, send};
use modelroom::api::{Generation, StreamEvent};
use modelroom::app::{
    Action, App, Command, CostState, Effect, PaneId, RequestId, Settings, update,
};
use modelroom::chat::{Cost, Usage};
use modelroom::keymap::Keymap;
use modelroom::store::{CostStatus, Finish, SessionStore, StoreError, Turn};

fn answered(app: &mut App, live: (PaneId, RequestId), text: &str, cost: f64) {
    ev(
        app,
        live,
        StreamEvent::Served {
            id: Some(format!("gen-{}", live.1.0)),
            model: None,
            provider: Some("Aurora Cloud".into()),
        },
    );
    ev(app, live, StreamEvent::Content(text.into()));
    let usage = Usage {
        prompt_tokens: 5,
        completion_tokens: 7,
        cost: Some(Cost::usd(cost)),
        ..Usage::default()
    };
    drive::finish(app, live, usage);
}

fn room() -> App {
    drive::room(&["demo/fast", "demo/thinker"], Settings::default(), 120, 30)
}

#[tokio::test]
async fn a_reconciled_cost_reaches_the_next_snapshot() {
    let mut app = room();
    let live = send(&mut app, "one");
    answered(&mut app, live[0], "first", 0.001);
    ev(
        &mut app,
        live[1],
        StreamEvent::Served {
            id: Some("gen-stop".into()),
            model: None,
            provider: Some("Granite".into()),
        },
    );
    ev(&mut app, live[1], StreamEvent::Content("partial".into()));
    app.focus = 1;
    update(&mut app, Action::Command(Command::Stop));
    let before = app.snapshot();
    let Turn::Assistant(stopped) = &before.panes[1].turns[1] else {
        panic!()
    };
    assert_eq!(stopped.finish, Finish::Stopped);
    assert_eq!(stopped.cost_status, CostStatus::Pending);

    let record = Generation {
        total_cost: Some(0.0042),
        provider_name: Some("Granite".into()),
        ..Generation::default()
    };
    let fx = update(
        &mut app,
        Action::Reconciled {
            pane: live[1].0,
            request: live[1].1,
            result: Ok(record),
        },
    );
    assert!(
        fx.contains(&Effect::RefreshBalance),
        "the credits shown include what was billed late"
    );
    assert_eq!(
        app.panes[1].last_answer().unwrap().cost,
        CostState::Reported(Cost::usd(0.0042))
    );
    let after = app.snapshot();
    let Turn::Assistant(stopped) = &after.panes[1].turns[1] else {
        panic!()
    };
    assert_eq!(stopped.cost_status, CostStatus::Reported);
    assert_eq!(stopped.cost_usd, Some(0.0042));
    assert!((after.totals.cost_usd - 0.0052).abs() < 1e-12);
    // The settled answer's record is shared, not copied, between snapshots.
    let (Turn::Assistant(a), Turn::Assistant(b)) =
        (&before.panes[0].turns[1], &after.panes[0].turns[1])
    else {
        panic!()
    };
    assert!(std::sync::Arc::ptr_eq(a, b));
}

#[tokio::test]
async fn reopening_gives_the_same_room() {
    let mut app = room();
    let live = send(&mut app, "one");
    answered(&mut app, live[0], "A1 with 日本語", 0.001);
    answered(&mut app, live[1], "B1", 0.002);
    let live = send(&mut app, "two");
    answered(&mut app, live[0], "A2", 0.003);
    ev(&mut app, live[1], StreamEvent::Content("B2 so far".into()));
    let saved = app.snapshot();

    let (mut back, _) = App::from_session(&saved, Keymap::default(), Settings::default()).unwrap();
    assert_eq!(back.panes.len(), 2);
    assert_eq!(back.panes[0].model, "demo/fast");
    let again = back.snapshot();
    assert_eq!(
        again.panes, saved.panes,
        "the transcripts come back as saved"
    );
    assert_eq!(again.title, "one");
    let last = back.panes[1].last_answer().unwrap();
    assert_eq!(last.reply.content, "B2 so far");
    assert_eq!(
        last.state,
        modelroom::app::AnswerState::Interrupted,
        "an answer that was streaming comes back marked"
    );
    assert_eq!(back.streaming_count(), 0);
}

/// The prompts a snapshot's panes hold, with their send numbers.
fn sends(s: &modelroom::store::Session) -> Vec<Vec<(String, Option<u64>)>> {
    s.panes
        .iter()
        .map(|p| {
            p.turns
                .iter()
                .filter_map(|t| match t {
                    Turn::User { content, send, .. } => Some((content.clone(), *send)),
                    Turn::Assistant(_) => None,
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn a_focused_send_keeps_its_place_in_the_order_through_a_reopen() {
    let mut app = room();
    for live in send(&mut app, "first") {
        answered(&mut app, live, "a", 0.001);
    }
    app.focus = 1;
    app.prompt.set_text("only two");
    let live = update(&mut app, Action::Command(Command::SendFocused));
    for (pane, request, _) in drive::started(live) {
        answered(&mut app, (pane, request), "b", 0.001);
    }
    for live in send(&mut app, "third") {
        answered(&mut app, live, "c", 0.001);
    }
    let saved = app.snapshot();
    let one = |t: &str, n| (t.to_owned(), Some(n));
    assert_eq!(
        sends(&saved),
        [
            vec![one("first", 1), one("third", 3)],
            vec![one("first", 1), one("only two", 2), one("third", 3)],
        ]
    );
    assert_eq!(saved.prompts(), ["first", "only two", "third"]);
    let md = modelroom::sessions::markdown::markdown(&saved);
    let at = |p: &str| md.find(&format!("> {p}")).unwrap();
    assert!(
        at("first") < at("only two") && at("only two") < at("third"),
        "{md}"
    );

    // Reopened, the numbers come back and the next send takes the one after them.
    let (mut back, _) = App::from_session(&saved, Keymap::default(), Settings::default()).unwrap();
    // Up recalls them in the order sent too, the focused send in its place.
    assert_eq!(back.history.entries(), ["first", "only two", "third"]);
    back.focus = 0;
    back.prompt.set_text("fourth");
    update(&mut back, Action::Command(Command::SendFocused));
    let again = back.snapshot();
    assert_eq!(
        sends(&again)[0],
        [one("first", 1), one("third", 3), one("fourth", 4)]
    );
    assert_eq!(again.prompts(), ["first", "only two", "third", "fourth"]);
}

#[test]
fn a_file_replaced_after_a_save_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::open(dir.path()).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _guard = rt.enter();
    let mut app = room();
    let live = send(&mut app, "one");
    answered(&mut app, live[0], "A1", 0.001);
    let session = app.snapshot();
    store.save(&session).unwrap();
    store.save(&session).unwrap();
    // Someone else's editor truncates it.
    let path = store.path(&session.id);
    std::fs::write(&path, b"{\"version\":1,").unwrap();
    assert!(matches!(
        store.save(&session),
        Err(StoreError::WouldOverwriteDamaged { .. })
    ));
    assert_eq!(std::fs::read(&path).unwrap(), b"{\"version\":1,");
}

#[tokio::test]
async fn saves_are_effects_numbered_so_the_loop_knows_when_one_is_in_flight() {
    let mut app = room();
    // Without a saver nothing is asked for.
    let live = send(&mut app, "one");
    answered(&mut app, live[0], "first", 0.001);
    assert!(!app.saving());
    app.enable_saves();
    // The second pane's end asks for a save: one effect, numbered.
    ev(&mut app, live[1], StreamEvent::Content("second".into()));
    let fx = ev(&mut app, live[1], StreamEvent::Done);
    let seqs: Vec<u64> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Save { seq, .. } => Some(*seq),
            _ => None,
        })
        .collect();
    assert_eq!(seqs, [1]);
    assert!(app.saving());
    // Sending asks for another save (snapshot 2) before snapshot 1 is reported written.
    assert_eq!(send(&mut app, "two").len(), 2);
    update(
        &mut app,
        Action::Saved {
            seq: 1,
            result: Err(modelroom::app::WorkError::task(
                "the save task",
                "disk full",
            )),
        },
    );
    assert!(app.save_error.is_some());
    // A save asked for after snapshot 1 is still waiting to be written.
    assert!(app.saving());
    let fx = update(&mut app, Action::Command(Command::StopAll));
    let last = fx
        .iter()
        .find_map(|e| match e {
            Effect::Save { seq, .. } => Some(*seq),
            _ => None,
        })
        .expect("stopping asks for a save");
    update(
        &mut app,
        Action::Saved {
            seq: last,
            result: Ok(()),
        },
    );
    assert!(!app.saving() && app.save_error.is_none());
}

#[tokio::test]
async fn a_fallback_that_served_is_still_said_when_the_session_is_reopened() {
    let mut app = drive::room(&["demo/down"], Settings::default(), 120, 30);
    app.panes[0].routing.fallbacks = vec!["demo/fast".into()];
    let live = send(&mut app, "one")[0];
    ev(
        &mut app,
        live,
        StreamEvent::Served {
            id: Some("gen-1".into()),
            model: Some("demo/fast".into()),
            provider: Some("Aurora Cloud".into()),
        },
    );
    ev(&mut app, live, StreamEvent::Content("A1".into()));
    drive::finish(&mut app, live, common::usage());
    let saved = app.snapshot();
    // The file keeps what tells it: the model asked, its fallbacks, the model that served.
    let json = serde_json::to_value(&saved).unwrap();
    assert_eq!(json["panes"][0]["model"], "demo/down");
    assert_eq!(json["panes"][0]["routing"]["fallbacks"][0], "demo/fast");
    assert_eq!(json["panes"][0]["turns"][1]["model"], "demo/fast");
    let (back, _) = App::from_session(&saved, Keymap::default(), Settings::default()).unwrap();
    let a = back.panes[0].last_answer().unwrap();
    let footer = back.identity(0).unwrap().footer(a).unwrap().to_string();
    assert!(
        footer.contains("↪ served by demo/fast after demo/down"),
        "{footer}"
    );
}

//! A blind round played end to end from keys: the real loop on a `TestBackend`, the simulated
//! gateway on 127.0.0.1, sessions saved and votes appended to a ledger in a temporary data
//! directory. Waits on the loop's status, never on the wall clock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::live::{self, Room, screen};
use modelroom::api::{Client, Dialect};
use modelroom::app::{App, ArenaSource, Settings};
use modelroom::arena::{Outcome, VoteLedger};
use modelroom::keymap::Keymap;
use modelroom::runtime::{Saver, VoteWriter};
use modelroom::store::SessionStore;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blind_round_is_played_from_keys_and_its_vote_is_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::open(dir.path().join("sessions")).unwrap();
    let ledger = VoteLedger::new(dir.path());
    let sim = live::gateway().await;
    let client = Client::new(live::endpoint(&sim.base_url(), Dialect::OpenRouter)).unwrap();
    let (saved, votes) = (store.clone(), ledger.clone());
    let app = || {
        let models = modelroom::model::parse_all(&["demo/fast", "demo/coder"]).unwrap();
        App::new_arena(
            ArenaSource::Models(models),
            Keymap::default(),
            Settings::default(),
            17,
        )
        .unwrap()
    };
    let mut room = Room::start_app(client, app, (140, 40), move |ctx, tx| {
        ctx.saver = Some(Saver::new(saved.clone(), tx.clone()));
        ctx.store = Some(saved);
        ctx.votes = Some(VoteWriter::new(votes, tx.clone()));
    })
    .holding(sim);
    room.wait("the first frame", |s| s.frames > 0).await;

    // Round 1: demo/fast says who it is; the vote after the answers is recorded not blind.
    room.type_line("who are you?");
    room.wait("both answers", |s| s.answers == 2 && s.streaming == 0)
        .await;
    room.key(KeyCode::Char('b'), KeyModifiers::ALT);
    room.wait("the vote on disk", |s| s.votes_recorded == 1)
        .await;
    let read = ledger.read().unwrap();
    assert_eq!(read.votes.len(), 1, "{:?}", read.damaged);
    let first = &read.votes[0];
    assert_eq!(first.outcome, Outcome::Best(1));
    assert!(!first.blind, "demo/fast named itself: {first:?}");
    assert!(first.answers.iter().any(|a| a.named_itself));

    // Round 2: voted while the answers still stream, then undone before the next prompt.
    room.type_line("[sim:tokens=3000] Compare queues and logs");
    room.wait("the answers to stream", |s| {
        s.streaming > 0 && s.text_bytes > 0
    })
    .await;
    room.key(KeyCode::Char('a'), KeyModifiers::ALT);
    room.wait("the second vote on disk", |s| s.votes_recorded == 2)
        .await;
    assert_eq!(ledger.read().unwrap().votes.len(), 2);
    room.key(KeyCode::Char('u'), KeyModifiers::ALT);
    room.wait("the undo", |s| s.votes_recorded == 1).await;
    // Round 3: voted (keys are handled in order: the vote is on the new round) and kept.
    room.type_line("A third question");
    room.key(KeyCode::Char('x'), KeyModifiers::ALT);
    room.wait("the third vote on disk", |s| s.votes_recorded == 2)
        .await;
    let (app, term) = room.quit().await;
    assert!(screen(&term).join("\n").contains("✓ recorded"));

    let read = ledger.read().unwrap();
    let outcomes: Vec<Outcome> = read.votes.iter().map(|v| v.outcome).collect();
    assert_eq!(outcomes, [Outcome::Best(1), Outcome::BothBad]);
    assert!(read.votes[1].blind);
    let session = store.load(&app.session.id).unwrap();
    let kept: Vec<&str> = session
        .arena
        .votes
        .iter()
        .map(|v| v.vote.id.as_str())
        .collect();
    let on_disk: Vec<&str> = read.votes.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(
        kept, on_disk,
        "the session holds the votes the ledger holds"
    );
    assert_eq!(session.panes.len(), 6, "three rounds of two panes");
}

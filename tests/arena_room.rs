//! The arena in the room, driven through `update` alone: blind rounds shuffled and named by
//! label, votes from keys (while answers stream too), the reveal, the undo, the self-naming
//! warning, rounds of more than two panes, the open vote of a normal room, F6, and the votes
//! as the session keeps and exports them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::drive::{self, ev, press, send};
use modelroom::api::{Generation, StreamEvent};
use modelroom::app::{Action, App, ArenaSource, Effect, Settings, update};
use modelroom::arena::{Entry, Outcome, Vote};
use modelroom::chat::{Cost, Usage};
use modelroom::keymap::Keymap;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

fn arena(models: &[&str], seed: u64) -> App {
    let models = modelroom::model::parse_all(models).unwrap();
    let mut app = App::new_arena(
        ArenaSource::Models(models),
        Keymap::default(),
        Settings::default(),
        seed,
    )
    .unwrap();
    update(
        &mut app,
        Action::Resize {
            width: 150,
            height: 40,
        },
    );
    app
}

fn alt(app: &mut App, c: char) -> Vec<Effect> {
    press(app, KeyCode::Char(c), KeyModifiers::ALT)
}

fn screen(app: &App) -> String {
    common::text(&common::draw(app))
}

fn usage() -> Usage {
    Usage {
        prompt_tokens: 3,
        completion_tokens: 7,
        cost: Some(Cost::usd(0.002)),
        ..Usage::default()
    }
}

/// The vote an effect list sends to the ledger.
fn voted(fx: &[Effect]) -> Vote {
    fx.iter()
        .find_map(|e| match e {
            Effect::RecordVote(entry) => match entry.as_ref() {
                Entry::Vote(v) => Some(v.clone()),
                Entry::Undo { .. } => None,
            },
            _ => None,
        })
        .expect("a vote for the ledger")
}

fn notice(app: &App) -> String {
    app.notice
        .as_ref()
        .map(|n| n.text.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_vote_while_streaming_stops_the_answers_reveals_and_can_be_undone_until_the_next_prompt()
{
    let mut app = arena(&["acme/oracle-7", "zenith/sage-2"], 1);
    let live = send(&mut app, "compare");
    assert_eq!(live.len(), 2);
    for (k, l) in live.iter().enumerate() {
        ev(&mut app, *l, StreamEvent::Content(format!("answer {k}")));
    }
    let text = screen(&app);
    assert!(
        text.contains("model A") && text.contains("model B"),
        "{text}"
    );
    for name in ["acme", "zenith", "oracle", "sage"] {
        assert!(!text.contains(name), "{name} before the vote:\n{text}");
    }
    assert!(
        text.contains("Alt+A A better"),
        "the vote keys are hinted:\n{text}"
    );
    let a_model = app.panes[0].model.to_string();
    let fx = alt(&mut app, 'a');
    assert_eq!(
        fx.iter()
            .filter(|e| matches!(e, Effect::CancelStream { .. }))
            .count(),
        2,
        "the vote stops both streams: {fx:?}"
    );
    assert_eq!(app.streaming_count(), 0);
    let vote = voted(&fx);
    assert_eq!(vote.outcome, Outcome::Best(0));
    assert!(vote.blind);
    assert_eq!(
        vote.answers[0].requested, a_model,
        "A is the first pane on screen"
    );
    assert_eq!(
        vote.prompt_sha256,
        modelroom::arena::vote::sha256_hex("compare")
    );
    let text = screen(&app);
    assert!(
        text.contains("acme/oracle-7") && text.contains("zenith/sage-2"),
        "{text}"
    );
    assert!(text.contains("recording…"), "{text}");
    // Shown as recorded only once the ledger says so.
    update(
        &mut app,
        Action::VoteRecorded {
            id: vote.id.clone(),
            undo: false,
            result: Ok(()),
        },
    );
    assert!(screen(&app).contains("✓ recorded"));
    // A failed append says so, and is never shown as recorded.
    let mut failing = arena(&["acme/oracle-7", "zenith/sage-2"], 2);
    send(&mut failing, "q");
    let v = voted(&alt(&mut failing, 'b'));
    update(
        &mut failing,
        Action::VoteRecorded {
            id: v.id,
            undo: false,
            result: Err(modelroom::app::WorkError::no_votes_ledger()),
        },
    );
    let text = screen(&failing);
    assert!(
        text.contains("⚠ not recorded") && !text.contains("✓"),
        "{text}"
    );
    assert!(notice(&failing).contains("NOT in the votes ledger"));
    // A second vote is refused; the undo takes it back, and only once.
    let again = alt(&mut app, 'b');
    assert!(!again.iter().any(|e| matches!(e, Effect::RecordVote(_))));
    assert!(notice(&app).contains("already voted"), "{}", notice(&app));
    let undo = alt(&mut app, 'u');
    assert!(undo.iter().any(
        |e| matches!(e, Effect::RecordVote(b) if matches!(b.as_ref(), Entry::Undo { id, .. } if *id == vote.id))
    ));
    assert!(app.arena.votes.is_empty());
    assert!(
        !alt(&mut app, 'u')
            .iter()
            .any(|e| matches!(e, Effect::RecordVote(_)))
    );
    // The names stay shown: a new vote on the round is not blind.
    let revote = voted(&alt(&mut app, 'b'));
    assert_eq!(revote.outcome, Outcome::Best(1));
    assert!(!revote.blind);
    // The next prompt makes the vote final and starts a blind round in fresh panes.
    send(&mut app, "next");
    assert_eq!(app.closed.len(), 2);
    assert!(app.panes.iter().all(|p| p.entries.len() == 2));
    assert!(!screen(&app).contains("acme"));
    assert!(
        !alt(&mut app, 'u')
            .iter()
            .any(|e| matches!(e, Effect::RecordVote(_)))
    );
    assert!(notice(&app).contains("nothing to undo"), "{}", notice(&app));
}

#[tokio::test]
async fn each_round_shuffles_which_model_is_a() {
    let mut app = arena(&["acme/oracle-7", "zenith/sage-2"], 3);
    let mut firsts = std::collections::HashSet::new();
    for round in 0..16 {
        send(&mut app, &format!("round {round}"));
        firsts.insert(app.panes[0].model.to_string());
    }
    assert_eq!(firsts.len(), 2, "both models were A in 16 rounds");
}

#[tokio::test]
async fn an_answer_that_names_its_model_warns_and_the_vote_is_not_blind() {
    let mut app = arena(&["acme/oracle-7", "zenith/sage-2"], 5);
    let live = send(&mut app, "who are you?");
    // The streams in the order of the panes on screen (a blind round shuffles them).
    let live: Vec<_> = app
        .panes
        .iter()
        .map(|p| *live.iter().find(|l| l.0 == p.id).unwrap())
        .collect();
    let oracle = usize::from(app.panes[1].model.as_str().starts_with("acme"));
    ev(
        &mut app,
        live[oracle],
        StreamEvent::Content("As Oracle, I answer quickly.".into()),
    );
    drive::finish(&mut app, live[oracle], usage());
    ev(
        &mut app,
        live[1 - oracle],
        StreamEvent::Content("A plain answer.".into()),
    );
    drive::finish(&mut app, live[1 - oracle], usage());
    let text = screen(&app);
    assert!(text.contains("names its model"), "{text}");
    assert!(text.contains("not blind"), "{text}");
    let vote = voted(&alt(&mut app, 'x'));
    assert_eq!(vote.outcome, Outcome::BothBad);
    assert!(!vote.blind);
    assert!(vote.answers[oracle].named_itself);
    assert!(!vote.answers[1 - oracle].named_itself);
    assert_eq!(vote.answers[0].tokens, Some(7));
    assert_eq!(vote.answers[0].cost_usd, Some(0.002));
}

#[tokio::test]
async fn with_three_panes_the_best_is_picked_and_a_tie_is_refused() {
    let mut app = arena(&["a/one", "b/two", "c/three"], 9);
    let live = send(&mut app, "pick one #writing");
    for l in &live {
        ev(&mut app, *l, StreamEvent::Content("text".into()));
        drive::finish(&mut app, *l, usage());
    }
    assert!(screen(&app).contains("Alt+V focused best"));
    assert!(
        !alt(&mut app, 'd')
            .iter()
            .any(|e| matches!(e, Effect::RecordVote(_)))
    );
    assert!(notice(&app).contains("pick the best"), "{}", notice(&app));
    press(&mut app, KeyCode::Char('3'), KeyModifiers::ALT);
    let third = app.panes[2].model.to_string();
    // A tag given with the key joins the one typed in the prompt.
    alt(&mut app, 'g');
    drive::type_text(&mut app, "#Code");
    drive::key(&mut app, KeyCode::Enter);
    let vote = voted(&alt(&mut app, 'v'));
    assert_eq!(vote.outcome, Outcome::Best(2));
    assert_eq!(vote.answers[2].requested, third);
    assert_eq!(vote.tags, ["code", "writing"]);
    // C beats A and C beats B.
    assert_eq!(vote.battles().len(), 2);
    alt(&mut app, 'u');
    let all_bad = voted(&alt(&mut app, 'x'));
    assert_eq!(all_bad.outcome, Outcome::BothBad);
    assert_eq!(all_bad.battles().len(), 3);
}

#[tokio::test]
async fn a_normal_room_votes_in_the_open_and_f6_starts_blind_rounds() {
    let mut app = drive::room(
        &["acme/oracle-7", "zenith/sage-2"],
        Settings::default(),
        150,
        40,
    );
    let live = send(&mut app, "hello");
    for l in &live {
        ev(&mut app, *l, StreamEvent::Content("hi".into()));
        drive::finish(&mut app, *l, usage());
    }
    let text = screen(&app);
    assert!(text.contains("acme/oracle-7"));
    assert!(
        !text.contains("vote:"),
        "a normal room's prompt keeps its title:
{text}"
    );
    press(&mut app, KeyCode::Char('2'), KeyModifiers::ALT);
    let vote = voted(&alt(&mut app, 'v'));
    assert_eq!(vote.outcome, Outcome::Best(1));
    assert_eq!(vote.answers[1].requested, "zenith/sage-2");
    assert!(!vote.blind, "a vote in the open is not blind");
    // The leaderboard opens outside a blind round and is computed off the UI thread.
    let fx = press(&mut app, KeyCode::F(7), KeyModifiers::NONE);
    assert!(fx.contains(&Effect::ComputeBoard { all_votes: false }));
    drive::key(&mut app, KeyCode::Esc);
    // F6: the next prompt goes to fresh blind panes; the old ones keep their answers, closed.
    press(&mut app, KeyCode::F(6), KeyModifiers::NONE);
    send(&mut app, "blind now");
    assert_eq!(app.closed.len(), 2);
    assert!(app.is_blind());
    let text = screen(&app);
    assert!(!text.contains("acme") && !text.contains("zenith"), "{text}");
    // The leaderboard names models: not during a blind round.
    let fx = press(&mut app, KeyCode::F(7), KeyModifiers::NONE);
    assert!(!fx.iter().any(|e| matches!(e, Effect::ComputeBoard { .. })));
    assert!(notice(&app).contains("after this round's vote"));
}

#[tokio::test]
async fn the_session_keeps_the_vote_beside_its_answers_and_hides_an_unvoted_round() {
    let mut app = arena(&["acme/oracle-7", "zenith/sage-2"], 11);
    let live = send(&mut app, "first");
    for l in &live {
        ev(
            &mut app,
            *l,
            StreamEvent::Served {
                id: Some("gen".into()),
                model: None,
                provider: Some("Aurora Cloud".into()),
            },
        );
        ev(&mut app, *l, StreamEvent::Content("an answer".into()));
        drive::finish(&mut app, *l, usage());
    }
    // Before the vote, every rendering of the saved session names no model or provider.
    let blind = app.snapshot();
    assert_eq!(blind.arena.hidden.len(), 2);
    let shown = blind.blinded();
    for text in [
        modelroom::sessions::markdown::markdown(&shown),
        modelroom::sessions::html::html(&shown),
        modelroom::sessions::text::show(&shown, true),
        serde_json::to_string(&shown).unwrap(),
    ] {
        for name in ["acme", "zenith", "oracle", "sage-2", "Aurora"] {
            assert!(!text.contains(name), "{name} in\n{text}");
        }
    }
    let vote = voted(&alt(&mut app, 'a'));
    let saved = app.snapshot();
    assert!(saved.arena.hidden.is_empty());
    let [record] = &saved.arena.votes[..] else {
        panic!("one vote: {:?}", saved.arena.votes)
    };
    assert_eq!(record.vote, vote);
    let a = record.answers[0];
    assert_eq!(saved.panes[a.pane].model, vote.answers[0].requested);
    assert!(matches!(
        saved.panes[a.pane].turns[a.turn],
        modelroom::store::Turn::Assistant(_)
    ));
    let md = modelroom::sessions::markdown::markdown(&saved);
    assert!(md.contains("vote: A is better · blind"), "{md}");
    assert!(
        md.contains(&format!("A = {}", vote.answers[0].requested)),
        "{md}"
    );
    // Reopened, the session keeps its vote through the next save.
    let (mut reopened, _) =
        App::from_session(&saved, Keymap::default(), Settings::default()).unwrap();
    assert_eq!(reopened.snapshot().arena.votes, saved.arena.votes);
    // The next round's panes come after the earlier round's: the export reads in order.
    send(&mut app, "second");
    let later = app.snapshot();
    assert_eq!(later.arena.hidden.len(), 2);
    assert!(later.arena.hidden.iter().all(|h| h.pane >= 2));
    let md = modelroom::sessions::markdown::markdown(&later.blinded());
    let (first, second) = (md.find("> first").unwrap(), md.find("> second").unwrap());
    assert!(first < second, "{md}");
    assert!(md.contains("vote: A is better"), "{md}");
}

#[tokio::test]
async fn a_stopped_answer_of_a_closed_round_still_gets_its_cost() {
    let mut app = arena(&["acme/oracle-7", "zenith/sage-2"], 13);
    let live = send(&mut app, "long");
    for l in &live {
        ev(
            &mut app,
            *l,
            StreamEvent::Opened {
                generation_id: Some(format!("gen-{}", l.1.0)),
            },
        );
        ev(&mut app, *l, StreamEvent::Content("partial".into()));
    }
    let fx = alt(&mut app, 'a');
    assert_eq!(
        fx.iter()
            .filter(|e| matches!(e, Effect::Reconcile { .. }))
            .count(),
        2
    );
    send(&mut app, "next round");
    for l in &live {
        update(
            &mut app,
            Action::Reconciled {
                pane: l.0,
                request: l.1,
                result: Ok(Generation {
                    total_cost: Some(0.01),
                    ..Generation::default()
                }),
            },
        );
    }
    assert_eq!(app.spend(), (Cost::usd(0.02), 0));
}

/// The blind screen as a person sees it, and with the help open: snapshots a review can read.
#[tokio::test]
async fn snapshot_of_a_blind_round() {
    let mut app = arena(&["acme/oracle-7", "zenith/sage-2"], 2);
    update(
        &mut app,
        Action::Resize {
            width: 100,
            height: 16,
        },
    );
    for live in send(&mut app, "Name a prime") {
        ev(
            &mut app,
            live,
            StreamEvent::Served {
                id: None,
                model: Some("acme/oracle-7".into()),
                provider: Some("Aurora Cloud".into()),
            },
        );
        ev(
            &mut app,
            live,
            StreamEvent::Content("**7** is prime.".into()),
        );
        drive::finish(&mut app, live, usage());
    }
    insta::assert_snapshot!("arena_blind_round", screen(&app));
    press(&mut app, KeyCode::F(1), KeyModifiers::NONE);
    insta::assert_snapshot!("arena_blind_round_help", screen(&app));
}

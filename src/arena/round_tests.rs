//! Tests of the arena's round state (`round.rs`).

use super::round::{AnswerFacts, Arena, PairDraw, VoteError};
use super::{Entry, Outcome, Vote, VotedAnswer, Winner};

fn facts(models: &[&str]) -> Vec<AnswerFacts> {
    models
        .iter()
        .map(|m| AnswerFacts {
            requested: (*m).into(),
            served: Some((*m).into()),
            provider: Some("Aurora Cloud".into()),
            text: format!("# {m}\n\n- **point**"),
            tokens: Some(12),
            cost_usd: Some(0.001),
            latency_ms: Some(800),
            ..AnswerFacts::default()
        })
        .collect()
}

fn vote_of(entry: Entry) -> Vote {
    match entry {
        Entry::Vote(v) => v,
        Entry::Undo { .. } => panic!("not a vote"),
    }
}

#[test]
fn labels_are_shuffled_every_round_and_hidden_until_the_vote() {
    let mut arena = Arena::new(true, 7);
    let mut orders = std::collections::HashSet::new();
    for _ in 0..40 {
        let round = arena.start_round(3, false);
        let labels: Vec<String> = (0..3).map(|p| round.label_of(p).unwrap()).collect();
        let mut sorted = labels.clone();
        sorted.sort();
        assert_eq!(sorted, ["A", "B", "C"]);
        assert!((0..3).all(|p| round.hides(p)));
        for (k, l) in ["A", "B", "C"].iter().enumerate() {
            assert_eq!(
                round.label_of(round.pane_of(k).unwrap()).as_deref(),
                Some(*l)
            );
        }
        orders.insert(labels);
    }
    assert_eq!(orders.len(), 6, "every order of three panes comes up");
    let index = arena.round().unwrap().index;
    assert_eq!(index, 39);
}

#[test]
fn a_vote_reveals_is_final_and_can_be_undone_until_the_next_prompt() {
    let mut arena = Arena::new(true, 1);
    assert_eq!(
        arena.cast(Outcome::Tie, "s", "p", &facts(&["x", "y"])),
        Err(VoteError::NoRound)
    );
    arena.start_round(2, false);
    let b_pane = arena.round().unwrap().pane_of(1).unwrap();
    let answers = facts(&["x", "y"]);
    let vote = vote_of(
        arena
            .cast(Outcome::Best(1), "s", "hello #code", &answers)
            .unwrap(),
    );
    assert!(vote.blind);
    assert_eq!(vote.tags, ["code"]);
    // Answers are kept in label order, so "B" is the pane shown as B.
    assert_eq!(vote.answers[1].requested, answers[b_pane].requested);
    assert_eq!(vote.answers[1].markdown.headers, 1);
    assert_eq!(vote.answers[1].markdown.bold, 1);
    let round = arena.round().unwrap();
    assert!(round.revealed() && !round.hides(0) && !round.hides(1));
    assert_eq!(
        arena.cast(Outcome::Best(0), "s", "p", &answers),
        Err(VoteError::AlreadyVoted)
    );
    match arena.undo().unwrap() {
        Entry::Undo { id, .. } => assert_eq!(id, vote.id),
        Entry::Vote(_) => panic!(),
    }
    assert_eq!(arena.undo(), Err(VoteError::NothingToUndo));
    // The names were seen, so a new vote on the round is not blind.
    let again = vote_of(arena.cast(Outcome::Best(0), "s", "p", &answers).unwrap());
    assert!(!again.blind);
    arena.start_round(2, false);
    assert_eq!(arena.undo(), Err(VoteError::NothingToUndo));
}

#[test]
fn with_more_panes_the_best_is_picked_or_all_are_bad() {
    let mut arena = Arena::new(true, 3);
    arena.start_round(3, false);
    let answers = facts(&["x", "y", "z"]);
    assert_eq!(
        arena.cast(Outcome::Tie, "s", "p", &answers),
        Err(VoteError::TieOfMany)
    );
    assert_eq!(
        arena.cast(Outcome::Best(3), "s", "p", &answers),
        Err(VoteError::NoSuchLabel("D".into()))
    );
    let bad = vote_of(arena.cast(Outcome::BothBad, "s", "p", &answers).unwrap());
    let battles = bad.battles();
    assert_eq!(battles.len(), 3);
    assert!(battles.iter().all(|b| b.winner == Winner::BothBad));
    arena.start_round(3, false);
    let best = vote_of(arena.cast(Outcome::Best(2), "s", "p", &answers).unwrap());
    let battles = best.battles();
    assert_eq!(battles.len(), 2);
    let winner: &VotedAnswer = &best.answers[2];
    assert!(battles.iter().all(|b| {
        (b.winner == Winner::A && b.a.model == winner.requested)
            || (b.winner == Winner::B && b.b.model == winner.requested)
    }));
    arena.start_round(1, false);
    assert_eq!(
        arena.cast(Outcome::Best(0), "s", "p", &facts(&["x"])),
        Err(VoteError::TooFew)
    );
}

#[test]
fn an_answer_that_names_itself_warns_and_unblinds_the_vote() {
    let mut arena = Arena::new(true, 5);
    arena.start_round(2, false);
    assert!(!arena.check_answer(0, "Here is a list", "demo/fast", None));
    assert!(arena.check_answer(0, "As Demo Fast, I keep it short.", "demo/fast", None));
    assert!(!arena.check_answer(0, "As Demo Fast, I keep it short.", "demo/fast", None));
    let round = arena.round().unwrap();
    assert!(round.warning(0).is_some() && round.warning(1).is_none());
    assert!(round.compromised());
    let vote = vote_of(
        arena
            .cast(Outcome::Tie, "s", "p", &facts(&["demo/fast", "demo/coder"]))
            .unwrap(),
    );
    assert!(!vote.blind);
    assert!(vote.answers.iter().any(|a| a.named_itself));
}

#[test]
fn a_normal_room_votes_in_the_open() {
    let mut arena = Arena::new(false, 9);
    let round = arena.start_round(2, false);
    assert!(!round.blind && !round.hides(0));
    assert_eq!(round.label_of(0).as_deref(), Some("A"));
    let vote = vote_of(
        arena
            .cast(Outcome::Best(0), "s", "p", &facts(&["x", "y"]))
            .unwrap(),
    );
    assert!(!vote.blind);
    // A key starts a blind round in a normal room.
    assert!(arena.start_round(2, true).hides(1));
}

#[test]
fn pool_pairs_come_up_evenly_counting_earlier_votes() {
    let pool: Vec<String> = ["a", "b", "c", "d", "a"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let mut draw = PairDraw::new(&pool, &[], 11).unwrap();
    let mut counts = std::collections::HashMap::new();
    for _ in 0..60 {
        let [x, y] = draw.next_pair();
        assert_ne!(x, y);
        let key = if x < y { (x, y) } else { (y, x) };
        *counts.entry(key).or_insert(0) += 1;
    }
    assert_eq!(counts.len(), 6);
    assert!(counts.values().all(|&c| c == 10), "{counts:?}");
    // Three earlier votes of a against b: that pair waits until the others catch up.
    let earlier: Vec<Vote> = (0..3)
        .map(|_| {
            let mut arena = Arena::new(true, 0);
            arena.start_round(2, false);
            vote_of(
                arena
                    .cast(Outcome::Tie, "s", "p", &facts(&["a", "b"]))
                    .unwrap(),
            )
        })
        .collect();
    let mut draw = PairDraw::new(&pool, &earlier, 2).unwrap();
    for _ in 0..15 {
        let [x, y] = draw.next_pair();
        assert!(!(x == "a" && y == "b"), "drawn too early");
    }
    assert!(PairDraw::new(&["a".into(), "a".into()], &[], 0).is_err());
}

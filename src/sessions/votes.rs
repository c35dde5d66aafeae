//! A session's votes as its renderings show them, each beside the prompt it judged: the
//! outcome, whether it was blind, its tags, and the reveal (which model and provider answered
//! as A, B…).

use super::rounds::{Round, line};
use crate::arena::{Outcome, label};
use crate::store::{Session, Turn, VoteRecord};

/// The votes on `round`: those whose answers are among the round's.
pub fn on_round<'a>(session: &'a Session, round: &Round<'_>) -> Vec<&'a VoteRecord> {
    let in_round = |t: &crate::store::TurnRef| {
        let Some(Turn::Assistant(a)) = session.panes.get(t.pane).and_then(|p| p.turns.get(t.turn))
        else {
            return false;
        };
        round
            .answers
            .iter()
            .flatten()
            .flatten()
            .any(|r| std::ptr::eq(*r, a.as_ref()))
    };
    session
        .arena
        .votes
        .iter()
        .filter(|v| v.answers.first().is_some_and(in_round))
        .collect()
}

/// `vote: A is better · blind · #code` and one line per answer (`A = model via provider`).
pub fn lines(v: &VoteRecord) -> (String, Vec<String>) {
    let vote = &v.vote;
    let outcome = match vote.outcome {
        Outcome::Best(k) => format!("{} is better", label(k)),
        Outcome::Tie => "tie".to_owned(),
        Outcome::BothBad if vote.answers.len() > 2 => "all bad".to_owned(),
        Outcome::BothBad => "both bad".to_owned(),
    };
    let mut head = format!(
        "vote: {outcome} · {}",
        if vote.blind { "blind" } else { "not blind" }
    );
    for t in &vote.tags {
        head.push_str(&format!(" · #{}", line(t)));
    }
    head.push_str(&format!(" · {}", line(&vote.time)));
    let answers = vote
        .answers
        .iter()
        .enumerate()
        .map(|(k, a)| {
            let mut s = format!("{} = {}", label(k), line(&a.requested));
            if let Some(p) = &a.provider {
                s.push_str(&format!(" via {}", line(p)));
            }
            if let Some(t) = a.tokens {
                s.push_str(&format!(" · {t} tokens"));
            }
            if a.named_itself {
                s.push_str(" · named its model");
            }
            s
        })
        .collect();
    (head, answers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arena::{MarkdownCounts, Vote, VotedAnswer};
    use crate::store::TurnRef;

    #[test]
    fn a_vote_reads_as_its_outcome_and_its_reveal() {
        let answer = |m: &str| VotedAnswer {
            requested: m.into(),
            served: None,
            provider: Some("Prov".into()),
            fallback: false,
            tokens: Some(12),
            markdown: MarkdownCounts::default(),
            cost_usd: None,
            latency_ms: None,
            named_itself: m == "y/b",
        };
        let vote = Vote::new(
            "s",
            0,
            "hi #code",
            Outcome::Best(1),
            true,
            vec![answer("x/a"), answer("y/b")],
        );
        let record = VoteRecord {
            vote,
            answers: vec![TurnRef { pane: 0, turn: 1 }, TurnRef { pane: 1, turn: 1 }],
        };
        let (head, answers) = lines(&record);
        assert!(
            head.starts_with("vote: B is better · not blind · #code"),
            "{head}"
        );
        assert_eq!(answers[0], "A = x/a via Prov · 12 tokens");
        assert!(answers[1].ends_with("named its model"));
    }
}

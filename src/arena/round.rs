//! The arena's side of a room, as plain state: each round's blind labels (A, B, … shuffled
//! every round), the vote (one per round; it stops the answers, reveals the models, and can be
//! undone until the next prompt), the self-identification warnings, and the pool's pairs drawn
//! as evenly as possible. The room asks it what to show and turns what it returns (a vote, an
//! undo) into effects; nothing here does I/O.

use std::collections::HashMap;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Entry, MarkdownCounts, Outcome, Vote, VotedAnswer, label, names_itself};

/// What the room knows about one pane's answer when the vote is cast.
#[derive(Debug, Clone, Default)]
pub struct AnswerFacts {
    pub requested: String,
    pub served: Option<String>,
    pub provider: Option<String>,
    pub fallback: bool,
    pub text: String,
    pub tokens: Option<u64>,
    pub cost_usd: Option<f64>,
    pub latency_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoteError {
    #[error("no round to vote on: send a prompt first")]
    NoRound,
    #[error("a vote needs at least two answers")]
    TooFew,
    #[error("already voted on this round (undo it first)")]
    AlreadyVoted,
    #[error("with more than two answers, pick the best one (or mark all bad)")]
    TieOfMany,
    #[error("there is no answer {0}")]
    NoSuchLabel(String),
    #[error("nothing to undo: the vote is undone only before the next prompt")]
    NothingToUndo,
}

/// One prompt's round.
#[derive(Debug, Clone)]
pub struct Round {
    /// The round's index in its session.
    pub index: u32,
    /// Hidden until the vote (an arena round); a normal room's rounds are not.
    pub blind: bool,
    /// `order[k]` is the pane shown with label `k` (A = 0).
    order: Vec<usize>,
    /// Panes whose answer named its model.
    named: Vec<bool>,
    vote: Option<Vote>,
    /// Names are shown (after a vote, kept after an undo).
    revealed: bool,
}

impl Round {
    pub fn label_of(&self, pane: usize) -> Option<String> {
        self.order.iter().position(|&p| p == pane).map(label)
    }

    pub fn pane_of(&self, label_index: usize) -> Option<usize> {
        self.order.get(label_index).copied()
    }

    pub fn panes(&self) -> usize {
        self.order.len()
    }

    /// Whether pane `pane`'s identity must be hidden now.
    pub fn hides(&self, pane: usize) -> bool {
        self.blind && !self.revealed && pane < self.order.len()
    }

    pub fn vote(&self) -> Option<&Vote> {
        self.vote.as_ref()
    }

    pub fn revealed(&self) -> bool {
        self.revealed
    }

    /// Why this pane's answer breaks the blind, if it does (shown in the pane).
    pub fn warning(&self, pane: usize) -> Option<&'static str> {
        (self.blind && self.named.get(pane).copied().unwrap_or(false))
            .then_some("this answer names its model: the round is not blind")
    }

    /// Any answer named itself: the vote will be recorded as not blind.
    pub fn compromised(&self) -> bool {
        self.named.iter().any(|n| *n)
    }
}

/// The arena's state over a room's life.
#[derive(Debug)]
pub struct Arena {
    /// Every round is blind (`modelroom arena`); else rounds are open and votes not blind.
    pub blind_mode: bool,
    rng: ChaCha8Rng,
    round: Option<Round>,
    /// Rounds started so far (the next round's index).
    rounds: u32,
    /// The vote of the current round may still be undone.
    undoable: bool,
}

impl Arena {
    pub fn new(blind_mode: bool, seed: u64) -> Self {
        Self {
            blind_mode,
            rng: ChaCha8Rng::seed_from_u64(seed),
            round: None,
            rounds: 0,
            undoable: false,
        }
    }

    pub fn round(&self) -> Option<&Round> {
        self.round.as_ref()
    }

    /// A new prompt was sent to `panes` panes: a new round, labels shuffled, blind if `blind`
    /// (or in blind mode). The previous round's vote is now final.
    pub fn start_round(&mut self, panes: usize, blind: bool) -> &Round {
        let mut order: Vec<usize> = (0..panes).collect();
        let blind = blind || self.blind_mode;
        if blind {
            order.shuffle(&mut self.rng);
        }
        self.undoable = false;
        let index = self.rounds;
        self.rounds += 1;
        self.round.insert(Round {
            index,
            blind,
            order,
            named: vec![false; panes],
            vote: None,
            revealed: !blind,
        })
    }

    /// Looks at an answer as it grows or ends; true when it just gave its model away.
    pub fn check_answer(
        &mut self,
        pane: usize,
        text: &str,
        model: &str,
        provider: Option<&str>,
    ) -> bool {
        let Some(round) = self.round.as_mut() else {
            return false;
        };
        match round.named.get_mut(pane) {
            Some(flag) if !*flag && names_itself(text, model, provider) => {
                *flag = true;
                true
            }
            _ => false,
        }
    }

    /// Casts the vote on the current round: `answers` per pane, in pane order. Returns the
    /// ledger line to append; the room stops any answer still streaming and reveals the models.
    pub fn cast(
        &mut self,
        outcome: Outcome,
        session: &str,
        prompt: &str,
        answers: &[AnswerFacts],
    ) -> Result<Entry, VoteError> {
        let round = self.round.as_mut().ok_or(VoteError::NoRound)?;
        if round.vote.is_some() {
            return Err(VoteError::AlreadyVoted);
        }
        let n = round.order.len().min(answers.len());
        if n < 2 {
            return Err(VoteError::TooFew);
        }
        match outcome {
            Outcome::Tie if n > 2 => return Err(VoteError::TieOfMany),
            Outcome::Best(k) if k >= n => return Err(VoteError::NoSuchLabel(label(k))),
            _ => {}
        }
        let voted: Vec<VotedAnswer> = round.order[..n]
            .iter()
            .map(|&pane| {
                let a = &answers[pane];
                VotedAnswer {
                    requested: a.requested.clone(),
                    served: a.served.clone(),
                    provider: a.provider.clone(),
                    fallback: a.fallback,
                    tokens: a.tokens,
                    markdown: MarkdownCounts::of(&a.text),
                    cost_usd: a.cost_usd,
                    latency_ms: a.latency_ms,
                    named_itself: round.named[pane]
                        || names_itself(&a.text, &a.requested, a.provider.as_deref()),
                }
            })
            .collect();
        // Blind only if nothing was revealed before this vote (an undone vote revealed it).
        let blind = round.blind && !round.revealed;
        let vote = Vote::new(session, round.index, prompt, outcome, blind, voted);
        round.vote = Some(vote.clone());
        round.revealed = true;
        self.undoable = true;
        Ok(Entry::Vote(vote))
    }

    /// Shows the current round's names without a vote (the person left blind mode): a vote on
    /// it is then not blind.
    pub fn reveal(&mut self) {
        if let Some(round) = self.round.as_mut() {
            round.revealed = true;
        }
    }

    /// Takes back the current round's vote (before the next prompt). The names stay shown,
    /// so a new vote on the round is not blind.
    pub fn undo(&mut self) -> Result<Entry, VoteError> {
        let round = self.round.as_mut().ok_or(VoteError::NothingToUndo)?;
        if !self.undoable {
            return Err(VoteError::NothingToUndo);
        }
        let vote = round.vote.take().ok_or(VoteError::NothingToUndo)?;
        self.undoable = false;
        Ok(Entry::Undo {
            id: vote.id,
            at: crate::clock::unix_now(),
        })
    }
}

/// Pairs from the `[arena] pool`, drawn so each pair comes up as evenly as possible over time:
/// always one of the pairs drawn least so far (counting the ledger's earlier votes), at random.
#[derive(Debug)]
pub struct PairDraw {
    pool: Vec<String>,
    counts: HashMap<(usize, usize), u32>,
    rng: ChaCha8Rng,
}

impl PairDraw {
    /// A pool of at least two distinct models; `earlier` votes count toward evenness.
    pub fn new(pool: &[String], earlier: &[Vote], seed: u64) -> Result<Self, String> {
        let mut models: Vec<String> = Vec::new();
        for m in pool {
            if !models.contains(m) {
                models.push(m.clone());
            }
        }
        if models.len() < 2 {
            return Err("the arena pool needs at least two different models".into());
        }
        let index: HashMap<&str, usize> = models
            .iter()
            .enumerate()
            .map(|(i, m)| (m.as_str(), i))
            .collect();
        let mut counts = HashMap::new();
        for v in earlier {
            let mut seen: Vec<usize> = v
                .answers
                .iter()
                .filter_map(|a| index.get(a.requested.as_str()).copied())
                .collect();
            seen.sort_unstable();
            seen.dedup();
            if let [a, b] = seen[..] {
                *counts.entry((a, b)).or_insert(0) += 1;
            }
        }
        Ok(Self {
            pool: models,
            counts,
            rng: ChaCha8Rng::seed_from_u64(seed),
        })
    }

    /// The next pair to compare.
    pub fn next_pair(&mut self) -> [String; 2] {
        let n = self.pool.len();
        let pairs: Vec<(usize, usize)> = (0..n)
            .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
            .collect();
        let least = pairs
            .iter()
            .map(|p| self.counts.get(p).copied().unwrap_or(0))
            .min()
            .unwrap_or(0);
        let candidates: Vec<(usize, usize)> = pairs
            .into_iter()
            .filter(|p| self.counts.get(p).copied().unwrap_or(0) == least)
            .collect();
        let (a, b) = candidates[self.rng.random_range(0..candidates.len())];
        *self.counts.entry((a, b)).or_insert(0) += 1;
        [self.pool[a].clone(), self.pool[b].clone()]
    }
}

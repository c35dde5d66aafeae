//! The arena: blind comparisons turned into evidence. A vote on a round is kept in a ledger
//! that only grows (`ledger`), implies pairwise battles (`vote`), and battles — the person's
//! own or a public file in LMArena's format (`battles`) — make a leaderboard (`board`): a
//! Bradley–Terry fit (`fit`) on the Elo scale with bootstrap confidence intervals, optionally
//! controlling for answer length and markdown. `names` spots an answer that names its own
//! model. Nothing here knows about the room or the terminal.

pub mod battles;
pub mod board;
pub mod fit;
pub mod ledger;
pub mod names;
pub mod personal;
pub mod round;
#[cfg(test)]
mod round_tests;
pub mod tags;
pub mod vote;

pub use board::{Board, BoardError, BoardOptions, BoardRow};
pub use ledger::{Entry, VoteLedger};
pub use names::names_itself;
pub use vote::{MarkdownCounts, Outcome, Vote, VotedAnswer, label};

/// How a pairwise battle ended, from model A's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Winner {
    A,
    B,
    Tie,
    /// A tie for the ratings, counted in its own column.
    BothBad,
}

/// What style control compares between two answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnswerStyle {
    pub tokens: u64,
    pub markdown: MarkdownCounts,
}

/// One side of a battle.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    pub model: String,
    /// Known for the person's votes and for public battles that carry `conv_metadata`.
    pub style: Option<AnswerStyle>,
}

/// Two answers compared: the unit the ratings are fitted on.
#[derive(Debug, Clone, PartialEq)]
pub struct Battle {
    pub a: Side,
    pub b: Side,
    pub winner: Winner,
    /// Nothing identified the models when the person judged them.
    pub blind: bool,
    /// Unix seconds, when known.
    pub at: Option<u64>,
}

//! The leaderboard in the room: the overlay's state, and the computation the runtime runs off
//! the UI thread (reading the votes ledger and fitting a bootstrap takes a while) before it
//! comes back as `Action::BoardComputed`. Hidden during a blind round: it names models.

use ratatui::crossterm::event::KeyEvent;

use super::{App, Effect, NoticeLevel, Overlay, WorkError};
use crate::arena::{Board, BoardError, BoardOptions, VoteLedger, personal};
use crate::keymap::BoardAction;
use crate::sanitize::Clean;

/// What the board overlay shows.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardView {
    /// Count votes that were not blind too (`a` switches).
    pub all_votes: bool,
    /// `None` while it is computed.
    pub result: Option<Result<Computed, Clean>>,
}

/// A board and what it was made of.
#[derive(Debug, Clone, PartialEq)]
pub struct Computed {
    pub board: Option<Board>,
    /// Votes that counted.
    pub votes: usize,
    /// Ledger lines that could not be read (skipped).
    pub damaged: usize,
}

/// Opens the leaderboard (or refuses in a blind round) and asks for it to be computed.
pub(super) fn open(app: &mut App, all_votes: bool, fx: &mut Vec<Effect>) {
    if app.is_blind() {
        app.set_notice(
            NoticeLevel::Info,
            "the leaderboard names models: it opens after this round's vote",
        );
        return;
    }
    app.overlay = Overlay::Leaderboard(Box::new(BoardView {
        all_votes,
        result: None,
    }));
    fx.push(Effect::ComputeBoard { all_votes });
}

pub(super) fn on_computed(app: &mut App, result: Result<Box<Computed>, WorkError>) {
    if let Overlay::Leaderboard(view) = &mut app.overlay {
        view.result = Some(result.map(|c| *c).map_err(|e| Clean::line(&e.to_string())));
        app.mark_dirty();
    }
}

/// Keys in the board (`[keys.board]`): count all votes or only blind ones, close; the room's
/// leaderboard key closes it too.
pub(super) fn on_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) {
    let Overlay::Leaderboard(view) = &app.overlay else {
        return;
    };
    let all = view.all_votes;
    match app.keymap.board.resolve(key) {
        Some(BoardAction::AllVotes) => open(app, !all, fx),
        Some(BoardAction::Close) => app.overlay = Overlay::None,
        None if app.keymap.resolve(key, true) == Some(crate::command::Command::Leaderboard) => {
            app.overlay = Overlay::None;
        }
        None => {}
    }
}

/// Reads the ledger and fits the board: blocking work, for the runtime's blocking pool.
pub fn compute(ledger: Option<&VoteLedger>, all_votes: bool) -> Result<Computed, WorkError> {
    let ledger = ledger.ok_or_else(WorkError::no_votes_ledger)?;
    let read = ledger
        .read()
        .map_err(|e| WorkError::votes(ledger.path(), e))?;
    let filter = personal::Filter {
        all_votes,
        tag: None,
    };
    let battles = personal::battles(&read.votes, &filter);
    let votes = read.votes.iter().filter(|v| filter.keeps(v)).count();
    let board = match crate::arena::board::compute(&battles, &BoardOptions::default()) {
        Ok(mut b) => {
            personal::add_medians(&mut b, &read.votes, &filter);
            Some(b)
        }
        Err(BoardError::Empty(_)) => None,
        Err(e) => return Err(WorkError::task("the leaderboard", e)),
    };
    Ok(Computed {
        board,
        votes,
        damaged: read.damaged.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arena::{Entry, MarkdownCounts, Outcome, Vote, VotedAnswer};

    fn vote(outcome: Outcome, blind: bool) -> Entry {
        let answer = |m: &str| VotedAnswer {
            requested: m.into(),
            served: None,
            provider: None,
            fallback: false,
            tokens: Some(10),
            markdown: MarkdownCounts::default(),
            cost_usd: Some(0.5),
            latency_ms: Some(1000),
            named_itself: false,
        };
        Entry::Vote(Vote::new(
            "s",
            0,
            "hi",
            outcome,
            blind,
            vec![answer("x/a"), answer("y/b")],
        ))
    }

    #[test]
    fn the_board_counts_blind_votes_unless_all_are_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = VoteLedger::new(dir.path());
        let empty = compute(Some(&ledger), false).unwrap();
        assert_eq!((empty.board, empty.votes), (None, 0));
        ledger.append(&vote(Outcome::Best(0), true)).unwrap();
        ledger.append(&vote(Outcome::Best(1), false)).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(ledger.path())
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"not json\n"))
            .unwrap();
        let blind = compute(Some(&ledger), false).unwrap();
        assert_eq!((blind.votes, blind.damaged), (1, 1));
        let board = blind.board.unwrap();
        assert_eq!(board.rows[0].model, "x/a");
        assert_eq!(board.rows[0].median_cost_usd, Some(0.5));
        let all = compute(Some(&ledger), true).unwrap();
        assert_eq!(all.votes, 2);
        assert_eq!(all.board.unwrap().rows[0].wins, 1);
        assert!(compute(None, false).is_err());
    }
}

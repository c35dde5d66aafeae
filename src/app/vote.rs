//! Votes from keys: "A is better", "B is better", the focused pane is the best, a tie, all
//! bad, and the undo. A vote stops the answers still streaming, reveals the names, is kept in
//! the session and goes to the votes ledger as an `Effect` (the runtime appends and syncs it
//! off the UI thread); it shows as recorded only when `Action::VoteRecorded` says it is on disk.

use super::arena::CastVote;
use super::pane::Entry;
use super::{App, Effect, NoticeLevel, Overlay, stream};
use crate::arena::round::AnswerFacts;
use crate::arena::{Entry as LedgerEntry, Outcome, label};
use crate::command::Command;

/// What a vote key says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    Label(usize),
    Focused,
    Tie,
    Bad,
}

/// Casts the vote `pick` on the current round.
pub(super) fn vote(app: &mut App, pick: Pick, fx: &mut Vec<Effect>) {
    let Some(round) = app.arena.rounds.round().filter(|_| app.arena.has_round()) else {
        app.set_notice(
            NoticeLevel::Error,
            "no round to vote on: send a prompt first",
        );
        return;
    };
    let outcome = match pick {
        Pick::Label(k) => Outcome::Best(k),
        Pick::Tie => Outcome::Tie,
        Pick::Bad => Outcome::BothBad,
        Pick::Focused => {
            let label = app
                .panes
                .get(app.focus)
                .and_then(|p| app.arena.round_index(p.id))
                .and_then(|j| round.label_of(j));
            match label.and_then(|l| l.parse::<Outcome>().ok()) {
                Some(o) => o,
                None => {
                    app.set_notice(
                        NoticeLevel::Error,
                        "the focused pane has no answer in this round",
                    );
                    return;
                }
            }
        }
    };
    // Voting stops what still streams: the answers are judged as they are now.
    stream::stop_all(app, fx);
    let facts = facts(app);
    let session = app.session.id.clone();
    let prompt = app.arena.prompt.clone();
    let entry = match app.arena.rounds.cast(outcome, &session, &prompt, &facts) {
        Ok(e) => e,
        Err(e) => {
            app.set_notice(NoticeLevel::Error, e.to_string());
            return;
        }
    };
    let LedgerEntry::Vote(mut vote) = entry else {
        return;
    };
    vote.tags.extend(app.arena.tags.iter().cloned());
    vote.tags.sort();
    vote.tags.dedup();
    let round = app.arena.rounds.round();
    let answers = (0..vote.answers.len())
        .filter_map(|k| round.and_then(|r| r.pane_of(k)))
        .filter_map(|j| app.arena.targets.get(j).copied())
        .collect();
    app.arena.votes.push(CastVote {
        vote: vote.clone(),
        answers,
        recorded: false,
        unrecorded: false,
    });
    app.set_blind(false);
    app.set_notice(
        NoticeLevel::Info,
        format!("{} · recording…", reveal_text(&vote)),
    );
    fx.push(Effect::RecordVote(Box::new(LedgerEntry::Vote(vote))));
    app.request_save();
}

/// Each round pane's answer as the vote needs it, by round pane index.
fn facts(app: &App) -> Vec<AnswerFacts> {
    app.arena
        .targets
        .iter()
        .map(|&(id, entry)| {
            let Some(pane) = app.panes.iter().chain(&app.closed).find(|p| p.id == id) else {
                return AnswerFacts::default();
            };
            let Some(Entry::Answer(a)) = pane.entries.get(entry) else {
                return AnswerFacts {
                    requested: pane.model.to_string(),
                    ..AnswerFacts::default()
                };
            };
            let r = &a.reply;
            let text = r.content.to_string();
            // Reported completion tokens, else about four characters a token.
            let tokens = r
                .usage
                .map(|u| u.completion_tokens)
                .or_else(|| u64::try_from(text.chars().count().div_ceil(4)).ok());
            AnswerFacts {
                requested: pane.model.to_string(),
                served: r.served_model.as_ref().map(ToString::to_string),
                provider: r.provider.as_ref().map(ToString::to_string),
                fallback: pane.served_instead.is_some(),
                text,
                tokens,
                cost_usd: a.cost.known().map(crate::chat::Cost::as_usd),
                latency_ms: r.duration.and_then(|d| u64::try_from(d.as_millis()).ok()),
            }
        })
        .collect()
}

/// `A demo/fast is better than B demo/thinker`: the outcome with the names revealed.
pub fn reveal_text(vote: &crate::arena::Vote) -> String {
    let names: Vec<String> = vote
        .answers
        .iter()
        .enumerate()
        .map(|(k, a)| {
            let provider = a
                .provider
                .as_deref()
                .map(|p| format!(" via {p}"))
                .unwrap_or_default();
            format!("{} = {}{provider}", label(k), a.requested)
        })
        .collect();
    let outcome = match vote.outcome {
        Outcome::Best(k) => format!("{} is better", label(k)),
        Outcome::Tie => "a tie".to_owned(),
        Outcome::BothBad if vote.answers.len() > 2 => "all bad".to_owned(),
        Outcome::BothBad => "both bad".to_owned(),
    };
    let blind = if vote.blind { "" } else { " (not blind)" };
    format!("vote: {outcome}{blind} · {}", names.join(", "))
}

/// Takes back the round's vote (only before the next prompt).
pub(super) fn undo(app: &mut App, fx: &mut Vec<Effect>) {
    match app.arena.rounds.undo() {
        Ok(entry) => {
            if let LedgerEntry::Undo { id, .. } = &entry {
                app.arena.votes.retain(|v| &v.vote.id != id);
            }
            app.set_notice(
                NoticeLevel::Info,
                "vote undone · the names stay shown, so a new vote on this round is not blind",
            );
            fx.push(Effect::RecordVote(Box::new(entry)));
            app.request_save();
        }
        Err(e) => app.set_notice(NoticeLevel::Error, e.to_string()),
    }
}

/// The ledger append of `id` came back: on disk, or not (and why).
pub(super) fn on_recorded(
    app: &mut App,
    id: &str,
    undo: bool,
    result: Result<(), super::WorkError>,
) {
    let cast = app.arena.votes.iter_mut().find(|v| v.vote.id == id);
    match (result, cast) {
        (Err(e), _) if undo => app.set_notice(
            NoticeLevel::Error,
            format!("the undo is NOT in the votes ledger ({e}): the vote still counts there"),
        ),
        (Ok(()), Some(v)) if !undo => {
            v.recorded = true;
            let text = format!("{} · ✓ recorded", reveal_text(&v.vote));
            app.set_notice(NoticeLevel::Info, text);
        }
        // An undo line, or a vote undone since.
        (Ok(()), _) => {}
        (Err(e), cast) => {
            if let Some(v) = cast {
                v.unrecorded = true;
            }
            app.set_notice(
                NoticeLevel::Error,
                format!("the vote is NOT in the votes ledger ({e}); it stays in this session"),
            );
        }
    }
    app.mark_dirty();
}

/// Tags typed with the tag key (`code writing` or `#code, #writing`): all or none.
pub(super) fn set_tags(app: &mut App, text: &str) {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let tags: Option<Vec<String>> = words
        .iter()
        .map(|w| crate::arena::tags::normalise(w))
        .collect();
    match tags {
        Some(tags) => {
            let shown: Vec<String> = tags.iter().map(|t| format!("#{t}")).collect();
            app.arena.tags = tags;
            app.set_notice(
                NoticeLevel::Info,
                if shown.is_empty() {
                    "no tags for this round's vote".to_owned()
                } else {
                    format!("this round's vote is tagged {}", shown.join(" "))
                },
            );
        }
        None => app.set_notice(
            NoticeLevel::Error,
            "a tag is a word of letters, digits, - and _ (e.g. code, writing)",
        ),
    }
}

/// Commands that would change the round's panes under their labels (A would no longer be
/// the first pane on screen): refused until the vote, with a word why.
pub(super) fn refused_while_blind(app: &mut App, cmd: Command) -> bool {
    let changes_panes = matches!(
        cmd,
        Command::AddPane | Command::ClosePane | Command::ReopenPane | Command::ChangeModel
    );
    if changes_panes && app.is_blind() {
        app.set_notice(
            NoticeLevel::Info,
            "the panes stay as they are until this round's vote",
        );
        return true;
    }
    false
}

/// The vote commands and what goes with them (tags, the leaderboard, blind rounds).
pub(super) fn run(app: &mut App, cmd: Command, fx: &mut Vec<Effect>) {
    match cmd {
        Command::VoteA => vote(app, Pick::Label(0), fx),
        Command::VoteB => vote(app, Pick::Label(1), fx),
        Command::VoteFocused => vote(app, Pick::Focused, fx),
        Command::VoteTie => vote(app, Pick::Tie, fx),
        Command::VoteBad => vote(app, Pick::Bad, fx),
        Command::VoteUndo => undo(app, fx),
        Command::BlindRound => super::arena::toggle_blind(app),
        Command::Tag => {
            let now: Vec<String> = app.arena.tags.iter().map(|t| format!("#{t}")).collect();
            let hint = if now.is_empty() {
                "tags for this round's vote, e.g. code writing".to_owned()
            } else {
                format!("now {}; type the tags", now.join(" "))
            };
            app.overlay = Overlay::Tag(Box::new(super::Prompt::new(&hint)));
        }
        Command::Leaderboard => super::board::open(app, false, fx),
        _ => {}
    }
}

//! The arena on screen: the round's line above the prompt (the vote keys before the vote; the
//! outcome and whether it is on disk after), and the leaderboard overlay.

use ratatui::Frame;
use ratatui::layout::Constraint;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Row, Table};

use super::{Theme, centered};
use crate::app::board::{BoardView, Computed};
use crate::app::{App, Command};
use crate::arena::Outcome;
use crate::keymap::{BoardAction, Keymap};
use crate::sanitize::Clean;

/// The round's line: which keys vote, or how the vote stands. `None` when there is nothing to
/// vote on (no round, or a round of one pane), and in a normal room until it votes (its
/// prompt box keeps its title; the help lists the vote keys).
pub fn round_hint(app: &App, width: usize) -> Option<String> {
    let (lead, mut parts) = round_parts(app)?;
    // On a narrow screen the later parts go first (the tag key, then the less used votes).
    loop {
        let text = format!("{lead}{} ", parts.join(" · "));
        if crate::text::width_of(&text) <= width {
            return Some(text);
        }
        parts.pop()?;
        if parts.is_empty() {
            return None;
        }
    }
}

/// The hint's lead-in and its parts, most important first.
fn round_parts(app: &App) -> Option<(String, Vec<String>)> {
    let round = app.arena.rounds.round().filter(|_| app.arena.has_round())?;
    if !round.blind && round.vote().is_none() && !app.arena.blind_mode() {
        return None;
    }
    if round.panes() < 2 {
        return None;
    }
    let key = |cmd| app.keymap.label_for(cmd);
    let keys = |list: &[(Command, &str)]| {
        list.iter()
            .filter_map(|(cmd, what)| Some(format!("{} {what}", key(*cmd)?)))
            .collect::<Vec<_>>()
    };
    if let Some(vote) = round.vote() {
        let outcome = match vote.outcome {
            Outcome::Best(k) => format!("{} better", crate::arena::label(k)),
            Outcome::Tie => "tie".to_owned(),
            Outcome::BothBad => "all bad".to_owned(),
        };
        let cast = app.arena.votes.iter().find(|v| v.vote.id == vote.id);
        let state = match cast {
            Some(v) if v.recorded => "✓ recorded",
            Some(v) if v.unrecorded => "⚠ not recorded",
            _ => "recording…",
        };
        let blind = if vote.blind { "" } else { " (not blind)" };
        let mut parts = vec![format!("{outcome}{blind}"), state.to_owned()];
        parts.extend(keys(&[(Command::VoteUndo, "undoes")]));
        return Some((" voted: ".to_owned(), parts));
    }
    let mut list = Vec::new();
    if round.blind && !round.revealed() {
        list.push((Command::VoteA, "A better"));
        list.push((Command::VoteB, "B better"));
        if round.panes() > 2 {
            list.push((Command::VoteFocused, "focused best"));
        } else {
            list.push((Command::VoteTie, "tie"));
        }
    } else {
        list.push((Command::VoteFocused, "this one is better"));
        if round.panes() == 2 {
            list.push((Command::VoteTie, "tie"));
        }
    }
    list.push((
        Command::VoteBad,
        if round.panes() > 2 {
            "all bad"
        } else {
            "both bad"
        },
    ));
    list.push((Command::Tag, "tag"));
    let warn = if round.compromised() {
        " ⚠ not blind:"
    } else {
        ""
    };
    Some((format!("{warn} vote: "), keys(&list)))
}

pub fn render_board(frame: &mut Frame, keys: &Keymap, view: &BoardView, theme: &Theme) {
    let full = frame.area();
    let area = centered(
        full,
        full.width.saturating_sub(4).min(120),
        full.height.saturating_sub(2),
    );
    let which = if view.all_votes {
        "all votes"
    } else {
        "blind votes"
    };
    let other = if view.all_votes {
        "only blind"
    } else {
        "all votes"
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(format!(" leaderboard · {which} "))
        .title_bottom(super::footer(
            &super::hints(&[
                keys.board
                    .label(BoardAction::AllVotes)
                    .map(|k| format!("{k}: {other}")),
                keys.board.hint(BoardAction::Close, "closes"),
                Some("`modelroom leaderboard` has more".to_owned()),
            ]),
            area,
            theme,
        ));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let message = |text: String| Paragraph::new(Line::styled(text, theme.dim()));
    match &view.result {
        None => frame.render_widget(message("computing…".into()), inner),
        Some(Err(e)) => frame.render_widget(
            Paragraph::new(Line::styled(format!("cannot compute: {e}"), theme.error())),
            inner,
        ),
        Some(Ok(Computed {
            board: None,
            votes,
            damaged,
        })) => frame.render_widget(
            message(format!(
                "No battles to rate yet ({votes} votes{}): vote on a round with two models.",
                damaged_note(*damaged)
            )),
            inner,
        ),
        Some(Ok(c @ Computed { board: Some(b), .. })) => {
            let header = Row::new(
                [
                    "rank", "model", "rating", "95% CI", "votes", "win%", "W", "L", "T", "bad",
                    "cost", "latency",
                ]
                .map(|h| Line::styled(h, theme.key())),
            );
            let rows: Vec<Row> = b
                .rows
                .iter()
                .map(|r| {
                    Row::new([
                        r.rank.to_string(),
                        Clean::line(&r.model).into_string(),
                        format!("{:.0}", r.rating),
                        format!("{:.0}–{:.0}", r.ci_low, r.ci_high),
                        r.votes.to_string(),
                        format!("{:.0}%", 100.0 * r.win_rate),
                        r.wins.to_string(),
                        r.losses.to_string(),
                        r.ties.to_string(),
                        r.both_bad.to_string(),
                        r.median_cost_usd
                            .map_or("-".into(), |c| crate::chat::Cost::usd(c).to_string()),
                        r.median_latency_ms
                            .map_or("-".into(), |ms| format!("{:.1}s", ms / 1000.0)),
                    ])
                })
                .collect();
            let widths = [
                Constraint::Length(4),
                Constraint::Fill(1),
                Constraint::Length(6),
                Constraint::Length(9),
                Constraint::Length(5),
                Constraint::Length(4),
                Constraint::Length(3),
                Constraint::Length(3),
                Constraint::Length(3),
                Constraint::Length(3),
                Constraint::Length(8),
                Constraint::Length(7),
            ];
            let caption = format!(
                "{} votes, {} battles; Bradley–Terry on the Elo scale, 95% intervals from {} resamples{}",
                c.votes,
                b.battles,
                b.resamples,
                damaged_note(c.damaged)
            );
            let table = Table::new(rows, widths)
                .header(header)
                .column_spacing(1)
                .block(Block::default().title(Line::styled(caption, theme.dim())));
            frame.render_widget(table, inner);
        }
    }
}

fn damaged_note(damaged: usize) -> String {
    if damaged == 0 {
        String::new()
    } else {
        format!("; {damaged} damaged ledger lines skipped")
    }
}

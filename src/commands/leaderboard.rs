//! `modelroom leaderboard` and `modelroom votes export`: the arena's boards and battles on the
//! command line. Reading only: the votes ledger is never written here.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::arena::{self, Battle, Board, BoardError, BoardOptions, personal, tags};
use crate::cli::UsageError;
use crate::cli::{LeaderboardArgs, VotesCommand};
use crate::sanitize::sanitize;

/// `modelroom leaderboard`.
pub(crate) fn run(args: &LeaderboardArgs) -> Result<ExitCode, UsageError> {
    let filter = personal::Filter {
        all_votes: args.all_votes,
        tag: match &args.tag {
            None => None,
            Some(t) => Some(tags::normalise(t).ok_or_else(|| {
                UsageError(format!(
                    "--tag `{}` is not a tag (letters, digits, - and _)",
                    sanitize(t, " ")
                ))
            })?),
        },
    };
    let opts = BoardOptions {
        resamples: args.resamples,
        seed: args.seed,
        min_votes: args.min_votes,
        style_control: args.style_control,
        ..BoardOptions::default()
    };
    let (battles, votes, what) = match &args.battles {
        Some(path) => {
            if filter.tag.is_some() {
                return Err(UsageError(
                    "--tag applies to your votes, not to --battles".into(),
                ));
            }
            let battles = read_battles(path, args.all_votes)?;
            let what = format!("battles from {}", path.display());
            (battles, Vec::new(), what)
        }
        None => {
            let votes = read_votes()?;
            let battles = personal::battles(&votes, &filter);
            let kind = if args.all_votes { "" } else { "blind " };
            let tag = filter
                .tag
                .as_ref()
                .map(|t| format!(" tagged #{t}"))
                .unwrap_or_default();
            let kept = votes.iter().filter(|v| filter.keeps(v)).count();
            (battles, votes, format!("{kept} {kind}votes{tag}"))
        }
    };
    let mut board = match arena::board::compute(&battles, &opts) {
        Ok(b) => b,
        Err(BoardError::Empty(why)) => {
            if args.battles.is_some() {
                return Err(UsageError(format!("no battles to rate{why}")));
            }
            eprintln!(
                "modelroom: nothing to rate{why}: {what}; vote in the arena (`modelroom arena`){}",
                if args.all_votes {
                    ""
                } else {
                    ", or add --all-votes"
                }
            );
            return Ok(ExitCode::SUCCESS);
        }
        Err(BoardError::Fit(e)) => {
            eprintln!("modelroom: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    personal::add_medians(&mut board, &votes, &filter);
    let text = if args.json {
        json(&board)
    } else {
        table(&board, &what, &opts)
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(ExitCode::SUCCESS)
}

/// `modelroom votes …`.
pub(crate) fn votes(cmd: VotesCommand) -> Result<ExitCode, UsageError> {
    let VotesCommand::Export { output } = cmd;
    let votes = read_votes()?;
    let mut text = String::new();
    for b in personal::battles(
        &votes,
        &personal::Filter {
            all_votes: true,
            tag: None,
        },
    ) {
        let _ = writeln!(text, "{}", arena::battles::to_json(&b));
    }
    match output {
        Some(path) => {
            if let Err(e) = crate::store::write_atomic(&path, |w| w.write_all(text.as_bytes())) {
                eprintln!("modelroom: cannot write {}: {e}", path.display());
                return Ok(ExitCode::FAILURE);
            }
        }
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The person's votes; damaged ledger lines are reported and skipped.
fn read_votes() -> Result<Vec<arena::Vote>, UsageError> {
    let ledger = arena::VoteLedger::open_default()
        .ok_or_else(|| UsageError("no data directory for the votes (set MODELROOM_DATA)".into()))?;
    let read = ledger
        .read()
        .map_err(|e| UsageError(format!("cannot read {}: {e}", ledger.path().display())))?;
    for d in &read.damaged {
        eprintln!(
            "modelroom: {} line {} skipped: {}",
            ledger.path().display(),
            d.line,
            sanitize(&d.reason, " ")
        );
    }
    Ok(read.votes)
}

/// A battles file; bad battles are reported and skipped, and none left is a usage error.
fn read_battles(path: &Path, all: bool) -> Result<Vec<Battle>, UsageError> {
    let bytes = std::fs::read(path)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
    let import = arena::battles::parse(&bytes);
    for e in &import.errors {
        eprintln!("modelroom: {}: {}", path.display(), sanitize(e, " "));
    }
    let total = import.battles.len();
    let battles: Vec<Battle> = import
        .battles
        .into_iter()
        .filter(|b| all || b.blind)
        .collect();
    if battles.is_empty() {
        return Err(UsageError(if total > 0 {
            format!(
                "{}: no anonymous battle (add --all-votes to rate the others)",
                path.display()
            )
        } else {
            format!("{}: no valid battle", path.display())
        }));
    }
    Ok(battles)
}

fn json(board: &Board) -> String {
    let mut out = String::new();
    for row in &board.rows {
        let _ = writeln!(out, "{}", serde_json::to_value(row).unwrap_or_default());
    }
    for s in &board.style {
        let _ = writeln!(
            out,
            "{}",
            serde_json::json!({"covariate": s.name, "coef": s.coef, "ci_low": s.ci_low, "ci_high": s.ci_high})
        );
    }
    out
}

fn table(board: &Board, what: &str, opts: &BoardOptions) -> String {
    let names: Vec<String> = board.rows.iter().map(|r| sanitize(&r.model, " ")).collect();
    let width = names
        .iter()
        .map(|n| unicode_width::UnicodeWidthStr::width(n.as_str()))
        .max()
        .unwrap_or(5)
        .max(5);
    let mut out = format!(
        "Leaderboard: {what}; {} battles rated; 95% intervals from {} resamples (seed {}){}\n\n",
        board.battles,
        board.resamples,
        opts.seed,
        if opts.style_control {
            "; style controlled"
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "rank  {:width$}  rating  95% CI       votes  win%  wins  losses  ties  both bad  median cost  latency",
        "model"
    );
    for (row, name) in board.rows.iter().zip(&names) {
        let pad = width - unicode_width::UnicodeWidthStr::width(name.as_str()) + name.len();
        let cost = row
            .median_cost_usd
            .map_or("-".into(), |c| crate::chat::Cost::usd(c).to_string());
        let latency = row
            .median_latency_ms
            .map_or("-".into(), |ms| format!("{:.1}s", ms / 1000.0));
        let _ = writeln!(
            out,
            "{:>4}  {name:pad$}  {:>6.0}  {:>4.0} – {:<4.0}  {:>5}  {:>3.0}%  {:>4}  {:>6}  {:>4}  {:>8}  {cost:>11}  {latency:>7}",
            row.rank,
            row.rating,
            row.ci_low,
            row.ci_high,
            row.votes,
            100.0 * row.win_rate,
            row.wins,
            row.losses,
            row.ties,
            row.both_bad,
        );
    }
    if !board.style.is_empty() {
        out.push_str("\nStyle, in Elo points per standard deviation of the difference (95% CI):\n");
        for s in &board.style {
            let _ = writeln!(
                out,
                "  {:<10} {:+7.1}  [{:+.1}, {:+.1}]",
                s.name, s.coef, s.ci_low, s.ci_high
            );
        }
    }
    if board.without_style > 0 {
        let _ = writeln!(
            out,
            "\n{} battles without style figures were left out.",
            board.without_style
        );
    }
    if !board.left_out.is_empty() {
        let left: Vec<String> = board.left_out.iter().map(|m| sanitize(m, " ")).collect();
        let _ = writeln!(
            out,
            "\nFewer than {} battles, left out: {}",
            opts.min_votes,
            left.join(", ")
        );
    }
    out
}

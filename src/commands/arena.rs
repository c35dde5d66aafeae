//! `modelroom arena`: which models the blind rounds compare. Given with `-m` (two or more),
//! else drawn two at a time from the config's `[arena] pool` (the votes already in the ledger
//! count toward drawing each pair as often as the others), else, with `--demo`, from the demo
//! models. The room itself is `room.rs`, opened in blind mode.

use crate::app::ArenaSource;
use crate::arena::VoteLedger;
use crate::cli::UsageError;
use crate::cli::{ArenaArgs, Cli};
use crate::config::Config;
use crate::sanitize::sanitize;

pub(crate) fn source(
    cli: &Cli,
    config: &Config,
    args: &ArenaArgs,
) -> Result<ArenaSource, UsageError> {
    if cli.resume.is_some() {
        return Err(UsageError(
            "the arena starts a new session; reopen an old one without `arena`".into(),
        ));
    }
    let given: Vec<String> = cli.models.iter().chain(&args.models).cloned().collect();
    match given.len() {
        0 => {}
        1 => {
            return Err(UsageError(
                "the arena compares two or more models: give -m again, or none to use [arena] pool"
                    .into(),
            ));
        }
        _ => {
            let models =
                crate::model::parse_all(&given).map_err(|e| UsageError(format!("-m: {e}")))?;
            return Ok(ArenaSource::Models(models));
        }
    }
    let pool = if config.arena.pool.is_empty() && cli.global.demo {
        crate::sim::DEFAULT_DEMO_MODELS
            .iter()
            .map(|m| (*m).to_owned())
            .collect()
    } else {
        config.arena.pool.clone()
    };
    if pool.is_empty() {
        return Err(UsageError(
            "no models for the arena: give -m MODEL twice or more, or set `[arena] pool = [\"a/x\", \"b/y\", …]` in config.toml".into(),
        ));
    }
    Ok(ArenaSource::Pool {
        pool,
        earlier: earlier_votes(),
    })
}

/// The votes already cast, so the pool's pairs even out over time; an unreadable ledger only
/// costs that evenness (said on standard error, before the room opens).
fn earlier_votes() -> Vec<crate::arena::Vote> {
    let Some(ledger) = VoteLedger::open_default() else {
        return Vec::new();
    };
    match ledger.read() {
        Ok(read) => {
            for d in &read.damaged {
                eprintln!(
                    "modelroom: {} line {} skipped: {}",
                    ledger.path().display(),
                    d.line,
                    sanitize(&d.reason, " ")
                );
            }
            read.votes
        }
        Err(e) => {
            eprintln!(
                "modelroom: cannot read {} ({e}); pairs are drawn without it",
                ledger.path().display()
            );
            Vec::new()
        }
    }
}

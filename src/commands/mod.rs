//! One module per command: each turns parsed arguments into work and an exit status. The
//! room (no subcommand) is `room`; what several commands share lives here.

use crate::cli::GlobalArgs;
use crate::cli::UsageError;
use crate::config::Config;
use crate::sim;

pub(crate) mod arena;
pub(crate) mod ask;
pub(crate) mod leaderboard;
pub(crate) mod models;
pub(crate) mod room;
pub(crate) mod sessions;
pub(crate) mod simulate;

/// The models to use: given on the command line, else the demo's, else the config's defaults.
pub(crate) fn pick_models(
    global: &GlobalArgs,
    config: &Config,
    given: Vec<String>,
) -> Result<Vec<String>, UsageError> {
    if !given.is_empty() {
        Ok(given)
    } else if global.demo {
        Ok(sim::DEFAULT_DEMO_MODELS
            .iter()
            .map(|m| (*m).to_owned())
            .collect())
    } else if !config.default_models.is_empty() {
        Ok(config.default_models.clone())
    } else {
        Err(UsageError(
            "no model to ask: give -m MODEL (repeatable) or set default_models in config.toml"
                .into(),
        ))
    }
}

//! One module per command: each turns parsed arguments into work and an exit status. The
//! room (no subcommand) is `room`; what several commands share lives here.

use crate::cli::GlobalArgs;
use crate::cli::UsageError;
use crate::config::Config;
use crate::model::{self, ModelRef};
use crate::sim;

pub(crate) mod arena;
pub(crate) mod ask;
pub(crate) mod leaderboard;
pub(crate) mod models;
pub(crate) mod providers;
pub(crate) mod room;
pub(crate) mod sessions;
pub(crate) mod simulate;

/// The models to use: given on the command line, else the demo's, else the config's defaults.
/// This is where a model as written becomes a `ModelRef`: one that cannot be sent is refused.
pub(crate) fn pick_models(
    global: &GlobalArgs,
    config: &Config,
    given: &[String],
) -> Result<Vec<ModelRef>, UsageError> {
    if !given.is_empty() {
        model::parse_all(given).map_err(|e| UsageError(format!("-m: {e}")))
    } else if global.demo {
        model::parse_all(sim::DEFAULT_DEMO_MODELS)
            .map_err(|e| UsageError(format!("the demo's models: {e}")))
    } else if !config.default_models.is_empty() {
        model::parse_all(&config.default_models)
            .map_err(|e| UsageError(format!("default_models in config.toml: {e}")))
    } else {
        Err(UsageError(
            "no model to ask: give -m MODEL (repeatable) or set default_models in config.toml"
                .into(),
        ))
    }
}

/// The panes to open: `MODEL` or `MODEL{key=value,...}` each, read and checked here so a bad
/// setting is refused (exit status 2) before anything is sent. `@FILE` system prompts are read
/// relative to the working directory.
pub(crate) fn pick_panes(
    global: &GlobalArgs,
    config: &Config,
    given: &[String],
) -> Result<Vec<crate::pane_settings::PaneSpec>, UsageError> {
    let (written, whence): (Vec<String>, &str) = if !given.is_empty() {
        (given.to_vec(), "-m")
    } else if global.demo {
        let demo = sim::DEFAULT_DEMO_MODELS.iter().map(|m| (*m).to_owned());
        (demo.collect(), "the demo's models")
    } else if !config.default_models.is_empty() {
        (
            config.default_models.clone(),
            "default_models in config.toml",
        )
    } else {
        return pick_models(global, config, given).map(|_| Vec::new());
    };
    let here = std::path::Path::new(".");
    written
        .iter()
        .map(|m| {
            crate::pane_settings::parse_spec(m, here)
                .map_err(|e| UsageError(format!("{whence}: {e}")))
        })
        .collect()
}

//! modelroom: a terminal chat room for comparing large language models side by side.
//! `api` talks to gateways, `sim` simulates one, `config` reads settings, `ask` is the headless
//! comparison; `run` turns the command line into one of them and an exit status.

pub mod api;
pub mod app;
pub mod arena;
pub mod ask;
pub mod catalog;
pub mod chat;
pub mod cli;
pub mod clock;
mod commands;
pub mod config;
mod connect;
pub mod keymap;
pub mod logging;
pub mod markdown;
pub mod runtime;
pub mod sanitize;
pub mod sessions;
pub mod sim;
pub mod store;
pub mod theme;
pub mod ui;

use std::path::Path;
use std::process::ExitCode;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::config::Config;

/// Exit status for usage and configuration errors (clap uses 2 as well).
const EXIT_USAGE: u8 = 2;

/// A problem with how modelroom was invoked or configured: reported, exit status 2.
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

/// Runs the parsed command line to completion.
pub fn run(cli: Cli) -> ExitCode {
    // One thread for the room and `ask`: a streamed chunk goes from the socket to the screen
    // without waking another thread (on several, each chunk crossed two). Blocking work still
    // has its own pool. The standalone gateway serves many clients: a thread per core.
    let mut builder = match cli.command {
        Some(Command::Simulate(_)) => tokio::runtime::Builder::new_multi_thread(),
        _ => tokio::runtime::Builder::new_current_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("modelroom: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    logging::init();
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(UsageError(msg)) => {
            // A usage error may quote a server's words or a file's: untrusted text.
            eprintln!("modelroom: {}", sanitize::sanitize(&msg, " "));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

async fn dispatch(cli: Cli) -> Result<ExitCode, UsageError> {
    let (config, config_path) =
        config::load(cli.global.config.as_deref()).map_err(|e| UsageError(e.to_string()))?;
    match cli.command {
        Some(Command::Ask(args)) => {
            commands::ask::run(&cli.global, &config, config_path, args).await
        }
        Some(Command::Models(args)) => {
            commands::models::run(&cli.global, &config, config_path, args).await
        }
        Some(Command::Simulate(args)) => commands::simulate::run(args).await,
        Some(Command::Sessions(cmd)) => {
            commands::sessions::run(&cli.global, &config, config_path, cmd).await
        }
        Some(Command::Leaderboard(args)) => commands::leaderboard::run(&args),
        Some(Command::Votes(cmd)) => commands::leaderboard::votes(cmd),
        None => room(&cli, &config, config_path).await,
    }
}

/// The interactive chat room.
async fn room(
    cli: &Cli,
    config: &Config,
    config_path: Option<std::path::PathBuf>,
) -> Result<ExitCode, UsageError> {
    let global = &cli.global;
    let keymap = keymap::Keymap::with_overrides(&config.keys).map_err(UsageError)?;
    let settings = app::Settings {
        max_tokens: config.max_tokens,
        system: config.system_prompt.clone(),
        deny_data_collection: config.deny_data_collection(),
        session_budget: config.session_budget_usd,
        daily_budget: config.daily_budget_usd,
        min_send_interval: std::time::Duration::from_millis(config.min_send_interval_ms),
        endpoints: config.endpoints.keys().cloned().collect(),
        // Only OpenRouter's catalog is complete enough to refuse a model it lacks.
        checks_models: global.demo
            || config.dialect.unwrap_or_else(|| {
                api::Dialect::guess(global.base_url.as_deref().unwrap_or(&config.base_url))
            }) == api::Dialect::OpenRouter,
        ..app::Settings::default()
    };
    // Without a place for sessions the room still runs; it says so and keeps nothing.
    let store = match store::SessionStore::open_default() {
        Ok(s) => Some(s),
        Err(e) if cli.resume.is_none() => {
            eprintln!("modelroom: sessions will not be saved: {e}");
            None
        }
        Err(e) => {
            return Err(UsageError(format!(
                "cannot open the sessions directory: {e}"
            )));
        }
    };
    let (app, effects) = match (&cli.resume, &store) {
        (Some(id), Some(store)) => {
            let opened = resume(store, id)?;
            let (mut app, fx) = app::App::from_session(&opened.session, keymap, settings);
            if let Some(note) = opened.note {
                app.set_notice(app::NoticeLevel::Error, note);
            }
            (app, fx)
        }
        _ => {
            let models = pick_models(global, config, cli.models.clone())?;
            (app::App::new(&models, keymap, settings), Vec::new())
        }
    };
    let mut app = app;
    apply_theme(&mut app, cli, config, config_path.as_deref());
    let conn = connect::connect(global, config, config_path).await?;
    let result = runtime::run_room(
        conn.clients.clone(),
        app,
        effects,
        store,
        conn.cache.clone(),
    )
    .await;
    conn.close().await;
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("modelroom: {}", sanitize::sanitize(&e.to_string(), " "));
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Loads the built-in themes and the person's (`<config dir>/themes/*.toml`) and picks the
/// one named by `--theme` or the config. A theme with a mistake is reported in the status bar
/// (file, line, key) and the room starts in the default one.
fn apply_theme(app: &mut app::App, cli: &Cli, config: &Config, config_path: Option<&Path>) {
    let depth = theme::ColorDepth::from_env(config.color_depth_override().unwrap_or(None));
    let dir = config_path
        .and_then(Path::parent)
        .map(|d| d.join("themes"))
        .or_else(|| config::default_path()?.parent().map(|d| d.join("themes")));
    let (mut themes, errors) = theme::Themes::load(depth, dir.as_deref());
    let mut notes: Vec<String> = errors.iter().map(ToString::to_string).collect();
    for e in &errors {
        tracing::warn!("theme: {e}");
    }
    if let Some(name) = cli.theme.as_deref().or(config.theme.as_deref()) {
        if let Err(e) = themes.select(name) {
            let broken = errors
                .iter()
                .any(|err| Path::new(&err.file).file_stem().and_then(|s| s.to_str()) == Some(name));
            if !broken {
                notes.push(e);
            }
            notes.push(format!("using the {} theme", themes.current().name()));
        }
    }
    app.set_themes(themes);
    if !notes.is_empty() {
        app.set_notice(app::NoticeLevel::Error, notes.join(" · "));
    }
}

/// The session to reopen: `id` (or a unique start of one), or the latest when `id` is empty.
/// A damaged file is refused with its reason (and left as it is).
fn resume(store: &store::SessionStore, id: &str) -> Result<store::Opened, UsageError> {
    let query = if id.is_empty() { "latest" } else { id };
    sessions::open_for_room(store, query).map_err(|e| UsageError(format!("cannot resume: {e}")))
}

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

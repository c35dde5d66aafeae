//! modelroom: a terminal chat room for comparing large language models side by side.
//! `api` talks to gateways, `sim` simulates one, `config` reads settings, `ask` is the headless
//! comparison; `run` turns the command line into one of them and an exit status.

pub mod api;
pub mod app;
pub mod arena;
pub mod ask;
pub mod attach;
pub mod catalog;
pub mod chat;
pub mod cli;
pub mod clock;
pub mod command;
mod commands;
pub mod config;
mod connect;
pub mod keymap;
pub mod logging;
pub mod markdown;
pub mod model;
pub mod pane_settings;
pub mod record;
pub mod routing;
pub mod runtime;
pub mod sanitize;
pub mod served;
pub mod sessions;
pub mod sim;
pub mod spread;
pub mod store;
pub mod text;
pub mod theme;
pub mod ui;
pub mod worddiff;

use std::process::ExitCode;

use crate::cli::{Cli, Command, UsageError};

/// Exit status for usage and configuration errors (clap uses 2 as well).
const EXIT_USAGE: u8 = 2;

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
        Some(Command::Arena(ref args)) => {
            let source = commands::arena::source(&cli, &config, args)?;
            commands::room::run(&cli, &config, config_path, Some(source)).await
        }
        None => commands::room::run(&cli, &config, config_path, None).await,
    }
}

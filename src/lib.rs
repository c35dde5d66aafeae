//! modelroom: a terminal chat room for comparing large language models side by side.
//! `api` talks to gateways, `sim` simulates one, `config` reads settings, `ask` is the headless
//! comparison; `run` turns the command line into one of them and an exit status.

pub mod api;
pub mod app;
pub mod ask;
pub mod chat;
pub mod cli;
pub mod clock;
pub mod config;
pub mod keymap;
pub mod logging;
pub mod markdown;
pub mod runtime;
pub mod sanitize;
pub mod sim;
pub mod store;
pub mod theme;
pub mod ui;

use std::io::{IsTerminal, Read};
use std::path::Path;
use std::process::ExitCode;

use crate::api::{ApiKey, Client, Dialect, Endpoint};
use crate::cli::{AskArgs, Cli, Command, GlobalArgs, SimulateArgs};
use crate::config::Config;

/// Exit status for usage and configuration errors (clap uses 2 as well).
const EXIT_USAGE: u8 = 2;

/// A problem with how modelroom was invoked or configured: reported, exit status 2.
#[derive(Debug)]
struct UsageError(String);

/// Runs the parsed command line to completion.
pub fn run(cli: Cli) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
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
            eprintln!("modelroom: {msg}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

async fn dispatch(cli: Cli) -> Result<ExitCode, UsageError> {
    let (config, config_path) =
        config::load(cli.global.config.as_deref()).map_err(|e| UsageError(e.to_string()))?;
    match cli.command {
        Some(Command::Ask(args)) => ask(&cli.global, &config, config_path, args).await,
        Some(Command::Simulate(args)) => simulate(args).await,
        None => room(&cli, &config, config_path).await,
    }
}

/// A client for the configured endpoint, or for an in-process simulated gateway with `--demo`
/// (whose handle must live as long as the client is used).
async fn connect(
    global: &GlobalArgs,
    config: &Config,
    config_path: Option<std::path::PathBuf>,
) -> Result<(Client, Option<sim::SimHandle>), UsageError> {
    let (endpoint, sim) = if global.demo {
        let key = format!("sk-sim-{:016x}", std::process::id() as u64 * 0x9e37_79b9);
        let opts = sim::SimOptions {
            api_key: Some(key.clone()),
            ..sim::SimOptions::default()
        };
        let handle = sim::start(0, opts)
            .await
            .map_err(|e| UsageError(format!("cannot start the simulated gateway: {e}")))?;
        let mut ep = Endpoint::new(handle.base_url(), Some(ApiKey::new(key)));
        ep.dialect = Dialect::OpenRouter;
        (ep, Some(handle))
    } else {
        let base_url = global
            .base_url
            .clone()
            .unwrap_or_else(|| config.base_url.clone());
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(UsageError(format!(
                "--base-url must start with http:// or https:// (got `{base_url}`)"
            )));
        }
        let mut ep = Endpoint::new(base_url, config.api_key());
        ep.dialect = config.dialect.unwrap_or(ep.dialect);
        if ep.api_key.is_none() && ep.dialect == Dialect::OpenRouter {
            let where_ =
                config_path.map_or_else(|| "config.toml".to_owned(), |p| p.display().to_string());
            return Err(UsageError(format!(
                "no API key: set the {} environment variable (or `api_key_env` / `api_key` in {where_}), \
                 or try the simulated gateway with --demo",
                config.api_key_env
            )));
        }
        (ep, None)
    };
    let mut endpoint = endpoint;
    endpoint.request_timeout = config.request_timeout();
    endpoint.stall_timeout = config.stall_timeout();
    let client = Client::new(endpoint).map_err(|e| UsageError(e.to_string()))?;
    Ok((client, sim))
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
            let session = resume(store, id)?;
            app::App::from_session(&session, keymap, settings)
        }
        _ => {
            let models = pick_models(global, config, cli.models.clone())?;
            (app::App::new(&models, keymap, settings), Vec::new())
        }
    };
    let mut app = app;
    apply_theme(&mut app, cli, config, config_path.as_deref());
    let (client, sim) = connect(global, config, config_path).await?;
    let result = runtime::run_room(client, app, effects, store).await;
    if let Some(sim) = sim {
        sim.shutdown().await;
    }
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("modelroom: {e}");
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

/// The session to reopen: `id`, or the latest when `id` is empty. A damaged file is refused
/// with its reason (and left as it is).
fn resume(store: &store::SessionStore, id: &str) -> Result<store::Session, UsageError> {
    let id = if id.is_empty() {
        match store.latest().map_err(|e| UsageError(e.to_string()))? {
            Some(h) => h.id,
            None => return Err(UsageError("no saved session to resume yet".into())),
        }
    } else {
        id.to_owned()
    };
    store
        .load(&id)
        .map_err(|e| UsageError(format!("cannot resume `{id}`: {e}")))
}

/// The models to use: given on the command line, else the demo's, else the config's defaults.
fn pick_models(
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

async fn ask(
    global: &GlobalArgs,
    config: &Config,
    config_path: Option<std::path::PathBuf>,
    args: AskArgs,
) -> Result<ExitCode, UsageError> {
    let prompt = read_prompt(&args.prompt)?;
    let models = pick_models(global, config, args.models.clone())?;
    let (client, sim) = connect(global, config, config_path).await?;
    let mut messages = Vec::new();
    if let Some(system) = args
        .system
        .or_else(|| config.system_prompt.clone())
        .filter(|s| !s.trim().is_empty())
    {
        messages.push(chat::Message::system(system));
    }
    messages.push(chat::Message::user(prompt));
    let plan = ask::AskPlan {
        models,
        messages,
        max_tokens: args.max_tokens.unwrap_or(config.max_tokens),
        temperature: args.temperature,
        json: args.json,
        show_reasoning: args.show_reasoning,
    };
    let mut stdout = std::io::stdout().lock();
    let result = ask::run(&client, &plan, &mut stdout).await;
    if let Some(sim) = sim {
        sim.shutdown().await;
    }
    match result {
        Ok(answers) if answers.iter().all(ask::Answer::ok) => Ok(ExitCode::SUCCESS),
        Ok(_) => Ok(ExitCode::from(1)),
        // A closed pipe (`| head`) is the reader's choice, not a failure worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("modelroom: cannot write the answers: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

fn read_prompt(arg: &str) -> Result<String, UsageError> {
    let prompt = if arg == "-" {
        let mut stdin = std::io::stdin();
        if stdin.is_terminal() {
            eprintln!("(reading the prompt from standard input; end with Ctrl+D)");
        }
        let mut text = String::new();
        stdin
            .read_to_string(&mut text)
            .map_err(|e| UsageError(format!("cannot read the prompt from standard input: {e}")))?;
        text
    } else {
        arg.to_owned()
    };
    if prompt.trim().is_empty() {
        return Err(UsageError("the prompt is empty".into()));
    }
    Ok(prompt)
}

async fn simulate(args: SimulateArgs) -> Result<ExitCode, UsageError> {
    if !(args.time_scale >= 0.0 && args.time_scale.is_finite()) {
        return Err(UsageError("--time-scale must be 0 or more".into()));
    }
    let opts = sim::SimOptions {
        api_key: args.key.clone(),
        balance_usd: args.balance,
        time_scale: args.time_scale,
        ..sim::SimOptions::default()
    };
    let handle = sim::start(args.port, opts)
        .await
        .map_err(|e| UsageError(format!("cannot listen on 127.0.0.1:{}: {e}", args.port)))?;
    println!("simulated gateway listening on {}", handle.base_url());
    println!(
        "models: {} (and more: GET {}/models)",
        sim::DEFAULT_DEMO_MODELS.join(", "),
        handle.base_url()
    );
    match &args.key {
        Some(_) => println!("accepting only the key given with --key"),
        None => println!("accepting any non-empty API key"),
    }
    println!("press Ctrl+C to stop");
    let _ = tokio::signal::ctrl_c().await;
    handle.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

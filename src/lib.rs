//! modelroom: a terminal chat room for comparing large language models side by side.
//! `api` talks to gateways, `sim` simulates one, `config` reads settings, `ask` is the headless
//! comparison; `run` turns the command line into one of them and an exit status.

pub mod api;
pub mod app;
pub mod ask;
pub mod catalog;
pub mod chat;
pub mod cli;
pub mod clock;
pub mod config;
mod connect;
pub mod keymap;
pub mod logging;
pub mod runtime;
pub mod sanitize;
pub mod sessions;
pub mod sim;
pub mod store;
pub mod ui;

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use crate::cli::{
    AskArgs, Cli, Command, GlobalArgs, ModelsArgs, RerunArgs, SessionsCommand, SimulateArgs,
};
use crate::config::Config;

/// Exit status for usage and configuration errors (clap uses 2 as well).
const EXIT_USAGE: u8 = 2;

/// A problem with how modelroom was invoked or configured: reported, exit status 2.
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

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
        Some(Command::Models(args)) => models(&cli.global, &config, config_path, args).await,
        Some(Command::Simulate(args)) => simulate(args).await,
        Some(Command::Sessions(cmd)) => {
            sessions_command(&cli.global, &config, config_path, cmd).await
        }
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
            let session = resume(store, id)?;
            app::App::from_session(&session, keymap, settings)
        }
        _ => {
            let models = pick_models(global, config, cli.models.clone())?;
            (app::App::new(&models, keymap, settings), Vec::new())
        }
    };
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
            eprintln!("modelroom: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The session to reopen: `id` (or a unique start of one), or the latest when `id` is empty.
/// A damaged file is refused with its reason (and left as it is).
fn resume(store: &store::SessionStore, id: &str) -> Result<store::Session, UsageError> {
    let query = if id.is_empty() { "latest" } else { id };
    sessions::load(store, query).map_err(|e| UsageError(format!("cannot resume: {e}")))
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
    let routing = args.routing.routing().map_err(UsageError)?;
    let conn = connect::connect(global, config, config_path).await?;
    let index = match check_models(&conn, &models, &routing).await {
        Ok(index) => index,
        Err(e) => {
            conn.close().await;
            return Err(e);
        }
    };
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
        routing,
        deny_data_collection: args.routing.deny_data_collection || config.deny_data_collection(),
        ledger: store::Ledger::open_default(),
    };
    if let Err(e) = check_daily_budget(config, &plan, index.as_ref()) {
        conn.close().await;
        return Err(e);
    }
    let mut stdout = std::io::stdout().lock();
    let result = ask::run(&conn.clients, &plan, &mut stdout).await;
    conn.close().await;
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

/// Refuses models (and fallbacks) the default endpoint's catalog does not list, with the
/// closest ids. Only for OpenRouter, whose catalog is complete; other servers may list nothing,
/// and without a catalog (offline, no cache) nothing is checked.
async fn check_models(
    conn: &connect::Connection,
    models: &[String],
    routing: &api::Routing,
) -> Result<Option<catalog::Index>, UsageError> {
    if !conn.openrouter() {
        return Ok(None);
    }
    let client = conn.clients.default_client();
    let wanted: Vec<String> = models
        .iter()
        .filter(|m| api::clients::split_endpoint(m).0.is_none())
        .map(|m| routing.model_id(m))
        .chain(routing.fallbacks.iter().cloned())
        .collect();
    let Ok((mut catalog, source)) =
        catalog::listing::load(client, conn.cache.as_ref(), false).await
    else {
        return Ok(None);
    };
    // A model newer than the cached catalog is not refused on the cache's word.
    if source != catalog::listing::Source::Fetched && wanted.iter().any(|m| !catalog.contains(m)) {
        if let Ok((fresh, _)) = catalog::listing::load(client, conn.cache.as_ref(), true).await {
            catalog = fresh;
        }
    }
    let index = catalog::Index::new(catalog);
    for model in &wanted {
        if !index.catalog.contains(model) {
            let close = catalog::suggest(&index, model, 3);
            let hint = match close.first() {
                Some(best) => format!("; did you mean {best}?"),
                None => "; `modelroom models QUERY` searches the catalog".to_owned(),
            };
            return Err(UsageError(format!(
                "unknown model `{model}`: it is not in the gateway's catalog{hint}"
            )));
        }
    }
    Ok(Some(index))
}

/// Refuses a run that could take today's spend (every room and `ask`, from the ledger) past
/// `daily_budget_usd`: what was spent plus, where the catalog prices them, each model's most.
fn check_daily_budget(
    config: &Config,
    plan: &ask::AskPlan,
    index: Option<&catalog::Index>,
) -> Result<(), UsageError> {
    let chars: usize = plan.messages.iter().map(|m| m.content.len()).sum();
    let tokens = u64::try_from(chars.div_ceil(4) + 4 * plan.messages.len()).unwrap_or(u64::MAX);
    let spend = BudgetCheck {
        models: &plan.models,
        routing: &plan.routing,
        requests: &[tokens],
        max_tokens: plan.max_tokens,
    };
    spend.check(config, plan.ledger.as_ref(), index)
}

/// What a run may spend at most: each model is sent one request per entry of `requests` (its
/// estimated prompt tokens), each answer up to `max_tokens`.
struct BudgetCheck<'a> {
    models: &'a [String],
    routing: &'a api::Routing,
    requests: &'a [u64],
    max_tokens: u32,
}

impl BudgetCheck<'_> {
    fn check(
        &self,
        config: &Config,
        ledger: Option<&store::Ledger>,
        index: Option<&catalog::Index>,
    ) -> Result<(), UsageError> {
        let (Some(budget), Some(ledger)) = (config.daily_budget_usd, ledger) else {
            return Ok(());
        };
        let now = clock::unix_now();
        let today = ledger.total_on(&clock::day(now)).map_err(|e| {
            UsageError(format!(
                "cannot read today's spend from {}: {e}",
                ledger.path().display()
            ))
        })?;
        let most: f64 = self
            .models
            .iter()
            .filter(|m| api::clients::split_endpoint(m).0.is_none())
            .filter_map(|m| index?.catalog.pricing(&self.routing.model_id(m)))
            .flat_map(|p| {
                self.requests.iter().filter_map(move |&tokens| {
                    p.at(tokens, clock::hhmm(now))
                        .max_cost(tokens, self.max_tokens)
                })
            })
            .map(chat::Cost::as_usd)
            .sum();
        if today + most > budget {
            return Err(UsageError(format!(
                "not sent: up to {} would pass today's budget of {} ({} spent today, UTC); raise daily_budget_usd or wait until tomorrow",
                chat::Cost::usd(most),
                chat::Cost::usd(budget),
                chat::Cost::usd(today)
            )));
        }
        Ok(())
    }
}

async fn models(
    global: &GlobalArgs,
    config: &Config,
    config_path: Option<std::path::PathBuf>,
    args: ModelsArgs,
) -> Result<ExitCode, UsageError> {
    let conn = connect::connect(global, config, config_path).await?;
    let loaded = catalog::listing::load(
        conn.clients.default_client(),
        conn.cache.as_ref(),
        args.refresh,
    )
    .await;
    conn.close().await;
    let (catalog, source) = match loaded {
        Ok(l) => l,
        Err(e) => {
            eprintln!("modelroom: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let index = catalog::Index::new(catalog);
    let query = args.query.as_deref().unwrap_or("");
    let rows = catalog::listing::select(&index, query, args.sort, args.free);
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        let list: Vec<serde_json::Value> =
            rows.iter().map(|r| catalog::listing::json_row(r)).collect();
        writeln!(out, "{}", serde_json::Value::Array(list))
    } else if rows.is_empty() {
        Ok(())
    } else {
        catalog::listing::write_table(&mut out, &rows)
    };
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("modelroom: cannot write the list: {e}");
            return Ok(ExitCode::FAILURE);
        }
        _ => {}
    }
    eprintln!(
        "{} of {} models · {}",
        rows.len(),
        index.len(),
        source.note()
    );
    if rows.is_empty() {
        eprintln!("no model matches `{query}`");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
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

/// `modelroom sessions …`. Only `rerun` needs a gateway; the others read the store.
async fn sessions_command(
    global: &GlobalArgs,
    config: &Config,
    config_path: Option<std::path::PathBuf>,
    cmd: SessionsCommand,
) -> Result<ExitCode, UsageError> {
    let store = store::SessionStore::open_default()
        .map_err(|e| UsageError(format!("cannot open the sessions directory: {e}")))?;
    let mut stdout = std::io::stdout().lock();
    let result = match cmd {
        SessionsCommand::List { json } => {
            sessions::list(&store, json, &mut stdout).map_err(sessions::SessionsError::from)
        }
        SessionsCommand::Show { id, reasoning } => sessions::load(&store, &id)
            .and_then(|s| Ok(stdout.write_all(sessions::text::show(&s, reasoning).as_bytes())?)),
        SessionsCommand::Export { id, format, output } => sessions::load(&store, &id)
            .and_then(|s| sessions::export(&s, format, output.as_deref(), &mut stdout)),
        SessionsCommand::Rm { id } => sessions::remove(&store, &id).map(|msg| {
            let _ = writeln!(stdout, "{msg}");
        }),
        SessionsCommand::Rerun(args) => {
            drop(stdout);
            return rerun(global, config, config_path, &store, args).await;
        }
    };
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(sessions::SessionsError::Usage(m)) => Err(UsageError(m)),
        Err(sessions::SessionsError::Closed) => Ok(ExitCode::SUCCESS),
        Err(sessions::SessionsError::Failed(m)) => {
            eprintln!("modelroom: {m}");
            Ok(ExitCode::FAILURE)
        }
    }
}

async fn rerun(
    global: &GlobalArgs,
    config: &Config,
    config_path: Option<std::path::PathBuf>,
    store: &store::SessionStore,
    args: RerunArgs,
) -> Result<ExitCode, UsageError> {
    let session = sessions::load(store, &args.id).map_err(|e| UsageError(e.to_string()))?;
    let prompts: Vec<String> = session.prompts().into_iter().map(str::to_owned).collect();
    if prompts.is_empty() {
        return Err(UsageError(format!(
            "session `{}` has no prompts to ask again",
            session.id
        )));
    }
    let models = if args.models.is_empty() {
        session.models().into_iter().map(str::to_owned).collect()
    } else {
        args.models.clone()
    };
    let params = session
        .panes
        .first()
        .map(|p| p.params.clone())
        .unwrap_or_default();
    let routing = api::Routing::default();
    let conn = connect::connect(global, config, config_path).await?;
    let index = match check_models(&conn, &models, &routing).await {
        Ok(index) => index,
        Err(e) => {
            conn.close().await;
            return Err(e);
        }
    };
    let plan = sessions::rerun::RerunPlan {
        models,
        prompts,
        system: params.system.or_else(|| config.system_prompt.clone()),
        max_tokens: args
            .max_tokens
            .or(Some(params.max_tokens).filter(|n| *n > 0))
            .unwrap_or(config.max_tokens),
        temperature: args.temperature.or(params.temperature),
        json: args.json,
        show_reasoning: args.show_reasoning,
        title: format!("rerun of {}", session.title),
        deny_data_collection: config.deny_data_collection(),
        ledger: store::Ledger::open_default(),
    };
    // Prompt k goes with the k prompts and answers before it: at most their text and
    // `max_tokens` per earlier answer.
    let mut chars = 0;
    let requests: Vec<u64> = plan
        .prompts
        .iter()
        .enumerate()
        .map(|(k, p)| {
            chars += p.len();
            let k = u64::try_from(k).unwrap_or(u64::MAX);
            u64::try_from(chars.div_ceil(4)).unwrap_or(u64::MAX)
                + k.saturating_mul(u64::from(plan.max_tokens))
        })
        .collect();
    let spend = BudgetCheck {
        models: &plan.models,
        routing: &routing,
        requests: &requests,
        max_tokens: plan.max_tokens,
    };
    if let Err(e) = spend.check(config, plan.ledger.as_ref(), index.as_ref()) {
        conn.close().await;
        return Err(e);
    }
    let mut stdout = std::io::stdout().lock();
    let result = sessions::rerun::run(&conn.clients, &plan, &mut stdout).await;
    conn.close().await;
    let rerun = match result {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("modelroom: cannot write the answers: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let saved = if args.no_save {
        None
    } else {
        match store.save(&rerun.session) {
            Ok(()) => Some(rerun.session.id.as_str()),
            Err(e) => {
                eprintln!("modelroom: the rerun was not saved: {e}");
                None
            }
        }
    };
    let _ = sessions::rerun::write_summary(&mut stdout, &plan, &rerun, saved);
    Ok(if rerun.all_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
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

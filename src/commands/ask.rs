//! `modelroom ask`: the command-line side (prompt from an argument or stdin, models checked
//! against the catalog, the daily budget) around the engine in `crate::ask`.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use super::pick_panes;
use crate::cli::UsageError;
use crate::cli::{AskArgs, GlobalArgs};
use crate::config::Config;
use crate::model::ModelRef;
use crate::sanitize::sanitize;
use crate::{api, ask, catalog, chat, clock, connect, store};

pub(crate) async fn run(
    global: &GlobalArgs,
    config: &Config,
    config_path: Option<std::path::PathBuf>,
    args: AskArgs,
) -> Result<ExitCode, UsageError> {
    let prompt = read_prompt(&args.prompt)?;
    // Before anything is sent: one file that cannot be attached stops the whole run.
    let attachments =
        crate::attach::load_all(&args.attach, config.attach_caps()).map_err(UsageError)?;
    let mut panes = pick_panes(global, config, &args.models)?;
    if args.web {
        for p in &mut panes {
            p.settings.web = true;
        }
    }
    let routing = args.routing.routing().map_err(UsageError)?;
    let conn = connect::connect(global, config, config_path).await?;
    let panes = match args.providers.as_deref() {
        None => panes,
        Some(list) => {
            let wanted = crate::routing::parse_list(list);
            if wanted.is_empty() {
                conn.close().await;
                return Err(UsageError(
                    "--providers takes `all` or provider tags, e.g. --providers aurora,borealis"
                        .into(),
                ));
            }
            match super::providers::expand(&conn, panes, &wanted).await {
                Ok(p) => p,
                Err(e) => {
                    conn.close().await;
                    return Err(e);
                }
            }
        }
    };
    let routed: Vec<(ModelRef, api::Routing)> = panes
        .iter()
        .map(|p| Ok((p.model.clone(), p.routing_over(&routing)?)))
        .collect::<Result<_, String>>()
        .map_err(UsageError)?;
    let index = match check_models(&conn, &routed).await {
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
    let mut user = chat::Message::user(prompt);
    user.attachments = attachments;
    messages.push(user);
    let not_sent = not_taking(index.as_ref(), &panes, &user_attachments(&messages));
    for warning in unsupported_settings(index.as_ref(), &panes) {
        eprintln!("modelroom: {}", sanitize(&warning, " "));
    }
    let plan = ask::AskPlan {
        panes,
        samples: usize::try_from(args.samples).unwrap_or(1),
        messages,
        max_tokens: args.max_tokens.unwrap_or(config.max_tokens),
        temperature: args.temperature,
        json: args.json,
        show_reasoning: args.show_reasoning,
        routing,
        deny_data_collection: args.routing.deny_data_collection || config.deny_data_collection(),
        ledger: store::Ledger::open_for(global.demo),
        deadline: config.ask_deadline(),
        pdf_engine: args.pdf_engine.or(config.pdf_engine),
        not_sent,
    };
    for reason in plan.not_sent.values() {
        eprintln!("modelroom: not sent: {}", sanitize(reason, " "));
    }
    for warning in ask::routing_warnings(&conn.clients, &plan) {
        eprintln!("modelroom: {}", sanitize(&warning, " "));
    }
    if let Err(e) = check_daily_budget(config, &plan, index.as_ref()) {
        conn.close().await;
        return Err(e);
    }
    let mut stdout = std::io::stdout().lock();
    // Live progress only when both streams are the terminal: the redraw goes to stderr (stdout
    // stays the answers alone), and the fastest-first order only suits a reader watching; a
    // redirected stdout or stderr keeps today's output, in the order the models were named.
    let live = !plan.json && stdout.is_terminal() && std::io::stderr().is_terminal();
    let result = if live {
        let width = crossterm::terminal::size().map_or(80, |(w, _)| usize::from(w));
        ask::run_live(
            &conn.clients,
            &plan,
            &mut stdout,
            &mut std::io::stderr(),
            width,
        )
        .await
    } else {
        ask::run(&conn.clients, &plan, &mut stdout).await
    };
    conn.close().await;
    match result {
        Ok(answers) if answers.iter().all(ask::Answer::ok) => Ok(ExitCode::SUCCESS),
        Ok(_) => Ok(ExitCode::from(1)),
        // A closed pipe (`| head`) is the reader's choice, not a failure worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!(
                "modelroom: cannot write the answers: {}",
                sanitize(&e.to_string(), " ")
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Refuses models (and fallbacks) the default endpoint's catalog does not list, with the
/// closest ids. Only for OpenRouter, whose catalog is complete; other servers may list nothing,
/// and without a catalog (offline, no cache) nothing is checked.
pub(crate) async fn check_models(
    conn: &connect::Connection,
    models: &[(ModelRef, api::Routing)],
) -> Result<Option<catalog::Index>, UsageError> {
    if !conn.openrouter() {
        return Ok(None);
    }
    let client = conn.clients.default_client();
    let wanted: Vec<String> = models
        .iter()
        .filter(|(m, _)| m.on_default())
        .flat_map(|(m, r)| std::iter::once(r.model_id(m.id())).chain(r.fallbacks.iter().cloned()))
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

/// Settings a pane sends that its model's catalog entry does not list among its
/// `supported_parameters`, one warning per pane: the gateway may drop them or refuse the
/// request, so they are said before anything is sent.
pub(crate) fn unsupported_settings(
    index: Option<&catalog::Index>,
    panes: &[crate::pane_settings::PaneSpec],
) -> Vec<String> {
    let Some(index) = index else {
        return Vec::new();
    };
    panes
        .iter()
        .filter_map(|p| {
            let entry = index.catalog.lookup(p.model.as_str())?;
            let lacking = p
                .settings
                .unsupported(entry.supported_parameters.as_deref().unwrap_or_default());
            (!lacking.is_empty()).then(|| {
                format!(
                    "{} does not list {} among its supported parameters: the gateway may \
                     ignore {} or refuse the request",
                    p.model,
                    lacking.join(", "),
                    if lacking.len() == 1 { "it" } else { "them" }
                )
            })
        })
        .collect()
}

fn user_attachments(messages: &[chat::Message]) -> Vec<crate::attach::Attachment> {
    messages
        .iter()
        .flat_map(|m| m.attachments.iter().cloned())
        .collect()
}

/// Panes whose model's catalog entry lacks an input the attachments need, by index, with
/// why. Only the default endpoint's catalog (OpenRouter's) is read; elsewhere nothing is known
/// and the request goes, the server being the judge.
pub(crate) fn not_taking(
    index: Option<&catalog::Index>,
    panes: &[crate::pane_settings::PaneSpec],
    attachments: &[crate::attach::Attachment],
) -> std::collections::BTreeMap<usize, String> {
    let Some(index) = index.filter(|_| !attachments.is_empty()) else {
        return std::collections::BTreeMap::new();
    };
    panes
        .iter()
        .enumerate()
        .filter(|(_, p)| p.model.on_default())
        .filter_map(|(i, p)| {
            let no = crate::attach::estimate::not_taken(&index.catalog, p.model.id(), attachments)?;
            Some((
                i,
                format!(
                    "{} does not take {} input (its catalog lists {})",
                    p.model, no.missing, no.takes
                ),
            ))
        })
        .collect()
}

/// Refuses a run that could take today's spend (every room and `ask`, from the ledger) past
/// `daily_budget_usd`: what was spent plus, where the catalog prices them, each model's most.
fn check_daily_budget(
    config: &Config,
    plan: &ask::AskPlan,
    index: Option<&catalog::Index>,
) -> Result<(), UsageError> {
    let bytes: usize = plan.messages.iter().map(|m| m.content.len()).sum();
    // The files count as the room counts them: guessed tokens, image and audio prices, and
    // the PDF engine's page fee.
    let files = crate::attach::estimate::extra(&user_attachments(&plan.messages));
    let tokens = chat::estimate_tokens(bytes, plan.messages.len()) + files.tokens;
    let models: Vec<(ModelRef, api::Routing)> = plan
        .panes
        .iter()
        .enumerate()
        .filter(|(i, _)| !plan.not_sent.contains_key(i))
        .map(|(_, p)| (p.model.clone(), plan.routing_of(p)))
        .collect();
    let engines: Vec<Option<crate::attach::PdfEngine>> = plan
        .panes
        .iter()
        .enumerate()
        .filter(|(i, _)| !plan.not_sent.contains_key(i))
        .map(|(_, p)| p.settings.pdf.or(plan.pdf_engine))
        .collect();
    let max_tokens = plan
        .panes
        .iter()
        .map(|p| p.settings.max_tokens.unwrap_or(plan.max_tokens))
        .max()
        .unwrap_or(plan.max_tokens);
    let web: Vec<bool> = plan.panes.iter().map(|p| p.settings.web).collect();
    let spend = BudgetCheck {
        models: &models,
        web: &web,
        requests: &[tokens],
        files: Some((files, &engines)),
        max_tokens,
        samples: plan
            .panes
            .iter()
            .map(|p| u32::try_from(plan.samples_of(p)).unwrap_or(u32::MAX))
            .max()
            .unwrap_or(1),
    };
    spend.check(config, plan.ledger.as_ref(), index)
}

/// What a run may spend at most: each model (with its routing) is sent `samples` requests per
/// entry of `requests` (its estimated prompt tokens), each answer up to `max_tokens`.
pub(crate) struct BudgetCheck<'a> {
    pub(crate) models: &'a [(ModelRef, api::Routing)],
    /// Which of `models` search the web (each request then counts one search).
    pub(crate) web: &'a [bool],
    pub(crate) requests: &'a [u64],
    /// The attachments' extras in each request, and each model's PDF engine (by index of
    /// `models`): image and audio prices and the engine's page fee come on top.
    pub(crate) files: Option<(
        crate::attach::estimate::Extra,
        &'a [Option<crate::attach::PdfEngine>],
    )>,
    pub(crate) max_tokens: u32,
    pub(crate) samples: u32,
}

impl BudgetCheck<'_> {
    pub(crate) fn check(
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
        let catalog = index.map(|i| &i.catalog);
        let most: f64 = self
            .models
            .iter()
            .enumerate()
            .filter(|(_, (m, _))| m.on_default())
            .filter_map(|(i, (m, r))| {
                let id = r.model_id(m.id());
                Some((i, catalog?.pricing(&id)?, id))
            })
            .flat_map(|(i, p, id)| {
                self.requests.iter().filter_map(move |&tokens| {
                    let p = p.at(tokens, clock::hhmm(now));
                    let web = self.web.get(i).copied().unwrap_or(false);
                    let search = crate::app::money::search_price(&p, web).as_usd();
                    let Some((more, engines)) = self.files else {
                        return p
                            .max_cost(tokens, self.max_tokens)
                            .map(|c| c.as_usd() + search);
                    };
                    let engine = engines.get(i).copied().flatten();
                    let fee = crate::attach::estimate::engine_fee(
                        engine,
                        more.pages,
                        crate::attach::estimate::takes_files(catalog, &id),
                    );
                    Some(
                        crate::app::money::with_files(&p, tokens, self.max_tokens, more)?.as_usd()
                            + fee
                            + search,
                    )
                })
            })
            .sum::<f64>()
            * f64::from(self.samples.max(1));
        match chat::daily_refusal(chat::Cost::usd(most), budget, today) {
            Some(why) => Err(UsageError(why)),
            None => Ok(()),
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

//! `modelroom sessions …`: the command-line side of `crate::sessions`.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::UsageError;
use crate::cli::{GlobalArgs, RerunArgs, SessionsCommand};
use crate::commands::ask::{BudgetCheck, check_models};
use crate::config::Config;
use crate::model::ModelRef;
use crate::{api, connect, sessions, store};

/// `modelroom sessions …`. Only `rerun` needs a gateway; the others read the store.
pub(crate) async fn run(
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
        // A blind round not yet voted on is shown by its labels (`Session::blinded`).
        SessionsCommand::Show { id, reasoning } => sessions::load(&store, &id).and_then(|s| {
            let shown = sessions::text::show(&s.blinded(), reasoning);
            Ok(stdout.write_all(shown.as_bytes())?)
        }),
        // Every session is read before anything is written: an unknown id leaves no file.
        SessionsCommand::Export {
            ids,
            format,
            output,
        } => {
            let blobs = store.blobs();
            ids.iter()
                .map(|id| {
                    sessions::load(&store, id).map(|mut s| {
                        // Images go inline in HTML: their bytes are read back first. One that
                        // cannot be is named in the export as missing, and said here.
                        for why in blobs.hydrate(&mut s) {
                            eprintln!(
                                "modelroom: attachment missing: {}",
                                crate::sanitize::sanitize(&why, " ")
                            );
                        }
                        s.blinded()
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .and_then(|all| {
                    sessions::export(&all, format, output.as_deref(), &mut stdout, Some(&blobs))
                })
        }
        SessionsCommand::Search { query, json } => {
            sessions::search::print(&store, &query.join(" "), json, &mut stdout)
                .map_err(sessions::SessionsError::from)
        }
        SessionsCommand::Rm { id } => sessions::remove(&store, &id).map(|(msg, problems)| {
            let _ = writeln!(stdout, "{msg}");
            for p in problems {
                eprintln!("modelroom: {}", crate::sanitize::sanitize(&p, " "));
            }
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
            eprintln!("modelroom: {}", crate::sanitize::sanitize(&m, " "));
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
    let mut session = sessions::load(store, &args.id).map_err(|e| UsageError(e.to_string()))?;
    // Asked without its files, a prompt would be another question: a missing one stops it.
    let missing = store.blobs().hydrate(&mut session);
    if !missing.is_empty() {
        return Err(UsageError(format!(
            "session `{}` cannot be asked again: {}",
            session.id,
            missing.join("; ")
        )));
    }
    let prompts: Vec<String> = session.prompts().into_iter().map(str::to_owned).collect();
    let attachments: Vec<Vec<crate::attach::Attachment>> = prompts
        .iter()
        .map(|p| session.attachments_of(p).to_vec())
        .collect();
    if prompts.is_empty() {
        return Err(UsageError(format!(
            "session `{}` has no prompts to ask again",
            session.id
        )));
    }
    // The session's own panes keep their settings and routing; panes named with -m have
    // theirs (`MODEL{key=value,...}`).
    let (models, settings, routings): (Vec<ModelRef>, Vec<_>, Vec<api::Routing>) =
        if args.models.is_empty() {
            let mut out = (Vec::new(), Vec::new(), Vec::new());
            for p in &session.panes {
                out.0.push(ModelRef::parse(&p.model).map_err(|e| {
                    UsageError(format!(
                        "session `{}` holds a model that cannot be sent: {e}",
                        session.id
                    ))
                })?);
                out.1.push(p.settings.clone());
                out.2.push(p.routing.clone());
            }
            out
        } else {
            let mut out = (Vec::new(), Vec::new(), Vec::new());
            for m in &args.models {
                let spec = crate::pane_settings::parse_spec(m, std::path::Path::new("."))
                    .map_err(|e| UsageError(format!("-m: {e}")))?;
                let routing = spec
                    .routing_over(&api::Routing::default())
                    .map_err(UsageError)?;
                out.0.push(spec.model);
                out.1.push(spec.settings);
                out.2.push(routing);
            }
            out
        };
    let params = session
        .panes
        .first()
        .map(|p| p.params.clone())
        .unwrap_or_default();
    let routed: Vec<(ModelRef, api::Routing)> = models
        .iter()
        .cloned()
        .zip(routings.iter().cloned())
        .collect();
    let conn = connect::connect(global, config, config_path).await?;
    let index = match check_models(&conn, &routed).await {
        Ok(index) => index,
        Err(e) => {
            conn.close().await;
            return Err(e);
        }
    };
    let carried: Vec<crate::attach::Attachment> = attachments.iter().flatten().cloned().collect();
    if let Some(why) = models
        .iter()
        .find_map(|m| lacks_inputs(index.as_ref(), m, &carried))
    {
        conn.close().await;
        return Err(UsageError(why));
    }
    let plan = sessions::rerun::RerunPlan {
        models,
        settings,
        routings,
        prompts,
        attachments,
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
        ledger: store::Ledger::open_for(global.demo),
    };
    // Prompt k goes with the k prompts and answers before it: at most their text and
    // `max_tokens` per earlier answer.
    let mut bytes = 0;
    let requests: Vec<u64> = plan
        .prompts
        .iter()
        .enumerate()
        .map(|(k, p)| {
            bytes += p.len();
            let answers = u64::try_from(k).unwrap_or(u64::MAX);
            crate::chat::estimate_tokens(bytes, 0)
                .saturating_add(answers.saturating_mul(u64::from(plan.max_tokens)))
        })
        .collect();
    let web: Vec<bool> = plan.settings.iter().map(|s| s.web).collect();
    // Every request may carry every file (a follow-up sends the earlier ones again): priced
    // as the room and `ask` price them, at most.
    let engines: Vec<Option<crate::attach::PdfEngine>> = plan
        .settings
        .iter()
        .map(|s| s.pdf.or(config.pdf_engine))
        .collect();
    let files = (!carried.is_empty())
        .then(|| (crate::attach::estimate::extra(&carried), engines.as_slice()));
    let spend = BudgetCheck {
        models: &routed,
        web: &web,
        requests: &requests,
        files,
        max_tokens: plan
            .settings
            .iter()
            .filter_map(|s| s.max_tokens)
            .fold(plan.max_tokens, u32::max),
        samples: 1,
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

/// Why `model` cannot be asked prompts carrying `attachments`, when its catalog entry says it
/// does not take their input: refused before anything is sent, never a 400 from the gateway.
fn lacks_inputs(
    index: Option<&crate::catalog::Index>,
    model: &ModelRef,
    attachments: &[crate::attach::Attachment],
) -> Option<String> {
    let index = index.filter(|_| model.on_default())?;
    let no = crate::attach::estimate::not_taken(&index.catalog, model.id(), attachments)?;
    Some(format!(
        "{model} does not take {} input, which this session's prompts carry; name other models with -m",
        no.missing
    ))
}

//! The interactive chat room (no subcommand): keys, settings and themes from the config, a
//! new room or a resumed session, then the runtime until the person quits.

use std::path::Path;
use std::process::ExitCode;

use super::pick_panes;
use crate::cli::Cli;
use crate::cli::UsageError;
use crate::config::{self, Config};
use crate::{api, app, connect, keymap, runtime, sanitize, sessions, store, theme};

/// The interactive chat room.
pub(crate) async fn run(
    cli: &Cli,
    config: &Config,
    config_path: Option<std::path::PathBuf>,
    arena: Option<app::ArenaSource>,
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
        attach_caps: config.attach_caps(),
        pdf_engine: config.pdf_engine,
        endpoints: config.endpoints.keys().cloned().collect(),
        plain_openai: plain_openai_servers(global, config),
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
            let (mut app, fx) =
                app::App::from_session(&opened.session, keymap, settings).map_err(|e| {
                    UsageError(format!(
                        "cannot reopen session `{}`: {e}",
                        opened.session.id
                    ))
                })?;
            if let Some(note) = opened.note {
                app.set_notice(app::NoticeLevel::Error, note);
            }
            (app, fx)
        }
        _ => match arena {
            // `modelroom arena`: a room in blind mode (commands/arena.rs picks the models).
            Some(source) => {
                let seed = crate::clock::unix_now() ^ u64::from(std::process::id());
                let app =
                    app::App::new_arena(source, keymap, settings, seed).map_err(UsageError)?;
                (app, Vec::new())
            }
            None => {
                // Nothing set up yet: the missing key comes first (from `connect`, offering
                // `--demo`); with a key, the room opens on the picker to add its first pane.
                let unset =
                    cli.models.is_empty() && !global.demo && config.default_models.is_empty();
                let panes = if unset {
                    Vec::new()
                } else {
                    pick_panes(global, config, &cli.models)?
                };
                let models: Vec<_> = panes.iter().map(|p| p.model.clone()).collect();
                let mut app = app::App::new(&models, keymap, settings);
                for (pane, spec) in app.panes.iter_mut().zip(&panes) {
                    pane.routing = spec
                        .routing_over(&api::Routing::default())
                        .map_err(UsageError)?;
                    pane.settings = spec.settings.clone();
                }
                (app, Vec::new())
            }
        },
    };
    let mut app = app;
    apply_theme(&mut app, cli, config, config_path.as_deref());
    let conn = connect::connect(global, config, config_path).await?;
    let mut effects = effects;
    if app.panes.is_empty() && app.closed.is_empty() {
        effects.extend(open_on_picker(&mut app));
    }
    let result = runtime::run_room(
        conn.clients.clone(),
        app,
        effects,
        store,
        conn.cache.clone(),
        crate::store::Ledger::open_for(global.demo),
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

/// A room with no model to ask opens on the picker, to add its first pane, rather than
/// refusing to start.
fn open_on_picker(app: &mut app::App) -> Vec<app::Effect> {
    app.set_notice(
        app::NoticeLevel::Info,
        "no model yet: pick one to ask (set default_models in config.toml to skip this)",
    );
    app::update(app, app::Action::Command(app::Command::AddPane))
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

/// The servers of the plain OpenAI dialect, which are not sent routing: the default server
/// (unless `--demo`) and the `[endpoints.*]`, each as its `dialect` says or its URL suggests.
fn plain_openai_servers(global: &crate::cli::GlobalArgs, config: &Config) -> Vec<Option<String>> {
    let plain = |dialect: Option<api::Dialect>, url: &str| {
        dialect.unwrap_or_else(|| api::Dialect::guess(url)) == api::Dialect::OpenAi
    };
    let default_url = global.base_url.as_deref().unwrap_or(&config.base_url);
    let default = (!global.demo && plain(config.dialect, default_url)).then_some(None);
    default
        .into_iter()
        .chain(
            config
                .endpoints
                .iter()
                .filter(|(_, e)| plain(e.dialect, &e.base_url))
                .map(|(name, _)| Some(name.clone())),
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_room_without_models_opens_on_the_picker() {
        let mut app = app::App::new(&[], keymap::Keymap::default(), app::Settings::default());
        let fx = open_on_picker(&mut app);
        assert!(matches!(app.overlay, app::Overlay::Picker(_)));
        assert!(
            fx.iter()
                .any(|e| matches!(e, app::Effect::RefreshCatalog { .. }))
        );
    }
}

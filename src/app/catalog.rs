//! The room's model catalog: what arrived (from the cache at once, then the network), how
//! fresh it is, and what it says about the panes' models: unknown ids are caught before
//! sending with the closest matches, and models retired since a session was saved are flagged.

use std::sync::Arc;

use super::{App, Effect, NoticeLevel, Overlay};
use crate::api::Routing;
use crate::catalog::{Index, suggest};
use crate::model::ModelRef;
use crate::routing::split_variant;
use crate::sanitize::Clean;

/// An `Index` shared between the room and its picker; compared by identity.
#[derive(Debug, Clone)]
pub struct SharedIndex(pub Arc<Index>);

impl PartialEq for SharedIndex {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A catalog for the default endpoint, from the disk cache or fresh from the gateway.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogUpdate {
    pub index: SharedIndex,
    /// Unix seconds.
    pub fetched_at: u64,
    pub from_cache: bool,
}

#[derive(Debug, Clone, Default)]
pub struct CatalogState {
    /// The default endpoint's catalog, with the named endpoints' models as `@name/id` rows.
    pub index: Option<Arc<Index>>,
    /// What each named endpoint lists (no prices; never used to refuse a model).
    pub endpoint_models: std::collections::BTreeMap<String, crate::api::Catalog>,
    pub fetched_at: Option<u64>,
    pub from_cache: bool,
    /// A fetch is under way.
    pub refreshing: bool,
    /// Why the last fetch failed (shown while there is no catalog, or an old one).
    pub error: Option<String>,
}

impl CatalogState {
    pub fn index(&self) -> Option<&Index> {
        self.index.as_deref()
    }

    /// Whether the default endpoint's catalog is here (not only other endpoints' lists).
    pub fn has_default(&self) -> bool {
        self.index().is_some_and(|i| !i.catalog.is_empty())
    }
}

/// The index with the named endpoints' models added (a copy only when there are some).
fn with_endpoints(
    base: Arc<Index>,
    endpoints: &std::collections::BTreeMap<String, crate::api::Catalog>,
) -> Arc<Index> {
    if endpoints.is_empty() {
        return base;
    }
    let mut index = Index::new(base.catalog.clone());
    for (name, models) in endpoints {
        index.add_endpoint_models(name, models);
    }
    Arc::new(index)
}

/// A named endpoint's model list arrived: its models join the picker as `@name/id`.
pub(super) fn on_endpoint_models(
    app: &mut App,
    endpoint: String,
    result: Result<Box<crate::api::Catalog>, crate::api::ApiError>,
) {
    match result {
        Ok(models) => {
            app.catalog.endpoint_models.insert(endpoint, *models);
            let base = app
                .catalog
                .index
                .clone()
                .unwrap_or_else(|| Arc::new(Index::default()));
            let index = with_endpoints(base, &app.catalog.endpoint_models);
            app.catalog.index = Some(index.clone());
            if let Overlay::Picker(p) = &mut app.overlay {
                p.set_index(Some(index));
            }
        }
        // Many servers list nothing; their models can still be typed.
        Err(e) => tracing::info!("{endpoint} lists no models: {e}"),
    }
    app.mark_dirty();
}

pub(super) fn on_loaded(app: &mut App, update: CatalogUpdate) {
    let first = app.catalog.index.is_none();
    let index = with_endpoints(update.index.0.clone(), &app.catalog.endpoint_models);
    app.catalog.index = Some(index.clone());
    app.catalog.fetched_at = Some(update.fetched_at);
    app.catalog.from_cache = update.from_cache;
    if !update.from_cache {
        app.catalog.refreshing = false;
        app.catalog.error = None;
    }
    if let Overlay::Picker(p) = &mut app.overlay {
        p.set_index(Some(index));
    }
    if first || !update.from_cache {
        flag_unknown_models(app);
    }
    let skipped = update.index.0.catalog.skipped;
    if !update.from_cache && skipped > 0 {
        let msg = format!("{skipped} malformed catalog entries were skipped");
        app.set_notice(NoticeLevel::Info, msg);
    }
    // The estimate under the prompt is refreshed by `update` (new prices).
    app.mark_dirty();
}

pub(super) fn on_failed(app: &mut App, error: &super::WorkError) {
    app.catalog.refreshing = false;
    if !app.catalog.has_default() {
        app.set_notice(
            NoticeLevel::Error,
            format!(
                "no model catalog ({error}): the room works, but model ids are not checked and prices are unknown; F5 retries"
            ),
        );
    } else {
        app.set_notice(
            NoticeLevel::Info,
            format!("could not refresh the catalog ({error}); using the cached one"),
        );
    }
    app.catalog.error = Some(error.to_string());
    if let Overlay::Picker(p) = &mut app.overlay {
        p.message = app
            .catalog
            .error
            .clone()
            .map(|e| format!("refresh failed: {e}").into());
    }
    app.mark_dirty();
}

/// Whether a request for `model` (with `routing`) can be sent: its endpoint exists, and the
/// default endpoint's catalog, when there is one and it is authoritative, lists it. The error
/// says what to do, with the closest ids.
/// Settings `pane` sends that its model's catalog entry does not list among its
/// `supported_parameters`, in words: flagged before sending, not discovered from a 400.
pub fn unsupported_settings(app: &App, pane: &super::Pane) -> Option<String> {
    if !pane.model.on_default() {
        return None;
    }
    let entry = app.catalog.index()?.catalog.lookup(pane.model.as_str())?;
    let lacking = pane
        .settings
        .unsupported(entry.supported_parameters.as_deref().unwrap_or_default());
    (!lacking.is_empty()).then(|| {
        format!(
            "⚠ {} does not list {} among its supported parameters: the gateway may ignore or refuse {}",
            pane.model,
            lacking.join(", "),
            if lacking.len() == 1 { "it" } else { "them" }
        )
    })
}

pub fn check_model(app: &App, model: &ModelRef, routing: &Routing) -> Result<(), String> {
    if let Some(name) = model.endpoint() {
        if !app.settings.endpoints.iter().any(|e| e == name) {
            let known = if app.settings.endpoints.is_empty() {
                "none are configured".to_owned()
            } else {
                format!("known: {}", app.settings.endpoints.join(", "))
            };
            return Err(format!(
                "no endpoint named `{name}` ({known}); add [endpoints.{name}] to config.toml"
            ));
        }
        return Ok(());
    }
    let Some(index) = checkable_index(app, model) else {
        return Ok(());
    };
    let wanted = routing.model_id(model.id());
    if let Some(missing) = std::iter::once(&wanted)
        .chain(&routing.fallbacks)
        .find(|m| !index.catalog.contains(m))
    {
        return Err(unknown_model_message(index, missing));
    }
    Ok(())
}

/// The default endpoint's catalog when `model` is to be checked against it: not for a pane on
/// a named endpoint, with checks off, or without the list (not yet, or it lists nothing).
pub(super) fn checkable_index<'a>(app: &'a App, model: &ModelRef) -> Option<&'a Index> {
    if model.endpoint().is_some() || !app.settings.checks_models {
        return None;
    }
    app.catalog.index().filter(|i| !i.catalog.is_empty())
}

/// The first of `routing`'s fallback models the default endpoint's catalog does not list, as
/// "x/y is not in the catalog: did you mean a/b?"; `None` when all are listed or nothing can
/// be checked (no catalog yet, checks off, a pane on a named endpoint).
pub fn unknown_fallback(app: &App, pane: super::PaneId, routing: &Routing) -> Option<String> {
    let pane = app.panes.get(app.pane_index(pane)?)?;
    let index = checkable_index(app, &pane.model)?;
    let missing = routing
        .fallbacks
        .iter()
        .find(|m| !index.catalog.contains(m))?;
    Some(format!(
        "fallback {}",
        unknown_model_message(index, missing)
    ))
}

/// "x/y is not in the catalog: did you mean a/b?" with the closest ids.
pub fn unknown_model_message(index: &Index, model: &str) -> String {
    let close = suggest(index, model, 3);
    match close.split_first() {
        Some((best, [])) => {
            format!("{model} is not in the catalog: did you mean {best}?")
        }
        Some((best, rest)) => format!(
            "{model} is not in the catalog: did you mean {best}? (or {})",
            rest.join(", ")
        ),
        None => format!("{model} is not in the catalog (F5 refreshes it; Alt+M picks another)"),
    }
}

/// Notes on panes whose model the catalog no longer lists (retired since the session was
/// saved, or mistyped), and which answers came from another model than asked.
pub(super) fn flag_unknown_models(app: &mut App) {
    let change = app
        .keymap
        .label_for(super::Command::ChangeModel)
        .map(|k| format!(" — {k} picks another; nothing is sent to this pane until then"))
        .unwrap_or_default();
    let notes: Vec<Option<String>> = app
        .panes
        .iter()
        .map(|p| {
            check_model(app, &p.model, &p.routing).err().map(|why| {
                if p.entries.is_empty() {
                    format!("⚠ {why}{change}")
                } else {
                    format!("⚠ retired? {why}{change}")
                }
            })
        })
        .collect();
    for (pane, note) in app.panes.iter_mut().zip(notes) {
        if note.is_some() || pane.note.as_deref().is_some_and(|n| n.starts_with('⚠')) {
            pane.note = note.map(Clean::from);
        }
    }
    refresh_served(app);
}

/// Whether a served model is the one asked for: the same id, the same base with a variant
/// suffix, or the catalog's canonical (often dated) slug for it.
pub fn same_model(index: Option<&Index>, asked: &ModelRef, served: &str) -> bool {
    let asked = asked.id();
    let (a, s) = (split_variant(asked).0, split_variant(served).0);
    if a == s {
        return true;
    }
    index
        .and_then(|i| i.catalog.lookup(asked))
        .is_some_and(|m| m.canonical_slug.as_deref() == Some(s) || m.id == s)
}

/// Recomputes, for every pane, which model actually served its latest answer when it was not
/// the one asked for (a fallback), for the pane title.
pub(super) fn refresh_served(app: &mut App) {
    let index = app.catalog.index.clone();
    for pane in &mut app.panes {
        let served = pane
            .last_answer()
            .and_then(|a| a.reply.served_model.clone());
        pane.served_instead = served.filter(|s| !same_model(index.as_deref(), &pane.model, s));
    }
}

/// Fetches the catalog again (F5, or Ctrl+R in the picker).
pub(super) fn refresh(app: &mut App, fx: &mut Vec<Effect>) {
    if !app.catalog.refreshing {
        app.catalog.refreshing = true;
        fx.push(Effect::RefreshCatalog { force: true });
    }
    app.set_notice(NoticeLevel::Info, "refreshing the model catalog…");
}

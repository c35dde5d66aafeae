//! The provider shoot-out in the room: one key asks the gateway for the focused pane's
//! providers (`Effect::FetchProviders`), and their list (`Action::Providers`) opens one pane
//! per provider, pinned to it (`provider.only = [tag]`, `allow_fallbacks: false`), with the
//! focused pane's settings and titled by provider and quantization. A pinned answer served by
//! anything else says so loudly in its footer.

use super::{App, Effect, NoticeLevel, Pane, PaneId};
use crate::api::{ApiError, ModelEndpoints};
use crate::sanitize::Clean;

/// Asks for the focused pane's providers, when the room can have them.
pub(super) fn start(app: &mut App, fx: &mut Vec<Effect>) {
    if app.is_blind() {
        app.set_notice(NoticeLevel::Info, "providers are hidden in a blind round");
        return;
    }
    let Some(p) = app.focused() else {
        let add = app.keymap.name(super::Command::AddPane);
        app.set_notice(
            NoticeLevel::Error,
            format!("no pane: add one with {add} first"),
        );
        return;
    };
    if !p.model.on_default() || !app.settings.checks_models {
        let msg = format!(
            "{}: only OpenRouter (or --demo) lists a model's providers",
            p.model
        );
        app.set_notice(NoticeLevel::Error, msg);
        return;
    }
    let (pane, model) = (p.id, p.model.clone());
    app.set_notice(
        NoticeLevel::Info,
        format!("asking the gateway for the providers of {model}…"),
    );
    fx.push(Effect::FetchProviders {
        pane: Some(pane),
        model,
    });
}

/// Asks for the providers of the picker's highlighted model (Ctrl+E there).
pub(super) fn ask_for_picker(app: &mut App, model: &str, fx: &mut Vec<Effect>) {
    let refused = match crate::model::ModelRef::parse(model) {
        Ok(m) if m.on_default() && app.settings.checks_models => {
            fx.push(Effect::FetchProviders {
                pane: None,
                model: m,
            });
            return;
        }
        Ok(_) => "only OpenRouter (or --demo) lists a model's providers".to_owned(),
        Err(e) => e.to_string(),
    };
    if let super::Overlay::Picker(p) = &mut app.overlay {
        p.message = Some(Clean::line(&refused));
    }
}

/// The providers of a model the picker asked about: one line, shown while it is highlighted.
pub(super) fn show_in_picker(
    app: &mut App,
    model: String,
    result: Result<ModelEndpoints, ApiError>,
) {
    let super::Overlay::Picker(p) = &mut app.overlay else {
        return;
    };
    p.message = None;
    let line = match result {
        Ok(l) if l.endpoints.is_empty() => "no provider listed".to_owned(),
        Ok(l) => {
            let each: Vec<String> = l
                .endpoints
                .iter()
                .map(|e| {
                    let (pin, pout) = e.per_million();
                    let price = match (pin, pout) {
                        (Some(a), Some(b)) => format!(" ${a:.2}/${b:.2}"),
                        _ => String::new(),
                    };
                    let speed = e
                        .throughput_last_30m
                        .and_then(|t| t.p50)
                        .map_or_else(String::new, |t| format!(" {t:.0} tok/s"));
                    format!("{}{price}{speed}", e.title())
                })
                .collect();
            format!("providers ({}): {}", each.len(), each.join(" · "))
        }
        Err(e) => format!("cannot list its providers: {e}"),
    };
    p.providers = Some((model, Clean::line(&line)));
    app.mark_dirty();
}

/// The providers of pane `from`'s model arrived: one pinned pane each, as many as fit.
pub(super) fn on_providers(app: &mut App, from: PaneId, result: Result<ModelEndpoints, ApiError>) {
    let Some(i) = app.pane_index(from) else {
        return;
    };
    let listed = match result {
        Ok(l) if !l.endpoints.is_empty() => l,
        Ok(l) => {
            let msg = format!("the gateway lists no provider for {}", l.model);
            app.set_notice(NoticeLevel::Error, msg);
            return;
        }
        Err(e) => {
            let msg = format!("cannot list the providers of {}: {e}", app.panes[i].model);
            app.set_notice(NoticeLevel::Error, msg);
            return;
        }
    };
    let room = app.settings.max_panes.saturating_sub(app.panes.len());
    let source = app.panes[i].clone();
    let mut added = 0;
    for ep in listed.endpoints.iter().take(room) {
        let id = app.fresh_pane_id();
        let mut pane = Pane::new(id, source.model.clone());
        pane.settings = source.settings.clone();
        pane.routing = source.routing.clone();
        pane.routing.only = vec![ep.tag.clone()];
        pane.routing.allow_fallbacks = false;
        pane.pinned = Some(Clean::line(&ep.title()));
        pane.blind = source.blind;
        app.panes.push(pane);
        added += 1;
    }
    let left = listed.endpoints.len() - added;
    let mut msg = format!(
        "{added} pane(s) of {}, each pinned to one provider",
        source.model
    );
    if left > 0 {
        msg.push_str(&format!(
            "; {left} more did not fit (at most {} panes)",
            app.settings.max_panes
        ));
    }
    app.set_notice(NoticeLevel::Info, msg);
    if added > 0 {
        app.focus = app.panes.len() - added;
    }
    app.request_save();
    app.relayout();
}

/// The pane is pinned to one provider: its routing tag.
pub fn pin_of(pane: &Pane) -> Option<&str> {
    match pane.routing.only.as_slice() {
        [tag] if !pane.routing.allow_fallbacks => Some(tag),
        _ => None,
    }
}

/// Said loudly in a pinned pane's footer when its answer came from another provider.
pub fn broken_pin(pane: &Pane, served: Option<&str>) -> Option<String> {
    let tag = pin_of(pane)?;
    let served = served?;
    (!crate::api::served_by_tag(served, tag))
        .then(|| format!("⚠⚠ PINNED TO {tag} BUT SERVED BY {served}"))
}

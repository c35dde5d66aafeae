//! Driving a room through `update` alone, with no terminal, network or disk: a room of given
//! models on a screen of a given size, keys and prompts, the streams they start, stream events,
//! and the simulated gateway's catalog loaded as if fetched.

use std::sync::Arc;

use modelroom::api::{Catalog, ChatRequest, ModelEntry, StreamEvent};
use modelroom::app::{
    Action, App, CatalogUpdate, Command, Effect, PaneId, RequestId, Settings, SharedIndex, update,
};
use modelroom::catalog::Index;
use modelroom::chat::{FinishReason, Usage};
use modelroom::keymap::Keymap;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A room as `App::new` leaves it, on a `width`×`height` screen: the default keymap, and no
/// themes, highlighter or catalog loaded.
pub fn room<S: AsRef<str>>(models: &[S], settings: Settings, width: u16, height: u16) -> App {
    let models = modelroom::model::parse_all(models).expect("models as written");
    let mut app = App::new(&models, Keymap::default(), settings);
    update(&mut app, Action::Resize { width, height });
    app
}

/// The simulated gateway's catalog, as the room's picker and checks see it.
pub fn demo_index() -> Index {
    let data = modelroom::sim::catalog_json()["data"].clone();
    let models: Vec<ModelEntry> = serde_json::from_value(data).unwrap();
    Index::new(Catalog::new(models))
}

/// The demo catalog arrives from the network (not the cache), fetched at `fetched_at`.
pub fn load_demo_catalog(app: &mut App, fetched_at: u64) {
    let loaded = CatalogUpdate {
        index: SharedIndex(Arc::new(demo_index())),
        fetched_at,
        from_cache: false,
    };
    update(app, Action::CatalogLoaded(Box::new(loaded)));
}

pub fn press(app: &mut App, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    update(app, Action::Key(KeyEvent::new(code, mods)))
}

pub fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    press(app, code, KeyModifiers::NONE)
}

pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// The streams that `fx` starts, as (pane, request, chat).
pub fn started(fx: Vec<Effect>) -> Vec<(PaneId, RequestId, ChatRequest)> {
    fx.into_iter()
        .filter_map(|e| match e {
            Effect::StartStream {
                pane,
                request,
                chat,
            } => Some((pane, request, *chat)),
            _ => None,
        })
        .collect()
}

/// Sends `text` by the Send command rather than by keys, so the keymap plays no part; returns
/// the streams started.
pub fn send(app: &mut App, text: &str) -> Vec<(PaneId, RequestId)> {
    app.prompt.set_text(text);
    update(app, Action::Command(Command::Send))
        .into_iter()
        .filter_map(|e| match e {
            Effect::StartStream { pane, request, .. } => Some((pane, request)),
            _ => None,
        })
        .collect()
}

/// One stream event through `update`, then what the runtime does before it draws a frame
/// (tokens only append to their answer's text; the rows are rendered once per frame), so a
/// test sees what a frame after this event shows.
pub fn ev(app: &mut App, (pane, request): (PaneId, RequestId), event: StreamEvent) -> Vec<Effect> {
    let fx = update(
        app,
        Action::Streamed {
            pane,
            request,
            events: vec![event],
        },
    );
    app.render_visible();
    fx
}

/// The end of an answer as the gateway sends it: usage, the finish reason, then done.
pub fn finish(app: &mut App, live: (PaneId, RequestId), usage: Usage) {
    ev(app, live, StreamEvent::Usage(usage));
    ev(app, live, StreamEvent::Finished(FinishReason::Stop));
    ev(app, live, StreamEvent::Done);
}

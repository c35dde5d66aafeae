//! Catalog, routing and fallbacks end to end: the real event loop on a `TestBackend`, scripted
//! keys, the real client, and the simulated gateway on 127.0.0.1, which records every request
//! body it receives. Waits on the loop's status signal, never on fixed sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::live::{self, Room, gateway};
use modelroom::api::{Client, Clients, Dialect};
use modelroom::app::{AnswerState, Settings};
use modelroom::catalog::cache::CatalogCache;
use modelroom::runtime;
use modelroom::sim::SimHandle;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use serde_json::json;

fn client(base_url: &str, dialect: Dialect) -> Client {
    let mut ep = live::endpoint(base_url, dialect);
    ep.request_timeout = Duration::from_secs(5);
    Client::new(ep).unwrap()
}

/// A room on `base_url` whose catalog is cached in `data` under the key `demo`.
fn open_room(base_url: &str, data: &Path, models: &[&str]) -> Room {
    let clients = Clients::new(client(base_url, Dialect::OpenRouter));
    open_room_with(clients, data, models, Settings::default())
}

fn open_room_with(clients: Clients, data: &Path, models: &[&str], settings: Settings) -> Room {
    let base_url = clients.default_client().endpoint().base_url.clone();
    let cache = CatalogCache::new(data, &base_url, Some("demo"));
    Room::start(clients, models, settings, (160, 40), move |ctx, _| {
        ctx.catalog_cache = Some(cache);
        runtime::start_background(ctx);
    })
}

fn screen(term: &Terminal<TestBackend>) -> String {
    live::screen(term).join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fallbacks_show_the_provider_and_the_model_that_really_answered() {
    let sim = gateway().await;
    let data = tempfile::tempdir().unwrap();
    let mut room = open_room(&sim.base_url(), data.path(), &["demo/flaky", "demo/down"]);
    room.wait("the catalog", |s| s.catalog_models > 0).await;
    // Pane 2's routing: demo/fast as its fallback model, and data only by price.
    room.key(KeyCode::Tab, KeyModifiers::NONE);
    room.key(KeyCode::Char('p'), KeyModifiers::ALT);
    room.key(KeyCode::Right, KeyModifiers::NONE);
    for _ in 0..3 {
        room.key(KeyCode::Down, KeyModifiers::NONE);
    }
    room.type_text("demo/fast");
    room.key(KeyCode::Enter, KeyModifiers::NONE);
    room.type_text("hello");
    room.key(KeyCode::Enter, KeyModifiers::NONE);
    room.wait("both answers", |s| s.answers == 2 && s.streaming == 0)
        .await;
    let (app, term) = room.quit().await;
    let flaky = app.panes[0].last_answer().unwrap();
    assert_eq!(flaky.state, AnswerState::Complete);
    // Flakeway, demo/flaky's cheapest provider, always fails; the next one served.
    assert_eq!(flaky.reply.provider.as_deref(), Some("Aurora Cloud"));
    assert_eq!(app.panes[0].served_instead, None);
    let down = app.panes[1].last_answer().unwrap();
    assert_eq!(down.state, AnswerState::Complete);
    assert_eq!(down.reply.served_model.as_deref(), Some("demo/fast"));
    assert_eq!(app.panes[1].served_instead.as_deref(), Some("demo/fast"));
    // The footer says which model did not serve and which did; the provider is not called a
    // fallback when no order said which came first.
    let footer = |i: usize| {
        let a = app.panes[i].last_answer().unwrap();
        app.identity(i).unwrap().footer(a).unwrap().to_string()
    };
    assert!(
        footer(1).contains("↪ served by demo/fast after demo/down"),
        "{}",
        footer(1)
    );
    assert!(!footer(0).contains('↪'), "{}", footer(0));
    let text = screen(&term);
    let titles = text.lines().next().unwrap();
    assert!(titles.contains("1 demo/flaky · Aurora Cloud"), "{titles}");
    assert!(
        titles.contains("2 demo/down → demo/fast [price·+1 fallback] · Aurora Cloud"),
        "{titles}"
    );
    // What the gateway received, exactly.
    let bodies: Vec<_> = sim
        .stats()
        .requests
        .into_iter()
        .filter(|r| r.path.ends_with("/chat/completions"))
        .map(|r| r.body)
        .collect();
    let down_body = bodies.iter().find(|b| b["model"] == "demo/down").unwrap();
    assert_eq!(down_body["models"], json!(["demo/fast"]));
    assert_eq!(down_body["provider"], json!({"sort": "price"}));
    let flaky_body = bodies.iter().find(|b| b["model"] == "demo/flaky").unwrap();
    assert!(flaky_body.get("models").is_none() && flaky_body.get("provider").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_picker_works_from_the_cached_catalog_when_the_gateway_is_gone() {
    let data = tempfile::tempdir().unwrap();
    let sim = gateway().await;
    let mut room = open_room(&sim.base_url(), data.path(), &["demo/fast"]);
    room.wait("the catalog", |s| s.catalog_models > 0).await;
    room.key(KeyCode::Char('n'), KeyModifiers::ALT);
    room.type_text("canon");
    room.key(KeyCode::Enter, KeyModifiers::NONE);
    let (app, _) = room.quit().await;
    assert_eq!(app.panes[1].model, "demo/canon");
    assert!(
        data.path().join("catalog/demo.json").exists(),
        "the catalog was cached"
    );
    sim.shutdown().await;

    // Offline: nothing listens on this port, but the cached catalog still opens.
    let mut room = open_room("http://127.0.0.1:9/api/v1", data.path(), &["demo/fast"]);
    room.wait("the cached catalog", |s| s.catalog_models > 0)
        .await;
    room.key(KeyCode::Char('n'), KeyModifiers::ALT);
    room.type_text("premium");
    room.key(KeyCode::Enter, KeyModifiers::NONE);
    let (app, term) = room.quit().await;
    assert_eq!(app.panes[1].model, "demo/premium");
    assert!(app.catalog.from_cache);
    assert!(screen(&term).contains("2 demo/premium"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_endpoint_sits_beside_the_cloud_in_one_room() {
    let cloud = gateway().await;
    let local = gateway().await;
    let data = tempfile::tempdir().unwrap();
    let clients = Clients::new(client(&cloud.base_url(), Dialect::OpenRouter))
        .with("local", client(&local.base_url(), Dialect::OpenAi));
    let settings = Settings {
        endpoints: vec!["local".into()],
        ..Settings::default()
    };
    let mut room = open_room_with(clients, data.path(), &["demo/fast"], settings);
    let cloud_models = modelroom::sim::MODELS.len();
    room.wait("both model lists", |s| s.catalog_models == 2 * cloud_models)
        .await;
    room.key(KeyCode::Char('n'), KeyModifiers::ALT);
    room.type_text("local/demo/coder");
    room.key(KeyCode::Enter, KeyModifiers::NONE);
    room.type_text("write a function");
    room.key(KeyCode::Enter, KeyModifiers::NONE);
    room.wait("both answers", |s| s.answers == 2 && s.streaming == 0)
        .await;
    let (app, term) = room.quit().await;
    assert_eq!(app.panes[1].model, "@local/demo/coder");
    for pane in &app.panes {
        assert_eq!(
            pane.last_answer().unwrap().state,
            AnswerState::Complete,
            "{}",
            pane.model
        );
    }
    assert!(
        screen(&term)
            .lines()
            .next()
            .unwrap()
            .contains("2 @local/demo/coder")
    );
    let chats = |sim: &SimHandle| -> Vec<serde_json::Value> {
        sim.stats()
            .requests
            .into_iter()
            .filter(|r| r.path.ends_with("/chat/completions"))
            .map(|r| r.body)
            .collect()
    };
    let (to_cloud, to_local) = (chats(&cloud), chats(&local));
    assert_eq!(to_cloud.len(), 1);
    assert_eq!(to_cloud[0]["model"], "demo/fast");
    assert_eq!(to_local.len(), 1);
    // The local server gets its own model id, and none of OpenRouter's fields.
    assert_eq!(to_local[0]["model"], "demo/coder");
    assert!(to_local[0].get("usage").is_none() && to_local[0].get("provider").is_none());
}

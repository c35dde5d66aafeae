//! The catalog as a user meets it outside the room: the real 414-model `/models` snapshot
//! served on 127.0.0.1 and loaded through the client, the disk cache standing in offline,
//! `modelroom models` (table, JSON, sorts, free), `ask` refusing unknown models with the
//! closest ids, and `ask`'s routing flags as the gateway receives them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;

use axum::Router;
use axum::routing::get;
use common::binary::{Env, stderr, stdout};
use modelroom::api::{ApiKey, Client, Dialect, Endpoint};
use modelroom::catalog::cache::CatalogCache;
use modelroom::catalog::listing::{Source, load, select};
use modelroom::catalog::{Index, SortKey};
use modelroom::sim::{self, SimOptions};
use serde_json::{Value, json};

const SNAPSHOT: &str = "tests/fixtures/openrouter/catalog/models-2026-08-19.json";

fn snapshot() -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SNAPSHOT)).unwrap()
}

/// Serves the recorded snapshot as `GET /api/v1/models` on 127.0.0.1 until dropped.
struct Recorded {
    url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Recorded {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn recorded_gateway() -> Recorded {
    let body = snapshot();
    let app = Router::new().route(
        "/api/v1/models",
        get(move || {
            let body = body.clone();
            async move { ([("content-type", "application/json")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/v1", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Recorded { url, task }
}

fn client(url: &str) -> Client {
    let mut ep = Endpoint::new(url, Some(ApiKey::new("sk-test")));
    ep.dialect = Dialect::OpenRouter;
    ep.request_timeout = std::time::Duration::from_secs(5);
    Client::new(ep).unwrap()
}

#[tokio::test]
async fn the_real_snapshot_loads_into_the_catalog_through_the_client() {
    let gw = recorded_gateway().await;
    let catalog = client(&gw.url).models().await.unwrap();
    let raw: Value = serde_json::from_slice(&snapshot()).unwrap();
    let all = raw["data"].as_array().unwrap();
    let batch = all
        .iter()
        .filter(|m| m["id"].as_str().unwrap().ends_with(":batch"))
        .count();
    assert_eq!((all.len(), batch), (414, 61));
    assert_eq!(catalog.len(), 414 - 61, ":batch variants are hidden");
    let index = Index::new(catalog);
    // Routers price as "-1": unknown, never negative or free.
    let auto = index
        .rows
        .iter()
        .find(|r| r.id == "openrouter/auto")
        .unwrap();
    assert_eq!((auto.prompt_per_m, auto.free), (None, false));
    assert_eq!(
        index
            .rows
            .iter()
            .filter(|r| r.id.ends_with(":free"))
            .count(),
        17
    );
    // Conditional prices: more than 128,000 prompt tokens doubles seed-2.0-code's price.
    let p = index
        .catalog
        .pricing("bytedance-seed/seed-2.0-code")
        .unwrap();
    assert_eq!(p.at(128_000, 1200).prompt, Some(0.000_000_5));
    assert_eq!(p.at(128_001, 1200).prompt, Some(0.000_001));
    let seed = index
        .rows
        .iter()
        .find(|r| r.id == "bytedance-seed/seed-2.0-code")
        .unwrap();
    assert!(seed.conditional_price);
    assert!((seed.prompt_per_m.unwrap() - 0.5).abs() < 1e-9);
    // Search by a fragment of the name, then by price.
    let hits = select(&index, "sonnet", None, false);
    let sonnets = index
        .rows
        .iter()
        .filter(|r| r.id.contains("sonnet"))
        .count();
    assert!(sonnets >= 2);
    // Fuzzy matching may find scattered letters elsewhere, but whole words rank first.
    assert!(
        hits[..sonnets].iter().all(|r| r.id.contains("sonnet")),
        "{:?}",
        hits.iter()
            .take(sonnets + 2)
            .map(|r| &r.id)
            .collect::<Vec<_>>()
    );
    let cheapest = select(&index, "", Some(SortKey::Price), false);
    assert!(cheapest[0].free);
    assert!(
        cheapest.last().unwrap().prompt_per_m.is_none(),
        "unknown prices sort last"
    );
    // Aliases and canonical slugs resolve; a variant suffix resolves to its base.
    let alias = index.rows.iter().find(|r| r.id.starts_with('~')).unwrap();
    assert!(index.catalog.contains(&alias.id));
    assert!(
        index.catalog.contains("anthropic/claude-sonnet-4.6:nitro")
            == index.catalog.contains("anthropic/claude-sonnet-4.6")
    );
}

#[tokio::test]
async fn the_cached_catalog_stands_in_when_the_gateway_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let gw = recorded_gateway().await;
    let cache = CatalogCache::new(dir.path(), &gw.url, None);
    let (fetched, source) = load(&client(&gw.url), Some(&cache), false).await.unwrap();
    assert_eq!(source, Source::Fetched);
    let url = gw.url.clone();
    drop(gw);
    // Fresh cache: used without asking the network at all.
    let (cached, source) = load(&client(&url), Some(&cache), false).await.unwrap();
    assert!(matches!(source, Source::Cache { .. }));
    assert_eq!(cached, fetched);
    // A forced refresh fails offline and falls back to the cache, saying why.
    let (stale, source) = load(&client(&url), Some(&cache), true).await.unwrap();
    assert_eq!(stale, fetched);
    let Source::StaleCache { error, .. } = &source else {
        panic!("{source:?}")
    };
    assert!(source.note().contains("could not refresh") && !error.is_empty());
    // No cache and no network: an error that says so.
    let empty = CatalogCache::new(dir.path(), "http://127.0.0.1:9/none", None);
    let err = load(&client(&url), Some(&empty), false).await.unwrap_err();
    assert!(err.contains("cannot fetch the model catalog"), "{err}");
}

#[tokio::test]
async fn models_lists_searches_sorts_and_prints_json() {
    let env = Env::with_config("");
    let table = env.run(&["--demo", "models"]).await;
    assert!(table.status.success(), "{}", stderr(&table));
    let text = stdout(&table);
    let header = text.lines().next().unwrap();
    for col in ["id", "name", "context", "prompt/M", "output/M", "input"] {
        assert!(header.contains(col), "{header}");
    }
    let fast = text.lines().find(|l| l.starts_with("demo/fast ")).unwrap();
    for cell in ["Demo: Fast", "128K", "$0.20", "$0.80", "text"] {
        assert!(fast.contains(cell), "{cell}: {fast}");
    }
    assert!(
        stderr(&table).contains("models · catalog fetched just now"),
        "{}",
        stderr(&table)
    );

    let one = env.run(&["--demo", "models", "thinker"]).await;
    assert_eq!(stdout(&one).lines().count(), 2, "{}", stdout(&one));
    assert!(stdout(&one).contains("demo/thinker"));
    // The second run used the cache the first one wrote.
    assert!(
        stderr(&one).contains("catalog from the cache"),
        "{}",
        stderr(&one)
    );

    let json = env
        .run(&["--demo", "models", "--json", "--sort", "price"])
        .await;
    let list: Vec<Value> = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(list[0]["id"], "demo/mini:free");
    assert_eq!(list[0]["free"], true);
    let prices: Vec<f64> = list
        .iter()
        .map(|m| {
            m["prompt_per_million"].as_f64().unwrap()
                + m["completion_per_million"].as_f64().unwrap()
        })
        .collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    assert_eq!(list[1]["input_modalities"], json!(["text"]));

    let free = env.run(&["--demo", "models", "--free", "--json"]).await;
    let list: Vec<Value> = serde_json::from_str(&stdout(&free)).unwrap();
    assert!(list.iter().all(|m| m["free"] == true) && !list.is_empty());

    let newest = env
        .run(&["--demo", "models", "--sort", "context", "--json"])
        .await;
    let list: Vec<Value> = serde_json::from_str(&stdout(&newest)).unwrap();
    assert_eq!(list[0]["id"], "demo/premium", "400K context is the longest");

    let none = env.run(&["--demo", "models", "zzzzqqq"]).await;
    assert_eq!(none.status.code(), Some(1));
    assert!(stderr(&none).contains("no model matches"));
    let bad = env.run(&["--demo", "models", "--sort", "vibes"]).await;
    assert_eq!(bad.status.code(), Some(2));
}

#[tokio::test]
async fn ask_refuses_an_unknown_model_with_the_closest_ids() {
    let env = Env::with_config("");
    let o = env
        .run(&["--demo", "ask", "-m", "demo/fast", "-m", "demo/fsat", "hi"])
        .await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("unknown model `demo/fsat`"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("did you mean demo/fast?"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty(), "nothing was asked");
    let o = env
        .run(&[
            "--demo",
            "ask",
            "-m",
            "demo/fast",
            "--fallback",
            "demo/thinkr",
            "hi",
        ])
        .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean demo/thinker?"),
        "{}",
        stderr(&o)
    );
    // A routing variant of a listed model is fine.
    let o = env
        .run(&[
            "--demo",
            "ask",
            "-m",
            "demo/fast",
            "--variant",
            "nitro",
            "hi",
        ])
        .await;
    assert!(o.status.success(), "{}", stderr(&o));
}

#[tokio::test]
async fn ask_sends_every_routing_preference_as_the_api_names_it() {
    let gw = sim::start(
        0,
        SimOptions {
            api_key: Some("sk-r".into()),
            time_scale: 0.0,
            ..SimOptions::default()
        },
    )
    .await
    .unwrap();
    let env = Env::with_config("dialect = \"openrouter\"\n");
    let o = env
        .cmd(&[
            "--base-url",
            &gw.base_url(),
            "ask",
            "-m",
            "demo/down",
            "--json",
            "--sort",
            "throughput",
            "--variant",
            "nitro",
            "--fallback",
            "demo/fast",
            "--fallback",
            "demo/coder",
            "--provider-order",
            "aurora,borealis",
            "--provider-only",
            "aurora",
            "--provider-only",
            "borealis,flakeway,downtime",
            "--provider-ignore",
            "cirrus",
            "--max-price",
            "1/4",
            "--deny-data-collection",
            "hi",
        ])
        .env("OPENROUTER_API_KEY", "sk-r")
        .output()
        .await
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let chat = gw
        .stats()
        .requests
        .into_iter()
        .find(|r| r.path.ends_with("/chat/completions"))
        .unwrap();
    let body = &chat.body;
    assert_eq!(body["model"], "demo/down:nitro");
    assert_eq!(body["models"], json!(["demo/fast", "demo/coder"]));
    assert_eq!(
        body["provider"],
        json!({
            "sort": "throughput",
            "order": ["aurora", "borealis"],
            "only": ["aurora", "borealis", "flakeway", "downtime"],
            "ignore": ["cirrus"],
            "max_price": {"prompt": 1.0, "completion": 4.0},
            "data_collection": "deny"
        })
    );
    assert!(body.get("allow_fallbacks").is_none());
    // Every provider of demo/down failed, so the first fallback model answered.
    let line: Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(line["model"], "demo/down");
    assert_eq!(line["served_model"], "demo/fast");
    assert!(line["error"].is_null());
    gw.shutdown().await;
}

#[tokio::test]
async fn ask_records_what_it_spends_and_honours_the_daily_budget() {
    let env = Env::with_config("daily_budget_usd = 0.01\n");
    let o = env
        .run(&["--demo", "ask", "-m", "demo/fast", "--json", "hi"])
        .await;
    assert!(o.status.success(), "{}", stderr(&o));
    let line: Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    let cost = line["cost"].as_f64().unwrap();
    // The demo's play money is kept apart from real spend, in a ledger of its own.
    let data = env.dir.path().join("data");
    let real = modelroom::store::Ledger::new(&data);
    let ledger = modelroom::store::Ledger::demo(&data);
    let today = modelroom::clock::day(modelroom::clock::unix_now());
    assert!((ledger.total_on(&today).unwrap() - cost).abs() < 1e-12);
    assert_eq!(real.total_on(&today).unwrap(), 0.0);
    // Real money spent today does not hold back the demo.
    let other = modelroom::store::SpendRecord::now(0.5, "openai/gpt", None, Some("s"));
    real.append(&[other]).unwrap();
    let o = env.run(&["--demo", "ask", "-m", "demo/fast", "hi"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    // Spent nearly all of today's budget in other demo runs: a run that could pass it is refused.
    let other = modelroom::store::SpendRecord::now(0.0095, "demo/premium", None, Some("s"));
    ledger.append(&[other]).unwrap();
    let o = env.run(&["--demo", "ask", "-m", "demo/fast", "hi"]).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("would pass today's budget of $0.01"),
        "{}",
        stderr(&o)
    );
}

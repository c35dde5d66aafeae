//! The simulated gateway for the built binary: a gateway with a key on 127.0.0.1, a config
//! pointing at it in OpenRouter's dialect, the binary run with that key, its JSON lines, and
//! the chat request bodies the gateway received (what the tests check was sent).

use std::process::Output;

use modelroom::sim::{self, SimHandle, SimOptions};
use serde_json::Value;

use super::binary::{Env, stdout};

pub const KEY: &str = "sk-comparisons";

pub async fn gateway() -> SimHandle {
    sim::start(
        0,
        SimOptions {
            api_key: Some(KEY.into()),
            time_scale: 0.0,
            ..SimOptions::default()
        },
    )
    .await
    .unwrap()
}

/// An environment whose config points at `sim`, speaking OpenRouter's dialect.
pub fn env_for(sim: &SimHandle) -> Env {
    Env::with_config(&format!(
        "base_url = \"{}\"\ndialect = \"openrouter\"\n",
        sim.base_url()
    ))
}

pub async fn run(env: &Env, args: &[&str]) -> Output {
    env.cmd(args)
        .env("OPENROUTER_API_KEY", KEY)
        .output()
        .await
        .unwrap()
}

pub fn json_lines(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The chat request bodies the gateway received, in order.
pub fn chat_bodies(sim: &SimHandle) -> Vec<Value> {
    sim.stats()
        .requests
        .into_iter()
        .filter(|r| r.path.ends_with("/chat/completions"))
        .map(|r| r.body)
        .collect()
}

//! The built binary as a user runs it: `ask` in text and JSON, stdin prompts, exit statuses,
//! configuration errors, `--base-url` at another server, and `simulate`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::{Output, Stdio};

use common::binary::{Env, stderr, stdout};
use modelroom::sim::{self, SimOptions};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

fn json_lines(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[tokio::test]
async fn ask_demo_json_prints_each_model_and_a_summary_that_adds_up() {
    let env = Env::new();
    let out = env
        .run(&[
            "--demo",
            "ask",
            "-m",
            "demo/fast",
            "-m",
            "demo/thinker",
            "--json",
            "hello",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3);
    let mut sum = 0.0;
    for (line, model) in lines.iter().zip(["demo/fast", "demo/thinker"]) {
        assert_eq!(line["model"], model);
        assert_eq!(line["served_model"], model);
        assert!(line["provider"].as_str().is_some_and(|p| !p.is_empty()));
        assert!(line["content"].as_str().unwrap().len() > 20);
        assert_eq!(line["finish_reason"], "stop");
        assert!(line["error"].is_null());
        assert!(line["usage"]["prompt_tokens"].as_u64().unwrap() > 0);
        assert!(line["usage"]["completion_tokens"].as_u64().unwrap() > 0);
        let cost = line["usage"]["cost"].as_f64().unwrap();
        assert!(cost > 0.0);
        sum += cost;
        assert!(line["ttft_ms"].is_u64() && line["duration_ms"].is_u64());
    }
    assert!(!lines[1]["reasoning"].as_str().unwrap().is_empty());
    let summary = &lines[2];
    assert_eq!(summary["summary"], true);
    assert_eq!(summary["failed"], 0);
    assert!((summary["total_cost"].as_f64().unwrap() - sum).abs() < 1e-9);
}

#[tokio::test]
async fn ask_text_prints_labelled_blocks_with_stats() {
    let env = Env::new();
    let out = env
        .run(&[
            "--demo",
            "ask",
            "-m",
            "demo/fast",
            "-m",
            "demo/canon",
            "Explain SSE in one line",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("━━ demo/fast ━━"), "{text}");
    assert!(
        text.contains("━━ demo/canon (served by demo/canon-"),
        "{text}"
    );
    assert_eq!(text.matches("\n── ").count(), 2, "{text}");
    assert!(text.contains(" tokens · $"));
    assert!(text.contains("TTFT "));
    assert!(text.lines().last().unwrap().starts_with("total: $"));
}

#[tokio::test]
async fn the_prompt_can_come_from_stdin() {
    let env = Env::new();
    let mut child = env
        .cmd(&["--demo", "ask", "-m", "demo/fast", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"a long prompt\nover two lines")
        .await
        .unwrap();
    drop(stdin);
    let out = child.wait_with_output().await.unwrap();
    assert!(out.status.success());
    assert!(
        json_lines(&out)[0]["content"]
            .as_str()
            .unwrap()
            .contains("long prompt")
    );
}

#[tokio::test]
async fn a_failed_model_is_reported_exit_1_and_the_others_still_print() {
    let env = Env::new();
    let out = env
        .run(&[
            "--demo",
            "ask",
            "-m",
            "demo/fast",
            "-m",
            "demo/down",
            "--json",
            "hi",
        ])
        .await;
    assert_eq!(out.status.code(), Some(1));
    let lines = json_lines(&out);
    assert!(lines[0]["error"].is_null());
    // Every provider of demo/down fails, and no fallback model was named.
    assert_eq!(lines[1]["error"]["status"], 503);
    assert!(
        lines[1]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("No available provider")
    );
    assert_eq!(lines[2]["failed"], 1);
    let text = env
        .run(&["--demo", "ask", "-m", "demo/fast", "[sim:status=402] hi"])
        .await;
    assert_eq!(text.status.code(), Some(1));
    assert!(stdout(&text).contains("✗ 402 Payment Required"));
    assert!(stdout(&text).contains("hint: out of credits"));
}

#[tokio::test]
async fn missing_cost_is_computed_from_the_catalog() {
    let env = Env::new();
    let out = env
        .run(&[
            "--demo",
            "ask",
            "-m",
            "demo/fast",
            "--json",
            "[sim:nocost] hi",
        ])
        .await;
    assert!(out.status.success());
    let line = &json_lines(&out)[0];
    assert_eq!(line["cost_source"], "catalog");
    assert!(line["usage"]["cost"].as_f64().unwrap() > 0.0);
}

#[tokio::test]
async fn hostile_output_is_sanitised_in_text_mode() {
    let env = Env::new();
    let out = env
        .run(&["--demo", "ask", "-m", "demo/fast", "[sim:escape] hi"])
        .await;
    assert!(out.status.success());
    assert!(
        !out.stdout
            .iter()
            .any(|&b| b == 0x1b || b == 0x07 || b == b'\r' || b == 0x08),
        "control bytes reached stdout"
    );
    assert!(!stdout(&out).contains('\u{9b}') && !stdout(&out).contains('\u{202e}'));
}

#[tokio::test]
async fn a_missing_key_says_what_to_set_and_exits_2() {
    let env = Env::new();
    let out = env.run(&["ask", "-m", "openai/gpt-5.1", "hi"]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("OPENROUTER_API_KEY") && err.contains("--demo"),
        "{err}"
    );
}

#[tokio::test]
async fn a_malformed_config_names_line_and_column_and_exits_2() {
    let env = Env::new();
    std::fs::write(env.config(), "max_tokens = 100\nmax_tokes = 5\n").unwrap();
    let out = env.run(&["--demo", "ask", "-m", "demo/fast", "hi"]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("config.toml:2:1: unknown field `max_tokes`"),
        "{err}"
    );
}

#[tokio::test]
async fn usage_errors_exit_2() {
    let env = Env::new();
    for args in [
        &["ask", "--temperature", "9", "-m", "a/b", "hi"][..],
        &["--demo", "ask", "-m", "demo/fast", "   "][..],
        &["ask", "hi"][..],
        &["--base-url", "localhost:1234", "ask", "-m", "a", "hi"][..],
    ] {
        let out = env.run(args).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).is_empty());
    }
    let help = env.run(&["--help"]).await;
    assert!(help.status.success() && stdout(&help).contains("ask"));
}

#[tokio::test]
async fn base_url_points_the_same_binary_at_any_compatible_server() {
    let server = sim::start(
        0,
        SimOptions {
            api_key: Some("sk-local".into()),
            time_scale: 0.0,
            ..SimOptions::default()
        },
    )
    .await
    .unwrap();
    let env = Env::new();
    let base = server.base_url();
    let out = env
        .cmd(&[
            "--base-url",
            &base,
            "ask",
            "-m",
            "demo/coder",
            "--json",
            "write code",
        ])
        .env("OPENROUTER_API_KEY", "sk-local")
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let line = &json_lines(&out)[0];
    assert!(line["content"].as_str().unwrap().contains("```"));
    // A local server needs no key; this one wants one, so the refusal is reported.
    let out = env
        .run(&["--base-url", &base, "ask", "-m", "demo/fast", "hi"])
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("401"));
}

#[tokio::test]
async fn simulate_serves_any_client_until_stopped() {
    let env = Env::new();
    let mut child = env
        .cmd(&["simulate", "--port", "0", "--time-scale", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().unwrap();
    let url = first.rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    let models: Value = reqwest::get(format!("{url}/models"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(models["data"].as_array().unwrap().len() >= 10);
    child.kill().await.unwrap();
}

#[tokio::test]
async fn a_dropped_answer_keeps_its_text_and_its_billed_cost_comes_from_the_generation_record() {
    let env = Env::new();
    let out = env
        .run(&[
            "--demo",
            "ask",
            "-m",
            "demo/fast",
            "--json",
            "[sim:drop=6] hi",
        ])
        .await;
    assert_eq!(out.status.code(), Some(1));
    let line = &json_lines(&out)[0];
    assert!(!line["content"].as_str().unwrap().is_empty());
    assert_eq!(line["error"]["code"], "dropped");
    assert_eq!(line["cost_source"], "generation");
    assert!(line["cost"].as_f64().unwrap() > 0.0);
    assert!(line["usage"].is_null());
}

#[tokio::test]
async fn a_refused_request_costs_nothing_and_its_code_is_a_string() {
    let env = Env::new();
    let out = env
        .run(&[
            "--demo",
            "ask",
            "-m",
            "demo/fast",
            "--json",
            "[sim:status=402] hi",
        ])
        .await;
    assert_eq!(out.status.code(), Some(1));
    let line = &json_lines(&out)[0];
    assert_eq!(line["error"]["status"], 402);
    // One type for `error.code`, as in session files.
    assert_eq!(line["error"]["code"], "402");
    assert_eq!(line["cost"], 0.0);
    assert_eq!(line["cost_source"], "refused");
    let text = env
        .run(&["--demo", "ask", "-m", "demo/fast", "[sim:status=402] hi"])
        .await;
    let shown = String::from_utf8_lossy(&text.stdout);
    assert!(shown.contains("· $0"), "{shown}");
    assert!(!shown.contains("cost unknown"), "{shown}");
}

#[tokio::test]
async fn a_first_run_with_nothing_set_up_names_the_missing_key_and_offers_the_demo() {
    let env = Env::new();
    let out = env.run(&[]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no API key"), "{err}");
    assert!(err.contains("--demo"), "{err}");
    assert!(
        !err.contains("no model to ask"),
        "a room is not asking yet: {err}"
    );
}

#[tokio::test]
async fn ask_says_when_a_fallback_served_in_text_and_json() {
    let env = Env::new();
    // demo/down has no provider that works: its fallback answers. Flakeway, first in the order,
    // always fails on demo/flaky, so another provider serves it.
    let args = |json: bool| {
        let mut a = vec![
            "--demo",
            "ask",
            "-m",
            "demo/down",
            "-m",
            "demo/flaky",
            "-m",
            "demo/fast",
            "--fallback",
            "demo/fast",
            "--provider-order",
            "flakeway",
        ];
        if json {
            a.push("--json");
        }
        a.push("hello");
        a
    };
    let out = env.run(&args(false)).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("↪ served by demo/fast after demo/down"),
        "{text}"
    );
    assert!(
        text.contains("↪ Aurora Cloud served, not flakeway (first in order)"),
        "{text}"
    );
    let out = env.run(&args(true)).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines[0]["served_model"], "demo/fast");
    assert_eq!(
        lines[0]["fallback"]["skipped_models"],
        serde_json::json!(["demo/down"])
    );
    assert_eq!(lines[0]["fallback"]["served_model"], "demo/fast");
    assert_eq!(lines[1]["fallback"]["first_provider"], "flakeway");
    assert_eq!(lines[1]["fallback"]["served_provider"], "Aurora Cloud");
    assert!(lines[1]["fallback"].get("served_model").is_none());
}

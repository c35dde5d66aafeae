//! `modelroom sessions …` as a user runs it, on a data directory of its own: list (text and
//! JSON, damaged files included and left untouched), show, search, rm, `--resume` by a start of
//! the id, and rerun against the simulated gateway (exports: `sessions_export.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::binary::{Env, stderr, stdout};
use modelroom::store::Turn;
use serde_json::Value;

use common::sessions::*;

#[tokio::test]
async fn list_shows_every_session_and_damaged_files_untouched() {
    let env = Env::new();
    let store = env.store();
    let mut older = sample();
    older.id = "20261123-080000-0001".into();
    older.title = "older one".into();
    older.updated_at = "2026-11-23T08:00:00Z".into();
    store.save(&older).unwrap();
    store.save(&sample()).unwrap();
    let damaged = store.path("20261124-130000-dead");
    std::fs::write(&damaged, br#"{"version":1,"id":"20261124-130000-dead","ti"#).unwrap();
    let before = std::fs::read(&damaged).unwrap();

    let out = env.run(&["sessions", "list"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("ID") && lines[0].contains("SPEND"));
    assert!(
        lines[1].starts_with("20261124-120000-beef"),
        "newest first: {text}"
    );
    assert!(lines[1].contains("demo/fast, demo/thinker"));
    assert!(
        lines[1].contains("$0.00128 (2 answers uncosted)"),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("20261123-080000-0001"));
    assert!(
        text.contains("20261124-130000-dead  DAMAGED: truncated"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'));

    let out = env.run(&["sessions", "list", "--json"]).await;
    let rows: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["prompts"], 3);
    assert_eq!(rows[0]["answers"], 5);
    assert_eq!(rows[0]["uncosted_answers"], 2);
    let bad = rows.iter().find(|r| r["damaged"] == true).unwrap();
    assert!(bad["reason"].as_str().unwrap().contains("truncated"));

    // Opening the damaged file says why, with exit status 1; it is never rewritten.
    let out = env.run(&["sessions", "show", "20261124-130000-dead"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("truncated"), "{}", stderr(&out));
    let out = env
        .run(&["--resume", "20261124-130000-dead", "--demo"])
        .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("truncated"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&damaged).unwrap(), before);
}

#[tokio::test]
async fn show_prints_the_transcript_safely_and_unknown_ids_are_usage_errors() {
    let env = Env::new();
    env.store().save(&sample()).unwrap();
    let out = env
        .run(&["sessions", "show", "latest", "--reasoning"])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for needle in [
        "━━ prompt 1 of 3 ━━",
        "── demo/fast (↪ served by demo/fast-2026-01-01 after demo/fast)",
        "── demo/thinker (answer 2 of 2)",
        "[thinking]\n## Plan\nThe user wants one line.",
        "✗ 502 Bad Gateway: upstream",
        "cost pending",
    ] {
        assert!(
            text.contains(needle) || needle == "cost pending" && text.contains("pending"),
            "missing {needle:?} in:\n{text}"
        );
    }
    assert!(!text.contains('\u{1b}'), "control sequences are stripped");
    // A pane a prompt did not go to is left out of that prompt, not padded.
    assert!(!text.contains("not asked"), "{text}");

    let out = env.run(&["sessions", "show", "nope"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("sessions list"), "{}", stderr(&out));
}

#[tokio::test]
async fn rm_deletes_by_full_id_only() {
    let env = Env::new();
    let store = env.store();
    store.save(&sample()).unwrap();
    let out = env.run(&["sessions", "rm", "20261124"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("did you mean 20261124-120000-beef"));
    assert!(store.path("20261124-120000-beef").exists());
    let out = env.run(&["sessions", "rm", "20261124-120000-beef"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("removed 20261124-120000-beef"));
    assert!(!store.path("20261124-120000-beef").exists());
}

#[tokio::test]
async fn rerun_asks_the_prompts_again_in_order_and_saves_a_new_session() {
    let env = Env::new();
    env.store().save(&sample()).unwrap();
    let out = env
        .run(&[
            "--demo",
            "sessions",
            "rerun",
            "20261124-120000-beef",
            "-m",
            "demo/fast",
            "-m",
            "demo/coder",
            "--max-tokens",
            "40",
            "--json",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Three prompts × two models, then the summary.
    assert_eq!(lines.len(), 7, "{}", stdout(&out));
    let order: Vec<(u64, &str)> = lines[..6]
        .iter()
        .map(|l| (l["prompt"].as_u64().unwrap(), l["model"].as_str().unwrap()))
        .collect();
    assert_eq!(
        order,
        [
            (1, "demo/fast"),
            (1, "demo/coder"),
            (2, "demo/fast"),
            (2, "demo/coder"),
            (3, "demo/fast"),
            (3, "demo/coder"),
        ]
    );
    let sum: f64 = lines[..6].iter().map(|l| l["cost"].as_f64().unwrap()).sum();
    let summary = &lines[6];
    assert_eq!(summary["summary"], true);
    assert!((summary["total_cost"].as_f64().unwrap() - sum).abs() < 1e-12);
    assert!(sum > 0.0);
    // Each model's later prompts carried its earlier answers: the prompt grows.
    let prompt_tokens = |k: usize| lines[k]["usage"]["prompt_tokens"].as_u64().unwrap();
    assert!(prompt_tokens(2) > prompt_tokens(0) + 20, "history is sent");

    let id = summary["session"].as_str().unwrap();
    let saved = env.store().load(id).unwrap();
    assert_eq!(saved.models(), ["demo/fast", "demo/coder"]);
    // Asked in the original's send order, and numbered so: the thinker's focused prompt second.
    assert_eq!(
        saved.prompts(),
        [
            "Explain SSE in one line",
            "Only for the thinker",
            "And | pipes <script>alert(1)</script>?"
        ]
    );
    let numbers: Vec<Option<u64>> = saved.panes[1]
        .turns
        .iter()
        .filter_map(|t| match t {
            Turn::User { send, .. } => Some(*send),
            Turn::Assistant(_) => None,
        })
        .collect();
    assert_eq!(numbers, [Some(1), Some(2), Some(3)]);
    assert_eq!(saved.totals.answers, 6);
    assert!((saved.totals.cost_usd - sum).abs() < 1e-12);
    assert!(saved.title.starts_with("rerun of "));
}

#[tokio::test]
async fn rerun_of_a_failing_model_reports_it_and_exits_1() {
    let env = Env::new();
    env.store().save(&sample()).unwrap();
    let out = env
        .run(&[
            "--demo",
            "sessions",
            "rerun",
            "latest",
            "-m",
            "demo/down",
            "--no-save",
        ])
        .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("══ prompt 3 of 3 ══"), "{text}");
    assert!(text.contains("3 failed"), "{text}");
    assert!(!text.contains("saved as session"));
    assert_eq!(
        env.store().list().unwrap().len(),
        1,
        "--no-save saves nothing"
    );
}

#[tokio::test]
async fn rerun_refuses_a_model_the_catalog_does_not_list() {
    let env = Env::new();
    env.store().save(&sample()).unwrap();
    let out = env
        .run(&["--demo", "sessions", "rerun", "latest", "-m", "demo/fsat"])
        .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean demo/fast"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty(), "nothing was asked");
}

#[tokio::test]
async fn rerun_refuses_a_session_without_prompts_and_a_run_past_the_daily_budget() {
    let env = Env::with_config("daily_budget_usd = 0.000001\n");
    let mut empty = sample();
    empty.id = "20261124-110000-0000".into();
    empty.updated_at = "2026-11-24T11:00:00Z".into();
    for pane in &mut empty.panes {
        pane.turns.clear();
    }
    empty.retotal();
    env.store().save(&empty).unwrap();
    env.store().save(&sample()).unwrap();

    let out = env
        .run(&[
            "--demo",
            "sessions",
            "rerun",
            "20261124-11",
            "-m",
            "demo/fast",
        ])
        .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no prompts"), "{}", stderr(&out));

    let out = env
        .run(&["--demo", "sessions", "rerun", "latest", "-m", "demo/fast"])
        .await;
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("today's budget"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "nothing was asked");
    assert_eq!(env.store().list().unwrap().len(), 2, "nothing was saved");
}

#[tokio::test]
async fn a_sessions_directory_that_cannot_be_made_is_a_usage_error() {
    let env = Env::new();
    std::fs::create_dir_all(env.data()).unwrap();
    std::fs::write(env.data().join("sessions"), b"not a directory").unwrap();
    let out = env.run(&["sessions", "list"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot open the sessions directory"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn a_model_that_cannot_be_sent_is_refused_where_it_enters_and_the_file_is_kept() {
    let env = Env::new();
    let out = env.run(&["--demo", "ask", "-m", "@local", "hi"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`@local` names an endpoint but no model"),
        "{}",
        stderr(&out)
    );
    let mut bad = sample();
    bad.panes[0].model = "@local".into();
    env.store().save(&bad).unwrap();
    let path = env.store().path(&bad.id);
    let before = std::fs::read(&path).unwrap();
    for args in [
        vec!["--demo", "--resume", bad.id.as_str()],
        vec!["--demo", "sessions", "rerun", bad.id.as_str()],
    ] {
        let out = env.run(&args).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("names an endpoint but no model"),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(stdout(&out).is_empty(), "nothing was asked");
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file is untouched"
    );
}

#[tokio::test]
async fn search_finds_prompts_and_answers_across_sessions() {
    let env = Env::new();
    env.store().save(&sample()).unwrap();
    let out = env.run(&["sessions", "search", "one-way", "http"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("20261124-120000-beef · Explain SSE")
            && text.contains("answer of demo/thinker"),
        "{text}"
    );
    assert!(
        text.contains("SSE is **one-way** streaming over HTTP"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "{text:?}");
    // A prompt every pane was asked is one hit, with its number in the pane.
    let out = env
        .run(&["sessions", "search", "--json", "explain", "SSE"])
        .await;
    let hits: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let prompts: Vec<&Value> = hits.iter().filter(|h| h["kind"] == "prompt").collect();
    assert_eq!(prompts.len(), 1, "{hits:?}");
    assert_eq!(prompts[0]["prompt"], 1);
    assert_eq!(prompts[0]["id"], "20261124-120000-beef");
    let none = env.run(&["sessions", "search", "zebra"]).await;
    assert!(stdout(&none).contains("no saved prompt or answer has every word"));
}

#[tokio::test]
async fn a_default_model_that_cannot_be_sent_names_the_config_setting() {
    let env = Env::with_config("default_models = [\"demo/fast\", \"@/qwen3\"]\n");
    let out = env.run(&["ask", "hi"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("default_models in config.toml: `@/qwen3` names no endpoint"),
        "{}",
        stderr(&out)
    );
}

//! `modelroom sessions …` as a user runs it, on a data directory of its own: list (text and
//! JSON, damaged files included and left untouched), show, export to golden files (Markdown,
//! JSON, HTML), rm, `--resume` by a start of the id, and rerun against the simulated gateway.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::binary::{Env, stderr, stdout};
use modelroom::chat::{Cost, Usage};
use modelroom::store::{
    AnswerRecord, CostStatus, ErrorRecord, FORMAT_VERSION, Finish, PaneRecord, Params, Session,
    Totals, Turn,
};
use serde_json::Value;

fn answer(content: &str, provider: &str, cost: Option<f64>, finish: Finish) -> AnswerRecord {
    AnswerRecord {
        content: content.into(),
        reasoning: String::new(),
        reasoning_details: Vec::new(),
        model: None,
        provider: Some(provider.into()),
        generation_id: Some("gen-1".into()),
        usage: Some(Usage {
            prompt_tokens: 12,
            completion_tokens: 40,
            reasoning_tokens: 0,
            cached_tokens: 0,
            cost: cost.map(Cost::usd),
            completion_cost: None,
            ..Usage::default()
        }),
        cost_usd: cost,
        cost_status: if cost.is_some() {
            CostStatus::Reported
        } else {
            CostStatus::Pending
        },
        ttft_ms: Some(250),
        duration_ms: Some(1500),
        finish,
        finish_reason: Some("stop".into()),
        error: None,
        citations: Vec::new(),
    }
}

/// A prompt as the room saves it: with the number of the send it came with.
fn sent(text: &str, send: u64) -> Turn {
    Turn::User {
        content: text.into(),
        send: Some(send),
        attachments: Vec::new(),
    }
}

fn said(a: AnswerRecord) -> Turn {
    Turn::Assistant(std::sync::Arc::new(a))
}

/// A session with everything a rendering must get right: a broadcast, focused sends (the
/// thinker's sent before the fast pane's, so send order differs from pane order), an answer
/// asked again, a fallback model, routing and settings, reasoning, a stopped and a failed
/// answer, a pending cost, markdown with headings and code, non-ASCII text, and hostile
/// control sequences.
fn sample() -> Session {
    let mut thinker = answer(
        "# Short answer\n\nSSE is **one-way** streaming over HTTP.\n\n```rust\nlet x = \"日本語\";\n```",
        "Granite Bedrock",
        Some(0.00103),
        Finish::Complete,
    );
    thinker.reasoning =
        "## Plan\nThe user wants one line.</details><!-- hide the rest\n\n```rust\nlet a = 1;"
            .into();
    thinker.usage = thinker.usage.map(|u| Usage {
        reasoning_tokens: 20,
        ..u
    });
    let mut fallback = answer(
        "Served by the fallback <b>model</b> & friends",
        "Aurora Cloud",
        Some(0.0000494),
        Finish::Complete,
    );
    fallback.model = Some("demo/fast-2026-01-01".into());
    let mut failed = answer("partial te", "Aurora Cloud", None, Finish::Failed);
    failed.error = Some(ErrorRecord {
        status: Some(502),
        code: "502".into(),
        message: "502 Bad Gateway: upstream \u{1b}[31mdown\u{1b}[0m".into(),
    });
    failed.cost_status = CostStatus::Unknown;
    let mut session = Session {
        version: FORMAT_VERSION,
        id: "20261124-120000-beef".into(),
        title: "Explain SSE \u{1b}]0;pwned\u{7}in one line".into(),
        created_at: "2026-11-24T12:00:00Z".into(),
        updated_at: "2026-11-24T12:05:00Z".into(),
        panes: vec![
            PaneRecord {
                model: "demo/fast".into(),
                closed: false,
                routing: modelroom::routing::Routing {
                    order: vec!["aurora".into(), "granite".into()],
                    fallbacks: vec!["demo/fast-2026-01-01".into()],
                    ..Default::default()
                },
                settings: Default::default(),
                params: Params {
                    max_tokens: 512,
                    temperature: Some(0.5),
                    system: None,
                },
                turns: vec![
                    sent("Explain SSE in one line", 1),
                    said(fallback),
                    sent("And | pipes <script>alert(1)</script>?", 3),
                    said(failed),
                ],
            },
            PaneRecord {
                model: "demo/thinker".into(),
                closed: false,
                routing: Default::default(),
                settings: modelroom::pane_settings::PaneSettings {
                    system: Some("Be terse.\nNever use <html>.".into()),
                    effort: Some(modelroom::pane_settings::Effort::High),
                    ..Default::default()
                },
                params: Params {
                    max_tokens: 512,
                    temperature: Some(0.5),
                    system: None,
                },
                turns: vec![
                    sent("Explain SSE in one line", 1),
                    said(answer(
                        "First try, stopped",
                        "Granite Bedrock",
                        None,
                        Finish::Stopped,
                    )),
                    said(thinker),
                    sent("Only for the thinker", 2),
                    said(answer(
                        "Focused answer",
                        "Granite Bedrock",
                        Some(0.0002),
                        Finish::Complete,
                    )),
                ],
            },
        ],
        totals: Totals::default(),
        arena: Default::default(),
    };
    session.retotal();
    session
}

/// Compares with the golden file; `UPDATE_GOLDEN=1` rewrites it (then review the diff).
fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    pretty_assertions::assert_eq!(expected, actual, "{name} differs from its golden file");
}

#[tokio::test]
async fn exports_match_their_golden_files() {
    let env = Env::new();
    let session = sample();
    env.store().save(&session).unwrap();
    for (format, file) in [
        ("md", "session.md"),
        ("json", "session.json"),
        ("html", "session.html"),
    ] {
        let out = env
            .run(&["sessions", "export", &session.id, "--format", format])
            .await;
        assert!(out.status.success(), "{format}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            !text.contains('\u{1b}'),
            "{format} export carries an escape"
        );
        golden(file, &text);
    }
    // The JSON export is the full session.
    let out = env
        .run(&["sessions", "export", "latest", "--format", "json"])
        .await;
    let back: Session = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(back, session);
}

#[tokio::test]
async fn export_to_a_file_is_private() {
    let env = Env::new();
    let session = sample();
    env.store().save(&session).unwrap();
    let file = env.dir.path().join("room.html");
    let out = env
        .run(&[
            "sessions",
            "export",
            "20261124",
            "-f",
            "html",
            "-o",
            file.to_str().unwrap(),
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.contains("<div class=\"answers\" style=\"--panes: 2\">"));
    assert!(!html.contains("<script>"), "model and user text is escaped");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

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
async fn an_export_that_cannot_be_written_says_why_and_exits_1() {
    let env = Env::new();
    env.store().save(&sample()).unwrap();
    let target = env.dir.path().join("no-such-dir").join("room.md");
    let out = env
        .run(&[
            "sessions",
            "export",
            "latest",
            "-o",
            target.to_str().unwrap(),
        ])
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot write"), "{}", stderr(&out));
    assert!(!target.exists());
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

fn position(text: &str, what: &str) -> usize {
    text.find(what)
        .unwrap_or_else(|| panic!("`{what}` is not in:\n{text}"))
}

#[tokio::test]
async fn exports_follow_the_send_order_and_show_reasoning_routing_and_settings() {
    let env = Env::new();
    env.store().save(&sample()).unwrap();
    let md = stdout(&env.run(&["sessions", "export", "latest"]).await);
    // The thinker's focused send came between the broadcast and the fast pane's.
    assert!(position(&md, "> Only for the thinker") < position(&md, "> And | pipes"));
    assert!(position(&md, "> Explain SSE") < position(&md, "> Only for the thinker"));
    assert!(
        md.contains("<details><summary>reasoning</summary>\n\n##### Plan\n"),
        "{md}"
    );
    // The reasoning's own HTML is text: it can neither end the block early nor hide the rest.
    // (An unclosed `<!--` is text already, to any CommonMark reader.)
    assert!(md.contains("one line.\\</details><!-- hide"), "{md}");
    assert_eq!(md.matches("</details>").count(), 2, "{md}");
    assert!(md.contains("- routing: `order=aurora|granite, fallbacks=demo/fast-2026-01-01`"));
    assert!(md.contains("- settings: `temperature=0.5, max_tokens=512, effort=high`"));
    assert!(
        md.contains("  > Be terse.\n  > Never use \\<html\\>."),
        "{md}"
    );
    assert!(
        md.contains("> And | pipes \\<script>alert(1)\\</script>?"),
        "{md}"
    );
    // Panes a prompt did not go to are left out of it, not padded.
    let p2 = &md[position(&md, "## Prompt 2")..position(&md, "## Prompt 3")];
    assert!(!p2.contains("demo/fast"), "{p2}");

    let html = stdout(
        &env.run(&["sessions", "export", "latest", "--format", "html"])
            .await,
    );
    assert!(position(&html, "Only for the thinker") < position(&html, "And | pipes &lt;"));
    let p2 = &html[position(&html, "<h2>Prompt 2</h2>")..position(&html, "<h2>Prompt 3</h2>")];
    assert!(
        p2.contains("--panes: 1") && !p2.contains("demo/fast"),
        "{p2}"
    );
    assert!(html.contains("<details class=\"reasoning\"><summary>reasoning</summary>"));
    // The answer's `# Short answer` and the reasoning's `## Plan` sit under the model's <h3>.
    assert!(html.contains("<h4>Short answer</h4>"), "{html}");
    assert!(html.contains("<h5>Plan</h5>"), "{html}");
    assert!(!html.contains("<h1>Short") && !html.contains("<h2>Plan"));
    assert!(html.contains("<pre class=\"hl-code\"><code><span class=\"hl-source hl-rust\">"));
    assert!(
        html.contains(".hl-comment"),
        "the page carries the code's stylesheet"
    );
    assert!(!html.contains("<!--"), "{html}");
    assert!(
        html.contains("one line.&lt;/details&gt;&lt;!-- hide"),
        "{html}"
    );
    assert!(html.contains("<code>order=aurora|granite, fallbacks=demo/fast-2026-01-01</code>"));
    assert!(html.contains("via Granite Bedrock"));
    assert!(
        html.contains("<pre>Be terse.\nNever use &lt;html&gt;.</pre>"),
        "{html}"
    );
}

/// `sample` asked again of one model, with a prompt of its own at the end.
fn rerun_of_sample() -> Session {
    let mut rerun = sample();
    rerun.id = "20261125-090000-cafe".into();
    rerun.title = "rerun of Explain SSE".into();
    rerun.created_at = "2026-11-25T09:00:00Z".into();
    rerun.updated_at = "2026-11-25T09:00:00Z".into();
    let prompts = [
        "Explain SSE in one line",
        "Only for the thinker",
        "And | pipes <script>alert(1)</script>?",
        "Brand new",
    ];
    let mut pane = rerun.panes.swap_remove(0);
    pane.routing = Default::default();
    pane.turns = prompts
        .iter()
        .enumerate()
        .flat_map(|(k, p)| {
            let a = answer(
                &format!("rerun answer {}", k + 1),
                "Aurora Cloud",
                Some(0.0001),
                Finish::Complete,
            );
            [sent(p, k as u64 + 1), said(a)]
        })
        .collect();
    rerun.panes = vec![pane];
    rerun.retotal();
    rerun
}

#[tokio::test]
async fn several_sessions_export_side_by_side() {
    let env = Env::new();
    env.store().save(&sample()).unwrap();
    env.store().save(&rerun_of_sample()).unwrap();
    // By a start of an id, and by `latest` (the rerun).
    let md = stdout(&env.run(&["sessions", "export", "20261124", "latest"]).await);
    assert!(md.starts_with("# 2 sessions side by side\n"), "{md}");
    assert!(md.contains("## Session 2: rerun of Explain SSE\n"));
    let p1 = position(&md, "## Prompt 1");
    let p2 = position(&md, "## Prompt 2\n\n> Only for the thinker");
    let s1 = position(
        &md,
        "### Session 1: Explain SSE in one line (`20261124-120000-beef`)",
    );
    let s2 = position(
        &md,
        "### Session 2: rerun of Explain SSE (`20261125-090000-cafe`)",
    );
    let rerun1 = position(&md, "rerun answer 1");
    assert!(p1 < s1 && s1 < s2 && s2 < rerun1 && rerun1 < p2, "{md}");
    assert!(md.contains("#### demo/fast\n\nrerun answer 1"), "{md}");
    // A prompt only the rerun has gets its own section, with only the rerun in it.
    let p4 = &md[position(&md, "## Prompt 4\n\n> Brand new")..];
    assert!(
        p4.contains("### Session 2") && !p4.contains("### Session 1"),
        "{p4}"
    );

    let html = stdout(
        &env.run(&[
            "sessions",
            "export",
            "20261124-120000-beef",
            "20261125",
            "-f",
            "html",
        ])
        .await,
    );
    assert!(html.contains("<title>2 sessions side by side</title>"));
    let round = &html[position(&html, "<h2>Prompt 1</h2>")..position(&html, "<h2>Prompt 2</h2>")];
    assert!(
        round.contains("<div class=\"answers\" style=\"--panes: 2\">"),
        "{round}"
    );
    // Row by row: the original's fast answer, the rerun's beside it, then the thinker's.
    let heads = position(round, "<h3>Session 2: rerun of Explain SSE</h3>");
    let original = position(round, "Served by the fallback");
    let again = position(round, "rerun answer 1");
    let thinker = position(round, "First try, stopped");
    assert!(
        heads < original && original < again && again < thinker,
        "{round}"
    );
    assert!(round.contains("<div class=\"absent\"></div>"));
    assert!(round.contains("<h4>demo/fast</h4>") && round.contains("<h5>Short answer</h5>"));
    // Pane by pane: the original's thinker alone had prompt 2, so the rerun's first pane
    // stands beside a gap, and the thinker's answer on the next row, beside another.
    let round = &html[position(&html, "<h2>Prompt 2</h2>")..position(&html, "<h2>Prompt 3</h2>")];
    let gap = position(round, "<div class=\"absent\"></div>");
    let again = position(round, "rerun answer 2");
    let thinker = position(round, "Focused answer");
    assert!(gap < again && again < thinker, "{round}");
    assert_eq!(round.matches("class=\"absent\"").count(), 2, "{round}");
    let p4 = &html[position(&html, "<h2>Prompt 4</h2>")..];
    assert!(p4.contains("not sent in this session"), "{p4}");

    let out = env
        .run(&["sessions", "export", "20261124", "latest", "-f", "json"])
        .await;
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["sessions"].as_array().unwrap().len(), 2);
    assert_eq!(v["sessions"][1]["id"], "20261125-090000-cafe");
    assert_eq!(v["prompts"][1]["prompt"], "Only for the thinker");
    assert_eq!(v["prompts"][1]["sends"], serde_json::json!([1, 1]));
    assert_eq!(v["prompts"][3]["sends"], serde_json::json!([null, 3]));
    assert_eq!(
        v["sessions"][0]["sends"][1],
        serde_json::json!({"prompt": "Only for the thinker", "turns": [{"pane": 1, "turn": 3}]})
    );
}

#[tokio::test]
async fn an_export_naming_an_unknown_session_writes_nothing() {
    let env = Env::new();
    env.store().save(&sample()).unwrap();
    let dir = env.dir.path().join("out");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("room.html");
    std::fs::write(&file, "an earlier export").unwrap();
    let out = env
        .run(&[
            "sessions",
            "export",
            "latest",
            "nope",
            "-f",
            "html",
            "-o",
            file.to_str().unwrap(),
        ])
        .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no session `nope`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "an earlier export");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary file is left"
    );

    // Named rightly, the export replaces the file whole, private even if the old one was not.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = env
            .run(&[
                "sessions",
                "export",
                "latest",
                "latest",
                "-o",
                file.to_str().unwrap(),
            ])
            .await;
        assert!(out.status.success(), "{}", stderr(&out));
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(
            std::fs::read_to_string(&file)
                .unwrap()
                .starts_with("# 2 sessions side by side")
        );
    }
}

//! Controlled comparisons (issue 13) from the built binary against the simulated gateway on
//! 127.0.0.1: panes with their own settings (`MODEL{key=value,...}`), several samples per
//! pane with their spread, settings refused before sending, carried by `sessions rerun`.
//! Every claim about what was sent is checked on the request bodies the gateway received.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Output;

use common::binary::{Env, stderr, stdout};
use modelroom::sim::{self, SimHandle, SimOptions};
use serde_json::Value;

const KEY: &str = "sk-comparisons";

async fn gateway() -> SimHandle {
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
fn env_for(sim: &SimHandle) -> Env {
    Env::with_config(&format!(
        "base_url = \"{}\"\ndialect = \"openrouter\"\n",
        sim.base_url()
    ))
}

async fn run(env: &Env, args: &[&str]) -> Output {
    env.cmd(args)
        .env("OPENROUTER_API_KEY", KEY)
        .output()
        .await
        .unwrap()
}

fn json_lines(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The chat request bodies the gateway received, in order.
fn chat_bodies(sim: &SimHandle) -> Vec<Value> {
    sim.stats()
        .requests
        .into_iter()
        .filter(|r| r.path.ends_with("/chat/completions"))
        .map(|r| r.body)
        .collect()
}

#[tokio::test]
async fn three_efforts_of_one_model_three_samples_each_with_their_spread() {
    let sim = gateway().await;
    let env = env_for(&sim);
    let out = run(
        &env,
        &[
            "ask",
            "-n",
            "3",
            "--json",
            "-m",
            "demo/thinker{effort=low}",
            "-m",
            "demo/thinker{effort=medium}",
            "-m",
            "demo/thinker{effort=high,temperature=0.2,seed=7,system=\"Be terse, please\"}",
            "Is SSE simpler than WebSockets?",
        ],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&out);
    // Three samples and a spread per pane, then the summary.
    assert_eq!(lines.len(), 3 * 4 + 1, "{lines:#?}");
    let samples: Vec<&Value> = lines.iter().filter(|l| l["sample"].is_u64()).collect();
    let indices: Vec<(u64, u64)> = samples
        .iter()
        .map(|l| (l["pane"].as_u64().unwrap(), l["sample"].as_u64().unwrap()))
        .collect();
    let expected: Vec<(u64, u64)> = (1..=3).flat_map(|p| (1..=3).map(move |s| (p, s))).collect();
    assert_eq!(indices, expected);
    for l in &samples {
        assert_eq!(l["model"], "demo/thinker");
        assert!(l["error"].is_null(), "{l}");
    }
    assert_eq!(samples[0]["settings"], serde_json::json!({"effort": "low"}));
    let reasoning = |pane: u64| {
        samples
            .iter()
            .find(|l| l["pane"] == pane)
            .map(|l| l["usage"]["reasoning_tokens"].as_u64().unwrap())
            .unwrap()
    };
    assert!(reasoning(1) < reasoning(2) && reasoning(2) < reasoning(3));

    let spreads: Vec<&Value> = lines.iter().filter(|l| l["spread"] == true).collect();
    assert_eq!(spreads.len(), 3);
    for (k, s) in spreads.iter().enumerate() {
        assert_eq!(s["pane"], k as u64 + 1);
        assert_eq!(s["samples"], 3);
        let a = s["agreement"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&a), "{s}");
        assert!(s["cost_min"].as_f64().unwrap() <= s["cost_max"].as_f64().unwrap());
    }
    // A seed repeats its answer; without one each sample is drawn anew.
    assert_eq!(spreads[2]["identical"], true);
    assert_eq!(spreads[0]["identical"], false);
    let summary = lines.last().unwrap();
    assert_eq!(
        (summary["summary"].as_bool(), summary["models"].as_u64()),
        (Some(true), Some(9))
    );

    let bodies = chat_bodies(&sim);
    assert_eq!(bodies.len(), 9);
    for effort in ["low", "medium", "high"] {
        let sent: Vec<&Value> = bodies
            .iter()
            .filter(|b| b["reasoning"]["effort"] == effort)
            .collect();
        assert_eq!(sent.len(), 3, "{effort}");
        for b in &sent {
            let pinned = effort == "high";
            assert_eq!(b["seed"].as_i64(), pinned.then_some(7), "{b}");
            assert_eq!(b["temperature"].as_f64(), pinned.then_some(0.2));
            let system = &b["messages"][0];
            if pinned {
                assert_eq!(
                    (system["role"].as_str(), system["content"].as_str()),
                    (Some("system"), Some("Be terse, please"))
                );
            } else {
                assert_eq!(system["role"], "user");
            }
        }
    }
}

#[tokio::test]
async fn ask_text_titles_each_sample_with_its_settings_and_prints_the_spread() {
    let sim = gateway().await;
    let env = env_for(&sim);
    let out = run(
        &env,
        &[
            "ask",
            "-n",
            "2",
            "-m",
            "demo/fast{temperature=0.2,top_p=0.5}",
            "hi there",
        ],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("━━ demo/fast {T0.2 · top_p 0.5} · sample 1 of 2 ━━"),
        "{text}"
    );
    assert!(text.contains("sample 2 of 2"), "{text}");
    assert!(text.contains("≈≈ spread of pane 1: 2 samples · "), "{text}");
    assert!(
        chat_bodies(&sim)
            .iter()
            .all(|b| b["top_p"].as_f64() == Some(0.5))
    );
}

#[tokio::test]
async fn bad_settings_are_refused_before_anything_is_sent() {
    let sim = gateway().await;
    let env = env_for(&sim);
    for (model, says) in [
        (
            "demo/fast{temperature=7}",
            "temperature `7` is not allowed: it must be a number from 0 to 2",
        ),
        ("demo/fast{effort=max}", "effort `max` is not allowed"),
        (
            "demo/fast{seed=x}",
            "seed `x` is not allowed: it must be a whole number",
        ),
        ("demo/fast{colour=blue}", "unknown setting `colour`"),
        (
            "demo/fast{system=@no/such/file.md}",
            "system prompt file `./no/such/file.md`",
        ),
    ] {
        let out = run(&env, &["ask", "-m", model, "hi"]).await;
        assert_eq!(out.status.code(), Some(2), "{model}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{model}: {}", stderr(&out));
    }
    let out = run(&env, &["ask", "-n", "0", "-m", "demo/fast", "hi"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        sim.stats().requests.is_empty(),
        "{:?}",
        sim.stats().requests
    );
}

#[tokio::test]
async fn a_setting_the_model_does_not_take_is_flagged_before_sending() {
    let sim = gateway().await;
    let env = env_for(&sim);
    let out = run(&env, &["ask", "-m", "demo/fast{effort=high,seed=3}", "hi"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("demo/fast does not list reasoning among its supported parameters"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn a_system_prompt_file_in_the_config_is_sent() {
    let sim = gateway().await;
    let env = Env::with_config(&format!(
        "base_url = \"{}\"\ndialect = \"openrouter\"\nsystem_prompt = \"@prompts/terse.md\"\n",
        sim.base_url()
    ));
    std::fs::create_dir(env.dir.path().join("prompts")).unwrap();
    std::fs::write(env.dir.path().join("prompts/terse.md"), "One line only.").unwrap();
    let out = run(&env, &["ask", "-m", "demo/fast", "hi"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let bodies = chat_bodies(&sim);
    assert_eq!(bodies[0]["messages"][0]["content"], "One line only.");

    let missing = Env::with_config("system_prompt = \"@prompts/none.md\"\n");
    let out = run(&missing, &["ask", "-m", "demo/fast", "hi"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("prompts/none.md"), "{}", stderr(&out));
}

#[tokio::test]
async fn rerun_carries_each_panes_settings_and_saves_them() {
    use modelroom::pane_settings::parse_spec;
    use modelroom::store::{FORMAT_VERSION, PaneRecord, Params, Session, Totals, Turn};
    let sim = gateway().await;
    let env = env_for(&sim);
    let spec = parse_spec(
        "demo/thinker{effort=high,seed=11}",
        std::path::Path::new("."),
    )
    .unwrap();
    let mut session = Session {
        version: FORMAT_VERSION,
        id: "20261124-120000-cafe".into(),
        title: "efforts".into(),
        created_at: "2026-11-24T12:00:00Z".into(),
        updated_at: "2026-11-24T12:00:00Z".into(),
        panes: vec![PaneRecord {
            model: "demo/thinker".into(),
            closed: false,
            routing: Default::default(),
            settings: spec.settings.clone(),
            params: Params {
                max_tokens: 900,
                temperature: None,
                system: None,
            },
            turns: vec![Turn::User {
                content: "Why SSE?".into(),
            }],
        }],
        totals: Totals::default(),
        arena: Default::default(),
    };
    session.retotal();
    env.store().save(&session).unwrap();
    let out = run(&env, &["sessions", "rerun", &session.id, "--json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let bodies = chat_bodies(&sim);
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["reasoning"]["effort"], "high");
    assert_eq!(bodies[0]["seed"], 11);
    let saved_id = json_lines(&out).last().unwrap()["session"]
        .as_str()
        .unwrap()
        .to_owned();
    let saved = env.store().load(&saved_id).unwrap();
    assert_eq!(saved.panes[0].settings, spec.settings);
}

#[test]
fn a_rooms_pane_settings_are_sent_titled_saved_and_restored_on_resume() {
    use modelroom::app::{App, Settings};
    use modelroom::keymap::Keymap;
    use modelroom::pane_settings::parse_spec;
    let models = modelroom::model::parse_all(&["demo/thinker", "demo/thinker"]).unwrap();
    let mut app = App::new(&models, Keymap::default(), Settings::default());
    let spec = parse_spec(
        "demo/thinker{temperature=0.2,effort=high,system=terse}",
        std::path::Path::new("."),
    )
    .unwrap();
    app.panes[1].settings = spec.settings.clone();
    modelroom::app::update(
        &mut app,
        modelroom::app::Action::Resize {
            width: 160,
            height: 20,
        },
    );
    let buf = common::draw_sized(&app, 160, 20);
    assert!(
        common::text(&buf).contains("{T0.2 · effort high · sys \"terse\"}"),
        "{}",
        common::text(&buf)
    );
    let session = app.snapshot();
    assert!(session.panes[0].settings.is_default());
    assert_eq!(session.panes[1].settings, spec.settings);
    let text = serde_json::to_string(&session).unwrap();
    assert!(
        text.contains(r#""settings":{"system":"terse","temperature":0.2,"effort":"high"}"#),
        "{text}"
    );
    assert_eq!(text.matches(r#""settings""#).count(), 1);

    let (back, _) = App::from_session(&session, Keymap::default(), Settings::default()).unwrap();
    assert_eq!(back.panes[1].settings, spec.settings);
    let chat = back.panes[1].chat_for(0, &back.settings);
    assert_eq!(chat.temperature, Some(0.2));
    assert_eq!(chat.reasoning, Some(serde_json::json!({"effort": "high"})));
    assert_eq!(chat.messages[0].content, "terse");
    assert_eq!(back.panes[0].chat_for(0, &back.settings).reasoning, None);
}

#[tokio::test]
async fn exports_head_a_pane_with_its_settings() {
    use modelroom::pane_settings::parse_spec;
    use modelroom::store::{FORMAT_VERSION, PaneRecord, Params, Session, Totals, Turn};
    let env = Env::new();
    let spec = parse_spec(
        "demo/thinker{effort=high,seed=11}",
        std::path::Path::new("."),
    )
    .unwrap();
    let mut session = Session {
        version: FORMAT_VERSION,
        id: "20261124-120000-f00d".into(),
        title: "efforts".into(),
        created_at: "2026-11-24T12:00:00Z".into(),
        updated_at: "2026-11-24T12:00:00Z".into(),
        panes: vec![PaneRecord {
            model: "demo/thinker".into(),
            closed: false,
            routing: Default::default(),
            settings: spec.settings,
            params: Params::default(),
            turns: vec![Turn::User {
                content: "Why SSE?".into(),
            }],
        }],
        totals: Totals::default(),
        arena: Default::default(),
    };
    session.retotal();
    env.store().save(&session).unwrap();
    for format in ["md", "html", "json"] {
        let out = env
            .run(&["sessions", "export", &session.id, "--format", format])
            .await;
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        let says = if format == "json" {
            "\"effort\": \"high\""
        } else {
            "demo/thinker {seed 11 · effort high}"
        };
        assert!(text.contains(says), "{format}: {text}");
    }
}

#[tokio::test]
async fn past_its_endpoints_limit_an_answer_is_queued_and_sent_when_a_turn_frees() {
    use futures::{FutureExt, StreamExt};
    use modelroom::api::{ApiKey, ChatRequest, Client, Dialect, Endpoint, StreamEvent};
    use modelroom::chat::Message;
    let sim = gateway().await;
    let mut ep = Endpoint::new(sim.base_url(), Some(ApiKey::new(KEY)));
    ep.dialect = Dialect::OpenRouter;
    ep.max_concurrent = 1;
    let client = Client::new(ep).unwrap();
    let req = ChatRequest::new("demo/fast", vec![Message::user("hi")], 50);
    let mut first = client.clone().stream_chat(&req);
    assert!(matches!(
        first.next().await,
        Some(StreamEvent::Opened { .. })
    ));
    let mut second = client.stream_chat(&req);
    assert_eq!(second.next().await, Some(StreamEvent::Queued));
    // It waits for a permit the first answer holds: nothing of it reaches the server.
    assert!(second.next().now_or_never().is_none());
    assert_eq!(chat_bodies(&sim).len(), 1);
    drop(first);
    assert_eq!(second.next().await, Some(StreamEvent::Dequeued));
    assert!(matches!(
        second.next().await,
        Some(StreamEvent::Opened { .. })
    ));
    assert_eq!(chat_bodies(&sim).len(), 2);
}

#[tokio::test]
async fn samples_past_the_limit_all_answer_in_turn() {
    let sim = gateway().await;
    let env = Env::with_config(&format!(
        "base_url = \"{}\"\ndialect = \"openrouter\"\nmax_concurrent_requests = 2\n",
        sim.base_url()
    ));
    let out = run(&env, &["ask", "-n", "5", "--json", "-m", "demo/fast", "hi"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines.iter().filter(|l| l["sample"].is_u64()).count(), 5);
    assert!(lines.iter().all(|l| l["error"].is_null()));
    let bad = Env::with_config("max_concurrent_requests = 0\n");
    let out = run(&bad, &["ask", "-m", "demo/fast", "hi"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("max_concurrent_requests = 0 is out of range"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn the_daily_budget_counts_every_sample() {
    let sim = gateway().await;
    let env = Env::with_config(&format!(
        "base_url = \"{}\"\ndialect = \"openrouter\"\ndaily_budget_usd = 1\n",
        sim.base_url()
    ));
    // demo/premium: up to 2048 × $75/M ≈ $0.15 an answer.
    let out = run(&env, &["ask", "-n", "10", "-m", "demo/premium", "hi"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("up to $1.54 would pass today's budget"),
        "{}",
        stderr(&out)
    );
    assert!(chat_bodies(&sim).is_empty());
    let out = run(&env, &["ask", "-n", "2", "-m", "demo/premium", "hi"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test]
async fn models_endpoints_lists_a_models_providers() {
    let sim = gateway().await;
    let env = env_for(&sim);
    let out = run(&env, &["models", "--endpoints", "demo/thinker"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("Providers of demo/thinker\ntag "),
        "{text}"
    );
    for row in [
        "granite  Granite Bedrock  bf16   200000   3.15    15.75    99.6%   0.67       72     ok",
        "quasar   Quasar Compute   fp4    200000   4.20    21.00    99.6%   0.27       176    ok",
    ] {
        assert!(text.contains(row), "{row}: {text}");
    }
    let out = run(&env, &["models", "--endpoints", "demo/thinker", "--json"]).await;
    let list: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert_eq!(list[2]["quantization"], "fp4");
    assert!(list[2]["throughput_last_30m"]["p50"].as_f64().unwrap() > 0.0);
    let out = run(&env, &["models", "--endpoints", "demo/nothing"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot list the providers of demo/nothing: 404"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn a_provider_shootout_pins_one_pane_per_provider() {
    let sim = gateway().await;
    let env = env_for(&sim);
    let out = run(
        &env,
        &[
            "ask",
            "--providers",
            "all",
            "--json",
            "-m",
            "demo/thinker{effort=low}",
            "hi",
        ],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&out);
    let answers: Vec<&Value> = lines.iter().filter(|l| l["pane"].is_u64()).collect();
    let served: Vec<(&str, &str)> = answers
        .iter()
        .map(|l| {
            (
                l["pinned"].as_str().unwrap(),
                l["provider"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        served,
        [
            ("granite", "Granite Bedrock"),
            ("cirrus", "Cirrus AI"),
            ("quasar", "Quasar Compute")
        ]
    );
    assert!(answers.iter().all(|l| l["pin_broken"] == false));
    assert_eq!(answers[2]["pinned_provider"], "Quasar Compute · fp4");
    // Each request was pinned: only its provider, no fallbacks; the pane's settings kept.
    let bodies = chat_bodies(&sim);
    let pins: Vec<Value> = bodies.iter().map(|b| b["provider"].clone()).collect();
    for (pin, tag) in pins.iter().zip(["granite", "cirrus", "quasar"]) {
        assert_eq!(
            pin,
            &serde_json::json!({"only": [tag], "allow_fallbacks": false})
        );
    }
    assert!(bodies.iter().all(|b| b["reasoning"]["effort"] == "low"));
    // Different providers bill differently.
    let cost = |i: usize| answers[i]["cost"].as_f64().unwrap();
    assert!(cost(0) < cost(2), "{} {}", cost(0), cost(2));

    let out = run(
        &env,
        &[
            "ask",
            "--providers",
            "cirrus,nope",
            "-m",
            "demo/thinker",
            "hi",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "demo/thinker has no provider tagged `nope`: its providers are granite, cirrus, quasar"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(chat_bodies(&sim).len(), 3, "nothing more was sent");
}

#[tokio::test]
async fn a_pinned_pane_served_by_another_provider_says_so_loudly() {
    let sim = gateway().await;
    let env = env_for(&sim);
    let out = run(
        &env,
        &[
            "ask",
            "--providers",
            "granite",
            "-m",
            "demo/thinker",
            "[sim:ignorepin] hi",
        ],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("━━ demo/thinker @ Granite Bedrock · bf16 ━━"),
        "{text}"
    );
    assert!(
        text.contains("⚠⚠ PINNED TO `granite` BUT SERVED BY Cirrus AI"),
        "{text}"
    );
    let out = run(
        &env,
        &[
            "ask",
            "--json",
            "--providers",
            "granite",
            "-m",
            "demo/thinker",
            "[sim:ignorepin] hi",
        ],
    )
    .await;
    assert_eq!(json_lines(&out)[0]["pin_broken"], true);
}

#[tokio::test]
async fn the_fairness_filters_are_sent_and_honoured() {
    let sim = gateway().await;
    let env = env_for(&sim);
    for (args, provider) in [
        (
            vec!["-m", "demo/thinker{quantizations=fp4}"],
            "Quasar Compute",
        ),
        (
            vec!["-m", "demo/thinker{zdr=true,sort=throughput}"],
            "Granite Bedrock",
        ),
        (
            vec!["-m", "demo/thinker{sort=throughput,seed=1}"],
            "Quasar Compute",
        ),
        (
            vec![
                "-m",
                "demo/thinker{sort=throughput,seed=1}",
                "--require-parameters",
            ],
            "Granite Bedrock",
        ),
        (
            vec!["-m", "demo/thinker", "--min-throughput", "150"],
            "Quasar Compute",
        ),
        (
            vec!["-m", "demo/thinker", "--quantizations", "fp16"],
            "Cirrus AI",
        ),
    ] {
        let mut all = vec!["ask", "--json"];
        all.extend(&args);
        all.push("hi");
        let out = run(&env, &all).await;
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert_eq!(json_lines(&out)[0]["provider"], provider, "{args:?}");
    }
    let bodies = chat_bodies(&sim);
    assert_eq!(
        bodies[0]["provider"]["quantizations"],
        serde_json::json!(["fp4"])
    );
    assert_eq!(bodies[1]["provider"]["zdr"], true);
    assert_eq!(bodies[3]["provider"]["require_parameters"], true);
    assert_eq!(bodies[4]["provider"]["preferred_min_throughput"], 150.0);
    let out = run(
        &env,
        &["ask", "--quantizations", "fp9", "-m", "demo/thinker", "hi"],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("quantization `fp9` is not allowed"),
        "{}",
        stderr(&out)
    );
}

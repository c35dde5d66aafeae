//! Controlled comparisons (issue 13) from the built binary against the simulated gateway on
//! 127.0.0.1: panes with their own settings (`MODEL{key=value,...}`), several samples per
//! pane with their spread, settings refused before sending, carried by `sessions rerun`,
//! the concurrency limit. Every claim about what was sent is checked on the request bodies
//! the gateway received.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::binary::{Env, stderr, stdout};
use common::gateway_env::{KEY, chat_bodies, env_for, gateway, json_lines, run};
use serde_json::Value;

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
            turns: vec![Turn::user("Why SSE?")],
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
            turns: vec![Turn::user("Why SSE?")],
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
async fn the_room_refuses_a_bad_pane_setting_before_it_opens() {
    let env = Env::new();
    let out = env.run(&["--demo", "-m", "demo/fast{effort=max}"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("-m: effort `max` is not allowed"),
        "{}",
        stderr(&out)
    );
}

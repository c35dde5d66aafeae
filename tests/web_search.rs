//! Web search end to end against the simulated gateway: `ask --web` and a pane's `web=…`
//! settings put the `openrouter:web_search` tool on the wire (read back from what the server
//! received), the answers carry their cited sources and the searches' cost apart from the
//! tokens', in text and in JSON; the room shows the sources under the answer and the search
//! in the footer, and keeps them in the session and its exports.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::binary::{stderr, stdout};
use common::gateway_env::{chat_bodies, env_for, gateway, json_lines, run};
use common::live::{self, Room, screen};
use modelroom::api::{Client, Dialect};
use modelroom::app::{AnswerState, App, Settings};
use modelroom::keymap::Keymap;
use modelroom::runtime;
use modelroom::store::SessionStore;
use serde_json::{Value, json};

fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-9)
}

#[tokio::test]
async fn ask_web_json_sends_the_tool_and_reports_sources_and_the_search_cost() {
    let sim = gateway().await;
    let env = env_for(&sim);
    let out = run(
        &env,
        &[
            "ask",
            "--json",
            "--web",
            "-m",
            "demo/fast",
            "-m",
            "demo/coder{web_results=2,web_context=high}",
            "What changed in the latest Rust release?",
        ],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let bodies = chat_bodies(&sim);
    let tools = |model: &str| {
        bodies
            .iter()
            .find(|b| b["model"] == model)
            .map(|b| b["tools"].clone())
            .unwrap()
    };
    // The server tool, as the recorded clients sent it; never the deprecated `:online`.
    assert_eq!(
        tools("demo/fast"),
        json!([{"type": "openrouter:web_search"}])
    );
    assert_eq!(
        tools("demo/coder"),
        json!([{"type": "openrouter:web_search",
            "parameters": {"max_results": 2, "search_context_size": "high"}}])
    );
    assert!(
        bodies
            .iter()
            .all(|b| !b["model"].as_str().unwrap().contains(":online"))
    );

    let lines = json_lines(&out);
    let fast = &lines[0];
    assert_eq!(fast["model"], "demo/fast");
    let cited = fast["citations"].as_array().unwrap();
    assert_eq!(cited.len(), 3, "{fast}");
    assert_eq!(
        cited[0]["url"],
        "https://encyclopedia.example.org/wiki/what-changed-the-latest"
    );
    assert!(
        cited[0]["title"]
            .as_str()
            .unwrap()
            .contains("Example Encyclopedia")
    );
    assert_eq!(fast["usage"]["web_search_requests"], 1);
    // The catalog's price per search, apart from (and inside) the answer's cost.
    assert!(close(&fast["usage"]["search_cost"], 0.004), "{fast}");
    assert!(close(&fast["search_cost"], 0.004), "{fast}");
    assert!(fast["cost"].as_f64().unwrap() > 0.004, "{fast}");
    let coder = &lines[1];
    assert_eq!(
        coder["citations"].as_array().unwrap().len(),
        2,
        "max_results=2"
    );
    let summary = lines.last().unwrap();
    assert_eq!(summary["web_search_requests"], 2);
    assert!(close(&summary["search_cost"], 0.008), "{summary}");
    let total = summary["total_cost"].as_f64().unwrap();
    let each: f64 = lines[..2].iter().map(|l| l["cost"].as_f64().unwrap()).sum();
    assert!(
        (total - each).abs() < 1e-12,
        "the search is not counted twice"
    );
}

#[tokio::test]
async fn ask_text_lists_the_sources_and_only_web_panes_search() {
    let sim = gateway().await;
    let env = env_for(&sim);
    let out = run(
        &env,
        &[
            "ask",
            "-m",
            "demo/fast{web=true}",
            "-m",
            "demo/coder",
            "Rust and Go: which compiles faster?",
        ],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let bodies = chat_bodies(&sim);
    let coder = bodies.iter().find(|b| b["model"] == "demo/coder").unwrap();
    assert!(coder.get("tools").is_none(), "{coder}");
    let text = stdout(&out);
    assert!(text.contains("━━ demo/fast {web} ━━"), "{text}");
    assert!(
        text.contains("sources:\n  [1] rust and which compiles"),
        "{text}"
    );
    assert!(
        text.contains("      https://blog.example.com/rust-and-which-compiles-compared"),
        "two searches cite five sources: {text}"
    );
    assert!(text.contains("search 2 × $0.004"), "{text}");
}

#[tokio::test]
async fn a_model_that_takes_no_tools_fails_alone_with_the_gateways_words() {
    let sim = gateway().await;
    let env = env_for(&sim);
    let out = run(
        &env,
        &[
            "ask",
            "--web",
            "--json",
            "-m",
            "demo/mini:free",
            "-m",
            "demo/fast",
            "hi",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("does not list tools among its supported parameters"),
        "flagged before sending: {}",
        stderr(&out)
    );
    let lines = json_lines(&out);
    assert!(
        lines[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("support tool use")
    );
    assert!(lines[1]["error"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_room_shows_sources_and_the_search_apart_and_keeps_them() {
    let sim = live::gateway().await;
    let client = Client::new(live::endpoint(&sim.base_url(), Dialect::OpenRouter)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::open(dir.path().join("sessions")).unwrap();
    let saving = store.clone();
    let mut room = Room::start_app(
        client,
        || {
            let models = modelroom::model::parse_all(&["demo/fast", "demo/coder"]).unwrap();
            let mut app = App::new(&models, Keymap::default(), Settings::default());
            app.panes[0].settings.web = true;
            app
        },
        (150, 50),
        move |ctx, tx| {
            ctx.saver = Some(runtime::Saver::new(saving.clone(), tx.clone()));
            ctx.store = Some(saving);
        },
    )
    .holding(sim);
    room.wait("the first frame", |s| s.frames > 0).await;
    room.type_line("Tell me about SSE");
    room.wait("both answers", |s| s.answers == 2 && s.streaming == 0)
        .await;
    let (mut app, term) = room.quit().await;
    // F3: the search apart from the tokens, per model and for the session.
    modelroom::app::update(
        &mut app,
        modelroom::app::Action::Command(modelroom::app::Command::Spend),
    );
    let spend = common::text(&common::draw_sized(&app, 150, 50));
    assert!(spend.contains("of it search"), "{spend}");
    assert!(spend.contains("1 × $0.004"), "{spend}");
    assert!(
        spend.contains("(of it $0.004 for 1 web search(es))"),
        "{spend}"
    );
    let web = app.panes[0].last_answer().unwrap();
    assert_eq!(web.state, AnswerState::Complete);
    assert_eq!(web.reply.citations.len(), 3);
    assert!(
        app.panes[1]
            .last_answer()
            .unwrap()
            .reply
            .citations
            .is_empty()
    );
    let text = screen(&term).join("\n");
    assert!(text.contains("sources (3)"), "{text}");
    assert!(
        text.contains("[1] tell about sse — Example Encyclopedia"),
        "{text}"
    );
    assert!(
        text.contains("https://encyclopedia.example.org/wiki/tell-about-sse"),
        "{text}"
    );
    assert!(text.contains("search 1 × $0.004"), "{text}");

    // Saved with the session, and kept by its exports.
    let session = store.load(&app.session.id).unwrap();
    let saved = serde_json::to_value(&session).unwrap();
    let answer = &saved["panes"][0]["turns"][1];
    assert_eq!(answer["citations"].as_array().unwrap().len(), 3, "{answer}");
    assert_eq!(answer["usage"]["web_search_requests"], 1);
    assert!(saved["panes"][1]["turns"][1].get("citations").is_none());
    let md = modelroom::sessions::markdown::markdown(&session);
    assert!(
        md.contains("Sources:\n\n1. tell about sse — Example Encyclopedia — https://encyclopedia.example.org/wiki/tell-about-sse"),
        "{md}"
    );
    assert!(md.contains("(search 1 × $0.004)"), "{md}");
    let html = modelroom::sessions::html::html(&session);
    assert!(
        html.contains("<li><a href=\"https://encyclopedia.example.org/wiki/tell-about-sse\" rel=\"noreferrer noopener\">tell about sse — Example Encyclopedia</a>"),
        "{html}"
    );
    let shown = modelroom::sessions::text::show(&session, false);
    assert!(shown.contains("sources:\n  [1] tell about sse"), "{shown}");

    // Reopened, the answer has its sources and its search again.
    let (back, _) = App::from_session(&session, Keymap::default(), Settings::default()).unwrap();
    let again = back.panes[0].last_answer().unwrap();
    assert_eq!(again.reply.citations, web.reply.citations);
    assert_eq!(again.reply.usage, web.reply.usage);
}

/// Alt+P's web field turns a pane's search on: its title says so, the estimate counts one
/// search at the catalog's price, its request carries the tool, and the other pane's does not.
#[test]
fn the_settings_form_turns_search_on_and_the_estimate_counts_it() {
    use common::drive::{self, key, press, started};
    use modelroom::app::routing::Field;
    use modelroom::app::{Action, Command, Overlay, update};
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    let mut app = drive::room(&["demo/fast", "demo/fast"], Settings::default(), 140, 30);
    drive::load_demo_catalog(&mut app, 1);
    let before = modelroom::app::money::estimate(&app, &[0], "hello there").max;
    press(&mut app, KeyCode::Char('p'), KeyModifiers::ALT);
    let web = Field::ALL.iter().position(|f| *f == Field::Web).unwrap();
    for _ in 0..web {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Char(' '));
    let Overlay::Routing(form) = &app.overlay else {
        panic!("the form is open")
    };
    assert!(form.web);
    key(&mut app, KeyCode::Enter);
    assert!(app.panes[0].settings.web && !app.panes[1].settings.web);
    let after = modelroom::app::money::estimate(&app, &[0], "hello there").max;
    assert!(
        (after.as_usd() - before.as_usd() - 0.004).abs() < 1e-12,
        "{before} {after}"
    );
    app.prompt.set_text("hello there");
    let fx = update(&mut app, Action::Command(Command::Send));
    let chats = started(fx);
    assert_eq!(
        chats[0].2.web_search,
        Some(json!({"type": "openrouter:web_search"}))
    );
    assert_eq!(chats[1].2.web_search, None);
    let title = common::text(&common::draw_sized(&app, 140, 30));
    assert!(title.contains("demo/fast {web}"), "{title}");
}

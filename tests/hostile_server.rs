//! The real client against tiny loopback servers that misbehave on purpose: a 200 that is an
//! HTML page, oversized bodies, a catalog with broken entries, a stream of keep-alives only, a
//! server that echoes the key everywhere, absurd billed costs; and what `ask` prints then.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::StreamExt;
use modelroom::api::{
    ApiError, ApiKey, ChatRequest, Client, Clients, Dialect, Endpoint, ProviderSort, Reply, Routing,
};
use modelroom::ask::{AskPlan, run};
use modelroom::chat::Message;
use tokio::time::Instant;

const KEY: &str = "sk-or-v1-hostile0123456789abcdef";

/// Serves `router` on 127.0.0.1; returns its base URL (`…/v1`).
async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    format!("http://{addr}/v1")
}

fn client(base: &str, dialect: Dialect) -> Client {
    let mut ep = Endpoint::new(base, Some(ApiKey::new(KEY)));
    ep.dialect = dialect;
    ep.request_timeout = Duration::from_secs(10);
    ep.stall_timeout = Duration::from_secs(10);
    Client::new(ep).unwrap()
}

fn respond(content_type: &str, body: impl Into<Body>) -> Response {
    (
        [(header::CONTENT_TYPE, content_type.to_owned())],
        body.into(),
    )
        .into_response()
}

fn sse(body: String) -> Response {
    respond("text/event-stream", body)
}

async fn answer(client: &Client) -> Reply {
    let req = ChatRequest::new("a/b", vec![Message::user("hi")], 64);
    let mut reply = Reply::new(Instant::now());
    let mut events = client.stream_chat(&req);
    while let Some(e) = events.next().await {
        reply.apply(e, Instant::now());
    }
    reply
}

/// The key the request carried, as a server that echoes it would see it.
fn key_of(headers: &HeaderMap) -> String {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim_start_matches("Bearer ")
        .to_owned()
}

#[tokio::test]
async fn a_200_that_is_not_a_stream_says_what_it_is() {
    let base = serve(
        Router::new()
            .route(
                "/v1/chat/completions",
                post(|| async {
                    respond(
                        "text/html; charset=utf-8",
                        "<html><body>Welcome to nginx!</body></html>",
                    )
                }),
            )
            .route(
                "/json/v1/chat/completions",
                post(|| async {
                    respond(
                        "application/json",
                        r#"{"error":{"code":503,"message":"model is loading"}}"#,
                    )
                }),
            ),
    )
    .await;
    let reply = answer(&client(&base, Dialect::OpenAi)).await;
    let err = reply.error.unwrap();
    assert!(matches!(err, ApiError::NotAStream { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("an HTML page (text/html)") && text.contains("Welcome to nginx!"),
        "{text}"
    );
    assert!(err.hint().unwrap().contains("base URL"));
    let json_base = base.replace("/v1", "/json/v1");
    let err = answer(&client(&json_base, Dialect::OpenAi))
        .await
        .error
        .unwrap();
    assert_eq!(
        err.to_string(),
        "error during the answer (503): model is loading"
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused_and_bad_catalog_entries_skipped_and_counted() {
    let base = serve(
        Router::new()
            .route(
                "/v1/credits",
                get(|| async {
                    // Chunked, without a length: the cap holds while reading.
                    let piece = bytes::Bytes::from(vec![b' '; 64 * 1024]);
                    let body = futures::stream::iter(
                        (0..40).map(move |_| Ok::<_, std::io::Error>(piece.clone())),
                    );
                    respond("application/json", Body::from_stream(body))
                }),
            )
            .route(
                "/v1/key",
                get(|| async { respond("application/json", vec![b' '; 2 * 1024 * 1024]) }),
            )
            .route(
                "/v1/models",
                get(|| async {
                    respond(
                        "application/json",
                        r#"{"data":[{"id":"a/good","context_length":1000},
                                    {"id":"a/bad","context_length":"lots"},
                                    null, 7, {"name":"no id"},
                                    {"id":"b/good","pricing":{"prompt":"0","completion":"0"}}]}"#,
                    )
                }),
            ),
    )
    .await;
    let c = client(&base, Dialect::OpenRouter);
    for err in [
        c.credits().await.unwrap_err(),
        c.key_info().await.unwrap_err(),
    ] {
        assert!(matches!(err, ApiError::TooLarge { .. }), "{err:?}");
        assert!(err.to_string().contains("larger than 1 MiB"), "{err}");
    }
    let catalog = c.models().await.unwrap();
    let ids: Vec<&str> = catalog.models.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["a/good", "b/good"]);
    assert_eq!(catalog.skipped, 4);
}

#[tokio::test]
async fn ask_gives_up_at_its_deadline_on_a_server_that_only_sends_keep_alives() {
    let base = serve(Router::new().route(
        "/v1/chat/completions",
        post(|| async {
            let first = format!(
                "data: {}\n\n",
                serde_json::json!({"choices":[{"delta":{"content":"so far"}}]})
            );
            // The server's own pace: a keep-alive every 20 ms, for ever (the test waits on
            // nothing but `ask`'s answer).
            let every = tokio::time::interval(Duration::from_millis(20));
            let alive = futures::stream::once(async move { Ok::<_, std::io::Error>(first) }).chain(
                futures::stream::unfold(every, |mut every| async {
                    every.tick().await;
                    Some((Ok(": keep-alive\n\n".to_owned()), every))
                }),
            );
            respond("text/event-stream", Body::from_stream(alive))
        }),
    ))
    .await;
    let clients = Clients::new(client(&base, Dialect::OpenAi));
    let plan = plan(vec!["a/b".into()], Duration::from_millis(300));
    let mut out = Vec::new();
    let answers = run(&clients, &plan, &mut out).await.unwrap();
    let reply = &answers[0].reply;
    assert!(
        matches!(reply.error, Some(ApiError::Deadline { .. })),
        "{:?}",
        reply.error
    );
    assert_eq!(reply.content, "so far", "the text so far is kept");
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("ask_deadline_secs"), "{text}");
}

#[test]
fn the_deadline_and_the_line_cap_are_settings_with_bounds() {
    let path = std::path::Path::new("config.toml");
    let parse = |text: &str| modelroom::config::parse(text, path);
    let c = parse("ask_deadline_secs = 30\nmax_sse_line_mib = 2").unwrap();
    assert_eq!(c.ask_deadline(), Duration::from_secs(30));
    assert_eq!(c.max_sse_line(), 2 * 1024 * 1024);
    let d = parse("").unwrap();
    assert_eq!(d.ask_deadline(), modelroom::ask::DEFAULT_DEADLINE);
    assert_eq!(d.max_sse_line(), modelroom::api::lines::DEFAULT_MAX_LINE);
    for bad in [
        "ask_deadline_secs = 0",
        "ask_deadline_secs = 18446744073709551615",
        "max_sse_line_mib = 0",
        "max_sse_line_mib = 4096",
    ] {
        let err = parse(bad).unwrap_err().to_string();
        assert!(err.contains("must be between 1 and"), "{bad}: {err}");
    }
}

fn plan(models: Vec<String>, deadline: Duration) -> AskPlan {
    AskPlan {
        panes: modelroom::model::parse_all(&models)
            .unwrap()
            .into_iter()
            .map(modelroom::pane_settings::PaneSpec::plain)
            .collect(),
        samples: 1,
        messages: vec![Message::user("hi")],
        max_tokens: 64,
        temperature: None,
        json: false,
        show_reasoning: false,
        routing: Routing::default(),
        deny_data_collection: false,
        ledger: None,
        deadline,
        pdf_engine: None,
        not_sent: Default::default(),
    }
}

/// A server that puts the key it was sent in every string it can.
fn echoing_router() -> Router {
    Router::new()
        .route(
            "/v1/chat/completions",
            post(|headers: HeaderMap| async move {
                let key = key_of(&headers);
                let (a, b) = key.split_at(11);
                let chunk = |v: serde_json::Value| format!("data: {v}\n\n");
                let mut body = String::new();
                body += &chunk(serde_json::json!({"id":"gen-1","model":format!("m-{key}"),
                    "provider":format!("p-{key}"),
                    "choices":[{"delta":{"content":format!("your key is {a}"),
                        "reasoning":format!("{key}!"),
                        "reasoning_details":[{"type":"reasoning.text","text":key,"index":0}]}}]}));
                body += &chunk(serde_json::json!({"choices":[{"delta":{"content":format!("{b}, isn't it")}}]}));
                body += &format!("data: {{not json {key}\n\n");
                body += &chunk(serde_json::json!({"error":{"code":500,"message":format!("failed for {key}"),
                    "metadata":{"provider_name":key}}}));
                sse(body)
            }),
        )
        .route(
            "/v1/generation",
            get(|headers: HeaderMap| async move {
                let key = key_of(&headers);
                axum::Json(serde_json::json!({"data":{"id":"gen-1","provider_name":key,
                    "model":key,"total_cost":5000.0}}))
            }),
        )
        .route(
            "/v1/models",
            get(|headers: HeaderMap| async move {
                let key = key_of(&headers);
                axum::Json(
                    serde_json::json!({"data":[{"id":"a/b","name":key,"description":format!("see {key}")}]}),
                )
            }),
        )
        .route(
            "/v1/key",
            get(|headers: HeaderMap| async move {
                (
                    StatusCode::UNAUTHORIZED,
                    axum::Json(serde_json::json!({"error":{"code":401,
                        "message":format!("Invalid key {}", key_of(&headers)),
                        "metadata":{"raw":{"sent":key_of(&headers)},"provider_name":key_of(&headers)}}})),
                )
            }),
        )
}

#[tokio::test]
async fn a_key_the_server_echoes_is_replaced_everywhere_before_it_leaves_api() {
    let base = serve(echoing_router()).await;
    let c = client(&base, Dialect::OpenRouter);
    let reply = answer(&c).await;
    let everything = format!("{reply:?}");
    assert!(!everything.contains(KEY), "{everything}");
    assert!(!everything.contains("0123456789abcdef"), "{everything}");
    assert_eq!(reply.content, "your key is <redacted>, isn't it");
    assert_eq!(reply.reasoning, "<redacted>!");
    assert_eq!(reply.provider.as_deref(), Some("p-<redacted>"));
    assert!(
        reply
            .error
            .unwrap()
            .to_string()
            .contains("failed for <redacted>")
    );
    assert!(reply.damage.unwrap().to_string().contains("<redacted>"));

    let record = c.generation("gen-1").await.unwrap();
    assert_eq!(record.provider_name.as_deref(), Some("<redacted>"));
    // The billed cost is refused too, with its reason (item: absurd costs).
    assert_eq!(record.total_cost, None);
    assert!(record.cost_refused.unwrap().contains("more than $1000"));
    let catalog = c.models().await.unwrap();
    assert_eq!(catalog.models[0].name.as_deref(), Some("<redacted>"));
    assert_eq!(
        catalog.models[0].description.as_deref(),
        Some("see <redacted>")
    );
    let err = c.key_info().await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(KEY), "{shown}");
    assert!(shown.contains("Invalid key <redacted>"), "{shown}");
}

#[tokio::test]
async fn a_password_in_the_base_url_is_never_in_an_error() {
    // Nothing listens on port 9 of 127.0.0.1: the error names the URL, without its password.
    let c = Client::new(Endpoint::new(
        "http://admin:hunter2-secret-pw@127.0.0.1:9/v1",
        None,
    ))
    .unwrap();
    assert!(!format!("{c:?}").contains("hunter2"), "{c:?}");
    let reply = answer(&c).await;
    let err = reply.error.unwrap();
    let shown = format!("{err} {err:?}");
    assert!(matches!(err, ApiError::Connect { .. }), "{shown}");
    assert!(
        !shown.contains("hunter2") && shown.contains("http://127.0.0.1:9/v1"),
        "{shown}"
    );
}

#[tokio::test]
async fn ask_says_how_an_answer_ended_and_its_json_escapes_what_a_terminal_obeys() {
    let base = serve(Router::new().route(
        "/v1/chat/completions",
        post(
            |axum::Json(req): axum::Json<serde_json::Value>| async move {
                // The second model ends with a finish reason no server should send.
                let finish = if req["model"] == "a/b" {
                    "tool_calls"
                } else {
                    "odd\u{202e}\u{9b}31m\u{e0041}"
                };
                let body = format!(
                    "data: {}\n\ndata: {}\n\ndata: [DONE]\n\n",
                    serde_json::json!({"model":"m\u{85}\u{202e}x",
                    "choices":[{"delta":{"content":"evil\u{9b}2J\u{202e}txt.exe"}}]}),
                    serde_json::json!({"choices":[{"delta":{},"finish_reason":finish}]}),
                );
                sse(body)
            },
        ),
    ))
    .await;
    let clients = Clients::new(client(&base, Dialect::OpenAi));
    let mut p = plan(vec!["a/b".into(), "c/d".into()], Duration::from_secs(30));
    let mut out = Vec::new();
    run(&clients, &p, &mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("⚠ ended asking to call a tool, which modelroom does not run"),
        "{text}"
    );
    assert!(text.contains("ended with finish reason `odd"), "{text}");
    assert!(
        text.contains("\neviltxt.exe\n"),
        "C1 CSI and its sequence go: {text}"
    );
    assert!(
        !text.contains('\u{9b}') && !text.contains('\u{202e}') && !text.contains('\u{e0041}'),
        "{text:?}"
    );
    p.json = true;
    let mut out = Vec::new();
    run(&clients, &p, &mut out).await.unwrap();
    let json = String::from_utf8(out).unwrap();
    assert!(
        !json.contains('\u{9b}') && !json.contains('\u{202e}') && !json.contains('\u{e0041}'),
        "{json:?}"
    );
    let lines: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["content"], "eviltxt.exe");
    assert_eq!(lines[0]["finish_reason"], "tool_calls");
    assert!(
        lines[0]["finish_note"]
            .as_str()
            .unwrap()
            .contains("(finish: tool_calls)")
    );
    assert_eq!(lines[0]["error"], serde_json::Value::Null);
    // What is not display text (the finish reason as sent) is kept whole, escaped.
    assert_eq!(lines[1]["finish_reason"], "odd\u{202e}\u{9b}31m\u{e0041}");
}

#[tokio::test]
async fn routing_for_a_plain_openai_server_is_named_in_a_warning() {
    let base = serve(Router::new()).await;
    let clients = Clients::new(client(&base, Dialect::OpenRouter))
        .with("local", client(&base, Dialect::OpenAi));
    let mut p = plan(
        vec!["a/b".into(), "@local/x".into(), "@local/y".into()],
        Duration::from_secs(1),
    );
    p.routing.sort = Some(ProviderSort::Price);
    p.routing.fallbacks = vec!["c/d".into()];
    let warnings = modelroom::ask::routing_warnings(&clients, &p);
    assert_eq!(warnings.len(), 1, "once per endpoint: {warnings:?}");
    assert!(
        warnings[0].contains("(--sort, --fallback)")
            && warnings[0].contains("`dialect = \"openrouter\"` under [endpoints.local]"),
        "{warnings:?}"
    );
    p.routing = Routing::default();
    assert!(modelroom::ask::routing_warnings(&clients, &p).is_empty());
}

#[tokio::test]
async fn the_binary_warns_about_dropped_routing_and_sanitises_a_quoted_error_body() {
    let base = serve(Router::new().route(
        "/v1/models",
        get(|| async {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31mboom\u{202e}",
            )
        }),
    ))
    .await;
    let env = common::binary::Env::new();
    let out = env.run(&["--base-url", &base, "models", "--refresh"]).await;
    let err = common::binary::stderr(&out);
    assert!(!out.status.success());
    assert!(err.contains("boom"), "{err}");
    assert!(
        !err.contains('\u{1b}') && !err.contains('\u{9b}') && !err.contains('\u{202e}'),
        "{err:?}"
    );
    let out = env
        .run(&[
            "--base-url",
            &base,
            "ask",
            "-m",
            "a/b",
            "--sort",
            "price",
            "hi",
        ])
        .await;
    let err = common::binary::stderr(&out);
    assert!(
        err.contains("routing not sent (--sort): the server speaks the plain OpenAI dialect"),
        "{err}"
    );
}

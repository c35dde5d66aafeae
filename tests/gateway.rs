//! The real client against the simulated gateway on 127.0.0.1: every case of the streaming core
//! (normal answers, reasoning, cost, fallbacks, each HTTP error, in-stream errors, drops,
//! stalls, malformed chunks, split UTF-8, cancellation, concurrency).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures::StreamExt;
use modelroom::api::{
    ApiError, ApiKey, ChatRequest, Client, Dialect, Endpoint, ErrorCode, ProviderSort, Reply,
    Routing, StreamEvent,
};
use modelroom::chat::{FinishReason, Message};
use modelroom::sim::{self, SimHandle, SimOptions};
use tokio::time::Instant;

const KEY: &str = "sk-sim-test-key";

async fn gateway(opts: SimOptions) -> SimHandle {
    sim::start(
        0,
        SimOptions {
            api_key: Some(KEY.into()),
            time_scale: 0.0,
            ..opts
        },
    )
    .await
    .expect("the simulated gateway starts")
}

fn client_with(sim: &SimHandle, key: Option<&str>, stall: Duration) -> Client {
    let mut ep = Endpoint::new(sim.base_url(), key.map(ApiKey::new));
    ep.dialect = Dialect::OpenRouter;
    ep.stall_timeout = stall;
    ep.request_timeout = Duration::from_secs(10);
    Client::new(ep).unwrap()
}

fn client(sim: &SimHandle) -> Client {
    client_with(sim, Some(KEY), Duration::from_secs(10))
}

fn request(model: &str, prompt: &str) -> ChatRequest {
    ChatRequest::new(model, vec![Message::user(prompt)], 1024)
}

async fn collect(client: &Client, req: &ChatRequest) -> (Vec<StreamEvent>, Reply) {
    let mut reply = Reply::new(Instant::now());
    let events: Vec<StreamEvent> = client.stream_chat(req).collect().await;
    for e in events.clone() {
        reply.apply(e, Instant::now());
    }
    (events, reply)
}

fn http_status(reply: &Reply) -> Option<u16> {
    match reply.error.as_ref()? {
        ApiError::Http { status, .. } => Some(*status),
        _ => None,
    }
}

#[tokio::test]
async fn a_normal_stream_yields_text_provider_usage_and_cost() {
    let sim = gateway(SimOptions::default()).await;
    let (events, reply) = collect(&client(&sim), &request("demo/fast", "Explain SSE")).await;
    assert!(
        matches!(events.first(), Some(StreamEvent::Opened { generation_id: Some(id) }) if id.starts_with("gen-"))
    );
    assert_eq!(events.last(), Some(&StreamEvent::Done));
    assert!(
        reply.error.is_none() && reply.damage.is_none(),
        "{:?}",
        reply.error
    );
    assert!(reply.content.len() > 50, "{}", reply.content);
    assert_eq!(reply.finish_reason, Some(FinishReason::Stop));
    assert_eq!(reply.served_model.as_deref(), Some("demo/fast"));
    assert!(reply.provider.is_some());
    let usage = reply.usage.expect("usage chunk");
    assert!(usage.prompt_tokens > 0 && usage.completion_tokens > 0);
    assert!(reply.cost().unwrap().as_usd() > 0.0);
    let finished = events
        .iter()
        .filter(|e| matches!(e, StreamEvent::Finished(_)))
        .count();
    assert_eq!(
        finished, 1,
        "the usage chunk repeats the finish reason; report it once"
    );
}

#[tokio::test]
async fn the_request_carries_openrouter_fields_and_attribution_headers() {
    let sim = gateway(SimOptions::default()).await;
    let mut req = request("demo/fast", "hi");
    req.temperature = Some(0.5);
    collect(&client(&sim), &req).await;
    let stats = sim.stats();
    let posted = stats
        .requests
        .iter()
        .find(|r| r.path.ends_with("/chat/completions"))
        .unwrap();
    let body = &posted.body;
    assert_eq!(body["stream"], true);
    assert_eq!(body["usage"]["include"], true);
    assert_eq!(body["stream_options"]["include_usage"], true);
    assert_eq!(body["max_tokens"], 1024);
    assert_eq!(body["temperature"], 0.5);
    let header = |name: &str| {
        posted
            .headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header("x-title").as_deref(), Some("modelroom"));
    assert!(header("http-referer").is_some());
    assert!(header("authorization").is_some());
}

#[tokio::test]
async fn a_generic_endpoint_gets_only_standard_fields() {
    let sim = gateway(SimOptions::default()).await;
    let mut ep = Endpoint::new(sim.base_url(), Some(ApiKey::new(KEY)));
    ep.dialect = Dialect::OpenAi;
    let client = Client::new(ep).unwrap();
    let mut req = request("demo/fast", "hi");
    req.routing = Routing {
        sort: Some(ProviderSort::Price),
        fallbacks: vec!["demo/slow".into()],
        ..Routing::default()
    };
    let (_, reply) = collect(&client, &req).await;
    assert!(reply.error.is_none());
    let body = sim.stats().requests.last().unwrap().body.clone();
    assert!(body.get("usage").is_none() && body.get("provider").is_none());
    assert!(body.get("models").is_none());
    assert_eq!(body["stream_options"]["include_usage"], true);
}

#[tokio::test]
async fn reasoning_streams_before_the_answer_and_details_are_kept() {
    let sim = gateway(SimOptions::default()).await;
    let (events, reply) = collect(
        &client(&sim),
        &request("demo/thinker", "Why is the sky blue?"),
    )
    .await;
    let first_reasoning = events
        .iter()
        .position(|e| matches!(e, StreamEvent::Reasoning(_)));
    let first_content = events
        .iter()
        .position(|e| matches!(e, StreamEvent::Content(_)));
    assert!(first_reasoning.unwrap() < first_content.unwrap());
    assert!(!reply.reasoning.is_empty());
    let detail = &reply.reasoning_details[0];
    assert_eq!(detail["text"].as_str(), Some(reply.reasoning.as_str()));
    assert!(detail["signature"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(reply.usage.unwrap().reasoning_tokens > 0);
    // The next turn sends the details back unchanged.
    assert_eq!(
        reply.to_message().reasoning_details,
        reply.reasoning_details
    );
}

#[tokio::test]
async fn a_failing_provider_falls_back_and_the_reply_names_who_served() {
    let sim = gateway(SimOptions::default()).await;
    let (_, flaky) = collect(&client(&sim), &request("demo/flaky", "hello")).await;
    assert!(flaky.error.is_none());
    let mut req = request("demo/flaky", "hello");
    req.routing.allow_fallbacks = false;
    let (_, strict) = collect(&client(&sim), &req).await;
    // Without fallbacks the failing first provider surfaces as an error naming it.
    match strict.error {
        Some(ApiError::Http {
            status: 502,
            provider: Some(p),
            ..
        }) => assert_ne!(Some(p), flaky.provider.map(String::from)),
        other => panic!("expected a 502 naming the provider, got {other:?}"),
    }
}

#[tokio::test]
async fn a_fallback_model_serves_when_the_first_is_unknown() {
    let sim = gateway(SimOptions::default()).await;
    let mut req = request("nobody/nothing", "hello");
    req.routing.fallbacks = vec!["demo/fast".into()];
    let (_, reply) = collect(&client(&sim), &req).await;
    assert!(reply.error.is_none(), "{:?}", reply.error);
    assert_eq!(reply.served_model.as_deref(), Some("demo/fast"));
}

#[tokio::test]
async fn http_errors_arrive_as_values_with_status_message_and_hints() {
    let sim = gateway(SimOptions::default()).await;
    let c = client(&sim);
    for status in [
        400u16, 401, 402, 403, 404, 408, 429, 500, 502, 503, 524, 529,
    ] {
        let (events, reply) = collect(
            &c,
            &request("demo/fast", &format!("[sim:status={status}] hi")),
        )
        .await;
        assert_eq!(events.len(), 1, "{status}: only the failure, {events:?}");
        assert_eq!(http_status(&reply), Some(status), "{:?}", reply.error);
        let err = reply.error.unwrap();
        assert!(err.to_string().starts_with(&status.to_string()), "{err}");
        if status != 524 && status != 529 {
            assert!(err.hint().is_some(), "{status} has a hint");
        }
        if status == 429 || status == 503 {
            assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
        }
    }
}

#[tokio::test]
async fn unknown_model_and_bad_key_are_reported() {
    let sim = gateway(SimOptions::default()).await;
    let (_, unknown) = collect(&client(&sim), &request("nobody/nothing", "hi")).await;
    assert_eq!(http_status(&unknown), Some(400));
    assert!(
        unknown
            .error
            .unwrap()
            .to_string()
            .contains("nobody/nothing")
    );
    let wrong = client_with(&sim, Some("sk-wrong"), Duration::from_secs(5));
    let (_, r) = collect(&wrong, &request("demo/fast", "hi")).await;
    assert_eq!(http_status(&r), Some(401));
    let err = r.error.unwrap().to_string();
    assert!(
        !err.contains("sk-wrong"),
        "the key never appears in errors: {err}"
    );
    let none = client_with(&sim, None, Duration::from_secs(5));
    let (_, r) = collect(&none, &request("demo/fast", "hi")).await;
    assert_eq!(http_status(&r), Some(401));
}

#[tokio::test]
async fn credits_run_out_with_402_and_free_models_rate_limit_with_429() {
    let sim = gateway(SimOptions {
        balance_usd: 0.000_001,
        free_requests_per_minute: 2,
        ..SimOptions::default()
    })
    .await;
    let c = client(&sim);
    let (_, paid) = collect(&c, &request("demo/fast", "hi")).await;
    assert_eq!(http_status(&paid), Some(402));
    assert!(paid.error.unwrap().hint().unwrap().contains(":free"));
    for _ in 0..2 {
        let (_, free) = collect(&c, &request("demo/mini:free", "hi")).await;
        assert!(free.error.is_none(), "{:?}", free.error);
    }
    let (_, limited) = collect(&c, &request("demo/mini:free", "hi")).await;
    assert_eq!(http_status(&limited), Some(429));
    assert!(limited.error.unwrap().retry_after().is_some());
}

#[tokio::test]
async fn an_error_chunk_mid_stream_keeps_the_partial_answer_and_usage() {
    let sim = gateway(SimOptions::default()).await;
    let (events, reply) = collect(&client(&sim), &request("demo/fast", "[sim:error=5] hi")).await;
    assert!(matches!(
        events.last(),
        Some(StreamEvent::Failed(ApiError::InStream { .. }))
    ));
    assert!(!reply.content.is_empty());
    assert!(
        reply.usage.is_some(),
        "usage attached to the error chunk is kept"
    );
    match reply.error.unwrap() {
        ApiError::InStream { code, provider, .. } => {
            assert_eq!(code, Some(ErrorCode::Number(502)));
            assert!(provider.is_some());
        }
        e => panic!("{e:?}"),
    }
}

#[tokio::test]
async fn a_dropped_connection_keeps_the_partial_answer() {
    let sim = gateway(SimOptions::default()).await;
    let (events, reply) = collect(&client(&sim), &request("demo/fast", "[sim:drop=8] hi")).await;
    assert!(
        matches!(
            events.last(),
            Some(StreamEvent::Failed(ApiError::Dropped { .. }))
        ),
        "{:?}",
        events.last()
    );
    assert!(!reply.content.is_empty());
    assert!(reply.usage.is_none());
    assert!(
        reply.generation_id.is_some(),
        "kept for reconciling the cost"
    );
}

#[tokio::test]
async fn a_stream_that_goes_silent_fails_after_the_stall_timeout() {
    let sim = gateway(SimOptions::default()).await;
    let c = client_with(&sim, Some(KEY), Duration::from_millis(300));
    let (events, reply) = collect(&c, &request("demo/fast", "[sim:stall=5000] hi")).await;
    assert!(
        matches!(
            events.last(),
            Some(StreamEvent::Failed(ApiError::Stalled { .. }))
        ),
        "{:?}",
        events.last()
    );
    assert!(!reply.content.is_empty(), "text before the stall is kept");
}

#[tokio::test]
async fn keep_alive_comments_count_as_life() {
    // The slow model's first token takes longer than the stall timeout, but its keep-alive
    // comments arrive sooner than that.
    let sim = sim::start(
        0,
        SimOptions {
            api_key: Some(KEY.into()),
            time_scale: 1.0,
            ..SimOptions::default()
        },
    )
    .await
    .unwrap();
    let c = client_with(&sim, Some(KEY), Duration::from_millis(900));
    let mut req = request(
        "demo/slow",
        "[sim:ttft=1500] [sim:tokens=3] [sim:rate=1000] hi",
    );
    req.max_tokens = 50;
    let (_, reply) = collect(&c, &req).await;
    assert!(reply.error.is_none(), "{:?}", reply.error);
}

#[tokio::test]
async fn a_malformed_chunk_is_reported_and_the_rest_of_the_answer_kept() {
    let sim = gateway(SimOptions::default()).await;
    let (_, clean) = collect(&client(&sim), &request("demo/fast", "hi there")).await;
    let (events, reply) = collect(
        &client(&sim),
        &request("demo/fast", "[sim:malformed=4] hi there"),
    )
    .await;
    assert!(events.iter().any(|e| matches!(
        e,
        StreamEvent::Damaged(modelroom::api::Damage::Undecodable(
            ApiError::Malformed { .. }
        ))
    )));
    assert_eq!(events.last(), Some(&StreamEvent::Done));
    assert_eq!(reply.content, clean.content);
    // One rule for `ask` and the room: a finished answer with a skipped chunk is complete,
    // with a warning, not failed.
    assert!(reply.failure().is_none());
    assert!(matches!(reply.damage, Some(ApiError::Malformed { .. })));
    assert!(
        reply.warnings()[0].starts_with("an undecodable chunk was skipped"),
        "{:?}",
        reply.warnings()
    );
}

#[tokio::test]
async fn utf8_split_across_reads_and_crlf_framing_are_reassembled() {
    let sim = gateway(SimOptions::default()).await;
    let (_, plain) = collect(
        &client(&sim),
        &request("demo/fast", "[sim:splitutf8] 日本語"),
    )
    .await;
    let (_, crlf) = collect(
        &client(&sim),
        &request("demo/fast", "[sim:splitutf8] [sim:crlf] 日本語"),
    )
    .await;
    assert!(plain.error.is_none() && crlf.error.is_none());
    assert!(plain.content.chars().any(|c| c.len_utf8() > 1));
    assert!(!plain.content.contains('\u{fffd}'));
    assert_eq!(plain.content, crlf.content);
}

#[tokio::test]
async fn a_stream_without_done_after_its_finish_is_complete() {
    let sim = gateway(SimOptions::default()).await;
    let (events, reply) = collect(&client(&sim), &request("demo/fast", "[sim:nodone] hi")).await;
    assert_eq!(events.last(), Some(&StreamEvent::Done));
    assert!(reply.error.is_none());
}

#[tokio::test]
async fn dropping_the_stream_closes_the_connection_and_the_cost_can_be_reconciled() {
    let sim = sim::start(
        0,
        SimOptions {
            api_key: Some(KEY.into()),
            time_scale: 1.0,
            ..SimOptions::default()
        },
    )
    .await
    .unwrap();
    let c = client(&sim);
    let mut stream = c.stream_chat(&request(
        "demo/slow",
        "[sim:ttft=0] [sim:rate=50] tell me a story",
    ));
    let mut generation_id = None;
    let mut got_text = false;
    while let Some(event) = stream.next().await {
        match event {
            StreamEvent::Opened { generation_id: id } => generation_id = id,
            StreamEvent::Content(_) => {
                got_text = true;
                break;
            }
            _ => {}
        }
    }
    assert!(got_text);
    drop(stream);
    assert!(
        sim.wait_until(|s| s.streams_cancelled == 1, Duration::from_secs(10))
            .await,
        "the gateway saw the connection close"
    );
    let record = c.generation(&generation_id.unwrap()).await.unwrap();
    assert_eq!(record.cancelled, Some(true));
    assert!(record.provider_name.is_some());
    assert!(record.total_cost.unwrap_or(0.0) > 0.0, "{record:?}");
}

#[tokio::test]
async fn eight_models_stream_at_once() {
    let sim = gateway(SimOptions::default()).await;
    let c = client(&sim);
    let models = [
        "demo/fast",
        "demo/thinker",
        "demo/coder",
        "demo/slow",
        "demo/flaky",
        "demo/canon",
        "demo/mini:free",
        "demo/fast",
    ];
    let tasks: Vec<_> = models
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let c = c.clone();
            let req = request(m, &format!("question {i}"));
            tokio::spawn(async move { collect(&c, &req).await.1 })
        })
        .collect();
    let mut contents = Vec::new();
    for t in tasks {
        let reply = t.await.unwrap();
        assert!(reply.error.is_none(), "{:?}", reply.error);
        assert!(reply.usage.is_some());
        contents.push(reply.content);
    }
    assert_ne!(contents[0], contents[7], "answers depend on the prompt");
    let stats = sim.stats();
    assert_eq!(stats.streams_completed, 8);
}

#[tokio::test]
async fn the_canonical_slug_from_the_response_wins() {
    let sim = gateway(SimOptions::default()).await;
    let (_, reply) = collect(&client(&sim), &request("demo/canon", "hi")).await;
    let served = reply.served_model.unwrap();
    assert_ne!(served, "demo/canon");
    assert!(served.starts_with("demo/canon"));
}

#[tokio::test]
async fn catalog_credits_key_and_generation_are_typed() {
    let sim = gateway(SimOptions::default()).await;
    let c = client(&sim);
    let catalog = c.models().await.unwrap();
    assert!(catalog.models.len() >= 10);
    assert!(catalog.pricing("demo/mini:free").unwrap().is_free());
    assert!(catalog.pricing("demo/fast").unwrap().prompt.unwrap() > 0.0);
    let before = c.credits().await.unwrap();
    let (_, reply) = collect(&c, &request("demo/fast", "hi")).await;
    let after = c.credits().await.unwrap();
    let spent = after.total_usage - before.total_usage;
    assert!((spent - reply.cost().unwrap().as_usd()).abs() < 1e-9);
    let key = c.key_info().await.unwrap();
    assert!(
        !key.label.unwrap_or_default().contains(KEY),
        "the label is masked"
    );
    let record = c
        .generation(reply.generation_id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(record.provider_name, reply.provider.map(String::from));
    assert_eq!(record.cancelled, Some(false));
    let missing = c.generation("gen-nope").await.unwrap_err();
    assert_eq!(missing.status(), Some(404));
}

#[tokio::test]
async fn an_unreachable_server_is_a_connect_error() {
    // Bind then drop a listener so the port is (very likely) closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = Client::new(Endpoint::new(format!("http://127.0.0.1:{port}/v1"), None)).unwrap();
    let (events, reply) = collect(&c, &request("x/y", "hi")).await;
    assert_eq!(events.len(), 1);
    assert!(
        matches!(reply.error, Some(ApiError::Connect { .. })),
        "{:?}",
        reply.error
    );
}

#[tokio::test]
async fn a_flood_streams_exactly_n_words_unpaced_and_past_max_tokens() {
    // At real pace demo/slow would take minutes for this (12 tokens/s, 1.5 s to first token).
    let sim = sim::start(
        0,
        SimOptions {
            api_key: Some(KEY.into()),
            time_scale: 1.0,
            balance_usd: 1000.0,
            ..SimOptions::default()
        },
    )
    .await
    .unwrap();
    let mut req = request("demo/slow", "[sim:flood=3000] go");
    req.max_tokens = 50;
    let (events, reply) = collect(&client(&sim), &req).await;
    let chunks = events
        .iter()
        .filter(|e| matches!(e, StreamEvent::Content(_)))
        .count();
    assert_eq!(chunks, 3000);
    assert!(reply.error.is_none(), "{:?}", reply.error);
    assert_eq!(reply.finish_reason, Some(FinishReason::Stop));
    assert!(reply.content.contains("## Section"));
    let (_, one) = collect(
        &client(&sim),
        &request("demo/slow", "[sim:flood=500] [sim:oneline] go"),
    )
    .await;
    assert!(!one.content.contains('\n'));
}

#[tokio::test]
async fn hostile_directives_bad_bytes_an_echoed_key_an_absurd_cost_and_an_html_page() {
    let sim = gateway(SimOptions::default()).await;
    let (_, clean) = collect(&client(&sim), &request("demo/fast", "hi there")).await;
    let (events, reply) = collect(
        &client(&sim),
        &request(
            "demo/fast",
            "[sim:badutf8] [sim:echokey] [sim:cost=1.7e308] hi there",
        ),
    )
    .await;
    assert_eq!(events.last(), Some(&StreamEvent::Done));
    assert!(reply.failure().is_none(), "{:?}", reply.error);
    assert_eq!(
        reply.content.as_str(),
        format!("Your key is <redacted>. \u{fffd}{}", clean.content)
    );
    assert!(!format!("{reply:?}").contains(KEY));
    assert_eq!(reply.cost(), None);
    assert_eq!(
        reply.warnings(),
        [
            "invalid UTF-8 replaced (2 sequences)",
            "cost refused: reported cost $1.7e308 is more than $1000 for one answer"
        ]
    );
    // The generation record reports the same absurd cost, and is refused the same way.
    let record = client(&sim)
        .generation(reply.generation_id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(record.total_cost, None);
    assert!(record.cost_refused.unwrap().contains("1.7e308"));

    let (_, reply) = collect(&client(&sim), &request("demo/fast", "[sim:html] hi")).await;
    let err = reply.error.unwrap().to_string();
    assert!(
        err.starts_with("the server answered with an HTML page (text/html), not an event stream"),
        "{err}"
    );
}

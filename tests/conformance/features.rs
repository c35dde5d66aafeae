//! Behaviours seen in particular recordings.

use super::*;

#[tokio::test]
async fn served_model_is_the_canonical_slug_not_the_requested_one() {
    let rel = "openrouter/stream/bedrock-claude-haiku-4.5-basic.sse";
    let meta: Value = serde_json::from_slice(&read(&rel.replace(".sse", ".meta.json"))).unwrap();
    let meta_text = meta.to_string();
    assert!(
        meta_text.contains("anthropic/claude-haiku-4.5"),
        "the request asked for the alias"
    );
    let got = fold(&decode(&read(rel), 64).await);
    assert_eq!(
        got.served_model.as_deref(),
        Some("anthropic/claude-4.5-haiku-20251001")
    );
    assert_eq!(got.provider.as_deref(), Some("Amazon Bedrock"));
    assert_eq!(got.content, "1\n2\n3");
    let usage = got.usage.unwrap();
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), (15, 9));
    assert_eq!(usage.cost.map(|c| c.as_usd()), Some(0.000_06));
    assert_eq!(got.finish.as_deref(), Some("stop"));
    assert!(got.error.is_none() && got.done);
}

#[tokio::test]
async fn usage_chunk_repeating_finish_reason_is_not_counted_twice() {
    let events = decode(
        &read("openrouter/stream/bedrock-claude-haiku-4.5-basic.sse"),
        7,
    )
    .await;
    let finished: Vec<_> = events
        .iter()
        .filter(|e| matches!(e, StreamEvent::Finished(_)))
        .collect();
    assert_eq!(finished.len(), 1, "{events:#?}");
    let usages = events
        .iter()
        .filter(|e| matches!(e, StreamEvent::Usage(_)))
        .count();
    assert_eq!(usages, 1, "{events:#?}");
    let contents = events
        .iter()
        .filter(|e| matches!(e, StreamEvent::Content(_)))
        .count();
    assert_eq!(
        contents, 1,
        "empty content deltas make no events: {events:#?}"
    );
    assert_eq!(events.last(), Some(&StreamEvent::Done));
}

#[tokio::test]
async fn usage_chunk_does_not_overwrite_finish_reason() {
    let rel = "openrouter/stream/openai-gpt-4o-2025-08.sse";
    let body = String::from_utf8(read(rel)).unwrap();
    let usage_chunk = data_lines(&body)
        .into_iter()
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .find(|c| !c["usage"].is_null())
        .unwrap();
    assert!(
        usage_chunk["choices"][0]["finish_reason"].is_null(),
        "the recording's usage chunk has finish_reason:null"
    );
    let events = decode(body.as_bytes(), 1).await;
    let got = fold(&events);
    assert_eq!(got.finish.as_deref(), Some("stop"));
    assert_eq!(got.content, "Pebbles and Skipper.");
    assert_eq!(
        got.usage.and_then(|u| u.cost).map(|c| c.as_usd()),
        Some(0.000_102_5)
    );
    let finish_at = events
        .iter()
        .position(|e| matches!(e, StreamEvent::Finished(_)))
        .unwrap();
    let usage_at = events
        .iter()
        .position(|e| matches!(e, StreamEvent::Usage(_)))
        .unwrap();
    assert!(finish_at < usage_at, "{events:#?}");
}

#[tokio::test]
async fn midstream_error_keeps_partial_reasoning_and_usage() {
    let events = decode(
        &read("openrouter/stream/minimax-m2-free-midstream-error.sse"),
        7,
    )
    .await;
    let Some(StreamEvent::Failed(err)) = events.last() else {
        panic!("expected Failed last: {events:#?}");
    };
    assert_eq!(
        err,
        &ApiError::InStream {
            code: Some(ErrorCode::Number(400)),
            message: "Token limit reached".into(),
            provider: Some("Minimax".into()),
        }
    );
    let usage_at = events
        .iter()
        .position(|e| matches!(e, StreamEvent::Usage(_)))
        .unwrap();
    assert_eq!(
        usage_at,
        events.len() - 2,
        "the error chunk's usage comes just before the failure"
    );
    let got = fold(&events);
    assert_eq!(got.reasoning, "We need to respond to a greeting. The user");
    assert_eq!(got.content, "");
    assert_eq!(
        got.finish.as_deref(),
        Some("length"),
        "the first non-null finish reason"
    );
    let usage = got.usage.unwrap();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.reasoning_tokens
        ),
        (43, 10, 11)
    );
    assert_eq!(
        usage.cost.map(|c| c.as_usd()),
        Some(0.0),
        "a reported zero cost stays Some(0)"
    );
    assert!(
        !events.iter().any(|e| matches!(e, StreamEvent::Done)),
        "the `[DONE]` after the error must not add a Done"
    );
}

#[tokio::test]
async fn fallback_model_is_reported_as_served() {
    let rel = "openrouter/stream/fallback-models-gemini-free-served-by-xai-grok-4.sse";
    let meta = String::from_utf8(read(&rel.replace(".sse", ".meta.json"))).unwrap();
    assert!(meta.contains("google/gemini-2.0-flash-exp:free"));
    let got = fold(&decode(&read(rel), 64).await);
    assert_eq!(got.served_model.as_deref(), Some("x-ai/grok-4"));
    assert_eq!(got.provider.as_deref(), Some("xAI"));
    let usage = got.usage.unwrap();
    assert_eq!(usage.cached_tokens, 679);
    assert_eq!(usage.reasoning_tokens, 118);
    assert_eq!(usage.cost.map(|c| c.as_usd()), Some(0.003_338_25));
    // As the request asked it (its `models` array), the reply says a fallback served.
    let meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
    let body = &meta["request"]["body"];
    let routing = modelroom::routing::Routing {
        fallbacks: serde_json::from_value(body["models"].clone()).unwrap(),
        ..Default::default()
    };
    let asked = body["model"].as_str().unwrap();
    let served = got.served_model.as_deref();
    let fallback = modelroom::served::fallback(asked, &routing, served, got.provider.as_deref());
    assert_eq!(
        fallback.unwrap().note(),
        "↪ served by x-ai/grok-4 after google/gemini-2.0-flash-exp:free"
    );
}

#[tokio::test]
async fn encrypted_reasoning_is_kept_as_one_merged_detail() {
    let got = fold(
        &decode(
            &read("openrouter/stream/openai-o3-reasoning-encrypted.sse"),
            64,
        )
        .await,
    );
    assert_eq!(
        got.reasoning, "",
        "`reasoning:null` gives no plain reasoning text"
    );
    assert_eq!(
        got.reasoning_details.len(),
        1,
        "{:?}",
        got.reasoning_details
    );
    let item = &got.reasoning_details[0];
    assert_eq!(item["type"], "reasoning.encrypted");
    assert_eq!(item["format"], "openai-responses-v1");
    assert_eq!(
        item["id"],
        "rs_0aa4f2c435e6d1dc0169082486816c8193a029b5fc4ef1764f"
    );
    let data = item["data"].as_str().unwrap();
    assert_eq!(data.len(), 1164);
    assert!(data.starts_with("gAAAAABpCCSIBxdevbk-8QtJuf4C6mgqDwXaUXZGqXqKQRX62aYMAYCg7DbF"));
    assert!(got.content.starts_with("I’m ChatGPT"));
    assert_eq!(
        got.finish.as_deref(),
        Some("stop"),
        "native `completed` is a normal stop"
    );
}

#[tokio::test]
async fn reasoning_signature_is_merged_into_the_text_detail() {
    let rel = "openrouter/stream/google-vertex-claude-sonnet-4.5-reasoning-signature.sse";
    let got = fold(&decode(&read(rel), 1).await);
    assert_eq!(
        got.reasoning,
        "This is a simple arithmetic question. 2+2 equals 4."
    );
    assert_eq!(got.content, "2 + 2 = 4");
    assert_eq!(
        got.reasoning_details.len(),
        1,
        "{:?}",
        got.reasoning_details
    );
    let item = &got.reasoning_details[0];
    assert_eq!(item["type"], "reasoning.text");
    assert_eq!(item["format"], "anthropic-claude-v1");
    assert_eq!(item["index"], 0);
    assert_eq!(item["text"].as_str(), Some(got.reasoning.as_str()));
    let signature = item["signature"].as_str().unwrap();
    assert_eq!(signature.len(), 304);
    assert!(signature.starts_with("Et0BCkgIChACGAIqQA2s7h7tA7IG35fbwVkou9PM"));
    assert_eq!(got.provider.as_deref(), Some("Google"));
    assert_eq!(
        got.served_model.as_deref(),
        Some("anthropic/claude-sonnet-4.5")
    );
}

#[tokio::test]
async fn tool_call_streams_finish_with_tool_calls_and_end_cleanly() {
    for rel in [
        "openrouter/stream/openai-gpt-4.1-mini-tool-call-2025-08.sse",
        "openrouter/stream/claude-haiku-4.5-tools-turn1.sse",
        "openrouter/stream/claude-haiku-4.5-reasoning-tool-call.sse",
        "other/openai-gpt-4o-mini-tool-call.sse",
    ] {
        let events = decode(&read(rel), 7).await;
        let got = fold(&events);
        assert_eq!(got.finish.as_deref(), Some("tool_calls"), "{rel}");
        assert_eq!(events.last(), Some(&StreamEvent::Done), "{rel}");
        assert!(
            got.error.is_none() && got.damage.is_none(),
            "{rel}: {got:?}"
        );
        assert_eq!(got.content, "", "{rel}: tool arguments are not content");
    }
}

#[tokio::test]
async fn perplexity_done_chunk_does_not_duplicate_content() {
    let rel = "other/perplexity-sonar-crlf.sse";
    let body = read(rel);
    assert!(
        body.windows(4).any(|w| w == b"\r\n\r\n"),
        "the recording uses CRLF framing"
    );
    assert!(!String::from_utf8_lossy(&body).contains("[DONE]"));
    let events = decode(&body, 7).await;
    let got = fold(&events);
    assert_eq!(
        got.content, "1 2 3",
        "`message` holds the whole text so far; only `delta` counts"
    );
    assert_eq!(got.finish.as_deref(), Some("stop"));
    let usage = got.usage.unwrap();
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), (8, 5));
    assert_eq!(
        usage.cost.map(|c| c.as_usd()),
        Some(0.005_01),
        "cost.total_cost"
    );
    assert_eq!(
        events.last(),
        Some(&StreamEvent::Done),
        "a finish reason was seen, so no `[DONE]` is fine"
    );
}

#[tokio::test]
async fn stream_without_done_marker_ends_cleanly_after_finish_reason() {
    let rel = "other/gpustack-llama-box-qwen3-reasoning.sse";
    let body = read(rel);
    assert!(!String::from_utf8_lossy(&body).contains("[DONE]"));
    let events = decode(&body, 64).await;
    assert_eq!(events.last(), Some(&StreamEvent::Done));
    let got = fold(&events);
    assert_eq!(got.content, "\n\n1, 2, 3.");
    assert!(
        got.reasoning
            .starts_with("\nOkay, the user wants me to count from 1 to 3.")
    );
    assert_eq!(
        got.reasoning.chars().count(),
        674,
        "reasoning_content deltas"
    );
    let usage = got.usage.unwrap();
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), (15, 171));
    assert_eq!(usage.cost, None);
}

#[tokio::test]
async fn servers_without_cost_report_no_cost_rather_than_zero() {
    for rel in [
        "other/deepseek-api-chat.sse",
        "other/mistral-api-small.sse",
        "other/vllm-0.24-crusoe-llama-3.3-70b.sse",
        "other/ollama-v1-qwen3-reasoning.sse",
        "other/ollama-cloud-v1-gpt-oss-120b.sse",
        "other/openai-gpt-4o-mini-after-tool.sse",
        "other/llama-server/stream-usage.sse",
        "other/llama-server/stream-length.sse",
    ] {
        let got = fold(&decode(&read(rel), 64).await);
        let usage = got.usage.unwrap_or_else(|| panic!("{rel}: usage expected"));
        assert!(
            usage.prompt_tokens > 0 && usage.completion_tokens > 0,
            "{rel}: {usage:?}"
        );
        assert_eq!(usage.cost, None, "{rel}");
        assert!(got.error.is_none() && got.done, "{rel}");
    }
}

#[tokio::test]
async fn deepseek_cache_hits_count_as_cached_tokens() {
    let body = String::from_utf8(read("other/deepseek-api-chat.sse")).unwrap();
    let hits = data_lines(&body)
        .into_iter()
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .find_map(|c| c["usage"]["prompt_cache_hit_tokens"].as_u64())
        .unwrap();
    let got = fold(&decode(body.as_bytes(), 64).await);
    assert_eq!(got.usage.unwrap().cached_tokens, hits);
    assert_eq!(got.served_model.as_deref(), Some("deepseek-v4-flash"));
}

#[tokio::test]
async fn stream_without_usage_reports_none() {
    for rel in [
        "other/llama-server/stream-plain.sse",
        "other/llama-server/openrouter-extras.sse",
    ] {
        let got = fold(&decode(&read(rel), 64).await);
        assert_eq!(got.usage, None, "{rel}");
        assert_eq!(got.finish.as_deref(), Some("length"), "{rel}");
        assert!(got.error.is_none() && got.done, "{rel}");
    }
}

#[tokio::test]
async fn length_finish_is_reported() {
    let got = fold(&decode(&read("other/llama-server/stream-length.sse"), 7).await);
    assert_eq!(got.finish.as_deref(), Some("length"));
    assert_eq!(got.content, "The ocean's a vast and mysterious realm");
    assert_eq!(got.usage.map(|u| u.cached_tokens), Some(24));
}

#[tokio::test]
async fn the_recorded_web_search_counts_its_search_and_its_share_of_the_bill() {
    let rel = "openrouter/stream/openai-gpt-4.1-mini-web-search-server-tool.sse";
    let meta: Value = serde_json::from_slice(&read(&rel.replace(".sse", ".meta.json"))).unwrap();
    assert_eq!(
        meta["request"]["body"]["tools"][0]["type"], "openrouter:web_search",
        "the recording is of the server tool, not the :online suffix"
    );
    for size in READ_SIZES {
        let usage = fold(&decode(&read(rel), size).await).usage.unwrap();
        assert_eq!(usage.web_search_requests, 1);
        // $0.0133176 billed = $0.0032696 prompt + $0.000048 completion + one $0.01 search.
        let search = usage.search_cost.unwrap().as_usd();
        assert!((search - 0.01).abs() < 1e-9, "{search}");
        let completion = usage.completion_cost.unwrap().as_usd();
        assert!((completion - 0.000_048).abs() < 1e-12, "{completion}");
        assert_eq!(usage.search_label().as_deref(), Some("search 1 × $0.01"));
    }
}

#[tokio::test]
async fn streamed_citations_are_folded_once_each_and_clean() {
    let chunk = |delta: Value| {
        format!(
            "data: {}\n\n",
            serde_json::json!({"choices": [{"delta": delta}]})
        )
    };
    let cite = |url: &str, title: &str| serde_json::json!({"type": "url_citation", "url_citation": {"url": url, "title": title, "start_index": 0, "end_index": 3}});
    let mut body = chunk(serde_json::json!({"content": "Ruby 4.0.6 [1]."}));
    body += &chunk(
        serde_json::json!({"content": "", "annotations": [cite("https://www.ruby-lang.org/en/downloads/", "Download \u{1b}[31mRuby")]}),
    );
    body += &chunk(serde_json::json!({"content": "", "annotations": [
        cite("https://www.ruby-lang.org/en/downloads/", "again"),
        cite("https://example.org/news", ""),
        {"type": "something_else"},
    ]}));
    body += &chunk(serde_json::json!({"annotations": "not a list"}));
    body += "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"cost\":0.02,\"server_tool_use\":{\"web_search_requests\":2}}}\n\ndata: [DONE]\n\n";
    for size in READ_SIZES {
        let events = decode(body.as_bytes(), size).await;
        assert!(
            !events.iter().any(|e| matches!(e, StreamEvent::Damaged(_))),
            "a strange annotation is skipped, not damage: {events:#?}"
        );
        let mut reply = Reply::new(Instant::now());
        for e in events {
            reply.apply(e, Instant::now());
        }
        let cited: Vec<(&str, &str)> = reply
            .citations
            .iter()
            .map(|c| (c.url.as_str(), c.title.as_str()))
            .collect();
        assert_eq!(
            cited,
            [
                ("https://www.ruby-lang.org/en/downloads/", "Download Ruby"),
                ("https://example.org/news", ""),
            ]
        );
        let usage = reply.usage.unwrap();
        assert_eq!(usage.web_search_requests, 2, "server_tool_use is read too");
        assert_eq!(
            usage.search_cost, None,
            "no split of the bill: its price unknown"
        );
        assert_eq!(usage.search_label().as_deref(), Some("search 2 × ?"));
    }
}

//! The SSE decoder (bytes → events) against hostile bodies: a line with no end, invalid
//! UTF-8, implausible costs, and random and mutated recordings from `tests/fixtures/`
//! (proptest: no panic, output bounded by input, exactly one terminal event, clear errors).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures::{StreamExt, stream};
use modelroom::api::sse::{DecodeOptions, TransportError, decode, decode_recorded};
use modelroom::api::{ApiError, Damage, Reply, StreamEvent};
use proptest::prelude::*;
use tokio::time::Instant;

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{rel}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn fold(events: &[StreamEvent]) -> Reply {
    let t0 = Instant::now();
    let mut r = Reply::new(t0);
    for e in events {
        r.apply(e.clone(), t0);
    }
    r
}

/// `body` handed over in `piece`-byte reads, as the socket would, with options `opts`.
async fn decode_with(body: Vec<u8>, piece: usize, opts: DecodeOptions) -> Vec<StreamEvent> {
    let body = Bytes::from(body);
    let pieces: Vec<Result<Bytes, TransportError>> = (0..body.len())
        .step_by(piece)
        .map(|i| Ok(body.slice(i..(i + piece).min(body.len()))))
        .collect();
    decode(stream::iter(pieces), opts).collect().await
}

fn chunk(content: &str) -> String {
    let delta = serde_json::json!({"choices":[{"delta":{"content":content}}]});
    format!("data: {delta}\n\n")
}

const FINISH: &str = "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"cost\":0.001}}\n\ndata: [DONE]\n\n";

#[tokio::test]
async fn a_50_mb_line_without_a_line_end_is_refused_with_a_clear_error() {
    // Before lines were framed ahead of `eventsource-stream`, this took time quadratic in the
    // line's length and never finished (upstream issue #11).
    let mut body = chunk("kept").into_bytes();
    body.extend_from_slice(b"data: {\"choices\":[{\"delta\":{\"content\":\"");
    body.resize(body.len() + 50 * 1024 * 1024, b'a');
    let events = decode_with(body, 64 * 1024, DecodeOptions::new(Duration::from_secs(60))).await;
    let got = fold(&events);
    assert_eq!(got.content, "kept", "the answer so far is kept");
    let Some(ApiError::Malformed { detail }) = &got.error else {
        panic!("{:?}", got.error)
    };
    assert!(
        detail.contains("a line (or one event's data) of more than 8 MiB")
            && detail.contains("max_sse_line_mib"),
        "{detail}"
    );
}

#[tokio::test]
async fn a_long_line_under_the_cap_is_read_whole_and_the_cap_can_be_set() {
    let big = "x".repeat(6 * 1024 * 1024);
    let body = format!("{}{FINISH}", chunk(&big)).into_bytes();
    let events = decode_with(
        body.clone(),
        64 * 1024,
        DecodeOptions::new(Duration::from_secs(60)),
    )
    .await;
    let got = fold(&events);
    assert!(got.error.is_none(), "{:?}", got.error);
    assert_eq!(got.content.len(), big.len());
    let mut small = DecodeOptions::new(Duration::from_secs(60));
    small.max_line = 1024 * 1024;
    let got = fold(&decode_with(body, 64 * 1024, small).await);
    assert!(matches!(got.error, Some(ApiError::Malformed { .. })));
}

#[tokio::test]
async fn an_event_of_endless_short_data_lines_is_refused_like_a_long_line() {
    // Each line is short, but no blank line ever ends the event: its data would grow without
    // end if only lines were capped.
    let mut body = chunk("kept").into_bytes();
    for _ in 0..40_000 {
        body.extend_from_slice(b"data: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n");
    }
    let mut small = DecodeOptions::new(Duration::from_secs(60));
    small.max_line = 1024 * 1024;
    let got = fold(&decode_with(body, 4096, small).await);
    assert_eq!(got.content, "kept", "the answer so far is kept");
    let Some(ApiError::Malformed { detail }) = &got.error else {
        panic!("{:?}", got.error)
    };
    assert!(detail.contains("one event's data"), "{detail}");
}

#[tokio::test]
async fn invalid_utf8_is_replaced_and_the_rest_of_the_answer_and_its_cost_kept() {
    let body = fixture("openrouter/stream/bedrock-claude-haiku-4.5-basic.sse");
    let intact = fold(&decode_recorded(&body, 64).await);
    assert!(intact.cost().is_some());
    // One bad byte in a keep-alive comment, one inside the first content delta.
    let text = String::from_utf8(body).unwrap();
    let mut broken = Vec::new();
    let comment = text.find(": OPENROUTER PROCESSING").unwrap() + 5;
    let content = text.find("\"content\":\"1").unwrap() + 12;
    broken.extend_from_slice(&text.as_bytes()[..comment]);
    broken.push(0xff);
    broken.extend_from_slice(&text.as_bytes()[comment..content]);
    broken.extend_from_slice(b"\xc3\x28");
    broken.extend_from_slice(&text.as_bytes()[content..]);
    for piece in [1, 7, 64, usize::MAX] {
        let events = decode_recorded(&broken, piece).await;
        let got = fold(&events);
        assert!(got.error.is_none(), "piece {piece}: {:?}", got.error);
        assert_eq!(events.last(), Some(&StreamEvent::Done));
        assert_eq!(
            got.content.as_str(),
            format!("1\u{fffd}({}", &intact.content[1..])
        );
        assert_eq!(got.cost(), intact.cost(), "the cost is not lost");
        assert_eq!(got.invalid_utf8, 2);
        assert_eq!(got.warnings(), ["invalid UTF-8 replaced (2 sequences)"]);
    }
}

#[tokio::test]
async fn implausible_costs_are_refused_with_their_reason_and_tokens_kept() {
    for (cost, why) in [
        ("1.7e308", "more than $1000 for one answer"),
        ("-0.5", "is negative"),
        ("{\"total_cost\":2500}", "more than $1000"),
    ] {
        let body = format!(
            "{}data: {{\"choices\":[{{\"delta\":{{}},\"finish_reason\":\"stop\"}}],\"usage\":{{\"prompt_tokens\":18446744073709551615,\"completion_tokens\":4,\"cost\":{cost}}}}}\n\n",
            chunk("hi")
        );
        let events = decode_recorded(body.as_bytes(), 16).await;
        let got = fold(&events);
        assert!(got.error.is_none(), "{cost}: {:?}", got.error);
        assert_eq!(got.cost(), None, "{cost} is not the answer's cost");
        let usage = got.usage.unwrap();
        assert_eq!(usage.prompt_tokens, u64::MAX);
        let refused = got.cost_refused.clone().unwrap();
        assert!(refused.contains(why), "{cost}: {refused}");
        assert!(got.warnings().iter().any(|w| w.starts_with("cost refused")));
    }
    // A believable cost still passes.
    let body = format!("{}{FINISH}", chunk("hi"));
    let got = fold(&decode_recorded(body.as_bytes(), 16).await);
    assert_eq!(got.cost().map(|c| c.as_usd()), Some(0.001));
    assert!(got.warnings().is_empty());
}

#[tokio::test]
async fn a_body_that_starts_with_a_byte_order_mark_is_read() {
    // `eventsource-stream` strips a leading BOM by slicing one byte off its three: a panic,
    // which killed the answer's task. The fuzz tests found it.
    let body = format!("\u{feff}\u{feff}{}{FINISH}", chunk("hi"));
    for piece in [1, 2, 64] {
        let got = fold(&decode_recorded(body.as_bytes(), piece).await);
        assert!(got.error.is_none(), "{:?}", got.error);
        assert_eq!(got.content, "hi");
    }
}

#[tokio::test]
async fn a_body_without_any_event_says_so_rather_than_blaming_a_finish_reason() {
    let got = fold(&decode_recorded(b"Hello, I am a plain text page.\n", 8).await);
    let err = got.error.unwrap().to_string();
    assert!(err.contains("without a single server-sent event"), "{err}");
    let cut = chunk("half");
    let got = fold(&decode_recorded(cut.as_bytes(), 8).await);
    assert!(
        got.error
            .unwrap()
            .to_string()
            .contains("without a finish reason")
    );
}

// ------------------------------------------------------------------ fuzzing

const CASES: u32 = 512;

const RECORDINGS: &[&str] = &[
    "openrouter/stream/bedrock-claude-haiku-4.5-basic.sse",
    "openrouter/stream/google-vertex-claude-sonnet-4.5-reasoning-signature.sse",
    "openrouter/stream/minimax-m2-free-midstream-error.sse",
    "openrouter/stream/openai-gpt-4.1-mini-tool-call-2025-08.sse",
    "other/perplexity-sonar-crlf.sse",
    "other/ollama-v1-qwen3-reasoning.sse",
    "other/llama-server/stream-usage.sse",
];

fn recording(rel: &str) -> Vec<u8> {
    static CACHE: std::sync::OnceLock<Vec<(&str, Vec<u8>)>> = std::sync::OnceLock::new();
    let all = CACHE.get_or_init(|| RECORDINGS.iter().map(|r| (*r, fixture(r))).collect());
    all.iter()
        .find(|(r, _)| *r == rel)
        .map(|(_, b)| b.clone())
        .unwrap_or_default()
}

/// What the decoder must do with any input at all.
fn check(input: &[u8], piece: usize) -> Result<(), TestCaseError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let events = rt.block_on(decode_recorded(input, piece));
    let terminal = events
        .iter()
        .filter(|e| matches!(e, StreamEvent::Done | StreamEvent::Failed(_)))
        .count();
    prop_assert_eq!(terminal, 1, "exactly one terminal event");
    prop_assert!(matches!(
        events.last(),
        Some(StreamEvent::Done | StreamEvent::Failed(_))
    ));
    // Output is bounded by the input: text out never exceeds bytes in (a replacement
    // character is 3 bytes for at least 1 bad byte, so it can triple, no more).
    let text: usize = events
        .iter()
        .map(|e| match e {
            StreamEvent::Content(t) | StreamEvent::Reasoning(t) => t.len(),
            _ => 0,
        })
        .sum();
    prop_assert!(
        text <= input.len() * 3,
        "{} bytes out of {}",
        text,
        input.len()
    );
    prop_assert!(events.len() <= input.len() + 3);
    // Errors say what happened, in words.
    for e in &events {
        if let StreamEvent::Failed(err) | StreamEvent::Damaged(Damage::Undecodable(err)) = e {
            prop_assert!(err.to_string().len() > 10, "{:?}", err);
        }
    }
    Ok(())
}

/// A recording with `edits` applied: bytes flipped, inserted, removed, or a cut at the end.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    let edits = prop::collection::vec((0u8..4, any::<prop::sample::Index>(), any::<u8>()), 1..12);
    (prop::sample::select(RECORDINGS), edits).prop_map(|(rel, edits)| {
        let mut body = recording(rel);
        for (kind, at, byte) in edits {
            if body.is_empty() {
                break;
            }
            let i = at.index(body.len());
            match kind {
                0 => body[i] = byte,
                1 => body.insert(i, byte),
                2 => {
                    body.remove(i);
                }
                _ => body.truncate(i),
            }
        }
        body
    })
}

/// Bytes shaped like SSE: field names, colons, line ends, JSON punctuation and high bytes.
fn sse_like() -> impl Strategy<Value = Vec<u8>> {
    let token = prop::sample::select(vec![
        &b"data: "[..],
        b"data:",
        b": keep-alive",
        b"event: x",
        b"\n",
        b"\r\n",
        b"\r",
        b"{\"choices\":[{\"delta\":{\"content\":\"",
        b"\"}}]}",
        b"[DONE]",
        b"\"finish_reason\":\"stop\"",
        b"\xff",
        b"\xe2\x82",
        b"\xef\xbb\xbf",
        b"\x1b[2J",
        b"{}",
    ]);
    prop::collection::vec(token, 0..64).prop_map(|t| t.concat())
}

/// Runs `CASES` cases of `strategy` through `check`, and says how many ran.
fn fuzz<S>(name: &str, strategy: S)
where
    S: Strategy<Value = (Vec<u8>, usize)>,
{
    let ran = AtomicU64::new(0);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: CASES,
        ..ProptestConfig::default()
    });
    let result = runner.run(&strategy, |(body, piece)| {
        ran.fetch_add(1, Ordering::Relaxed);
        check(&body, piece)
    });
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
    let ran = ran.load(Ordering::Relaxed);
    println!("fuzzed {ran} cases: {name}");
    assert!(ran >= u64::from(CASES));
}

#[test]
fn fuzz_mutated_recordings() {
    fuzz("mutated recordings", (mutated(), 1usize..200));
}

#[test]
fn fuzz_random_bytes() {
    fuzz(
        "random bytes",
        (prop::collection::vec(any::<u8>(), 0..2048), 1usize..64),
    );
}

#[test]
fn fuzz_sse_shaped_input() {
    fuzz("SSE-shaped input", (sse_like(), 1usize..32));
}

/// The served model and provider are scrubbed of keys whenever they change, also after
/// chunks where they were clean (each chunk repeats them; only a clean repeat skips the
/// scrubber), and a key cut between two content deltas is still caught.
#[test]
fn a_key_in_a_later_chunks_provider_or_split_across_deltas_is_replaced() {
    use modelroom::api::redact::Secrets;
    use modelroom::api::sse::ChunkDecoder;
    const KEY: &str = "sk-or-v1-0123456789abcdef";
    let mut d = ChunkDecoder::with_secrets(Secrets::new([KEY]));
    let mut out = Vec::new();
    let line = |provider: &str, content: &str| {
        serde_json::json!({"model": "m/x", "provider": provider,
            "choices": [{"delta": {"content": content}}]})
        .to_string()
    };
    d.feed(&line("Clean", "your key is sk-or-v1-0123"), &mut out);
    d.feed(&line("Clean", "456789abcdef, it"), &mut out);
    d.feed(&line(&format!("p-{KEY}"), " is"), &mut out);
    d.feed(&line(&format!("p-{KEY}"), " out"), &mut out);
    d.feed(&line("Clean", "."), &mut out);
    d.end(StreamEvent::Done, &mut out);
    let shown = format!("{out:?}");
    assert!(!shown.contains("0123456789abcdef"), "{shown}");
    let providers: Vec<_> = out
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Served { provider, .. } => provider.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(providers, ["Clean", "p-<redacted>", "Clean"]);
    let text: String = out
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Content(c) => Some(c.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(text, "your key is <redacted>, it is out.");
}

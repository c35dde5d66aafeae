//! Throughput of the stream decoder (`lines` framing and SSE + `ChunkDecoder`) on a recorded
//! OpenRouter stream and on a synthetic stream of many small chunks, fed in 1500-byte reads
//! (about one TCP segment). Results and the command that produced them: BENCHMARKS.md.
//!
//! Each stream is measured twice, once per throughput unit, because criterion reports one unit
//! per group: `decoder_events` prints events/s (`data:` lines, `[DONE]` included) and
//! `decoder_bytes` prints MB/s.
#![allow(clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use modelroom::api::StreamEvent;
use modelroom::api::sse::decode_recorded;
use tokio::runtime::Runtime;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
const LONG_THINKING: &str = "openrouter/stream/claude-haiku-4.5-long-thinking.sse";
const READ_SIZE: usize = 1500;
const SYNTHETIC_CHUNKS: usize = 10_000;

struct Body {
    name: &'static str,
    bytes: Vec<u8>,
    events: u64,
}

fn recorded() -> Body {
    let path = format!("{FIXTURES}/{LONG_THINKING}");
    let bytes = std::fs::read(&path).expect("the long-thinking fixture (tests/fixtures)");
    Body {
        name: "long_thinking_152KB",
        events: count_events(&bytes),
        bytes,
    }
}

/// 10,000 one-word content chunks shaped like OpenRouter's, then a finish chunk, a usage chunk
/// and `[DONE]`.
fn synthetic() -> Body {
    let mut s = String::new();
    let head = r#"{"id":"gen-1780944361-synthetic","object":"chat.completion.chunk","created":1780944361,"model":"anthropic/claude-4.5-haiku-20251001","provider":"Amazon Bedrock","choices":[{"index":0,"delta":{"#;
    s.push_str(": OPENROUTER PROCESSING\n\n");
    for i in 0..SYNTHETIC_CHUNKS {
        s.push_str("data: ");
        s.push_str(head);
        s.push_str(&format!(
            r#""role":"assistant","content":"w{i} "}},"finish_reason":null,"native_finish_reason":null}}]}}"#
        ));
        s.push_str("\n\n");
    }
    s.push_str("data: ");
    s.push_str(head);
    s.push_str(r#""role":"assistant","content":""},"finish_reason":"stop","native_finish_reason":"end_turn"}]}"#);
    s.push_str("\n\ndata: ");
    s.push_str(head);
    s.push_str(r#""role":"assistant","content":""},"finish_reason":"stop","native_finish_reason":"end_turn"}],"usage":{"prompt_tokens":15,"completion_tokens":10000,"total_tokens":10015,"cost":0.05}}"#);
    s.push_str("\n\ndata: [DONE]\n\n");
    let bytes = s.into_bytes();
    Body {
        name: "synthetic_10k_chunks",
        events: count_events(&bytes),
        bytes,
    }
}

fn count_events(body: &[u8]) -> u64 {
    let n = body
        .split(|&b| b == b'\n')
        .filter(|line| line.starts_with(b"data:"))
        .count();
    u64::try_from(n).expect("event count fits in u64")
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread tokio runtime")
}

/// Decodes once outside the measurement so a broken decoder fails the bench instead of
/// producing a fast, meaningless figure.
fn sanity_check(rt: &Runtime, body: &Body) {
    let events = rt.block_on(decode_recorded(&body.bytes, READ_SIZE));
    assert_eq!(events.last(), Some(&StreamEvent::Done), "{}", body.name);
    assert!(
        !events.iter().any(|e| matches!(e, StreamEvent::Damaged(_))),
        "{}",
        body.name
    );
}

/// A criterion group name and how one iteration's work is counted in it.
type Unit = (&'static str, fn(&Body) -> Throughput);

fn bench(c: &mut Criterion) {
    let rt = runtime();
    let bodies = [recorded(), synthetic()];
    for body in &bodies {
        sanity_check(&rt, body);
    }
    let units: [Unit; 2] = [
        ("decoder_events", |body| Throughput::Elements(body.events)),
        ("decoder_bytes", |body| {
            Throughput::BytesDecimal(body.bytes.len() as u64)
        }),
    ];
    for (group_name, throughput) in units {
        let mut group = c.benchmark_group(group_name);
        for body in &bodies {
            group.throughput(throughput(body));
            group.bench_function(body.name, |b| {
                b.iter(|| rt.block_on(decode_recorded(black_box(&body.bytes), READ_SIZE)));
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

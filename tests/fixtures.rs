//! Conformance: every recorded stream in `../shared/fixtures` goes through the real decoder
//! (`eventsource-stream` + `ChunkDecoder`) and the `Reply` fold, and must give what its chunks say.
//!
//! The expectations in `EXPECTED` were computed from the recordings by a separate script that
//! reads each `data:` line as plain JSON (concatenated `delta.content`, `delta.reasoning` or else
//! `delta.reasoning_content`, the last `usage`, the first non-null `finish_reason`, the chunks'
//! `model` and `provider`, any `error`), not by running this decoder. Robustness tests (cuts,
//! broken chunks, CRLF) compare against `reference_content`, a plain line-by-line reading of the
//! body with `serde_json::Value`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use modelroom::api::sse::decode_recorded;
use modelroom::api::{ApiError, ErrorCode, Reply, StreamEvent};
use modelroom::chat::Usage;
use serde_json::Value;
use tokio::time::Instant;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures");

/// Read sizes: byte by byte (splits every multi-byte character and every line), a small odd
/// size, a typical small TCP read, and the whole body at once.
const READ_SIZES: [usize; 4] = [1, 7, 64, usize::MAX];

// ---------------------------------------------------------------- expectations

/// Expected text: exactly, when short; else its length in chars plus its head and tail.
#[derive(Debug)]
enum Text {
    Exact(&'static str),
    Long {
        chars: usize,
        head: &'static str,
        tail: &'static str,
    },
}

impl Text {
    const fn exact(s: &'static str) -> Self {
        Self::Exact(s)
    }
    const fn long(chars: usize, head: &'static str, tail: &'static str) -> Self {
        Self::Long { chars, head, tail }
    }
    fn check(&self, what: &str, got: &str, errors: &mut Vec<String>) {
        let ok = match *self {
            Self::Exact(s) => got == s,
            Self::Long { chars, head, tail } => {
                got.chars().count() == chars && got.starts_with(head) && got.ends_with(tail)
            }
        };
        if !ok {
            errors.push(format!(
                "{what}: expected {self:?}, got {} chars: {got:?}",
                got.chars().count()
            ));
        }
    }
}

/// Expected usage; `cost: None` means the server reported no cost (not zero).
#[derive(Debug, PartialEq)]
struct U {
    prompt: u64,
    completion: u64,
    reasoning: u64,
    cached: u64,
    cost: Option<f64>,
}

/// One merged `reasoning_details` item: its type and the lengths of its concatenated parts.
#[derive(Debug, PartialEq)]
struct D {
    kind: &'static str,
    text_chars: Option<usize>,
    signature_chars: Option<usize>,
    data_chars: Option<usize>,
}

#[derive(Debug)]
enum End {
    Done,
    InStream { code: i64, message: &'static str },
}

#[derive(Debug)]
struct Expect {
    /// Relative to the fixtures folder.
    file: &'static str,
    content: Text,
    reasoning: Text,
    usage: Option<U>,
    finish: Option<&'static str>,
    model: Option<&'static str>,
    provider: Option<&'static str>,
    generation_id: Option<&'static str>,
    details: &'static [D],
    end: End,
}

const EXPECTED: &[Expect] = &[
    Expect {
        file: "openrouter/stream/bedrock-claude-haiku-4.5-basic.sse",
        content: Text::exact("1\n2\n3"),
        reasoning: Text::exact(""),
        usage: Some(U {
            prompt: 15,
            completion: 9,
            reasoning: 0,
            cached: 0,
            cost: Some(6e-05),
        }),
        finish: Some("stop"),
        model: Some("anthropic/claude-4.5-haiku-20251001"),
        provider: Some("Amazon Bedrock"),
        generation_id: Some("gen-1780944361-X5HAtL0Z2NQp8nHAiT6F"),
        details: &[],
        end: End::Done,
    },
    Expect {
        file: "openrouter/stream/bedrock-claude-haiku-4.5-count.sse",
        content: Text::exact("1\n2\n3"),
        reasoning: Text::exact(""),
        usage: Some(U {
            prompt: 15,
            completion: 9,
            reasoning: 0,
            cached: 0,
            cost: Some(6e-05),
        }),
        finish: Some("stop"),
        model: Some("anthropic/claude-4.5-haiku-20251001"),
        provider: Some("Amazon Bedrock"),
        generation_id: Some("gen-1780944363-ycVfiF0zq8LxtcFRCkoy"),
        details: &[],
        end: End::Done,
    },
    Expect {
        file: "openrouter/stream/claude-haiku-4.5-long-thinking.sse",
        content: Text::long(
            1168,
            "I'd ask: **\"Will you answer this questio",
            "rely**. \n\nWhat question would *you* ask?",
        ),
        reasoning: Text::long(
            2680,
            "This is a clever self-referential parado",
            "tainty about what they're really asking.",
        ),
        usage: Some(U {
            prompt: 80,
            completion: 1128,
            reasoning: 701,
            cached: 0,
            cost: Some(0.00572),
        }),
        finish: Some("stop"),
        model: Some("anthropic/claude-4.5-haiku-20251001"),
        provider: Some("Amazon Bedrock"),
        generation_id: Some("gen-1780944538-aEMb2TM4DVGCZh912hnR"),
        details: &[D {
            kind: "reasoning.text",
            text_chars: Some(2680),
            signature_chars: Some(5120),
            data_chars: None,
        }],
        end: End::Done,
    },
    Expect {
        file: "openrouter/stream/claude-haiku-4.5-reasoning-tool-call.sse",
        content: Text::exact(""),
        reasoning: Text::long(
            211,
            "The user is asking for the weather in Be",
            "e call the function with this parameter.",
        ),
        usage: Some(U {
            prompt: 626,
            completion: 106,
            reasoning: 54,
            cached: 0,
            cost: Some(0.001156),
        }),
        finish: Some("tool_calls"),
        model: Some("anthropic/claude-haiku-4.5"),
        provider: Some("Amazon Bedrock"),
        generation_id: Some("gen-1786403070-P09zUfOhE2qt2A6q4btq"),
        details: &[D {
            kind: "reasoning.text",
            text_chars: Some(211),
            signature_chars: Some(512),
            data_chars: None,
        }],
        end: End::Done,
    },
    Expect {
        file: "openrouter/stream/claude-haiku-4.5-reasoning-tool-result.sse",
        content: Text::long(
            95,
            "The current weather in Berlin is **15°C ",
            "t's a mild day with overcast conditions.",
        ),
        reasoning: Text::exact(""),
        usage: Some(U {
            prompt: 754,
            completion: 28,
            reasoning: 0,
            cached: 0,
            cost: Some(0.000894),
        }),
        finish: Some("stop"),
        model: Some("anthropic/claude-haiku-4.5"),
        provider: Some("Amazon Bedrock"),
        generation_id: Some("gen-1786403071-STzt5s2IfFGNI9X0uPWc"),
        details: &[],
        end: End::Done,
    },
    Expect {
        file: "openrouter/stream/claude-haiku-4.5-tools-turn1.sse",
        content: Text::exact(""),
        reasoning: Text::exact(""),
        usage: Some(U {
            prompt: 633,
            completion: 75,
            reasoning: 0,
            cached: 0,
            cost: Some(0.001008),
        }),
        finish: Some("tool_calls"),
        model: Some("anthropic/claude-4.5-haiku-20251001"),
        provider: Some("Amazon Bedrock"),
        generation_id: Some("gen-1780944556-miRHpYrMqwlqZtVoXXKe"),
        details: &[],
        end: End::Done,
    },
    Expect {
        file: "openrouter/stream/claude-haiku-4.5-tools-turn2.sse",
        content: Text::long(
            186,
            "The current weather in Berlin is:\n- **Te",
            "ring a light jacket if you're going out!",
        ),
        reasoning: Text::exact(""),
        usage: Some(U {
            prompt: 748,
            completion: 64,
            reasoning: 0,
            cached: 0,
            cost: Some(0.001068),
        }),
        finish: Some("stop"),
        model: Some("anthropic/claude-4.5-haiku-20251001"),
        provider: Some("Amazon Bedrock"),
        generation_id: Some("gen-1780944558-O2fI07WXeyJ2LTlGlXdy"),
        details: &[],
        end: End::Done,
    },
    Expect {
        file: "openrouter/stream/fallback-models-gemini-free-served-by-xai-grok-4.sse",
        content: Text::long(
            284,
            "I'm Grok, an AI built by xAI. I'm design",
            "kes along the way). What's on your mind?",
        ),
        reasoning: Text::exact(""),
        usage: Some(U {
            prompt: 687,
            completion: 187,
            reasoning: 118,
            cached: 679,
            cost: Some(0.00333825),
        }),
        finish: Some("stop"),
        model: Some("x-ai/grok-4"),
        provider: Some("xAI"),
        generation_id: Some("gen-1762064096-m5VxL2xrxOREwashCey6"),
        details: &[D {
            kind: "reasoning.encrypted",
            text_chars: None,
            signature_chars: None,
            data_chars: Some(799),
        }],
        end: End::Done,
    },
    Expect {
        file: "openrouter/stream/google-vertex-claude-sonnet-4.5-reasoning-signature.sse",
        content: Text::exact("2 + 2 = 4"),
        reasoning: Text::exact("This is a simple arithmetic question. 2+2 equals 4."),
        usage: Some(U {
            prompt: 43,
            completion: 36,
            reasoning: 13,
            cached: 0,
            cost: Some(0.000669),
        }),
        finish: Some("stop"),
        model: Some("anthropic/claude-sonnet-4.5"),
        provider: Some("Google"),
        generation_id: Some("gen-1765226419-AGrwjunAftQIAgweibL8"),
        details: &[D {
            kind: "reasoning.text",
            text_chars: Some(51),
            signature_chars: Some(304),
            data_chars: None,
        }],
        end: End::Done,
    },
    Expect {
        file: "openrouter/stream/minimax-m2-free-midstream-error.sse",
        content: Text::exact(""),
        reasoning: Text::exact("We need to respond to a greeting. The user"),
        usage: Some(U {
            prompt: 43,
            completion: 10,
            reasoning: 11,
            cached: 0,
            cost: Some(0.0),
        }),
        finish: Some("length"),
        model: Some("minimax/minimax-m2:free"),
        provider: Some("Minimax"),
        generation_id: Some("gen-1762179802-UN8pkJI4AGZvryk0kFnb"),
        details: &[D {
            kind: "reasoning.text",
            text_chars: Some(42),
            signature_chars: None,
            data_chars: None,
        }],
        end: End::InStream {
            code: 400,
            message: "Token limit reached",
        },
    },
    Expect {
        file: "openrouter/stream/openai-gpt-4.1-mini-tool-call-2025-08.sse",
        content: Text::exact(""),
        reasoning: Text::exact(""),
        usage: Some(U {
            prompt: 48,
            completion: 11,
            reasoning: 0,
            cached: 0,
            cost: Some(3.68e-05),
        }),
        finish: Some("tool_calls"),
        model: Some("openai/gpt-4.1-mini"),
        provider: Some("OpenAI"),
        generation_id: Some("gen-1754441566-QNLn11ywo16tGzus0Wix"),
        details: &[],
        end: End::Done,
    },
    Expect {
        file: "openrouter/stream/openai-gpt-4.1-mini-web-search-server-tool.sse",
        content: Text::exact("https://github.com/pydantic/pydantic-ai "),
        reasoning: Text::exact(""),
        usage: Some(U {
            prompt: 8174,
            completion: 30,
            reasoning: 0,
            cached: 0,
            cost: Some(0.0133176),
        }),
        finish: Some("stop"),
        model: Some("openai/gpt-4.1-mini"),
        provider: Some("OpenAI"),
        generation_id: Some("gen-1786465029-CAkqUciXgQW34RmFaTck"),
        details: &[],
        end: End::Done,
    },
    Expect {
        file: "openrouter/stream/openai-gpt-4o-2025-08.sse",
        content: Text::exact("Pebbles and Skipper."),
        reasoning: Text::exact(""),
        usage: Some(U {
            prompt: 17,
            completion: 6,
            reasoning: 0,
            cached: 0,
            cost: Some(0.0001025),
        }),
        finish: Some("stop"),
        model: Some("openai/gpt-4o"),
        provider: Some("OpenAI"),
        generation_id: Some("gen-1754441342-hIkMo7SMi0ZecQw3oR4d"),
        details: &[],
        end: End::Done,
    },
    Expect {
        file: "openrouter/stream/openai-o3-reasoning-encrypted.sse",
        content: Text::long(
            446,
            "I’m ChatGPT, a large-language-model assi",
            " you’d like help with, just let me know!",
        ),
        reasoning: Text::exact(""),
        usage: Some(U {
            prompt: 9,
            completion: 104,
            reasoning: 0,
            cached: 0,
            cost: Some(0.00085),
        }),
        finish: Some("stop"),
        model: Some("openai/o3"),
        provider: Some("OpenAI"),
        generation_id: Some("gen-1762141316-q3fB64DDMstJO0ZakdSK"),
        details: &[D {
            kind: "reasoning.encrypted",
            text_chars: None,
            signature_chars: None,
            data_chars: Some(1164),
        }],
        end: End::Done,
    },
    Expect {
        file: "other/deepseek-api-chat.sse",
        content: Text::exact("1, 2, 3."),
        reasoning: Text::exact(""),
        usage: Some(U {
            prompt: 11,
            completion: 8,
            reasoning: 0,
            cached: 0,
            cost: None,
        }),
        finish: Some("stop"),
        model: Some("deepseek-v4-flash"),
        provider: None,
        generation_id: Some("e626f326-1f18-4dca-aad2-0f60d3d57075"),
        details: &[],
        end: End::Done,
    },
    Expect {
        file: "other/gpustack-llama-box-qwen3-reasoning.sse",
        content: Text::exact("\n\n1, 2, 3."),
        reasoning: Text::long(
            674,
            "\nOkay, the user wants me to count from 1",
            "n order. Alright, that should cover it.\n",
        ),
        usage: Some(U {
            prompt: 15,
            completion: 171,
            reasoning: 160,
            cached: 0,
            cost: None,
        }),
        finish: Some("stop"),
        model: Some("qwen3"),
        provider: None,
        generation_id: Some("chatcmpl-bbvHp6ly4leGve5B8TjAK636vZE4A7bX"),
        details: &[],
        end: End::Done,
    },
    Expect {
        file: "other/llama-server/openrouter-extras.sse",
        content: Text::exact("I'm glad you're enjoying the chat! What"),
        reasoning: Text::exact(""),
        usage: None,
        finish: Some("length"),
        model: Some("/work/steering/peers/models/SmolLM2-135M-Instruct.Q4_1.gguf"),
        provider: None,
        generation_id: Some("chatcmpl-BMAxTVwlcZdFQrRLS3zDXx5tmMb9vTKg"),
        details: &[],
        end: End::Done,
    },
    Expect {
        file: "other/llama-server/stream-length.sse",
        content: Text::exact("The ocean's a vast and mysterious realm"),
        reasoning: Text::exact(""),
        usage: Some(U {
            prompt: 37,
            completion: 8,
            reasoning: 0,
            cached: 24,
            cost: None,
        }),
        finish: Some("length"),
        model: Some("/work/steering/peers/models/SmolLM2-135M-Instruct.Q4_1.gguf"),
        provider: None,
        generation_id: Some("chatcmpl-srgZA6LwYcwUBYBcf9GgdfSJbCnYDpdA"),
        details: &[],
        end: End::Done,
    },
    Expect {
        file: "other/llama-server/stream-plain.sse",
        content: Text::exact("1. 1. 1. 1. 1. 1. 1. 1. 1. 1. 1. 1. 1. 1"),
        reasoning: Text::exact(""),
        usage: None,
        finish: Some("length"),
        model: Some("/work/steering/peers/models/SmolLM2-135M-Instruct.Q4_1.gguf"),
        provider: None,
        generation_id: Some("chatcmpl-hxcsmJP3hJ8TIPn9vPPu03fbngIkRQAx"),
        details: &[],
        end: End::Done,
    },
    Expect {
        file: "other/llama-server/stream-usage.sse",
        content: Text::exact("1. 1. 1. 1. 1. 1. 1. 1. 1. 1. 1. 1. 1. 1"),
        reasoning: Text::exact(""),
        usage: Some(U {
            prompt: 37,
            completion: 40,
            reasoning: 0,
            cached: 0,
            cost: None,
        }),
        finish: Some("length"),
        model: Some("/work/steering/peers/models/SmolLM2-135M-Instruct.Q4_1.gguf"),
        provider: None,
        generation_id: Some("chatcmpl-cARvwCOIKVtdqIwX7TT50Ty4HSunf0TW"),
        details: &[],
        end: End::Done,
    },
    Expect {
        file: "other/mistral-api-small.sse",
        content: Text::exact("1, 2, 3"),
        reasoning: Text::exact(""),
        usage: Some(U {
            prompt: 22,
            completion: 8,
            reasoning: 0,
            cached: 0,
            cost: None,
        }),
        finish: Some("stop"),
        model: Some("mistral-small-latest"),
        provider: None,
        generation_id: Some("548ed34ecc7f4a6aa69187e16761bf0c"),
        details: &[],
        end: End::Done,
    },
    Expect {
        file: "other/ollama-cloud-v1-gpt-oss-120b.sse",
        content: Text::exact("1  \n2  \n3"),
        reasoning: Text::long(
            119,
            "The task: \"Count from 1 to 3\". Simple. L",
            " separate line or just numbers. Provide.",
        ),
        usage: Some(U {
            prompt: 74,
            completion: 53,
            reasoning: 0,
            cached: 0,
            cost: None,
        }),
        finish: Some("stop"),
        model: Some("gpt-oss:120b"),
        provider: None,
        generation_id: Some("chatcmpl-126"),
        details: &[],
        end: End::Done,
    },
    Expect {
        file: "other/ollama-v1-qwen3-reasoning.sse",
        content: Text::exact("1  \n2  \n3"),
        reasoning: Text::long(
            1177,
            "Okay, the user wants me to count from 1 ",
            "ct numbers. No mistakes there. All set.\n",
        ),
        usage: Some(U {
            prompt: 17,
            completion: 289,
            reasoning: 0,
            cached: 0,
            cost: None,
        }),
        finish: Some("stop"),
        model: Some("qwen3"),
        provider: None,
        generation_id: Some("chatcmpl-745"),
        details: &[],
        end: End::Done,
    },
    Expect {
        file: "other/openai-gpt-4o-mini-after-tool.sse",
        content: Text::exact("The capital of the UK is London."),
        reasoning: Text::exact(""),
        usage: Some(U {
            prompt: 78,
            completion: 9,
            reasoning: 0,
            cached: 0,
            cost: None,
        }),
        finish: Some("stop"),
        model: Some("gpt-4o-mini-2024-07-18"),
        provider: None,
        generation_id: Some("chatcmpl-Dx0Xq5Xx9rHB2ehcHZCRDsnuymUXc"),
        details: &[],
        end: End::Done,
    },
    Expect {
        file: "other/openai-gpt-4o-mini-tool-call.sse",
        content: Text::exact(""),
        reasoning: Text::exact(""),
        usage: Some(U {
            prompt: 53,
            completion: 15,
            reasoning: 0,
            cached: 0,
            cost: None,
        }),
        finish: Some("tool_calls"),
        model: Some("gpt-4o-mini-2024-07-18"),
        provider: None,
        generation_id: Some("chatcmpl-Dx0XpqH8w09uBXwq1zFGYdETjtnEl"),
        details: &[],
        end: End::Done,
    },
    Expect {
        file: "other/perplexity-sonar-crlf.sse",
        content: Text::exact("1 2 3"),
        reasoning: Text::exact(""),
        usage: Some(U {
            prompt: 8,
            completion: 5,
            reasoning: 0,
            cached: 0,
            cost: Some(0.00501),
        }),
        finish: Some("stop"),
        model: Some("sonar"),
        provider: None,
        generation_id: Some("aced166e-c42e-42ea-941e-24477b147dac"),
        details: &[],
        end: End::Done,
    },
    Expect {
        file: "other/vllm-0.24-crusoe-llama-3.3-70b.sse",
        content: Text::exact("1, 2, 3, 4, 5"),
        reasoning: Text::exact(""),
        usage: Some(U {
            prompt: 46,
            completion: 14,
            reasoning: 0,
            cached: 0,
            cost: None,
        }),
        finish: Some("stop"),
        model: Some("meta-llama/Llama-3.3-70B-Instruct"),
        provider: None,
        generation_id: Some("chatcmpl-bcfbe349402eb3d2"),
        details: &[],
        end: End::Done,
    },
];

// ---------------------------------------------------------------- helpers

fn fixtures() -> PathBuf {
    PathBuf::from(FIXTURES)
}

fn read(rel: &str) -> Vec<u8> {
    let path = fixtures().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Every `.sse` file under the fixtures folder, relative and with `/` separators.
fn recorded_streams() -> BTreeSet<String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeSet<String>) {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|x| x == "sse") {
                let rel: Vec<_> = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.insert(rel.join("/"));
            }
        }
    }
    let root = fixtures();
    let mut out = BTreeSet::new();
    walk(&root, &root, &mut out);
    out
}

/// What a consumer sees of one answer: the `Reply` fold, minus its timings.
#[derive(Debug, Clone, PartialEq)]
struct Folded {
    content: String,
    reasoning: String,
    reasoning_details: Vec<Value>,
    usage: Option<Usage>,
    finish: Option<String>,
    served_model: Option<String>,
    provider: Option<String>,
    generation_id: Option<String>,
    damage: Option<ApiError>,
    error: Option<ApiError>,
    done: bool,
}

fn fold(events: &[StreamEvent]) -> Folded {
    let now = Instant::now();
    let mut reply = Reply::new(now);
    for event in events {
        reply.apply(event.clone(), now);
    }
    Folded {
        content: reply.content,
        reasoning: reply.reasoning,
        reasoning_details: reply.reasoning_details,
        usage: reply.usage,
        finish: reply.finish_reason.as_ref().map(|f| f.as_str().to_owned()),
        served_model: reply.served_model,
        provider: reply.provider,
        generation_id: reply.generation_id,
        damage: reply.damage,
        error: reply.error,
        done: reply.done,
    }
}

/// Decodes and checks the one rule every stream obeys: exactly one terminal event, last.
async fn decode(body: &[u8], piece: usize) -> Vec<StreamEvent> {
    let events = decode_recorded(body, piece).await;
    let terminals = events
        .iter()
        .filter(|e| matches!(e, StreamEvent::Done | StreamEvent::Failed(_)))
        .count();
    assert_eq!(
        terminals, 1,
        "exactly one Done/Failed expected: {events:#?}"
    );
    assert!(
        matches!(
            events.last(),
            Some(StreamEvent::Done | StreamEvent::Failed(_))
        ),
        "the terminal event must come last: {events:#?}"
    );
    events
}

/// The `data:` payloads of a body, read line by line without the SSE library.
fn data_lines(body: &str) -> Vec<&str> {
    body.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter_map(|l| l.strip_prefix("data:"))
        .map(|d| d.strip_prefix(' ').unwrap_or(d))
        .collect()
}

/// Concatenated `delta.content` of every complete, parseable chunk in `body`.
fn reference_content(body: &str) -> String {
    let mut out = String::new();
    for data in data_lines(body) {
        let Ok(chunk) = serde_json::from_str::<Value>(data) else {
            continue;
        };
        for choice in chunk["choices"].as_array().into_iter().flatten() {
            if let Some(c) = choice["delta"]["content"].as_str() {
                out.push_str(c);
            }
        }
    }
    out
}

/// Byte offsets of the `data:` lines that start a line in `body`.
fn data_line_starts(body: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut at = 0;
    for line in body.split_inclusive('\n') {
        if line.starts_with("data:") {
            starts.push(at);
        }
        at += line.len();
    }
    starts
}

fn line_at(body: &str, start: usize) -> &str {
    let rest = &body[start..];
    let end = rest.find('\n').unwrap_or(rest.len());
    rest[..end].strip_suffix('\r').unwrap_or(&rest[..end])
}

fn chunk_at(body: &str, start: usize) -> Option<Value> {
    let data = line_at(body, start).strip_prefix("data:")?.trim_start();
    serde_json::from_str(data).ok()
}

fn has_finish_reason(chunk: &Value) -> bool {
    chunk["choices"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| !c["finish_reason"].is_null())
}

fn has_content(chunk: &Value) -> bool {
    chunk["choices"].as_array().into_iter().flatten().any(|c| {
        c["delta"]["content"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    })
}

fn check(exp: &Expect, got: &Folded) -> Vec<String> {
    let mut errors = Vec::new();
    exp.content.check("content", &got.content, &mut errors);
    exp.reasoning
        .check("reasoning", &got.reasoning, &mut errors);
    let usage = got.usage.map(|u| U {
        prompt: u.prompt_tokens,
        completion: u.completion_tokens,
        reasoning: u.reasoning_tokens,
        cached: u.cached_tokens,
        cost: u.cost.map(|c| c.as_usd()),
    });
    if usage != exp.usage {
        errors.push(format!("usage: expected {:?}, got {usage:?}", exp.usage));
    }
    if got.finish.as_deref() != exp.finish {
        errors.push(format!(
            "finish: expected {:?}, got {:?}",
            exp.finish, got.finish
        ));
    }
    if got.served_model.as_deref() != exp.model {
        errors.push(format!(
            "served model: expected {:?}, got {:?}",
            exp.model, got.served_model
        ));
    }
    if got.provider.as_deref() != exp.provider {
        errors.push(format!(
            "provider: expected {:?}, got {:?}",
            exp.provider, got.provider
        ));
    }
    if got.generation_id.as_deref() != exp.generation_id {
        errors.push(format!(
            "generation id: expected {:?}, got {:?}",
            exp.generation_id, got.generation_id
        ));
    }
    let details: Vec<D> = got
        .reasoning_details
        .iter()
        .map(|d| {
            let len = |k: &str| d[k].as_str().map(|s| s.chars().count());
            D {
                kind: match d["type"].as_str() {
                    Some("reasoning.text") => "reasoning.text",
                    Some("reasoning.encrypted") => "reasoning.encrypted",
                    Some("reasoning.summary") => "reasoning.summary",
                    _ => "other",
                },
                text_chars: len("text"),
                signature_chars: len("signature").filter(|&n| n > 0),
                data_chars: len("data"),
            }
        })
        .collect();
    if details != exp.details {
        errors.push(format!(
            "reasoning details: expected {:?}, got {details:?}",
            exp.details
        ));
    }
    // A merged text detail holds the same text as the plain reasoning deltas.
    for d in &got.reasoning_details {
        if let Some(text) = d["text"].as_str() {
            if !got.reasoning.is_empty() && text != got.reasoning {
                errors.push("merged reasoning.text differs from the concatenated reasoning".into());
            }
        }
    }
    if got.damage.is_some() {
        errors.push(format!("unexpected damage: {:?}", got.damage));
    }
    if !got.done {
        errors.push("the reply is not done".into());
    }
    match (&exp.end, &got.error) {
        (End::Done, None) => {}
        (
            End::InStream { code, message },
            Some(ApiError::InStream {
                code: c,
                message: m,
                ..
            }),
        ) if *c == Some(ErrorCode::Number(*code)) && m == message => {}
        (end, err) => errors.push(format!("end: expected {end:?}, got error {err:?}")),
    }
    errors
}

// ---------------------------------------------------------------- every recording

#[test]
fn every_recorded_stream_has_expectations() {
    let on_disk = recorded_streams();
    let expected: BTreeSet<String> = EXPECTED.iter().map(|e| e.file.to_owned()).collect();
    assert_eq!(
        EXPECTED.len(),
        expected.len(),
        "duplicate entries in EXPECTED"
    );
    let missing: Vec<_> = on_disk.difference(&expected).collect();
    let stale: Vec<_> = expected.difference(&on_disk).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "recorded streams without expectations: {missing:?}; expectations without a recording: {stale:?}"
    );
}

#[tokio::test]
async fn every_recorded_stream_decodes_to_what_its_chunks_say() {
    let mut failures = Vec::new();
    for exp in EXPECTED {
        let events = decode(&read(exp.file), usize::MAX).await;
        for err in check(exp, &fold(&events)) {
            failures.push(format!("{}: {err}", exp.file));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn read_size_does_not_change_the_answer() {
    for exp in EXPECTED {
        let body = read(exp.file);
        let whole = decode(&body, usize::MAX).await;
        for piece in READ_SIZES {
            let events = decode(&body, piece).await;
            assert_eq!(events, whole, "{} read {piece} bytes at a time", exp.file);
            assert_eq!(
                fold(&events),
                fold(&whole),
                "{} read {piece} bytes at a time",
                exp.file
            );
        }
    }
}

#[tokio::test]
async fn crlf_framing_decodes_like_lf() {
    for exp in EXPECTED {
        let body = String::from_utf8(read(exp.file)).unwrap();
        let lf = body.replace("\r\n", "\n");
        let crlf = lf.replace('\n', "\r\n");
        let reference = decode(lf.as_bytes(), usize::MAX).await;
        assert!(
            check(exp, &fold(&reference)).is_empty(),
            "{} with LF framing",
            exp.file
        );
        for piece in READ_SIZES {
            // Small reads split `\r\n` pairs: a lone `\r` must not end an extra (empty) line.
            let events = decode(crlf.as_bytes(), piece).await;
            assert_eq!(
                events, reference,
                "{} with CRLF framing, {piece}-byte reads",
                exp.file
            );
        }
    }
}

// ---------------------------------------------------------------- features seen in recordings

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

// ---------------------------------------------------------------- damaged bodies

#[tokio::test]
async fn stream_cut_before_its_finish_chunk_is_dropped_and_keeps_partial_content() {
    let mut cut_streams = 0;
    for exp in EXPECTED {
        let body = String::from_utf8(read(exp.file))
            .unwrap()
            .replace("\r\n", "\n");
        let starts = data_line_starts(&body);
        let Some(&finish_line) = starts
            .iter()
            .find(|&&s| chunk_at(&body, s).is_some_and(|c| has_finish_reason(&c)))
        else {
            continue;
        };
        cut_streams += 1;
        let before = reference_content(&body[..finish_line]);
        let line_len = line_at(&body, finish_line).len();
        // At an event boundary, and in the middle of the finish chunk's line.
        for cut in [finish_line, finish_line + line_len / 2] {
            for piece in [1, 64, usize::MAX] {
                let events = decode(&body.as_bytes()[..cut], piece).await;
                let got = fold(&events);
                assert!(
                    matches!(got.error, Some(ApiError::Dropped { .. })),
                    "{} cut at {cut}: {:?}",
                    exp.file,
                    got.error
                );
                assert_eq!(got.content, before, "{} cut at {cut}", exp.file);
                assert_eq!(got.finish, None, "{} cut at {cut}", exp.file);
                assert!(
                    got.damage.is_none(),
                    "an incomplete last event is discarded, not decoded: {}",
                    exp.file
                );
            }
        }
    }
    assert!(
        cut_streams >= 25,
        "only {cut_streams} streams had a finish chunk"
    );
}

#[tokio::test]
async fn stream_cut_mid_answer_keeps_the_text_so_far() {
    let rel = "openrouter/stream/claude-haiku-4.5-long-thinking.sse";
    let body = String::from_utf8(read(rel)).unwrap();
    // Cut in the middle of the eleventh content chunk's line (on a char boundary).
    let starts = data_line_starts(&body);
    let content_lines: Vec<usize> = starts
        .into_iter()
        .filter(|&s| chunk_at(&body, s).is_some_and(|c| has_content(&c)))
        .collect();
    let line = content_lines[10];
    let mut cut = line + line_at(&body, line).len() / 2;
    while !body.is_char_boundary(cut) {
        cut += 1;
    }
    let expected = reference_content(&body[..line]);
    assert!(!expected.is_empty() && expected.len() < 1168);
    let events = decode(&body.as_bytes()[..cut], 7).await;
    let got = fold(&events);
    assert_eq!(got.content, expected);
    assert_eq!(
        got.reasoning.chars().count(),
        2680,
        "the whole reasoning came before the answer"
    );
    assert!(matches!(
        events.last(),
        Some(StreamEvent::Failed(ApiError::Dropped { .. }))
    ));
}

#[tokio::test]
async fn undecodable_chunk_is_skipped_and_the_rest_kept() {
    let mut damaged_streams = 0;
    for exp in EXPECTED {
        let body = String::from_utf8(read(exp.file)).unwrap();
        let Some(&victim) = data_line_starts(&body).iter().find(|&&s| {
            chunk_at(&body, s).is_some_and(|c| has_content(&c) && !has_finish_reason(&c))
        }) else {
            continue;
        };
        damaged_streams += 1;
        let old_line = line_at(&body, victim);
        let mut broken = body.clone();
        broken.replace_range(
            victim..victim + old_line.len(),
            r#"data: {"choices":[{"delta":{"content":"lost"#,
        );
        let intact = fold(&decode(body.as_bytes(), usize::MAX).await);
        for piece in [1, 7, usize::MAX] {
            let events = decode(broken.as_bytes(), piece).await;
            let damaged: Vec<_> = events
                .iter()
                .filter(|e| matches!(e, StreamEvent::Damaged(_)))
                .collect();
            assert!(
                matches!(
                    damaged.as_slice(),
                    [StreamEvent::Damaged(ApiError::Malformed { .. })]
                ),
                "{}: {damaged:?}",
                exp.file
            );
            let got = fold(&events);
            assert_eq!(got.content, reference_content(&broken), "{}", exp.file);
            assert!(intact.content.len() > got.content.len(), "{}", exp.file);
            assert!(
                matches!(got.damage, Some(ApiError::Malformed { .. })),
                "{}",
                exp.file
            );
            // The rest of the answer still arrives: finish reason, usage and clean end.
            assert_eq!(got.finish, intact.finish, "{}", exp.file);
            assert_eq!(got.usage, intact.usage, "{}", exp.file);
            assert_eq!(got.error, intact.error, "{}", exp.file);
        }
    }
    assert!(
        damaged_streams >= 15,
        "only {damaged_streams} streams had a content chunk"
    );
}

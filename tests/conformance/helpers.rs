//! Decoding a body at a given read size, folding the events, and checking them against an
//! expectation or a plain line-by-line reading of the body.

use super::*;

pub(crate) fn fixtures() -> PathBuf {
    PathBuf::from(FIXTURES)
}

pub(crate) fn read(rel: &str) -> Vec<u8> {
    let path = fixtures().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Every `.sse` file under the fixtures folder, relative and with `/` separators.
pub(crate) fn recorded_streams() -> BTreeSet<String> {
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
pub(crate) struct Folded {
    pub(crate) content: String,
    pub(crate) reasoning: String,
    pub(crate) reasoning_details: Vec<Value>,
    pub(crate) usage: Option<Usage>,
    pub(crate) finish: Option<String>,
    pub(crate) served_model: Option<String>,
    pub(crate) provider: Option<String>,
    pub(crate) generation_id: Option<String>,
    pub(crate) damage: Option<ApiError>,
    pub(crate) error: Option<ApiError>,
    pub(crate) done: bool,
}

pub(crate) fn fold(events: &[StreamEvent]) -> Folded {
    let now = Instant::now();
    let mut reply = Reply::new(now);
    for event in events {
        reply.apply(event.clone(), now);
    }
    let done = reply.ended();
    Folded {
        content: reply.content.into_string(),
        reasoning: reply.reasoning.into_string(),
        reasoning_details: reply.reasoning_details,
        usage: reply.usage,
        finish: reply.finish_reason.as_ref().map(|f| f.as_str().to_owned()),
        served_model: reply.served_model.map(String::from),
        provider: reply.provider.map(String::from),
        generation_id: reply.generation_id,
        damage: reply.damage,
        error: reply.error,
        done,
    }
}

/// Decodes and checks the one rule every stream obeys: exactly one terminal event, last.
pub(crate) async fn decode(body: &[u8], piece: usize) -> Vec<StreamEvent> {
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
pub(crate) fn data_lines(body: &str) -> Vec<&str> {
    body.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter_map(|l| l.strip_prefix("data:"))
        .map(|d| d.strip_prefix(' ').unwrap_or(d))
        .collect()
}

/// Concatenated `delta.content` of every complete, parseable chunk in `body`.
pub(crate) fn reference_content(body: &str) -> String {
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
pub(crate) fn data_line_starts(body: &str) -> Vec<usize> {
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

pub(crate) fn line_at(body: &str, start: usize) -> &str {
    let rest = &body[start..];
    let end = rest.find('\n').unwrap_or(rest.len());
    rest[..end].strip_suffix('\r').unwrap_or(&rest[..end])
}

pub(crate) fn chunk_at(body: &str, start: usize) -> Option<Value> {
    let data = line_at(body, start).strip_prefix("data:")?.trim_start();
    serde_json::from_str(data).ok()
}

pub(crate) fn has_finish_reason(chunk: &Value) -> bool {
    chunk["choices"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| !c["finish_reason"].is_null())
}

pub(crate) fn has_content(chunk: &Value) -> bool {
    chunk["choices"].as_array().into_iter().flatten().any(|c| {
        c["delta"]["content"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    })
}

pub(crate) fn check(exp: &Expect, got: &Folded) -> Vec<String> {
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

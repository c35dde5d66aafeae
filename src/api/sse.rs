//! Bytes from the socket → SSE events (`eventsource-stream`) → typed `StreamEvent`s.
//! `ChunkDecoder` is pure and fixture-tested; `decode` adds the stall timer and the rules for
//! how a stream may end.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use eventsource_stream::{EventStreamError, Eventsource};
use futures::{Stream, StreamExt, stream};
use tokio::time::{Instant, Sleep};

use super::StreamEvent;
use super::error::ApiError;
use super::wire::{Chunk, WireCost, WireError};
use crate::chat::{Cost, FinishReason, Usage};

/// Turns the `data:` payloads of one response into events. It keeps the little state the
/// protocol needs: the first finish reason wins (OpenRouter's usage chunk repeats it, or sends
/// `null`), and the serving model/provider are announced once.
#[derive(Debug, Default)]
pub struct ChunkDecoder {
    served: Option<(Option<String>, Option<String>)>,
    finish: Option<FinishReason>,
    last_usage: Option<Usage>,
    done: bool,
}

impl ChunkDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// True once `[DONE]`, an error or a finish reason ended the answer.
    pub fn finished(&self) -> bool {
        self.done || self.finish.is_some()
    }

    /// Decodes one `data:` payload into `out`; returns `true` when the stream is over
    /// (`[DONE]` or a terminal error).
    pub fn feed(&mut self, data: &str, out: &mut Vec<StreamEvent>) -> bool {
        let data = data.trim();
        if data == "[DONE]" {
            self.done = true;
            return true;
        }
        if data.is_empty() {
            return false;
        }
        let chunk: Chunk = match serde_json::from_str(data) {
            Ok(c) => c,
            Err(e) => {
                out.push(StreamEvent::Damaged(ApiError::Malformed {
                    detail: format!("undecodable chunk ({e}): {}", preview(data)),
                }));
                return false;
            }
        };
        self.chunk(chunk, out)
    }

    fn chunk(&mut self, chunk: Chunk, out: &mut Vec<StreamEvent>) -> bool {
        if chunk.model.is_some() || chunk.provider.is_some() {
            let served = (chunk.model.clone(), chunk.provider.clone());
            if self.served.as_ref() != Some(&served) {
                self.served = Some(served);
                out.push(StreamEvent::Served {
                    id: chunk.id.clone(),
                    model: chunk.model.clone(),
                    provider: chunk.provider.clone(),
                });
            }
        }
        let mut choice_error = None;
        let mut native_failure = None;
        for choice in chunk.choices.into_iter().flatten() {
            if let Some(delta) = choice.delta {
                let reasoning = delta.reasoning.or(delta.reasoning_content);
                if let Some(r) = reasoning.filter(|r| !r.is_empty()) {
                    out.push(StreamEvent::Reasoning(r));
                }
                if let Some(details) = delta.reasoning_details.filter(|d| !d.is_empty()) {
                    out.push(StreamEvent::ReasoningDetails(details));
                }
                if let Some(c) = delta.content.filter(|c| !c.is_empty()) {
                    out.push(StreamEvent::Content(c));
                }
            }
            if choice.error.is_some() {
                choice_error = choice.error;
            }
            if let Some(native) = choice.native_finish_reason.as_deref() {
                if matches!(native, "error" | "network_error") {
                    native_failure = Some(native.to_owned());
                }
            }
            if self.finish.is_none() {
                if let Some(reason) = choice.finish_reason {
                    let reason = FinishReason::from(reason);
                    if reason != FinishReason::Error {
                        out.push(StreamEvent::Finished(reason.clone()));
                    }
                    self.finish = Some(reason);
                }
            }
        }
        if let Some(usage) = chunk.usage.map(usage_from_wire) {
            if self.last_usage != Some(usage) {
                self.last_usage = Some(usage);
                out.push(StreamEvent::Usage(usage));
            }
        }
        // Any chunk with an error is terminal, whatever `choices` holds (§3.6).
        let provider = chunk.provider;
        let failure = match (chunk.error.or(choice_error), native_failure) {
            (Some(err), _) => Some(in_stream(err, provider)),
            (None, Some(native)) => Some(ApiError::InStream {
                code: None,
                message: format!("the provider reported `{native}`"),
                provider,
            }),
            (None, None) if self.finish == Some(FinishReason::Error) => Some(ApiError::InStream {
                code: None,
                message: "the provider ended the answer with an error".into(),
                provider,
            }),
            (None, None) => None,
        };
        if let Some(err) = failure {
            out.push(StreamEvent::Failed(err));
            self.done = true;
            return true;
        }
        false
    }
}

fn in_stream(err: WireError, chunk_provider: Option<String>) -> ApiError {
    let meta = err.metadata;
    ApiError::InStream {
        code: err.code,
        message: err
            .message
            .unwrap_or_else(|| "the provider reported an error".into()),
        provider: meta.and_then(|m| m.provider_name).or(chunk_provider),
    }
}

fn usage_from_wire(u: super::wire::WireUsage) -> Usage {
    let cost = match u.cost {
        Some(WireCost::Usd(v)) => Some(Cost::usd(v)),
        Some(WireCost::Breakdown { total_cost }) => total_cost.map(Cost::usd),
        None => None,
    };
    // Only a split that adds up to the total is believed: some recordings carry zeros.
    let completion_cost = match (&u.cost_details, cost) {
        (Some(d), Some(total)) => match (
            d.upstream_inference_prompt_cost,
            d.upstream_inference_completions_cost,
        ) {
            (Some(p), Some(c))
                if ((p + c) - total.as_usd()).abs() <= 1e-9 + total.as_usd() * 0.01 =>
            {
                Some(Cost::usd(c))
            }
            _ => None,
        },
        _ => None,
    };
    Usage {
        prompt_tokens: u.prompt_tokens.unwrap_or(0),
        completion_tokens: u.completion_tokens.unwrap_or(0),
        reasoning_tokens: u
            .completion_tokens_details
            .and_then(|d| d.reasoning_tokens)
            .unwrap_or(0),
        cached_tokens: u
            .prompt_tokens_details
            .and_then(|d| d.cached_tokens)
            .or(u.prompt_cache_hit_tokens)
            .unwrap_or(0),
        cost,
        completion_cost,
    }
}

fn preview(s: &str) -> String {
    let mut p: String = s.chars().take(80).collect();
    if p.len() < s.len() {
        p.push('…');
    }
    p
}

/// Why the byte stream stopped early; kept apart from reqwest so the decoder is testable.
#[derive(Debug)]
pub enum TransportError {
    Io(String),
    Stalled(Duration),
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) => f.write_str(e),
            Self::Stalled(d) => write!(f, "stalled for {} s", d.as_secs()),
        }
    }
}

/// Fails the byte stream when nothing arrives for `timeout`. It watches bytes, not events, so
/// keep-alive comments (which the SSE layer swallows) count as life.
struct StallGuard<S> {
    inner: S,
    timeout: Duration,
    timer: Pin<Box<Sleep>>,
    tripped: bool,
}

impl<S> StallGuard<S> {
    fn new(inner: S, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            timer: Box::pin(tokio::time::sleep(timeout)),
            tripped: false,
        }
    }
}

impl<S> Stream for StallGuard<S>
where
    S: Stream<Item = Result<Bytes, TransportError>> + Unpin,
{
    type Item = Result<Bytes, TransportError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.tripped {
            return Poll::Ready(None);
        }
        match self.inner.poll_next_unpin(cx) {
            Poll::Ready(item) => {
                let deadline = Instant::now() + self.timeout;
                self.timer.as_mut().reset(deadline);
                Poll::Ready(item)
            }
            Poll::Pending => match self.timer.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    self.tripped = true;
                    Poll::Ready(Some(Err(TransportError::Stalled(self.timeout))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

/// The whole body of a streaming response as events. Always ends with exactly one terminal
/// event, `Done` or `Failed`, so consumers need no separate end-of-stream signal.
pub fn decode<S>(bytes: S, stall_timeout: Duration) -> impl Stream<Item = StreamEvent> + Send
where
    S: Stream<Item = Result<Bytes, TransportError>> + Send + Unpin + 'static,
{
    let events = StallGuard::new(bytes, stall_timeout).eventsource();
    let state = Some((events, ChunkDecoder::new()));
    stream::unfold(state, |state| async move {
        let (mut events, mut decoder) = state?;
        let mut out = Vec::new();
        loop {
            match events.next().await {
                Some(Ok(event)) => {
                    if decoder.feed(&event.data, &mut out) {
                        if !matches!(out.last(), Some(StreamEvent::Failed(_))) {
                            out.push(StreamEvent::Done);
                        }
                        return Some((stream::iter(out), None));
                    }
                    if !out.is_empty() {
                        return Some((stream::iter(out), Some((events, decoder))));
                    }
                }
                Some(Err(err)) => {
                    out.push(StreamEvent::Failed(transport_failure(err)));
                    return Some((stream::iter(out), None));
                }
                None => {
                    // No `[DONE]`: a clean end only if the answer had finished (Perplexity and
                    // llama-box never send `[DONE]`); otherwise the connection was cut.
                    out.push(if decoder.finished() {
                        StreamEvent::Done
                    } else {
                        StreamEvent::Failed(ApiError::Dropped {
                            detail: "the stream ended without a finish reason".into(),
                        })
                    });
                    return Some((stream::iter(out), None));
                }
            }
        }
    })
    .flatten()
}

fn transport_failure(err: EventStreamError<TransportError>) -> ApiError {
    match err {
        EventStreamError::Transport(TransportError::Stalled(after)) => ApiError::Stalled { after },
        EventStreamError::Transport(TransportError::Io(detail)) => ApiError::Dropped { detail },
        EventStreamError::Utf8(e) => ApiError::Malformed {
            detail: format!("invalid UTF-8 in the stream: {e}"),
        },
        EventStreamError::Parser(e) => ApiError::Malformed {
            detail: format!("invalid SSE framing: {e}"),
        },
    }
}

/// Decodes a complete recorded body, split into `piece`-byte reads to exercise reassembly.
/// Used by the conformance tests and the benchmark.
pub async fn decode_recorded(body: &[u8], piece: usize) -> Vec<StreamEvent> {
    let pieces: Vec<Result<Bytes, TransportError>> = body
        .chunks(piece.max(1))
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    decode(stream::iter(pieces), Duration::from_secs(3600))
        .collect()
        .await
}

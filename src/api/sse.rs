//! Bytes from the socket → whole, valid, scrubbed lines and their SSE events (`lines`) →
//! typed `StreamEvent`s. `ChunkDecoder` is pure and fixture-tested;
//! `decode` adds the stall timer (`stall.rs`) and the rules for how a stream may end.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt, stream};

use super::error::ApiError;
use super::lines::{DEFAULT_MAX_LINE, EventParser, LineFramer, LineTooLong};
use super::redact::{Secrets, StreamScrubber};
use super::stall::StallGuard;
pub use super::stall::TransportError;
use super::template::Template;
use super::wire::{Chunk, WireCost, WireError};
use super::{Damage, StreamEvent};
use crate::chat::{Cost, FinishReason, Usage};
use serde_json::Value;

/// Turns the `data:` payloads of one response into events. It keeps the little state the
/// protocol needs: the first finish reason wins (OpenRouter's usage chunk repeats it, or sends
/// `null`), and the serving model/provider are announced once. Text is scrubbed of the
/// endpoint's secrets as it streams.
#[derive(Debug, Default)]
pub struct ChunkDecoder {
    served: Option<(Option<String>, Option<String>)>,
    finish: Option<FinishReason>,
    last_usage: Option<Usage>,
    done: bool,
    /// Whether any `data:` event came at all: a body with none was not a stream.
    fed: bool,
    secrets: Secrets,
    content: StreamScrubber,
    reasoning: StreamScrubber,
    /// The last chunk, when it carried only text: most chunks are it with other text.
    pub(super) template: Template,
}

impl ChunkDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_secrets(secrets: Secrets) -> Self {
        Self {
            secrets,
            ..Self::default()
        }
    }

    /// Ends the answer with `terminal` (`Done` or `Failed`), after any text held back in
    /// case it was the start of a key.
    pub fn end(&mut self, terminal: StreamEvent, out: &mut Vec<StreamEvent>) {
        let reasoning = self.reasoning.flush();
        if !reasoning.is_empty() {
            out.push(StreamEvent::Reasoning(reasoning));
        }
        let content = self.content.flush();
        if !content.is_empty() {
            out.push(StreamEvent::Content(content));
        }
        out.push(terminal);
    }

    /// True once `[DONE]`, an error or a finish reason ended the answer.
    pub fn finished(&self) -> bool {
        self.done || self.finish.is_some()
    }

    /// Decodes one `data:` payload into `out`; returns `true` when the stream is over
    /// (`[DONE]` or a terminal error).
    pub fn feed(&mut self, data: &str, out: &mut Vec<StreamEvent>) -> bool {
        self.fed = true;
        let data = data.trim();
        if data == "[DONE]" {
            self.done = true;
            return true;
        }
        if data.is_empty() {
            return false;
        }
        if self.finish.is_none() {
            if let Some(text) = self.template.text(data) {
                self.text(&text, out);
                return false;
            }
        }
        let mut chunk: Chunk<'_> = match serde_json::from_str(data) {
            Ok(c) => c,
            Err(e) => {
                out.push(StreamEvent::Damaged(Damage::Undecodable(
                    ApiError::Malformed {
                        detail: format!(
                            "undecodable chunk ({e}): {}",
                            self.secrets.scrub(&preview(data))
                        ),
                    },
                )));
                return false;
            }
        };
        // Escaped JSON (`\u002d`) hides a key from the line scrubber, not from this one. Every
        // chunk repeats them: what equals the clean copy of the last ones holds no key.
        let mut same = self.serves(&chunk);
        if !same {
            chunk.model = chunk.model.map(|m| scrub_cow(&self.secrets, m));
            chunk.provider = chunk.provider.map(|p| scrub_cow(&self.secrets, p));
            same = self.serves(&chunk);
        }
        // Learnt before the chunk is spent; a chunk that carries only text changes no state
        // but who serves, which the next one then repeats.
        if self.finish.is_none() {
            self.template.learn(data, &chunk);
        } else {
            self.template.forget();
        }
        self.chunk(chunk, same, out)
    }

    fn text(&mut self, c: &str, out: &mut Vec<StreamEvent>) {
        if !c.is_empty() {
            let c = self.content.push(&self.secrets, c);
            if !c.is_empty() {
                out.push(StreamEvent::Content(c));
            }
        }
    }

    /// Whether `chunk` names the model and provider already announced. Compared borrowed:
    /// every chunk repeats them, and they change once if ever.
    fn serves(&self, chunk: &Chunk<'_>) -> bool {
        self.served.as_ref().is_some_and(|(m, p)| {
            m.as_deref() == chunk.model.as_deref() && p.as_deref() == chunk.provider.as_deref()
        })
    }

    /// `same`: the chunk names who is already known to serve (`serves`).
    fn chunk(&mut self, chunk: Chunk<'_>, same: bool, out: &mut Vec<StreamEvent>) -> bool {
        if !same && (chunk.model.is_some() || chunk.provider.is_some()) {
            let model = chunk.model.as_deref().map(str::to_owned);
            let provider = chunk.provider.as_deref().map(str::to_owned);
            self.served = Some((model.clone(), provider.clone()));
            out.push(StreamEvent::Served {
                id: chunk.id.as_deref().map(str::to_owned),
                model,
                provider,
            });
        }
        let mut choice_error = None;
        let mut native_failure = None;
        for choice in chunk.choices.into_iter().flatten() {
            if let Some(delta) = choice.delta {
                let reasoning = delta.reasoning.or(delta.reasoning_content);
                if let Some(r) = reasoning.filter(|r| !r.is_empty()) {
                    let r = self.reasoning.push(&self.secrets, &r);
                    if !r.is_empty() {
                        out.push(StreamEvent::Reasoning(r));
                    }
                }
                if let Some(details) = delta.reasoning_details.filter(|d| !d.is_empty()) {
                    out.push(StreamEvent::ReasoningDetails(details));
                }
                if let Some(c) = delta.content {
                    self.text(&c, out);
                }
                if let Some(Value::Array(items)) = delta.annotations {
                    let cited = super::citations::from_annotations(&items);
                    if !cited.is_empty() {
                        out.push(StreamEvent::Citations(cited));
                    }
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
                    let reason = FinishReason::from(reason.into_owned());
                    if reason != FinishReason::Error {
                        out.push(StreamEvent::Finished(reason.clone()));
                    }
                    self.finish = Some(reason);
                }
            }
        }
        if let Some((usage, refused)) = chunk.usage.map(|u| usage_from_wire(*u)) {
            if self.last_usage != Some(usage) {
                self.last_usage = Some(usage);
                if let Some(why) = refused {
                    out.push(StreamEvent::Damaged(Damage::CostRefused(why)));
                }
                out.push(StreamEvent::Usage(usage));
            }
        }
        // Any chunk with an error is terminal, whatever `choices` holds (§3.6).
        let provider = chunk.provider.map(Cow::into_owned);
        let failure = match (chunk.error.or(choice_error), native_failure) {
            (Some(err), _) => Some(in_stream(*err, provider)),
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
        if let Some(mut err) = failure {
            err.scrub(&self.secrets);
            self.end(StreamEvent::Failed(err), out);
            self.done = true;
            return true;
        }
        false
    }
}

/// `text` without secrets, still borrowed when it had none.
fn scrub_cow<'a>(secrets: &Secrets, text: Cow<'a, str>) -> Cow<'a, str> {
    let clean = match secrets.scrub(&text) {
        Cow::Owned(clean) => Some(clean),
        Cow::Borrowed(_) => None,
    };
    clean.map_or(text, Cow::Owned)
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

/// The usage, and why its cost was refused if it was (see `Cost::of_answer`).
fn usage_from_wire(u: super::wire::WireUsage) -> (Usage, Option<String>) {
    let reported = match u.cost {
        Some(WireCost::Usd(v)) => Some(v),
        Some(WireCost::Breakdown { total_cost }) => total_cost,
        None => None,
    };
    let (cost, refused) = match reported.map(Cost::of_answer) {
        Some(Ok(c)) => (Some(c), None),
        Some(Err(why)) => (None, Some(why)),
        None => (None, None),
    };
    let searches = u
        .server_tool_use_details
        .as_ref()
        .or(u.server_tool_use.as_ref())
        .and_then(|s| s.web_search_requests)
        .unwrap_or(0);
    let (completion_cost, search_cost) = split(u.cost_details.as_ref(), cost, searches);
    let usage = Usage {
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
        web_search_requests: searches,
        search_cost,
    };
    (usage, refused)
}

/// The completion's and the searches' shares of `total`, from the gateway's split of the bill.
/// Only a split that adds up is believed (some recordings carry zeros): prompt plus completion
/// is the total, or, when the gateway searched, the total less the searches, which are billed
/// on top of the tokens (the recorded search answers: $0.0133176 = $0.0032696 + $0.000048 +
/// one search at $0.01).
fn split(
    details: Option<&super::wire::CostDetails>,
    total: Option<Cost>,
    searches: u64,
) -> (Option<Cost>, Option<Cost>) {
    let (Some(d), Some(total)) = (details, total) else {
        return (None, None);
    };
    let (Some(p), Some(c)) = (
        d.upstream_inference_prompt_cost,
        d.upstream_inference_completions_cost,
    ) else {
        return (None, None);
    };
    let total = total.as_usd();
    let slack = 1e-9 + total * 0.01;
    let rest = total - (p + c);
    if rest.abs() <= slack {
        (Cost::of_answer(c).ok(), None)
    } else if searches > 0 && rest > 0.0 {
        (Cost::of_answer(c).ok(), Cost::of_answer(rest).ok())
    } else {
        (None, None)
    }
}

fn preview(s: &str) -> String {
    let mut p: String = s.chars().take(80).collect();
    if p.len() < s.len() {
        p.push('…');
    }
    p
}

/// How one stream is read.
#[derive(Debug, Clone)]
pub struct DecodeOptions {
    /// Time allowed without a single byte (keep-alives count).
    pub stall_timeout: Duration,
    /// The longest SSE line accepted, in bytes.
    pub max_line: usize,
    /// Replaced wherever they appear in what the server sends.
    pub secrets: Secrets,
}

impl DecodeOptions {
    pub fn new(stall_timeout: Duration) -> Self {
        Self {
            stall_timeout,
            max_line: DEFAULT_MAX_LINE,
            secrets: Secrets::default(),
        }
    }
}

/// The whole body of a streaming response as events. Always ends with exactly one terminal
/// event, `Done` or `Failed`, so consumers need no separate end-of-stream signal.
pub fn decode<S>(bytes: S, opts: DecodeOptions) -> impl Stream<Item = StreamEvent> + Send
where
    S: Stream<Item = Result<Bytes, TransportError>> + Send + Unpin + 'static,
{
    Decode {
        bytes: StallGuard::new(bytes, opts.stall_timeout),
        framer: LineFramer::new(opts.max_line, opts.secrets.clone()),
        events: EventParser::new(opts.max_line),
        decoder: ChunkDecoder::with_secrets(opts.secrets),
        out: Vec::new(),
        ready: VecDeque::new(),
        reported: 0,
        over: false,
    }
}

/// Each read goes through framing, SSE and JSON in one pass, into a queue of events reused
/// from read to read (no task, buffer or string per chunk beyond the text itself).
struct Decode<S> {
    bytes: StallGuard<S>,
    framer: LineFramer,
    events: EventParser,
    decoder: ChunkDecoder,
    out: Vec<StreamEvent>,
    ready: VecDeque<StreamEvent>,
    /// Replaced UTF-8 sequences already reported.
    reported: u64,
    /// The terminal event is queued.
    over: bool,
}

impl<S> Decode<S> {
    /// Bad bytes were replaced in what came before this point.
    fn report_replaced(reported: &mut u64, now: u64, out: &mut Vec<StreamEvent>) {
        if now > *reported {
            *reported = now;
            out.push(StreamEvent::Damaged(Damage::InvalidUtf8 { replaced: now }));
        }
    }

    fn read(&mut self, bytes: &[u8]) {
        let Self {
            framer,
            events,
            decoder,
            out,
            reported,
            over,
            ..
        } = self;
        let mut too_long = None;
        let mut each = |line: &str, replaced: u64| {
            if *over || too_long.is_some() {
                return;
            }
            let data = match events.line(line) {
                Ok(Some(data)) => data,
                Ok(None) => return,
                Err(e) => {
                    too_long = Some(e);
                    return;
                }
            };
            Self::report_replaced(reported, replaced, out);
            if decoder.feed(data, out) {
                if !matches!(out.last(), Some(StreamEvent::Failed(_))) {
                    decoder.end(StreamEvent::Done, out);
                }
                *over = true;
            }
        };
        let framed = framer.push(bytes, &mut each);
        if let Err(LineTooLong { max }) = too_long.map_or(framed, Err) {
            if !self.over {
                self.fail(TransportError::LineTooLong(max));
            }
        }
    }

    fn fail(&mut self, err: TransportError) {
        Self::report_replaced(&mut self.reported, self.framer.replaced(), &mut self.out);
        self.decoder
            .end(StreamEvent::Failed(transport_failure(err)), &mut self.out);
        self.over = true;
    }

    /// The body ended: a clean end only if the answer had finished (Perplexity and llama-box
    /// never send `[DONE]`); otherwise the connection was cut.
    fn ended(&mut self) {
        let mut last = |_: &str, _: u64| {};
        self.framer.finish(&mut last);
        if self.over {
            return;
        }
        Self::report_replaced(&mut self.reported, self.framer.replaced(), &mut self.out);
        let detail = if self.decoder.fed {
            "the stream ended without a finish reason"
        } else {
            // Whatever came (a page, plain text, nothing) held no `data:` line.
            "the response ended without a single server-sent event"
        };
        let end = if self.decoder.finished() {
            StreamEvent::Done
        } else {
            StreamEvent::Failed(ApiError::Dropped {
                detail: detail.into(),
            })
        };
        self.decoder.end(end, &mut self.out);
        self.over = true;
    }
}

impl<S> Stream for Decode<S>
where
    S: Stream<Item = Result<Bytes, TransportError>> + Unpin,
{
    type Item = StreamEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(event) = this.ready.pop_front() {
                return Poll::Ready(Some(event));
            }
            if this.over {
                return Poll::Ready(None);
            }
            match this.bytes.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(bytes))) => this.read(&bytes),
                Poll::Ready(Some(Err(err))) => this.fail(err),
                Poll::Ready(None) => this.ended(),
            }
            this.ready.extend(this.out.drain(..));
        }
    }
}

fn transport_failure(err: TransportError) -> ApiError {
    match err {
        TransportError::Stalled(after) => ApiError::Stalled { after },
        TransportError::Io(detail) => ApiError::Dropped { detail },
        TransportError::LineTooLong(max) => ApiError::Malformed {
            detail: format!(
                "the server sent a line (or one event's data) of more than {} without an end; \
                 reading stopped there (the limit is max_sse_line_mib in config.toml)",
                mib(max)
            ),
        },
    }
}

fn mib(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0 {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{bytes} bytes")
    }
}

/// Decodes a complete recorded body, split into `piece`-byte reads to exercise reassembly.
/// Used by the conformance tests and the benchmark.
pub async fn decode_recorded(body: &[u8], piece: usize) -> Vec<StreamEvent> {
    let pieces: Vec<Result<Bytes, TransportError>> = body
        .chunks(piece.max(1))
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    decode(
        stream::iter(pieces),
        DecodeOptions::new(Duration::from_secs(3600)),
    )
    .collect()
    .await
}

//! One streamed answer as OpenRouter sends it: keep-alive comments while "queued", reasoning
//! deltas, content deltas at the model's pace, a finish chunk, a usage chunk repeating the
//! finish reason, `[DONE]` — and the faults the directives ask for. A producer task feeds the
//! response body through a small channel; when the client hangs up, the next send fails, and
//! that is how a cancellation is noticed and billed.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::catalog::{DemoModel, Provider};
use super::directive::Directives;
use super::state::Shared;

const KEEP_ALIVE: &str = ": OPENROUTER PROCESSING\n\n";

pub struct Plan {
    pub id: String,
    pub created: u64,
    pub model: &'static DemoModel,
    pub provider: &'static Provider,
    pub reasoning: Vec<String>,
    pub content: Vec<String>,
    pub finish: &'static str,
    pub prompt_tokens: u64,
    pub directives: Directives,
    pub ttft: Duration,
    pub per_token: Duration,
    /// Never wait at all (time scale 0).
    pub instant: bool,
    /// The key to echo back (`[sim:echokey]`).
    pub echo: Option<String>,
    /// The web searches the request's `openrouter:web_search` tool ran.
    pub search: Option<super::search::Search>,
}

impl Plan {
    /// What the answer is billed: its tokens, and its searches on top.
    pub fn cost(&self, completion_tokens: u64) -> f64 {
        let fee = self.search.as_ref().map_or(0.0, super::search::Search::fee);
        ((self.token_cost(completion_tokens) + fee) * 1e9).round() / 1e9
    }

    fn token_cost(&self, completion_tokens: u64) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let usd = (self.prompt_tokens as f64 * self.model.prompt_price
            + completion_tokens as f64 * self.model.completion_price)
            * self.provider.price_mult;
        (usd * 1e9).round() / 1e9
    }

    fn chunk(&self, delta: &Value, finish: Option<&str>) -> Value {
        json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model.served_id(),
            "provider": self.provider.name,
            "choices": [{ "index": 0, "delta": delta, "finish_reason": finish, "native_finish_reason": finish }]
        })
    }

    pub fn usage(&self, completion: u64, reasoning: u64) -> Value {
        let cost = self
            .directives
            .cost
            .unwrap_or_else(|| self.cost(completion));
        // The split covers the tokens only: the searches are what the total has beyond it.
        let prompt_cost = self.token_cost(0);
        let fee = self.search.as_ref().map_or(0.0, super::search::Search::fee);
        let completions_cost = cost - prompt_cost - fee;
        let mut u = json!({
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": self.prompt_tokens + completion,
            "cost": cost,
            "is_byok": false,
            "prompt_tokens_details": { "cached_tokens": 0, "cache_write_tokens": 0, "audio_tokens": 0, "video_tokens": 0 },
            "cost_details": {
                "upstream_inference_cost": cost,
                "upstream_inference_prompt_cost": prompt_cost,
                "upstream_inference_completions_cost": (completions_cost * 1e9).round() / 1e9
            },
            "completion_tokens_details": { "reasoning_tokens": reasoning, "image_tokens": 0, "audio_tokens": 0 }
        });
        if let Some(s) = &self.search {
            u["server_tool_use_details"] = s.usage();
        }
        if self.directives.nocost {
            if let Some(o) = u.as_object_mut() {
                o.remove("cost");
                o.remove("cost_details");
                o.remove("is_byok");
            }
        }
        u
    }
}

/// Starts producing the answer and returns the response body that carries it.
pub fn body(plan: Plan, shared: Arc<Shared>) -> Body {
    let (tx, rx) = mpsc::channel::<Result<Bytes, io::Error>>(2);
    tokio::spawn(produce(plan, shared, tx));
    Body::from_stream(futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}

struct Out {
    tx: mpsc::Sender<Result<Bytes, io::Error>>,
    crlf: bool,
    split: bool,
}

impl Out {
    /// Sends one piece of the body; `false` once the client has gone.
    async fn send(&self, text: &str) -> bool {
        let text = if self.crlf {
            text.replace('\n', "\r\n")
        } else {
            text.to_owned()
        };
        if self.split {
            // Cut inside a multi-byte character when there is one, so the client must reassemble.
            let cut = text
                .char_indices()
                .find(|(_, c)| c.len_utf8() > 1)
                .map_or(text.len() / 2, |(i, _)| i + 1);
            let bytes = text.into_bytes();
            let (a, b) = bytes.split_at(cut.min(bytes.len()));
            if self.tx.send(Ok(Bytes::copy_from_slice(a))).await.is_err() {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
            return self.tx.send(Ok(Bytes::copy_from_slice(b))).await.is_ok();
        }
        self.tx.send(Ok(Bytes::from(text))).await.is_ok()
    }

    async fn data(&self, v: &Value) -> bool {
        self.send(&format!("data: {v}\n\n")).await
    }

    /// Bytes as they are, valid UTF-8 or not.
    async fn raw(&self, bytes: &'static [u8]) -> bool {
        self.tx.send(Ok(Bytes::from_static(bytes))).await.is_ok()
    }
}

async fn produce(plan: Plan, shared: Arc<Shared>, tx: mpsc::Sender<Result<Bytes, io::Error>>) {
    let d = plan.directives.clone();
    let out = Out {
        tx,
        crlf: d.crlf,
        split: d.splitutf8,
    };
    let mut reasoning_sent = 0u64;
    let mut content_sent = 0u64;
    let ended = run(&plan, &out, &mut reasoning_sent, &mut content_sent).await;
    let completion = reasoning_sent + content_sent;
    let planned = u64::try_from(plan.reasoning.len() + plan.content.len()).unwrap_or(u64::MAX);
    shared.update(|b| {
        let billed = match ended {
            Ended::Cancelled if plan.provider.bills_full_after_cancel => plan.cost(planned),
            _ => plan.cost(completion),
        };
        b.charge(billed);
        match ended {
            Ended::Cancelled => b.stats.streams_cancelled += 1,
            Ended::Complete => b.stats.streams_completed += 1,
            Ended::Aborted => {}
        }
        if let Some(g) = b.generations.get_mut(&plan.id) {
            g.cost = plan.directives.cost.unwrap_or(billed);
            g.completion_tokens =
                if matches!(ended, Ended::Cancelled) && plan.provider.bills_full_after_cancel {
                    planned
                } else {
                    completion
                };
            g.reasoning_tokens = reasoning_sent;
            g.cancelled = matches!(ended, Ended::Cancelled);
            g.finish_reason = Some(match ended {
                Ended::Complete => plan.finish.to_owned(),
                Ended::Cancelled => "cancelled".to_owned(),
                Ended::Aborted => "error".to_owned(),
            });
        }
    });
}

#[derive(Debug, Clone, Copy)]
enum Ended {
    Complete,
    /// The client closed the connection.
    Cancelled,
    /// We cut it (a fault directive) or sent an error chunk.
    Aborted,
}

async fn run(plan: &Plan, out: &Out, reasoning_sent: &mut u64, content_sent: &mut u64) -> Ended {
    let d = &plan.directives;
    // Queued: keep-alives until the first token.
    if !out.send(KEEP_ALIVE).await {
        return Ended::Cancelled;
    }
    if d.badutf8 && !out.raw(b": PROCESSING \xff\n\n").await {
        return Ended::Cancelled;
    }
    if let Some(key) = &plan.echo {
        // Cut inside the key, so only a client that holds back a possible start catches it.
        let (a, b) = key.split_at(key.len() / 2);
        for piece in [format!("Your key is {a}"), format!("{b}. ")] {
            let delta = json!({ "role": "assistant", "content": piece });
            if !out.data(&plan.chunk(&delta, None)).await {
                return Ended::Cancelled;
            }
        }
    }
    if !plan.instant {
        let first = Instant::now() + plan.ttft;
        while Instant::now() < first {
            tokio::time::sleep_until(first.min(Instant::now() + Duration::from_millis(300))).await;
            if Instant::now() < first && !out.send(KEEP_ALIVE).await {
                return Ended::Cancelled;
            }
        }
    }
    let start = Instant::now();
    let mut paced = 0u32;
    let pace = |n: u32| async move {
        if !plan.instant {
            let due = start + plan.per_token * n;
            if due > Instant::now() + Duration::from_millis(1) {
                tokio::time::sleep_until(due).await;
            }
        }
    };
    for piece in &plan.reasoning {
        paced += 1;
        pace(paced).await;
        let delta = json!({ "role": "assistant", "content": "", "reasoning": piece,
            "reasoning_details": [{ "type": "reasoning.text", "text": piece, "format": "unknown", "index": 0 }] });
        if !out.data(&plan.chunk(&delta, None)).await {
            return Ended::Cancelled;
        }
        *reasoning_sent += 1;
    }
    if !plan.reasoning.is_empty() {
        let delta = json!({ "role": "assistant", "content": "", "reasoning": null,
            "reasoning_details": [{ "type": "reasoning.text", "signature": "RXNpbS1zaWduYXR1cmUtb2YtdGhlLXRob3VnaHQ=", "format": "unknown", "index": 0 }] });
        if !out.data(&plan.chunk(&delta, None)).await {
            return Ended::Cancelled;
        }
    }
    for (i, piece) in plan.content.iter().enumerate() {
        if d.drop == Some(i) {
            let _ = out
                .tx
                .send(Err(io::Error::other("simulated connection drop")))
                .await;
            return Ended::Aborted;
        }
        if d.malformed == Some(i)
            && !out
                .send("data: {\"id\":\"gen-x\",\"choices\":[{\"delta\":{\"content\":\n\n")
                .await
        {
            return Ended::Cancelled;
        }
        if d.error == Some(i) {
            let mut chunk = plan.chunk(&json!({ "role": "assistant", "content": "" }), None);
            chunk["error"] = json!({ "code": 502, "message": "Upstream provider disconnected", "metadata": { "provider_name": plan.provider.name } });
            chunk["usage"] = plan.usage(*reasoning_sent + *content_sent, *reasoning_sent);
            let ok = out.data(&chunk).await && out.send("data: [DONE]\n\n").await;
            return if ok { Ended::Aborted } else { Ended::Cancelled };
        }
        if d.stall_ms.is_some() && i == 3 {
            tokio::time::sleep(Duration::from_millis(d.stall_ms.unwrap_or(0))).await;
        }
        if i > 0 && i % 50 == 0 && !out.send(KEEP_ALIVE).await {
            return Ended::Cancelled;
        }
        paced += 1;
        pace(paced).await;
        if d.badutf8
            && i == 0
            && !out
                .raw(b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\xff\"}}]}\n\n")
                .await
        {
            return Ended::Cancelled;
        }
        if !out
            .data(&plan.chunk(&json!({ "role": "assistant", "content": piece }), None))
            .await
        {
            return Ended::Cancelled;
        }
        *content_sent += 1;
    }
    if let Some(s) = &plan.search {
        let delta = json!({ "role": "assistant", "content": "", "annotations": s.annotations() });
        if !out.data(&plan.chunk(&delta, None)).await {
            return Ended::Cancelled;
        }
    }
    let finish = plan.chunk(
        &json!({ "role": "assistant", "content": "" }),
        Some(plan.finish),
    );
    if !out.data(&finish).await {
        return Ended::Cancelled;
    }
    if !d.nousage {
        let mut usage = finish;
        usage["service_tier"] = Value::Null;
        usage["usage"] = plan.usage(*reasoning_sent + *content_sent, *reasoning_sent);
        if !out.data(&usage).await {
            return Ended::Cancelled;
        }
    }
    if !d.nodone && !out.send("data: [DONE]\n\n").await {
        return Ended::Cancelled;
    }
    Ended::Complete
}

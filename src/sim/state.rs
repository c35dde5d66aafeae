//! The gateway's books: balance, generation records, free-tier rate-limit windows, and the
//! statistics tests read. Shared by the handlers behind one mutex (held only briefly, never
//! across an await).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::watch;

use super::{RecordedRequest, SimOptions, SimStats};
use crate::clock::rfc3339;

#[derive(Debug, Clone)]
pub struct GenerationRecord {
    pub id: String,
    pub created_unix: u64,
    pub model: String,
    pub provider: String,
    pub cost: f64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub reasoning_tokens: u64,
    pub cancelled: bool,
    pub finish_reason: Option<String>,
    pub started: Instant,
    pub latency_ms: u64,
    pub attempts: Vec<(String, u16)>,
}

impl GenerationRecord {
    pub fn to_json(&self) -> Value {
        json!({ "data": {
            "id": self.id,
            "created_at": rfc3339(self.created_unix),
            "model": self.model,
            "provider_name": self.provider,
            "total_cost": self.cost,
            "usage": self.cost,
            "upstream_inference_cost": null,
            "is_byok": false,
            "streamed": true,
            "cancelled": self.cancelled,
            "finish_reason": self.finish_reason,
            "native_finish_reason": self.finish_reason,
            "latency": self.latency_ms,
            "generation_time": self.started.elapsed().as_millis() as u64,
            "tokens_prompt": self.prompt_tokens,
            "tokens_completion": self.completion_tokens,
            "native_tokens_prompt": self.prompt_tokens,
            "native_tokens_completion": self.completion_tokens,
            "native_tokens_reasoning": self.reasoning_tokens,
            "native_tokens_cached": 0,
            "provider_responses": self.attempts.iter().map(|(p, s)| json!({"provider_name": p, "status": s})).collect::<Vec<_>>(),
        }})
    }
}

pub struct Books {
    pub opts: SimOptions,
    pub stats: SimStats,
    pub generations: HashMap<String, GenerationRecord>,
    pub free_hits: HashMap<String, VecDeque<Instant>>,
    counter: u64,
    /// Draws so far per model and prompt, for requests that sample without a seed.
    draws: HashMap<(String, String), u64>,
}

pub struct Shared {
    books: Mutex<Books>,
    changed: watch::Sender<u64>,
}

impl Shared {
    pub fn new(opts: SimOptions) -> Arc<Self> {
        let stats = SimStats {
            balance_usd: opts.balance_usd,
            ..SimStats::default()
        };
        Arc::new(Self {
            books: Mutex::new(Books {
                opts,
                stats,
                generations: HashMap::new(),
                free_hits: HashMap::new(),
                counter: 0,
                draws: HashMap::new(),
            }),
            changed: watch::channel(0).0,
        })
    }

    /// The books; a panic elsewhere never makes them unusable.
    pub fn books(&self) -> MutexGuard<'_, Books> {
        self.books
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Changes the books and wakes anyone waiting on the statistics.
    pub fn update<R>(&self, f: impl FnOnce(&mut Books) -> R) -> R {
        let r = f(&mut self.books());
        self.changed.send_modify(|v| *v += 1);
        r
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    pub fn record(&self, req: RecordedRequest) {
        self.update(|b| b.stats.requests.push(req));
    }
}

impl Books {
    pub fn options(&self) -> &SimOptions {
        &self.opts
    }

    /// A fresh generation id in OpenRouter's shape: `gen-<unix>-<20 alphanumerics>`.
    /// How many times `model` was asked `prompt` before without a seed: the first ask gets
    /// the deterministic answer (so single requests stay reproducible), later ones others.
    pub fn next_draw(&mut self, model: &str, prompt: &str) -> u64 {
        let n = self
            .draws
            .entry((model.to_owned(), prompt.to_owned()))
            .or_insert(0);
        *n += 1;
        *n - 1
    }

    pub fn next_generation_id(&mut self, unix: u64) -> String {
        self.counter += 1;
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut x = self.counter.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ unix;
        let tail: String = (0..20)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(ALPHABET[usize::try_from(x % 62).unwrap_or(0)])
            })
            .collect();
        format!("gen-{unix}-{tail}")
    }

    pub fn charge(&mut self, usd: f64) {
        self.stats.balance_usd -= usd;
        self.stats.total_usage_usd += usd;
    }

    /// Counts a request to a free model; `Some(wait)` when it is over the per-minute limit.
    pub fn free_request(&mut self, model: &str, now: Instant) -> Option<Duration> {
        let limit = usize::try_from(self.opts.free_requests_per_minute).unwrap_or(usize::MAX);
        let window = Duration::from_secs(60);
        let hits = self.free_hits.entry(model.to_owned()).or_default();
        while hits
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            hits.pop_front();
        }
        if hits.len() >= limit {
            let oldest = hits.front().copied().unwrap_or(now);
            return Some(window.saturating_sub(now.duration_since(oldest)));
        }
        hits.push_back(now);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_models_are_limited_per_minute() {
        let shared = Shared::new(SimOptions {
            free_requests_per_minute: 2,
            ..SimOptions::default()
        });
        let mut b = shared.books();
        let t = Instant::now();
        assert!(b.free_request("m", t).is_none());
        assert!(b.free_request("m", t).is_none());
        assert!(b.free_request("m", t).is_some());
        assert!(b.free_request("other", t).is_none());
    }
}

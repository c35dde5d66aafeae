//! The gateway door: an OpenAI-compatible client with OpenRouter's extensions. It knows HTTP
//! and the wire format, nothing of the UI. `Client::stream_chat` gives a `Stream` of
//! `StreamEvent`s that always ends in `Done` or `Failed`; dropping it closes the connection.

mod bodies;
mod catalog;
pub mod citations;
mod client;
pub mod clients;
mod error;
pub mod lines;
mod parts;
mod pricing;
pub mod providers;
pub mod redact;
mod reply;
pub mod sse;
mod stall;
mod template;
mod wire;

use std::fmt;
use std::time::Duration;

pub use crate::attach::PdfEngine;
pub use catalog::Catalog;
pub use citations::Citation;
pub use client::{ChatStream, Client};
pub use clients::{Clients, EndpointError};
pub use error::{ApiError, ErrorCode};
pub use parts::{WireMessage, WireMessages, part};
pub use pricing::Pricing;
pub use providers::{ModelEndpoints, Percentiles, ProviderEndpoint, served_by_tag};
pub use redact::Secrets;
pub use reply::{Reply, merge_reasoning_details};
// Routing and the dialects are shared nouns (a session saves them; the room edits them);
// they live below `api` and are named here too, where requests are built from them.
pub use crate::routing::{Dialect, MaxPrice, ProviderSort, Routing, Variant, dropped_routing};
pub use wire::{
    Architecture, Credits, Generation, KeyInfo, ModelEntry, PriceOverride, PricingEntry,
    TopProvider,
};

use crate::chat::{FinishReason, Message, Role, Usage};
use crate::model::ModelRef;
use crate::pane_settings::PaneSettings;

/// What the stream of one answer says, in order. `Done` or `Failed` comes exactly once, last.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// Response headers arrived; the id lets a cancelled answer's cost be reconciled later.
    Opened {
        generation_id: Option<String>,
    },
    /// The model and provider that actually serve this answer (announced again if they change).
    Served {
        id: Option<String>,
        model: Option<String>,
        provider: Option<String>,
    },
    Content(String),
    Reasoning(String),
    /// The endpoint already has as many answers streaming as it may: this one waits its turn.
    Queued,
    /// Its turn came (after `Queued`): the request goes out now, and its time starts now.
    Dequeued,
    /// Opaque reasoning items (signed or encrypted) to send back unchanged next turn.
    ReasoningDetails(Vec<serde_json::Value>),
    /// Web sources the answer cites (its `url_citation` annotations), already clean.
    Citations(Vec<Citation>),
    Usage(Usage),
    Finished(FinishReason),
    /// A problem that did not end the stream: the answer goes on, but is not exactly what
    /// was sent, and says so.
    Damaged(Damage),
    Failed(ApiError),
    Done,
}

/// What was wrong with an answer that still went on. An answer with damage but no failure is
/// complete (with a warning), in `ask` and in the room alike.
#[derive(Debug, Clone, PartialEq)]
pub enum Damage {
    /// A chunk that is not the JSON it should be was skipped.
    Undecodable(ApiError),
    /// Bytes that are not UTF-8 were replaced with U+FFFD; the count so far.
    InvalidUtf8 { replaced: u64 },
    /// The reported cost was refused (not finite, negative or absurd); why.
    CostRefused(String),
}

/// An API key. Its `Debug` and `Display` never show it, so it cannot leak into logs or errors.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// Where and how to reach one OpenAI-compatible server. Its `Debug` shows the base URL
/// without a user or password (and the key redacted), so it can be logged.
#[derive(Clone)]
pub struct Endpoint {
    pub base_url: String,
    pub api_key: Option<ApiKey>,
    pub dialect: Dialect,
    /// Sent as `HTTP-Referer` and `X-Title` for OpenRouter's app attribution.
    pub app_url: String,
    pub app_title: String,
    /// Time allowed to connect and receive response headers.
    pub request_timeout: Duration,
    /// Time allowed without a single byte once streaming (keep-alives count).
    pub stall_timeout: Duration,
    /// The longest SSE line accepted, in bytes (see `lines`).
    pub max_line: usize,
    /// Answers streaming at once from this endpoint; more wait (`StreamEvent::Queued`), so
    /// K samples × N panes never flood a server or trip its rate limit.
    pub max_concurrent: usize,
}

/// Answers streaming at once from one endpoint unless the config says otherwise.
pub const DEFAULT_MAX_CONCURRENT: usize = 8;

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("base_url", &self.display_url())
            .field("api_key", &self.api_key)
            .field("dialect", &self.dialect)
            .field("request_timeout", &self.request_timeout)
            .field("stall_timeout", &self.stall_timeout)
            .field("max_line", &self.max_line)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    pub fn new(base_url: impl Into<String>, api_key: Option<ApiKey>) -> Self {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        Self {
            dialect: Dialect::guess(&base_url),
            base_url,
            api_key,
            app_url: "https://github.com/modelroom/modelroom".into(),
            app_title: "modelroom".into(),
            request_timeout: Duration::from_secs(60),
            stall_timeout: Duration::from_secs(60),
            max_line: lines::DEFAULT_MAX_LINE,
            max_concurrent: DEFAULT_MAX_CONCURRENT,
        }
    }

    /// The base URL as it may be shown: without a user or password in it.
    pub fn display_url(&self) -> String {
        display_url(&self.base_url)
    }

    /// What a server of this endpoint must never get shown or kept: the key, and a user or
    /// password in the base URL (as written and percent-decoded).
    pub fn secrets(&self) -> Secrets {
        let mut list: Vec<String> = self.api_key.iter().map(|k| k.expose().to_owned()).collect();
        if let Ok(url) = reqwest::Url::parse(&self.base_url) {
            for part in [url.username(), url.password().unwrap_or("")] {
                if !part.is_empty() {
                    list.push(part.to_owned());
                    list.push(percent_decode(part));
                }
            }
        }
        Secrets::new(list)
    }
}

/// `url` without its userinfo (`https://user:pass@host/v1` → `https://host/v1`), for messages.
pub fn display_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            // Only fails for URLs that cannot have a user, which then have none.
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string().trim_end_matches('/').to_owned()
        }
        Ok(_) => url.to_owned(),
        // Not a URL at all: whatever sits between `//` and `@` could still be a password.
        Err(_) => match (url.find("//"), url.rfind('@')) {
            (Some(s), Some(at)) if at > s => format!("{}{}", &url[..s + 2], &url[at + 1..]),
            _ => url.to_owned(),
        },
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| char::from(c).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One request for one model. Conversation state lives with the caller; the client is stateless.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<Message>,
    pub max_tokens: u32,
    pub temperature: Option<f32>,
    pub top_p: Option<f32>,
    pub seed: Option<i64>,
    /// OpenRouter's `reasoning` object.
    pub reasoning: Option<serde_json::Value>,
    /// Keeps one conversation on one provider for prompt caching.
    pub session_id: Option<String>,
    /// OpenRouter routing: a variant suffix on `model`, fallback models (the request's
    /// `models`) and the `provider` object.
    pub routing: Routing,
    /// The account-wide data policy: `provider.data_collection = "deny"`.
    pub deny_data_collection: bool,
    /// The named endpoint from the config that serves this request; `None` is the default one.
    pub endpoint: Option<String>,
    /// How OpenRouter reads attached PDFs; `None` leaves it to the gateway.
    pub pdf_engine: Option<PdfEngine>,
    /// The `openrouter:web_search` tool entry, when this request may search the web.
    pub web_search: Option<serde_json::Value>,
}

impl ChatRequest {
    pub fn new(model: impl Into<String>, messages: Vec<Message>, max_tokens: u32) -> Self {
        Self {
            model: model.into(),
            messages,
            max_tokens,
            temperature: None,
            top_p: None,
            seed: None,
            reasoning: None,
            session_id: None,
            routing: Routing::default(),
            deny_data_collection: false,
            endpoint: None,
            pdf_engine: None,
            web_search: None,
        }
    }

    /// The request for `model` (`@endpoint/model` goes to that endpoint). The room, `ask`
    /// and `sessions rerun` all build their requests here.
    pub fn for_model(
        model: &ModelRef,
        messages: Vec<Message>,
        limits: Limits,
        routing: Routing,
    ) -> Self {
        Self {
            temperature: limits.temperature,
            endpoint: model.endpoint().map(str::to_owned),
            routing,
            deny_data_collection: limits.deny_data_collection,
            ..Self::new(model.id(), messages, limits.max_tokens)
        }
    }
}

impl ChatRequest {
    /// A pane's settings over the room's (or the run's) defaults this request was built with:
    /// the pane's system prompt replaces the default one, the rest override what is set.
    pub fn apply_settings(&mut self, settings: &PaneSettings) {
        if let Some(system) = settings.system.as_ref() {
            match self.messages.first_mut() {
                Some(m) if m.role == Role::System => m.content.clone_from(system),
                _ => self.messages.insert(0, Message::system(system.clone())),
            }
            if system.trim().is_empty() && self.messages[0].role == Role::System {
                self.messages.remove(0);
            }
        }
        if let Some(t) = settings.temperature {
            self.temperature = Some(t);
        }
        if settings.top_p.is_some() {
            self.top_p = settings.top_p;
        }
        if settings.seed.is_some() {
            self.seed = settings.seed;
        }
        if let Some(n) = settings.max_tokens {
            self.max_tokens = n;
        }
        if let Some(r) = settings.reasoning() {
            self.reasoning = Some(r);
        }
        if let Some(tool) = settings.web_search_tool() {
            self.web_search = Some(tool);
        }
        if settings.pdf.is_some() {
            self.pdf_engine = settings.pdf;
        }
    }
}

/// What every request of a run shares: its length limit, temperature and data policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub max_tokens: u32,
    pub temperature: Option<f32>,
    /// The account-wide data policy: only providers that neither store nor train on prompts.
    pub deny_data_collection: bool,
}

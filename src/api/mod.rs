//! The gateway door: an OpenAI-compatible client with OpenRouter's extensions. It knows HTTP
//! and the wire format, nothing of the UI. `Client::stream_chat` gives a `Stream` of
//! `StreamEvent`s that always ends in `Done` or `Failed`; dropping it closes the connection.

mod catalog;
mod client;
pub mod clients;
mod error;
mod pricing;
mod reply;
pub mod routing;
pub mod sse;
mod wire;

use std::fmt;
use std::time::Duration;

pub use catalog::Catalog;
pub use client::{ChatStream, Client};
pub use clients::{Clients, EndpointError};
pub use error::{ApiError, ErrorCode};
pub use pricing::Pricing;
pub use reply::{Reply, merge_reasoning_details};
pub use routing::{MaxPrice, ProviderSort, Routing, Variant};
pub use wire::{
    Architecture, Credits, Generation, KeyInfo, ModelEntry, PriceOverride, PricingEntry,
    TopProvider,
};

use crate::chat::{FinishReason, Message, Usage};

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
    /// Opaque reasoning items (signed or encrypted) to send back unchanged next turn.
    ReasoningDetails(Vec<serde_json::Value>),
    Usage(Usage),
    Finished(FinishReason),
    /// A problem that did not end the stream (an undecodable chunk was skipped).
    Damaged(ApiError),
    Failed(ApiError),
    Done,
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

/// Which dialect a server speaks. OpenRouter takes `usage`, `provider` and `models`; plain
/// OpenAI rejects unknown fields, so generic servers get only the standard ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    OpenRouter,
    OpenAi,
}

impl Dialect {
    /// OpenRouter's own host and the simulated gateway speak OpenRouter; anything else is generic.
    pub fn guess(base_url: &str) -> Self {
        if base_url.contains("openrouter.ai") {
            Self::OpenRouter
        } else {
            Self::OpenAi
        }
    }
}

/// Where and how to reach one OpenAI-compatible server.
#[derive(Debug, Clone)]
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
        }
    }
}

/// One request for one model. Conversation state lives with the caller; the client is stateless.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<Message>,
    pub max_tokens: u32,
    pub temperature: Option<f32>,
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
}

impl ChatRequest {
    pub fn new(model: impl Into<String>, messages: Vec<Message>, max_tokens: u32) -> Self {
        Self {
            model: model.into(),
            messages,
            max_tokens,
            temperature: None,
            reasoning: None,
            session_id: None,
            routing: Routing::default(),
            deny_data_collection: false,
            endpoint: None,
        }
    }

    /// The request for `model` as a person writes it (`@endpoint/model` goes to that
    /// endpoint). The room, `ask` and `sessions rerun` all build their requests here.
    pub fn for_model(
        model: &str,
        messages: Vec<Message>,
        limits: Limits,
        routing: Routing,
    ) -> Self {
        let (endpoint, id) = clients::split_endpoint(model);
        Self {
            temperature: limits.temperature,
            endpoint: endpoint.map(str::to_owned),
            routing,
            deny_data_collection: limits.deny_data_collection,
            ..Self::new(id, messages, limits.max_tokens)
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

//! Serde shapes of the OpenAI-compatible wire format with OpenRouter's extensions.
//! Every response field is optional: key presence and order change between gateway versions
//! and between servers (see `docs/protocol.md`, "Chunks" and "Other servers").

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::ErrorCode;

// ---------------------------------------------------------------- request

#[derive(Debug, Serialize)]
pub(crate) struct ChatBody<'a> {
    pub model: &'a str,
    pub messages: super::WireMessages<'a>,
    pub stream: bool,
    pub max_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<UsageFlag>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub models: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<&'a str>,
    /// OpenRouter's plugins (`file-parser` for PDFs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub plugins: Vec<Value>,
    /// Server tools OpenRouter runs itself (`openrouter:web_search`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<&'a Value>,
}

#[derive(Debug, Serialize)]
pub(crate) struct StreamOptions {
    pub include_usage: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct UsageFlag {
    pub include: bool,
}

// ---------------------------------------------------------------- stream chunks

/// Borrowed from the line where it can be: a string with no escapes is not copied, since
/// most chunks carry a word or two and their ids, model and provider are read only to compare.
#[derive(Debug, Deserialize)]
pub(crate) struct Chunk<'a> {
    #[serde(borrow)]
    pub id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub model: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub provider: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub choices: Option<Vec<Choice<'a>>>,
    // Boxed: nearly every chunk has neither, and a smaller chunk is cheaper to move.
    pub usage: Option<Box<WireUsage>>,
    pub error: Option<Box<WireError>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Choice<'a> {
    #[serde(borrow)]
    pub delta: Option<Delta<'a>>,
    #[serde(borrow)]
    pub finish_reason: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub native_finish_reason: Option<Cow<'a, str>>,
    /// Some providers put the error on the choice instead of the chunk.
    pub error: Option<Box<WireError>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Delta<'a> {
    #[serde(borrow)]
    pub content: Option<Cow<'a, str>>,
    /// OpenRouter and Ollama.
    #[serde(borrow)]
    pub reasoning: Option<Cow<'a, str>>,
    /// vLLM, llama.cpp, DeepSeek, GPUStack.
    #[serde(borrow)]
    pub reasoning_content: Option<Cow<'a, str>>,
    pub reasoning_details: Option<Vec<Value>>,
    /// Sources the answer cites (`url_citation`), read leniently by `citations`: any JSON is
    /// taken here, so a strange one never makes the chunk undecodable.
    pub annotations: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireUsage {
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
    pub cost: Option<WireCost>,
    pub prompt_tokens_details: Option<PromptDetails>,
    pub completion_tokens_details: Option<CompletionDetails>,
    pub cost_details: Option<CostDetails>,
    /// DeepSeek reports cache hits here instead.
    pub prompt_cache_hit_tokens: Option<u64>,
    /// Server tools the gateway ran: `server_tool_use_details` in the recordings,
    /// `server_tool_use` in some documentation; either is read.
    pub server_tool_use_details: Option<ServerToolUse>,
    pub server_tool_use: Option<ServerToolUse>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ServerToolUse {
    pub web_search_requests: Option<u64>,
}

/// OpenRouter sends a number; Perplexity an object with `total_cost`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum WireCost {
    Usd(f64),
    Breakdown { total_cost: Option<f64> },
}

#[derive(Debug, Deserialize)]
pub(crate) struct PromptDetails {
    pub cached_tokens: Option<u64>,
}

/// OpenRouter's split of the bill (zeros in some 2025 recordings, so it is checked against
/// the total before use).
#[derive(Debug, Deserialize)]
pub(crate) struct CostDetails {
    pub upstream_inference_prompt_cost: Option<f64>,
    pub upstream_inference_completions_cost: Option<f64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CompletionDetails {
    pub reasoning_tokens: Option<u64>,
}

// ---------------------------------------------------------------- errors

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub error: Option<WireError>,
    /// Some servers put a bare message at the top.
    pub message: Option<String>,
    pub detail: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireError {
    pub code: Option<ErrorCode>,
    pub message: Option<String>,
    pub metadata: Option<ErrorMetadata>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorMetadata {
    pub provider_name: Option<String>,
    /// The upstream's message: a string in recordings, sometimes JSON.
    pub raw: Option<Value>,
    pub reasons: Option<Vec<String>>,
}

// ---------------------------------------------------------------- other endpoints

#[derive(Debug, Deserialize)]
pub(crate) struct DataEnvelope<T> {
    pub data: T,
}

/// One entry of a list that may be malformed; it is then skipped (and counted), not fatal.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Lenient<T> {
    Good(T),
    Bad(serde::de::IgnoredAny),
}

/// One entry of `GET /models`. Prices stay strings here; `catalog` interprets them.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct ModelEntry {
    pub id: String,
    pub canonical_slug: Option<String>,
    pub name: Option<String>,
    pub created: Option<i64>,
    pub description: Option<String>,
    pub context_length: Option<u64>,
    pub architecture: Option<Architecture>,
    pub pricing: Option<PricingEntry>,
    pub top_provider: Option<TopProvider>,
    pub supported_parameters: Option<Vec<String>>,
    pub expiration_date: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct Architecture {
    pub input_modalities: Option<Vec<String>>,
    pub output_modalities: Option<Vec<String>>,
    pub tokenizer: Option<String>,
}

/// Decimal strings of USD per token (`"-1"` for routers whose price varies).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct PricingEntry {
    pub prompt: Option<String>,
    pub completion: Option<String>,
    pub request: Option<String>,
    pub internal_reasoning: Option<String>,
    pub input_cache_read: Option<String>,
    /// USD per web search (the `openrouter:web_search` tool).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_search: Option<String>,
    /// USD per input image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// USD per audio input token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio: Option<String>,
    /// Conditional prices (long prompts, time windows); later entries win per key.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<PriceOverride>,
}

/// One conditional price set: applies when the prompt has *more than* `min_prompt_tokens`, or
/// inside the daily UTC window `utc_start..utc_end` (HHMM, end exclusive, may wrap midnight).
/// Missing prices inherit the base ones (openrouter-api.md §6.3).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct PriceOverride {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_prompt_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utc_start: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utc_end: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct TopProvider {
    pub context_length: Option<u64>,
    pub max_completion_tokens: Option<u64>,
}

/// `GET /credits` (management keys on OpenRouter; the sim accepts any key).
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
pub struct Credits {
    pub total_credits: f64,
    pub total_usage: f64,
}

impl Credits {
    pub fn remaining(&self) -> f64 {
        self.total_credits - self.total_usage
    }
}

/// `GET /key`: the key's own limit (not the account balance). `None` limits mean uncapped.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct KeyInfo {
    pub label: Option<String>,
    pub limit: Option<f64>,
    pub limit_remaining: Option<f64>,
    pub limit_reset: Option<String>,
    pub usage: Option<f64>,
    pub usage_daily: Option<f64>,
    pub is_free_tier: Option<bool>,
}

/// `GET /generation?id=`: the authoritative record of one request, used to reconcile the cost
/// of answers whose stream ended without a usage chunk (cancelled or dropped).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct Generation {
    pub id: String,
    pub model: Option<String>,
    pub provider_name: Option<String>,
    pub total_cost: Option<f64>,
    pub cancelled: Option<bool>,
    pub finish_reason: Option<String>,
    pub tokens_prompt: Option<u64>,
    pub tokens_completion: Option<u64>,
    pub native_tokens_prompt: Option<u64>,
    pub native_tokens_completion: Option<u64>,
    pub native_tokens_reasoning: Option<u64>,
    pub latency: Option<f64>,
    pub generation_time: Option<f64>,
    /// Why `total_cost` was refused (not finite, negative or absurd), when it was.
    #[serde(skip)]
    pub cost_refused: Option<String>,
}

//! The HTTP surface under `/api/v1`: chat completions (streamed or not), the catalog, credits,
//! key and generation records, with OpenRouter's error shapes and status codes.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::RecordedRequest;
use super::answer::{self, tokenize};
use super::catalog::{self, DemoModel, Provider};
use super::directive::{self, Directives};
use super::routing::{Unserved, as_list, serve};
use super::state::{GenerationRecord, Shared};
use super::stream::{self, Plan};
use crate::clock::unix_now;

/// Paths that answer only to the expected key (the catalog is public, as on OpenRouter).
const KEYED: &[&str] = &[
    "/api/v1/chat/completions",
    "/api/v1/credits",
    "/api/v1/key",
    "/api/v1/auth/key",
    "/api/v1/generation",
];

/// Largest request body the gateway reads (axum's own default).
// Room for attachments at their default caps, base64 inflating them by a third.
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/v1/chat/completions", post(chat))
        .route("/api/v1/models", get(models))
        .route("/api/v1/models/{author}/{slug}/endpoints", get(endpoints))
        .route("/api/v1/credits", get(credits))
        .route("/api/v1/key", get(key))
        .route("/api/v1/auth/key", get(key))
        .route("/api/v1/generation", get(generation))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(shared.clone(), gate))
        .with_state(shared)
}

/// In front of every handler: the request is recorded (its key redacted), then a keyed path
/// without the expected key is refused with OpenRouter's 401.
async fn gate(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return error(413, "Request body too large", None);
    };
    record(&shared, &parts.method, &parts.uri, &parts.headers, &bytes);
    if KEYED.contains(&parts.uri.path()) {
        if let Some(denied) = check_key(&shared, &parts.headers) {
            return denied;
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

pub(super) fn error(status: u16, message: &str, metadata: Option<Value>) -> Response {
    let mut err = json!({ "code": status, "message": message });
    if let Some(m) = metadata {
        err["metadata"] = m;
    }
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (
        code,
        axum::Json(json!({ "error": err, "user_id": "user_sim" })),
    )
        .into_response();
    if matches!(status, 429 | 503) {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("3"));
    }
    resp
}

fn record(shared: &Shared, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) {
    let headers = headers
        .iter()
        .map(|(n, v)| {
            let value = if n == header::AUTHORIZATION {
                "<redacted>".to_owned()
            } else {
                v.to_str().unwrap_or("").to_owned()
            };
            (n.as_str().to_owned(), value)
        })
        .collect();
    shared.record(RecordedRequest {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        headers,
        body: serde_json::from_slice(body).unwrap_or(Value::Null),
    });
}

/// `None` when the bearer key is acceptable; otherwise the 401 to send.
fn check_key(shared: &Shared, headers: &HeaderMap) -> Option<Response> {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let Some(given) = given else {
        return Some(error(401, "No auth credentials found", None));
    };
    match &shared.books().options().api_key {
        Some(expected) if expected != given => Some(error(401, "User not found.", None)),
        _ => None,
    }
}

fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}

fn status_error(code: u16, model: &str) -> Response {
    let (message, meta) = match code {
        400 => (
            "Invalid request: the simulated gateway was asked to refuse it".to_owned(),
            None,
        ),
        401 => ("User not found.".to_owned(), None),
        402 => (
            "Insufficient credits. Add more using https://openrouter.ai/settings/credits"
                .to_owned(),
            None,
        ),
        403 => (
            format!("{model} requires moderation: the input was flagged"),
            Some(
                json!({ "reasons": ["violence"], "flagged_input": "a flagged…input", "provider_name": "Aurora Cloud", "model_slug": model }),
            ),
        ),
        404 => (
            "No endpoints found matching your data policy and provider preferences".to_owned(),
            None,
        ),
        408 => ("Request timed out upstream".to_owned(), None),
        429 => (
            "Provider returned error".to_owned(),
            Some(
                json!({ "provider_name": "Aurora Cloud", "raw": format!("{model} is temporarily rate-limited upstream. Please retry shortly.") }),
            ),
        ),
        500 => ("Internal Server Error".to_owned(), None),
        502 => (
            "Provider returned error".to_owned(),
            Some(json!({ "provider_name": "Aurora Cloud", "raw": "upstream connection reset" })),
        ),
        503 => (
            "No available provider could serve the request; try again later".to_owned(),
            None,
        ),
        524 => ("Provider timed out (edge timeout)".to_owned(), None),
        529 => ("Provider is overloaded".to_owned(), None),
        _ => ("Simulated error".to_owned(), None),
    };
    error(code, &message, meta)
}

async fn chat(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return error(400, "Invalid JSON in the request body", None);
    };
    let Some(messages) = req["messages"].as_array().filter(|m| !m.is_empty()) else {
        return error(400, "Input required: specify \"messages\"", None);
    };
    let Some(requested) = req["model"].as_str() else {
        return error(400, "No model specified: set \"model\"", None);
    };
    let last_user = messages
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .map(|m| text_of(&m["content"]))
        .unwrap_or_default();
    let (directives, prompt) = directive::parse(&last_user);
    if let Some(code) = directives.status {
        return status_error(code, requested);
    }
    if directives.html {
        let page =
            "<!DOCTYPE html><html><body><h1>Welcome</h1><p>Sign in to continue.</p></body></html>";
        return ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response();
    }
    let echo = directives.echokey.then(|| {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .trim_start_matches("Bearer ")
            .to_owned()
    });
    let chain: Vec<String> = std::iter::once(requested.to_owned())
        .chain(as_list(&req["models"]))
        .collect();
    let sends_seed = !req["seed"].is_null();
    let mut prefs = req["provider"].clone();
    if directives.ignorepin {
        if let Some(p) = prefs.as_object_mut() {
            p.remove("only");
            p.remove("order");
        }
        // And never by the model's first provider, so a pin to it is broken.
        prefs["ignore"] = json!(
            super::catalog::find(requested)
                .and_then(|m| m.providers.first())
                .map(|p| vec![p.slug])
                .unwrap_or_default()
        );
    }
    let (model, provider, attempts) = match serve(&chain, &prefs, sends_seed) {
        (Ok((model, provider)), attempts) => (model, provider, attempts),
        (Err(Unserved::NoModel), _) => {
            return error(400, &format!("{requested} is not a valid model ID"), None);
        }
        (Err(Unserved::NoEndpoints), _) => {
            return error(
                404,
                "No endpoints found matching your data policy and provider preferences",
                None,
            );
        }
        (Err(Unserved::ProviderFailed(p)), _) => {
            return error(
                502,
                "Provider returned error",
                Some(json!({ "provider_name": p.name, "raw": "upstream connection reset" })),
            );
        }
        (Err(Unserved::AllFailed), _) => {
            return error(503, "No available provider could serve the request", None);
        }
    };
    let received = match super::parts::received(model.id, messages, &req["plugins"]) {
        Ok(lines) => super::parts::describe(&lines),
        Err(message) => return error(400, &message, None),
    };
    let search = match super::search::from_request(&req, model, &prompt) {
        Ok(s) => s,
        Err((status, message)) => return error(status, &message, None),
    };
    let max_tokens = req["max_tokens"]
        .as_u64()
        .or_else(|| req["max_completion_tokens"].as_u64())
        .unwrap_or(4096);
    let chars: usize = messages
        .iter()
        .map(|m| text_of(&m["content"]).chars().count())
        .sum();
    let prompt_tokens = u64::try_from(chars.div_ceil(4) + 4 * messages.len())
        .unwrap_or(u64::MAX)
        .saturating_add(super::parts::tokens(model.id, messages, &req["plugins"]))
        .saturating_add(search.as_ref().map_or(0, |s| s.injected_tokens));
    let now = std::time::Instant::now();
    let refusal = shared.update(|b| {
        if model.is_free() {
            if let Some(wait) = b.free_request(model.id, now) {
                let mut r = error(429, "Rate limit exceeded: free-models-per-min. ", Some(json!({ "provider_name": null })));
                let secs = wait.as_secs().max(1).to_string();
                if let Ok(v) = header::HeaderValue::from_str(&secs) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return Some(r);
            }
            return (b.stats.balance_usd < 0.0).then(|| error(402, "Insufficient credits. Add more using https://openrouter.ai/settings/credits", None));
        }
        let balance = b.stats.balance_usd;
        let per_token = model.completion_price * provider.price_mult;
        if balance <= 0.0 {
            return Some(error(402, "Insufficient credits. Add more using https://openrouter.ai/settings/credits", None));
        }
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        if max_tokens as f64 * per_token > balance {
            let affordable = (balance / per_token).floor() as u64;
            return Some(error(402, &format!("This request requires more credits, or fewer max_tokens. You requested up to {max_tokens} tokens, but can only afford {affordable}. To increase, visit https://openrouter.ai/settings/credits"), None));
        }
        None
    });
    if let Some(r) = refusal {
        return r;
    }
    let sampling = Sampling::of(&req, &shared, model.id, &last_user);
    let plan = plan(
        &shared,
        model,
        provider,
        &prompt,
        prompt_tokens,
        max_tokens,
        directives,
        attempts,
        &sampling,
    );
    let mut plan = Plan { echo, ..plan };
    if !received.is_empty() {
        plan.content.splice(0..0, tokenize(&received));
    }
    if let Some(s) = search {
        plan.content.splice(0..0, tokenize(&s.intro()));
        plan.search = Some(s);
    }
    if req["stream"].as_bool().unwrap_or(false) {
        let id = plan.id.clone();
        let mut resp = Response::new(stream::body(plan, shared));
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("text/event-stream"),
        );
        h.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-cache"),
        );
        if let Ok(v) = header::HeaderValue::from_str(&id) {
            h.insert("x-generation-id", v);
        }
        resp
    } else {
        complete(plan, &shared).await
    }
}

/// How a request samples: another answer per draw (a seed repeats one; temperature 0 is the
/// deterministic one), and how much a reasoning model thinks (`reasoning.effort` scales its
/// reasoning, `reasoning.max_tokens` caps it).
struct Sampling {
    variation: Option<u64>,
    effort_scale: f64,
    budget: Option<usize>,
}

impl Sampling {
    fn of(req: &Value, shared: &Shared, model: &str, prompt: &str) -> Self {
        let temperature = req["temperature"].as_f64().unwrap_or(1.0);
        let variation = match req["seed"].as_i64() {
            #[allow(clippy::cast_sign_loss)]
            Some(seed) => Some(seed as u64),
            None if temperature > 0.0 => {
                Some(shared.update(|b| b.next_draw(model, prompt))).filter(|n| *n > 0)
            }
            None => None,
        };
        let effort_scale = match req["reasoning"]["effort"].as_str() {
            Some("none") => 0.0,
            Some("minimal") => 0.25,
            Some("low") => 0.5,
            Some("high") => 2.0,
            Some("xhigh" | "max") => 3.0,
            _ => 1.0,
        };
        let budget = req["reasoning"]["max_tokens"]
            .as_u64()
            .and_then(|n| usize::try_from(n).ok());
        Self {
            variation,
            effort_scale,
            budget,
        }
    }

    /// The reasoning pieces at this effort: repeated for more, cut for less or a budget.
    fn think(&self, pieces: Vec<String>) -> Vec<String> {
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let want = (pieces.len() as f64 * self.effort_scale).round() as usize;
        let want = self.budget.map_or(want, |b| want.min(b));
        pieces.iter().cycle().take(want).cloned().collect()
    }
}

#[allow(clippy::too_many_arguments)]
fn plan(
    shared: &Shared,
    model: &'static DemoModel,
    provider: &'static Provider,
    prompt: &str,
    prompt_tokens: u64,
    max_tokens: u64,
    d: Directives,
    attempts: Vec<(String, u16)>,
    sampling: &Sampling,
) -> Plan {
    let text = if d.splitutf8 {
        answer::multibyte_text()
    } else {
        answer::answer_varied(model, prompt, d.escape, sampling.variation)
    };
    let mut content = match (d.flood, d.tokens) {
        (Some(n), _) => answer::flood(n, d.oneline),
        (None, Some(n)) => answer::tokens_exactly(&text, n),
        (None, None) => tokenize(&text),
    };
    let reasoning = if model.reasoning && d.flood.is_none() {
        sampling.think(tokenize(&answer::reasoning(prompt)))
    } else {
        Vec::new()
    };
    let budget = usize::try_from(max_tokens)
        .unwrap_or(usize::MAX)
        .saturating_sub(reasoning.len())
        .max(1);
    // A flood ignores max_tokens, as a misbehaving server would.
    let finish = if content.len() > budget && d.flood.is_none() {
        content.truncate(budget);
        "length"
    } else {
        "stop"
    };
    let opts = shared.books().options().clone();
    let scale = if d.flood.is_some() {
        0.0
    } else {
        opts.time_scale.max(0.0)
    };
    let ttft_ms = d.ttft_ms.unwrap_or(model.ttft_ms);
    let rate = d.rate.unwrap_or(model.tokens_per_sec * provider.speed);
    let created = unix_now();
    let id = shared.update(|b| {
        let id = b.next_generation_id(created);
        b.generations.insert(
            id.clone(),
            GenerationRecord {
                id: id.clone(),
                created_unix: created,
                model: model.served_id().to_owned(),
                provider: provider.name.to_owned(),
                cost: 0.0,
                prompt_tokens,
                completion_tokens: 0,
                reasoning_tokens: 0,
                cancelled: false,
                finish_reason: None,
                started: std::time::Instant::now(),
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                latency_ms: (ttft_ms as f64 * scale) as u64,
                attempts,
            },
        );
        id
    });
    Plan {
        id,
        created,
        model,
        provider,
        reasoning,
        content,
        finish,
        prompt_tokens,
        directives: d,
        ttft: Duration::from_secs_f64(ttft_ms as f64 / 1000.0 * scale),
        per_token: Duration::from_secs_f64(scale / rate.max(0.001)),
        instant: scale == 0.0,
        echo: None,
        search: None,
    }
}

/// A non-streaming answer: OpenRouter pads the body with whitespace while the model works.
async fn complete(plan: Plan, shared: &Shared) -> Response {
    if !plan.instant {
        let work =
            plan.ttft + plan.per_token * u32::try_from(plan.content.len()).unwrap_or(u32::MAX);
        tokio::time::sleep(work.min(Duration::from_secs(30))).await;
    }
    let reasoning = u64::try_from(plan.reasoning.len()).unwrap_or(0);
    let completion = reasoning + u64::try_from(plan.content.len()).unwrap_or(0);
    let cost = plan.cost(completion);
    shared.update(|b| {
        b.charge(cost);
        if let Some(g) = b.generations.get_mut(&plan.id) {
            g.cost = cost;
            g.completion_tokens = completion;
            g.reasoning_tokens = reasoning;
            g.finish_reason = Some(plan.finish.to_owned());
        }
    });
    let reasoning_text = (!plan.reasoning.is_empty()).then(|| plan.reasoning.concat());
    let body = json!({
        "id": plan.id, "object": "chat.completion", "created": plan.created,
        "model": plan.model.served_id(), "provider": plan.provider.name, "system_fingerprint": null,
        "choices": [{ "index": 0, "logprobs": null, "finish_reason": plan.finish, "native_finish_reason": plan.finish,
            "message": { "role": "assistant", "content": plan.content.concat(), "refusal": null, "reasoning": reasoning_text,
                "annotations": plan.search.as_ref().map_or_else(|| json!([]), super::search::Search::annotations) } }],
        "usage": plan.usage(completion, reasoning)
    });
    let mut resp = Response::new(Body::from(format!("\n\n         \n{body}")));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    resp
}

/// A model's providers (`endpoints.rs` builds the list; the error body is the gateway's).
async fn endpoints(Path((author, slug)): Path<(String, String)>) -> Response {
    let id = format!("{author}/{slug}");
    match super::endpoints::endpoints_json(&id) {
        Some(body) => axum::Json(body).into_response(),
        None => error(404, &format!("No model found for {id}"), None),
    }
}

async fn models() -> Response {
    axum::Json(catalog::catalog_json()).into_response()
}

async fn credits(State(shared): State<Arc<Shared>>) -> Response {
    let b = shared.books();
    axum::Json(json!({ "data": { "total_credits": b.options().balance_usd, "total_usage": b.stats.total_usage_usd } })).into_response()
}

async fn key(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let last3: String = given
        .chars()
        .rev()
        .take(3)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let used = shared.books().stats.total_usage_usd;
    axum::Json(json!({ "data": {
        "label": format!("sk-sim-...{last3}"), "limit": null, "limit_remaining": null, "limit_reset": null,
        "include_byok_in_limit": false, "usage": used, "usage_daily": used, "usage_weekly": used, "usage_monthly": used,
        "byok_usage": 0, "byok_usage_daily": 0, "byok_usage_weekly": 0, "byok_usage_monthly": 0,
        "is_free_tier": false, "is_management_key": false, "is_provisioning_key": false, "expires_at": null
    }}))
    .into_response()
}

async fn generation(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let id = uri
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("id="))
        .unwrap_or("");
    match shared.books().generations.get(id) {
        Some(g) => axum::Json(g.to_json()).into_response(),
        None => error(404, "Generation not found", None),
    }
}

async fn not_found(method: Method, uri: Uri) -> Response {
    error(404, &format!("No route for {method} {}", uri.path()), None)
}

//! `Client`: one shared HTTP connection pool and an `Endpoint`. Stateless between requests.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::{Stream, StreamExt, stream};
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;

use super::catalog::Catalog;
use super::error::ApiError;
use super::sse::{self, TransportError};
use super::wire::{
    ChatBody, Credits, DataEnvelope, ErrorBody, Generation, KeyInfo, ModelEntry, StreamOptions,
    UsageFlag,
};
use super::{ChatRequest, Dialect, Endpoint, StreamEvent};

pub type ChatStream = Pin<Box<dyn Stream<Item = StreamEvent> + Send>>;

/// Error bodies are read up to this size; a server that sends more is not telling us anything.
const MAX_ERROR_BODY: usize = 64 * 1024;

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    endpoint: Arc<Endpoint>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(endpoint: Endpoint) -> Result<Self, ApiError> {
        let http = reqwest::Client::builder()
            .connect_timeout(endpoint.request_timeout.min(Duration::from_secs(15)))
            .build()
            .map_err(|e| ApiError::Connect {
                url: endpoint.base_url.clone(),
                detail: describe(&e),
            })?;
        Ok(Self {
            http,
            endpoint: Arc::new(endpoint),
        })
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.endpoint.base_url)
    }

    fn authorized(&self, rb: RequestBuilder) -> RequestBuilder {
        let ep = &self.endpoint;
        let rb = rb
            .header("HTTP-Referer", &ep.app_url)
            .header("X-Title", &ep.app_title)
            .header("X-OpenRouter-Title", &ep.app_title);
        match &ep.api_key {
            Some(key) => rb.bearer_auth(key.expose()),
            None => rb,
        }
    }

    fn body(&self, req: &ChatRequest) -> Vec<u8> {
        let openrouter = self.endpoint.dialect == Dialect::OpenRouter;
        // Routing is OpenRouter's: a plain OpenAI server would reject the fields, or take a
        // `:nitro` suffix for part of the model's name.
        let (model, fallbacks, provider) = if openrouter {
            (
                req.routing.model_id(&req.model),
                req.routing.fallbacks.clone(),
                req.routing.provider_object(req.deny_data_collection),
            )
        } else {
            (req.model.clone(), Vec::new(), None)
        };
        let body = ChatBody {
            model: &model,
            messages: &req.messages,
            stream: true,
            max_tokens: req.max_tokens,
            temperature: req.temperature,
            stream_options: Some(StreamOptions {
                include_usage: true,
            }),
            usage: openrouter.then_some(UsageFlag { include: true }),
            models: &fallbacks,
            provider: provider.as_ref(),
            reasoning: req.reasoning.as_ref().filter(|_| openrouter),
            session_id: req.session_id.as_deref().filter(|_| openrouter),
        };
        // Serialising plain data with string keys cannot fail.
        serde_json::to_vec(&body).unwrap_or_default()
    }

    /// Streams one answer. The stream always ends with `Done` or `Failed`; HTTP errors before
    /// the stream started arrive as its only `Failed` event. Dropping the stream closes the
    /// connection, which is how an answer is cancelled.
    pub fn stream_chat(&self, req: &ChatRequest) -> ChatStream {
        let body = self.body(req);
        let this = self.clone();
        let stall = self.endpoint.stall_timeout;
        stream::once(async move { this.open(body).await })
            .flat_map(move |opened| match opened {
                Ok(resp) => {
                    let generation_id = resp
                        .headers()
                        .get("x-generation-id")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let bytes = resp
                        .bytes_stream()
                        .map(|r| r.map_err(|e| TransportError::Io(describe(&e))));
                    stream::once(async move { StreamEvent::Opened { generation_id } })
                        .chain(sse::decode(Box::pin(bytes), stall))
                        .boxed()
                }
                Err(err) => stream::once(async move { StreamEvent::Failed(err) }).boxed(),
            })
            .boxed()
    }

    async fn open(&self, body: Vec<u8>) -> Result<Response, ApiError> {
        let rb = self
            .authorized(self.http.post(self.url("/chat/completions")))
            .header("Content-Type", "application/json")
            .header("Accept", "text/event-stream")
            .body(body);
        let resp = self.send(rb).await?;
        if resp.status().is_success() {
            Ok(resp)
        } else {
            Err(http_error(resp).await)
        }
    }

    async fn send(&self, rb: RequestBuilder) -> Result<Response, ApiError> {
        let after = self.endpoint.request_timeout;
        match tokio::time::timeout(after, rb.send()).await {
            Err(_) => Err(ApiError::Timeout { after }),
            Ok(Err(e)) if e.is_timeout() => Err(ApiError::Timeout { after }),
            Ok(Err(e)) => Err(ApiError::Connect {
                url: self.endpoint.base_url.clone(),
                detail: describe(&e),
            }),
            Ok(Ok(resp)) => Ok(resp),
        }
    }

    async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let resp = self
            .send(self.authorized(self.http.get(self.url(path))))
            .await?;
        if !resp.status().is_success() {
            return Err(http_error(resp).await);
        }
        let after = self.endpoint.request_timeout;
        let bytes = match tokio::time::timeout(after, resp.bytes()).await {
            Err(_) => return Err(ApiError::Timeout { after }),
            Ok(Err(e)) => {
                return Err(ApiError::Dropped {
                    detail: describe(&e),
                });
            }
            Ok(Ok(b)) => b,
        };
        // OpenRouter pads slow bodies with leading whitespace; serde_json skips it.
        serde_json::from_slice(&bytes).map_err(|e| ApiError::Malformed {
            detail: format!("{path}: {e}"),
        })
    }

    /// `GET /models`: the catalog (`:batch` variants removed).
    pub async fn models(&self) -> Result<Catalog, ApiError> {
        let env: DataEnvelope<Vec<ModelEntry>> = self.get_json("/models").await?;
        Ok(Catalog::new(env.data))
    }

    /// `GET /credits`: purchased and used credits (OpenRouter wants a management key).
    pub async fn credits(&self) -> Result<Credits, ApiError> {
        Ok(self
            .get_json::<DataEnvelope<Credits>>("/credits")
            .await?
            .data)
    }

    /// `GET /key`: the key's limit and usage.
    pub async fn key_info(&self) -> Result<KeyInfo, ApiError> {
        Ok(self.get_json::<DataEnvelope<KeyInfo>>("/key").await?.data)
    }

    /// `GET /generation?id=`: the billed cost and serving provider of one request. Right after
    /// a request it may not exist yet (404); callers retry with a delay.
    pub async fn generation(&self, id: &str) -> Result<Generation, ApiError> {
        let path = format!("/generation?id={}", encode_query(id));
        Ok(self.get_json::<DataEnvelope<Generation>>(&path).await?.data)
    }
}

fn encode_query(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Builds an `ApiError::Http` from a non-2xx response, reading the gateway's JSON error body
/// (`error.code` number or string, `metadata.provider_name`, `raw`) when there is one.
async fn http_error(resp: Response) -> ApiError {
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let mut body = Vec::new();
    let mut chunks = resp.bytes_stream();
    while let Some(Ok(chunk)) = chunks.next().await {
        body.extend_from_slice(&chunk);
        if body.len() >= MAX_ERROR_BODY {
            break;
        }
    }
    error_from_body(status, &body, retry_after)
}

pub(crate) fn error_from_body(
    status: StatusCode,
    body: &[u8],
    retry_after: Option<Duration>,
) -> ApiError {
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let (mut code, mut message, mut provider, mut raw) = (None, None, None, None);
    if let Some(parsed) = parsed {
        if let Some(err) = parsed.error {
            code = err.code;
            message = err.message;
            if let Some(meta) = err.metadata {
                provider = meta.provider_name;
                raw = meta.raw.map(|r| match r {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                });
                if let (Some(reasons), Some(m)) = (meta.reasons, message.as_mut()) {
                    if !reasons.is_empty() {
                        m.push_str(&format!(" (flagged: {})", reasons.join(", ")));
                    }
                }
            }
        }
        message = message
            .or(parsed.message)
            .or(parsed.detail.map(|d| match d {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            }));
    }
    let message = message.unwrap_or_else(|| {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() {
            status.canonical_reason().unwrap_or("error").to_owned()
        } else {
            text.chars().take(200).collect()
        }
    });
    // A provider's own explanation beats OpenRouter's generic "Provider returned error".
    let message = match &raw {
        Some(r) if message == "Provider returned error" => format!("{message}: {r}"),
        _ => message,
    };
    ApiError::Http {
        status: status.as_u16(),
        code,
        message,
        provider,
        raw,
        retry_after,
    }
}

/// A reqwest error as one line. reqwest's own text ("error sending request for url …") hides
/// the cause, so the root cause is named, after the kind of failure when that adds anything.
fn describe(e: &reqwest::Error) -> String {
    let mut root: &dyn std::error::Error = e;
    while let Some(next) = root.source() {
        root = next;
    }
    let cause = root.to_string();
    if e.is_body() || e.is_decode() {
        format!("reading the response failed: {cause}")
    } else {
        cause
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ErrorCode;

    fn fixture(path: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/{path}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn recorded_401_body() {
        let e = error_from_body(
            StatusCode::UNAUTHORIZED,
            &fixture("openrouter/errors/401-missing-auth.json"),
            None,
        );
        assert_eq!(
            e.to_string(),
            "401 Unauthorized: Missing Authentication header"
        );
    }

    #[test]
    fn recorded_429_body_names_the_provider_and_its_raw_message() {
        let e = error_from_body(
            StatusCode::TOO_MANY_REQUESTS,
            &fixture("openrouter/errors/429-upstream-rate-limit-free.json"),
            Some(Duration::from_secs(7)),
        );
        let ApiError::Http {
            provider,
            raw,
            message,
            ..
        } = &e
        else {
            panic!("{e:?}")
        };
        assert_eq!(provider.as_deref(), Some("Google"));
        assert!(raw.as_deref().unwrap().contains("temporarily rate-limited"));
        assert!(message.contains("temporarily rate-limited"));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    }

    #[test]
    fn recorded_400_context_length_and_llama_server_errors() {
        let e = error_from_body(
            StatusCode::BAD_REQUEST,
            &fixture("openrouter/errors/400-context-length.json"),
            None,
        );
        assert!(e.to_string().contains("maximum context length"));
        let e = error_from_body(
            StatusCode::UNAUTHORIZED,
            &fixture("other/llama-server/error-badkey.json"),
            None,
        );
        assert_eq!(e.to_string(), "401 Unauthorized: Invalid API Key");
    }

    #[test]
    fn string_codes_and_non_json_bodies() {
        let e = error_from_body(
            StatusCode::INTERNAL_SERVER_ERROR,
            br#"{"error":{"code":"server_error","message":"boom"}}"#,
            None,
        );
        assert_eq!(e.code(), ErrorCode::Text("server_error".into()));
        let e = error_from_body(StatusCode::BAD_GATEWAY, b"<html>bad gateway</html>", None);
        assert_eq!(e.to_string(), "502 Bad Gateway: <html>bad gateway</html>");
        let e = error_from_body(StatusCode::SERVICE_UNAVAILABLE, b"", None);
        assert_eq!(
            e.to_string(),
            "503 Service Unavailable: Service Unavailable"
        );
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode_query("gen-1 2&x"), "gen-1%202%26x");
    }
}

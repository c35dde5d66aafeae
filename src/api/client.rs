//! `Client`: one shared HTTP connection pool and an `Endpoint`. Stateless between requests.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::{Stream, StreamExt, stream};
use reqwest::{RequestBuilder, Response};
use serde::de::DeserializeOwned;

use super::bodies::{MAX_ERROR_BODY, describe, http_error, not_a_stream};
use super::catalog::Catalog;
use super::error::ApiError;
use super::redact::Secrets;
use super::sse::{self, DecodeOptions, TransportError};
use super::wire::{
    ChatBody, Credits, DataEnvelope, ErrorBody, Generation, KeyInfo, Lenient, ModelEntry,
    StreamOptions, UsageFlag,
};
use super::{ChatRequest, Dialect, Endpoint, StreamEvent};
use crate::chat::Cost;

pub type ChatStream = Pin<Box<dyn Stream<Item = StreamEvent> + Send>>;

/// The catalog: OpenRouter's is about 1 MB for 400 models, so this is generous.
pub const MAX_CATALOG_BODY: usize = 64 * 1024 * 1024;
/// `/credits`, `/key` and `/generation`: one small record each.
pub const MAX_RECORD_BODY: usize = 1024 * 1024;

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    endpoint: Arc<Endpoint>,
    secrets: Secrets,
    /// One permit per answer streaming from this endpoint, shared by every clone.
    limiter: Arc<tokio::sync::Semaphore>,
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
                url: endpoint.display_url(),
                detail: endpoint.secrets().scrub(&describe(&e)).into_owned(),
            })?;
        Ok(Self {
            http,
            secrets: endpoint.secrets(),
            limiter: Arc::new(tokio::sync::Semaphore::new(endpoint.max_concurrent.max(1))),
            endpoint: Arc::new(endpoint),
        })
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// What this endpoint's server must never get shown or kept (its key).
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
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
            messages: super::WireMessages(&req.messages),
            stream: true,
            max_tokens: req.max_tokens,
            temperature: req.temperature,
            top_p: req.top_p,
            seed: req.seed,
            stream_options: Some(StreamOptions {
                include_usage: true,
            }),
            usage: openrouter.then_some(UsageFlag { include: true }),
            models: &fallbacks,
            provider: provider.as_ref(),
            reasoning: req.reasoning.as_ref().filter(|_| openrouter),
            session_id: req.session_id.as_deref().filter(|_| openrouter),
            plugins: req
                .pdf_engine
                .filter(|_| openrouter)
                .map(super::PdfEngine::plugin)
                .into_iter()
                .collect(),
            // A server tool only OpenRouter runs: a plain OpenAI server would refuse its type.
            tools: req.web_search.iter().filter(|_| openrouter).collect(),
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
        let opts = DecodeOptions {
            stall_timeout: self.endpoint.stall_timeout,
            max_line: self.endpoint.max_line,
            secrets: self.secrets.clone(),
        };
        // Past the endpoint's limit the answer waits for a permit, and says so; the permit
        // goes with the stream and is given back when it ends or is dropped.
        let queued = self.limiter.available_permits() == 0;
        let limiter = self.limiter.clone();
        let head = stream::iter(queued.then_some(StreamEvent::Queued));
        let rest = stream::once(async move {
            let permit = limiter.acquire_owned().await.ok();
            let turn = stream::iter(queued.then_some(StreamEvent::Dequeued));
            (permit, turn, this.open(body).await)
        })
        .flat_map(move |(permit, turn, opened)| {
            let events = match opened {
                Ok(resp) => {
                    let generation_id = resp
                        .headers()
                        .get("x-generation-id")
                        .and_then(|v| v.to_str().ok())
                        .map(|id| opts.secrets.scrub(id).into_owned());
                    let bytes = resp
                        .bytes_stream()
                        .map(|r| r.map_err(|e| TransportError::Io(describe(&e))));
                    stream::once(async move { StreamEvent::Opened { generation_id } })
                        .chain(sse::decode(Box::pin(bytes), opts.clone()))
                        .boxed()
                }
                Err(err) => stream::once(async move { StreamEvent::Failed(err) }).boxed(),
            };
            turn.chain(events).map(move |e| {
                let _held = &permit;
                e
            })
        });
        head.chain(rest).boxed()
    }

    async fn open(&self, body: Vec<u8>) -> Result<Response, ApiError> {
        let rb = self
            .authorized(self.http.post(self.url("/chat/completions")))
            .header("Content-Type", "application/json")
            .header("Accept", "text/event-stream")
            .body(body);
        let resp = self.send(rb).await?;
        if !resp.status().is_success() {
            let mut err = http_error(resp, &self.secrets).await;
            err.scrub(&self.secrets);
            return Err(err);
        }
        match not_a_stream(&resp) {
            None => Ok(resp),
            Some(content_type) => Err(self.not_a_stream(resp, content_type).await),
        }
    }

    /// What a 200 that is not an event stream said: the error in it, else what it was.
    async fn not_a_stream(&self, resp: Response, content_type: String) -> ApiError {
        let body = match self.read_capped(resp, "the answer", MAX_ERROR_BODY).await {
            Ok(b) => b,
            Err(ApiError::TooLarge { .. }) => b"(a large body)".to_vec(),
            Err(e) => return e,
        };
        let body = self.secrets.scrub_bytes(&body).into_owned();
        if let Ok(ErrorBody {
            error: Some(err), ..
        }) = serde_json::from_slice(&body)
        {
            return ApiError::InStream {
                code: err.code,
                message: err
                    .message
                    .unwrap_or_else(|| "the server reported an error".into()),
                provider: err.metadata.and_then(|m| m.provider_name),
            };
        }
        let what = if content_type.contains("json") {
            format!("a JSON document ({content_type})")
        } else if content_type.contains("html") {
            format!("an HTML page ({content_type})")
        } else {
            content_type
        };
        let text = String::from_utf8_lossy(&body);
        let mut preview: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if preview.chars().count() > 200 {
            preview = preview.chars().take(200).collect::<String>() + "…";
        }
        ApiError::NotAStream {
            content_type: what,
            preview,
        }
    }

    async fn send(&self, rb: RequestBuilder) -> Result<Response, ApiError> {
        let after = self.endpoint.request_timeout;
        match tokio::time::timeout(after, rb.send()).await {
            Err(_) => Err(ApiError::Timeout { after }),
            Ok(Err(e)) if e.is_timeout() => Err(ApiError::Timeout { after }),
            Ok(Err(e)) => Err(ApiError::Connect {
                url: self.endpoint.display_url(),
                detail: self.secrets.scrub(&describe(&e)).into_owned(),
            }),
            Ok(Ok(resp)) => Ok(resp),
        }
    }

    /// The body, up to `limit` bytes (a larger one is refused, not buffered), within the
    /// request timeout.
    async fn read_capped(
        &self,
        resp: Response,
        what: &str,
        limit: usize,
    ) -> Result<Vec<u8>, ApiError> {
        let too_large = || ApiError::TooLarge {
            what: what.to_owned(),
            limit,
        };
        if resp
            .content_length()
            .is_some_and(|n| usize::try_from(n).map_or(true, |n| n > limit))
        {
            return Err(too_large());
        }
        let after = self.endpoint.request_timeout;
        let read = async {
            let mut body = Vec::new();
            let mut chunks = resp.bytes_stream();
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk.map_err(|e| ApiError::Dropped {
                    detail: self.secrets.scrub(&describe(&e)).into_owned(),
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(body)
        };
        tokio::time::timeout(after, read)
            .await
            .unwrap_or(Err(ApiError::Timeout { after }))
    }

    /// A JSON body of at most `limit` bytes, with the endpoint's secrets replaced in it.
    pub(super) async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        limit: usize,
    ) -> Result<T, ApiError> {
        let resp = self
            .send(self.authorized(self.http.get(self.url(path))))
            .await?;
        if !resp.status().is_success() {
            let mut err = http_error(resp, &self.secrets).await;
            err.scrub(&self.secrets);
            return Err(err);
        }
        let bytes = self.read_capped(resp, path, limit).await?;
        let bytes = self.secrets.scrub_bytes(&bytes);
        // OpenRouter pads slow bodies with leading whitespace; serde_json skips it.
        serde_json::from_slice(&bytes).map_err(|e| ApiError::Malformed {
            detail: format!("{path}: {e}"),
        })
    }

    /// `GET /models`: the catalog (`:batch` variants removed). An entry that cannot be read is
    /// skipped and counted (`Catalog::skipped`), not a reason to refuse the other 400.
    pub async fn models(&self) -> Result<Catalog, ApiError> {
        let env: DataEnvelope<Vec<Lenient<ModelEntry>>> =
            self.get_json("/models", MAX_CATALOG_BODY).await?;
        let mut bad = 0;
        let models = env
            .data
            .into_iter()
            .filter_map(|e| match e {
                Lenient::Good(m) => Some(m),
                Lenient::Bad(_) => {
                    bad += 1;
                    None
                }
            })
            .collect();
        Ok(Catalog::with_skipped(models, bad))
    }

    /// `GET /credits`: purchased and used credits (OpenRouter wants a management key).
    pub async fn credits(&self) -> Result<Credits, ApiError> {
        Ok(self
            .get_json::<DataEnvelope<Credits>>("/credits", MAX_RECORD_BODY)
            .await?
            .data)
    }

    /// `GET /key`: the key's limit and usage.
    pub async fn key_info(&self) -> Result<KeyInfo, ApiError> {
        Ok(self
            .get_json::<DataEnvelope<KeyInfo>>("/key", MAX_RECORD_BODY)
            .await?
            .data)
    }

    /// `GET /generation?id=`: the billed cost and serving provider of one request. Right after
    /// a request it may not exist yet (404); callers retry with a delay.
    pub async fn generation(&self, id: &str) -> Result<Generation, ApiError> {
        let path = format!("/generation?id={}", encode_query(id));
        let mut record = self
            .get_json::<DataEnvelope<Generation>>(&path, MAX_RECORD_BODY)
            .await?
            .data;
        if let Some(Err(why)) = record.total_cost.map(Cost::of_answer) {
            record.total_cost = None;
            record.cost_refused = Some(why);
        }
        Ok(record)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_tool_goes_only_to_openrouter() {
        let mut req = ChatRequest::new("a/b", vec![crate::chat::Message::user("hi")], 10);
        req.apply_settings(&crate::pane_settings::PaneSettings {
            web: true,
            ..Default::default()
        });
        let body = |dialect| {
            let mut ep = Endpoint::new("http://127.0.0.1:9/v1", None);
            ep.dialect = dialect;
            let bytes = Client::new(ep).unwrap().body(&req);
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()
        };
        assert_eq!(
            body(Dialect::OpenRouter)["tools"],
            serde_json::json!([{"type": "openrouter:web_search"}])
        );
        assert!(body(Dialect::OpenAi).get("tools").is_none());
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode_query("gen-1 2&x"), "gen-1%202%26x");
    }
}

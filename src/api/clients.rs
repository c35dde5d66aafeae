//! The endpoints a room or an `ask` run can reach: the default one (OpenRouter, or the
//! `base_url` server) and the named OpenAI-compatible ones from the config. A model written
//! `@name/model` is served by endpoint `name`; any other model by the default one.

use std::collections::BTreeMap;

use super::{ApiError, ChatRequest, ChatStream, Client, Dialect, StreamEvent};
use crate::model::ModelRef;

/// Endpoint names are config table keys and appear in model ids: short and plain.
pub fn valid_endpoint_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error(
        "no endpoint named `{name}` (define [endpoints.{name}] in config.toml; known: {known})"
    )]
    Unknown { name: String, known: String },
}

#[derive(Debug, Clone)]
pub struct Clients {
    default: Client,
    named: BTreeMap<String, Client>,
}

impl Clients {
    pub fn new(default: Client) -> Self {
        Self {
            default,
            named: BTreeMap::new(),
        }
    }

    pub fn with(mut self, name: impl Into<String>, client: Client) -> Self {
        self.named.insert(name.into(), client);
        self
    }

    pub fn default_client(&self) -> &Client {
        &self.default
    }

    /// The named endpoints, in name order.
    pub fn named(&self) -> impl Iterator<Item = (&str, &Client)> {
        self.named.iter().map(|(n, c)| (n.as_str(), c))
    }

    pub fn names(&self) -> Vec<String> {
        self.named.keys().cloned().collect()
    }

    /// The client for an endpoint name (`None`: the default one).
    pub fn get(&self, endpoint: Option<&str>) -> Result<&Client, EndpointError> {
        match endpoint {
            None => Ok(&self.default),
            Some(name) => self.named.get(name).ok_or_else(|| EndpointError::Unknown {
                name: name.to_owned(),
                known: if self.named.is_empty() {
                    "none".to_owned()
                } else {
                    self.names().join(", ")
                },
            }),
        }
    }

    /// The client that serves `model`.
    pub fn resolve(&self, model: &ModelRef) -> Result<&Client, EndpointError> {
        self.get(model.endpoint())
    }

    /// Streams `req` from the endpoint it names. An unknown endpoint is the stream's only
    /// (failed) event, like any other error before the stream starts.
    pub fn stream_chat(&self, req: &ChatRequest) -> ChatStream {
        match self.get(req.endpoint.as_deref()) {
            Ok(client) => client.stream_chat(req),
            Err(e) => {
                let err = ApiError::Malformed {
                    detail: e.to_string(),
                };
                Box::pin(futures::stream::once(
                    async move { StreamEvent::Failed(err) },
                ))
            }
        }
    }

    /// Whether the endpoint speaks OpenRouter (has a catalog with prices, routing, credits).
    pub fn dialect(&self, endpoint: Option<&str>) -> Option<Dialect> {
        self.get(endpoint).ok().map(|c| c.endpoint().dialect)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Endpoint;

    #[test]
    fn endpoint_names_are_short_and_plain() {
        assert!(valid_endpoint_name("ollama_2") && !valid_endpoint_name("a/b"));
    }

    #[test]
    fn unknown_endpoints_are_named_with_the_known_ones() {
        let c = |url: &str| Client::new(Endpoint::new(url, None)).unwrap();
        let clients = Clients::new(c("https://openrouter.ai/api/v1"))
            .with("local", c("http://127.0.0.1:11434/v1"));
        let model = |m: &str| ModelRef::parse(m).unwrap();
        let client = clients.resolve(&model("@local/qwen3:8b")).unwrap();
        assert_eq!(client.endpoint().base_url, "http://127.0.0.1:11434/v1");
        let err = clients.resolve(&model("@lan/x")).unwrap_err().to_string();
        assert!(
            err.contains("[endpoints.lan]") && err.contains("known: local"),
            "{err}"
        );
        assert_eq!(clients.dialect(None), Some(Dialect::OpenRouter));
        assert_eq!(clients.dialect(Some("local")), Some(Dialect::OpenAi));
    }
}

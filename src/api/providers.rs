//! A model's providers: `GET /models/{author}/{slug}/endpoints` (OpenRouter's
//! `PublicEndpoint`: provider name, routing tag, quantization, context, prices, status, uptime,
//! latency and throughput percentiles). A provider entry that cannot be read is skipped and
//! counted; a body without its `data.endpoints` list is refused as malformed. Every string is
//! the server's: callers sanitise before showing it.

use serde::{Deserialize, Serialize};

use super::client::{Client, MAX_RECORD_BODY};
use super::error::ApiError;
use super::wire::{DataEnvelope, Lenient, PricingEntry};

/// p50…p99 of latency (seconds) or throughput (tokens per second) over the last 30 minutes;
/// any may be absent (OpenRouter sends null without a key).
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct Percentiles {
    pub p50: Option<f64>,
    pub p75: Option<f64>,
    pub p90: Option<f64>,
    pub p99: Option<f64>,
}

/// One provider serving a model.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ProviderEndpoint {
    pub provider_name: String,
    /// The slug `provider.only` / `order` take (`deepinfra/fp8`).
    pub tag: String,
    pub quantization: Option<String>,
    pub context_length: Option<u64>,
    pub pricing: PricingEntry,
    pub max_completion_tokens: Option<u64>,
    pub supported_parameters: Vec<String>,
    /// 0 is fine; negative is trouble.
    pub status: Option<i64>,
    pub uptime_last_30m: Option<f64>,
    pub latency_last_30m: Option<Percentiles>,
    pub throughput_last_30m: Option<Percentiles>,
}

#[derive(Debug, Deserialize)]
struct Listing {
    endpoints: Option<Vec<Lenient<ProviderEndpoint>>>,
}

/// A model's providers, and how many entries could not be read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelEndpoints {
    pub model: String,
    pub endpoints: Vec<ProviderEndpoint>,
    pub skipped: usize,
}

impl ModelEndpoints {
    /// The endpoints whose tags are in `tags` (all of them for `all`), in the order asked, or
    /// the first tag the model does not have, with the ones it does.
    pub fn pick(&self, wanted: &[String]) -> Result<Vec<&ProviderEndpoint>, String> {
        if wanted.iter().any(|t| t == "all") {
            return Ok(self.endpoints.iter().collect());
        }
        wanted
            .iter()
            .map(|t| {
                self.endpoints
                    .iter()
                    .find(|e| e.tag.eq_ignore_ascii_case(t))
                    .ok_or_else(|| {
                        format!(
                            "{} has no provider tagged `{t}`: its providers are {}",
                            self.model,
                            self.tags().join(", ")
                        )
                    })
            })
            .collect()
    }

    pub fn tags(&self) -> Vec<&str> {
        self.endpoints.iter().map(|e| e.tag.as_str()).collect()
    }
}

impl ProviderEndpoint {
    /// Price per million tokens, prompt and completion (`None`: unknown or variable).
    pub fn per_million(&self) -> (Option<f64>, Option<f64>) {
        let m = |s: &Option<String>| {
            s.as_deref()
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v >= 0.0)
                .map(|v| v * 1e6)
        };
        (m(&self.pricing.prompt), m(&self.pricing.completion))
    }

    /// How a pane pinned to it is titled: `Aurora Cloud · bf16`.
    pub fn title(&self) -> String {
        match self.quantization.as_deref().filter(|q| !q.is_empty()) {
            Some(q) => format!("{} · {q}", self.provider_name),
            None => self.provider_name.clone(),
        }
    }
}

/// Whether the provider that served (a display name, `Aurora Cloud`) is the one a routing tag
/// names (`aurora`, `amazon-bedrock`, `deepinfra/fp8`): display names are not slugs, so both
/// are compared as their letters and digits, the tag without its `/variant`.
pub fn served_by_tag(served: &str, tag: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let (served, tag) = (norm(served), norm(tag.split('/').next().unwrap_or(tag)));
    !tag.is_empty() && (served.starts_with(&tag) || tag.starts_with(&served))
}

impl Client {
    /// `GET /models/{author}/{slug}/endpoints` for `model` (its variant suffix left on: a
    /// `:free` id is a model of its own).
    pub async fn endpoints(&self, model: &str) -> Result<ModelEndpoints, ApiError> {
        if model.split('/').count() != 2 || model.contains(char::is_whitespace) {
            return Err(ApiError::Malformed {
                detail: format!("`{model}` is not an author/slug model id"),
            });
        }
        let path = format!("/models/{model}/endpoints");
        let env: DataEnvelope<Listing> = self.get_json(&path, MAX_RECORD_BODY).await?;
        let Some(list) = env.data.endpoints else {
            return Err(ApiError::Malformed {
                detail: format!("{path}: the answer has no `endpoints` list"),
            });
        };
        let mut skipped = 0;
        let endpoints = list
            .into_iter()
            .filter_map(|e| match e {
                Lenient::Good(e) if !e.tag.is_empty() => Some(e),
                Lenient::Good(_) | Lenient::Bad(_) => {
                    skipped += 1;
                    None
                }
            })
            .collect();
        Ok(ModelEndpoints {
            model: model.to_owned(),
            endpoints,
            skipped,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_match_their_tags() {
        assert!(served_by_tag("Aurora Cloud", "aurora"));
        assert!(served_by_tag("Amazon Bedrock", "amazon-bedrock"));
        assert!(served_by_tag("DeepInfra", "deepinfra/fp8"));
        assert!(!served_by_tag("Borealis", "aurora"));
        assert!(!served_by_tag("Borealis", ""));
    }

    #[test]
    fn a_listing_reads_good_entries_and_counts_the_rest() {
        let body = serde_json::json!({"data": {"endpoints": [
            {"provider_name": "A", "tag": "a", "quantization": "fp8",
             "pricing": {"prompt": "0.000001", "completion": "0.000002"}},
            {"provider_name": 7},
            {"provider_name": "No tag"}
        ]}});
        let env: DataEnvelope<Listing> = serde_json::from_value(body).unwrap();
        let list = env.data.endpoints.unwrap();
        assert_eq!(list.len(), 3);
        assert!(matches!(list[1], Lenient::Bad(_)));
        let Lenient::Good(a) = &list[0] else { panic!() };
        assert_eq!(a.per_million(), (Some(1.0), Some(2.0)));
        assert_eq!(a.title(), "A · fp8");
    }

    #[test]
    fn picking_tags_names_the_missing_one_and_the_choices() {
        let me = ModelEndpoints {
            model: "x/y".into(),
            endpoints: vec![
                ProviderEndpoint {
                    tag: "a".into(),
                    ..ProviderEndpoint::default()
                },
                ProviderEndpoint {
                    tag: "b".into(),
                    ..ProviderEndpoint::default()
                },
            ],
            skipped: 0,
        };
        assert_eq!(me.pick(&["all".into()]).unwrap().len(), 2);
        assert_eq!(me.pick(&["b".into()]).unwrap()[0].tag, "b");
        let err = me.pick(&["c".into()]).unwrap_err();
        assert_eq!(
            err,
            "x/y has no provider tagged `c`: its providers are a, b"
        );
    }
}

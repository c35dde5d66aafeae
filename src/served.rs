//! Whether a fallback served an answer, from what the reply itself says (its `model` and
//! `provider`) against what was asked (the model, its `models` fallbacks, the provider
//! `order`). Only what the gateway reports is claimed: a fallback model served, so the models
//! before it in the chain did not (the stream does not say why); the provider that served is
//! not the first of the order (that one failed, was down or does not serve the model: the
//! stream does not say which). Which providers were tried, with their statuses, is only in the
//! gateway's generation record (`provider_responses`), which is not fetched for every answer.
//! The room's footer, `ask` (text and JSON) and the session exports share these words.

use serde::Serialize;

use crate::routing::{Routing, split_variant};

/// What served an answer, when it was not what was asked for first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Fallback {
    /// The models of the chain before the one that served (the asked model first): none of
    /// them served.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_models: Vec<String>,
    /// The fallback model that served, as the reply named it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub served_model: Option<String>,
    /// The provider the routing asked for first (`provider.order`'s first), when another served.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_provider: Option<String>,
    /// The provider that served instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub served_provider: Option<String>,
}

/// `served` names the model `asked`: the same id, another variant of it, or its dated slug
/// (`demo/canon-20260115` for `demo/canon`).
fn names(asked: &str, served: &str) -> bool {
    let (a, s) = (split_variant(asked).0, split_variant(served).0);
    a == s
        || s.strip_prefix(a)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|date| !date.is_empty() && date.chars().all(|c| c.is_ascii_digit()))
}

/// A provider's display name (`Amazon Bedrock`) against a routing slug (`amazon-bedrock`,
/// `deepinfra/turbo`): the same letters and digits, ignoring case and punctuation.
fn provider_is(served: &str, slug: &str) -> bool {
    crate::api::served_by_tag(served, slug)
}

/// What the reply's `served_model` and `provider` tell of a fallback for a request of `asked`
/// with `routing`; `None` when what served is what was asked for first, or when the reply
/// does not say enough to tell. A served model that is neither the asked one nor one of the
/// fallbacks (a canonical slug the catalog would know) is not called a fallback.
pub fn fallback(
    asked: &str,
    routing: &Routing,
    served_model: Option<&str>,
    provider: Option<&str>,
) -> Option<Fallback> {
    let mut out = Fallback::default();
    if let Some(served) = served_model.filter(|s| !routing.fallbacks.is_empty() && !names(asked, s))
    {
        if let Some(k) = routing.fallbacks.iter().position(|f| names(f, served)) {
            out.skipped_models = std::iter::once(asked.to_owned())
                .chain(routing.fallbacks[..k].iter().cloned())
                .collect();
            out.served_model = Some(served.to_owned());
        }
    }
    if let (Some(first), Some(served)) = (routing.order.first(), provider) {
        if !provider_is(served, first) {
            out.first_provider = Some(first.clone());
            out.served_provider = Some(served.to_owned());
        }
    }
    (out != Fallback::default()).then_some(out)
}

impl Fallback {
    /// In words, for a footer or a block's last line: `↪ served by demo/fast after demo/down`,
    /// `↪ Borealis served, not aurora (first in order)`.
    pub fn note(&self) -> String {
        let mut parts = Vec::new();
        if let Some(served) = &self.served_model {
            parts.push(format!(
                "↪ served by {served} after {}",
                self.skipped_models.join(", ")
            ));
        }
        if let (Some(first), Some(served)) = (&self.first_provider, &self.served_provider) {
            parts.push(format!("↪ {served} served, not {first} (first in order)"));
        }
        parts.join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routing(fallbacks: &[&str], order: &[&str]) -> Routing {
        Routing {
            fallbacks: fallbacks.iter().map(|s| (*s).to_owned()).collect(),
            order: order.iter().map(|s| (*s).to_owned()).collect(),
            ..Routing::default()
        }
    }

    #[test]
    fn a_fallback_model_is_named_with_the_models_before_it() {
        let r = routing(&["x/one", "x-ai/grok-4"], &[]);
        let f = fallback("google/gemini:free", &r, Some("x-ai/grok-4"), Some("xAI")).unwrap();
        assert_eq!(f.skipped_models, ["google/gemini:free", "x/one"]);
        assert_eq!(
            f.note(),
            "↪ served by x-ai/grok-4 after google/gemini:free, x/one"
        );
        // The dated slug of a fallback is that fallback.
        let f = fallback("a/b", &r, Some("x/one-20260101"), None).unwrap();
        assert_eq!(f.skipped_models, ["a/b"]);
    }

    #[test]
    fn a_canonical_slug_or_a_variant_is_not_a_fallback() {
        let none = routing(&[], &[]);
        // No fallbacks were sent: whatever the reply names, the asked model served.
        let served = Some("anthropic/claude-4.5-haiku-20251001");
        assert_eq!(
            fallback("anthropic/claude-haiku-4.5", &none, served, None),
            None
        );
        let r = routing(&["x/y"], &[]);
        assert_eq!(
            fallback("demo/canon", &r, Some("demo/canon-20260115"), None),
            None
        );
        assert_eq!(
            fallback("demo/fast:nitro", &r, Some("demo/fast"), None),
            None
        );
        assert_eq!(fallback("demo/fast", &r, None, None), None);
    }

    #[test]
    fn a_provider_off_the_order_says_which_was_first() {
        let r = routing(&[], &["amazon-bedrock", "google-vertex"]);
        assert_eq!(fallback("a/b", &r, None, Some("Amazon Bedrock")), None);
        let f = fallback("a/b", &r, None, Some("Google")).unwrap();
        assert_eq!(
            f.note(),
            "↪ Google served, not amazon-bedrock (first in order)"
        );
        // Without an order there is no first provider to miss.
        assert_eq!(
            fallback("a/b", &routing(&[], &[]), None, Some("Google")),
            None
        );
    }
}

//! The model catalog (`GET /models`) interpreted: prices as numbers, router prices as unknown,
//! `:batch` variants hidden, and the cost of an answer when the server did not report one.

use super::wire::{ModelEntry, PricingEntry};
use crate::chat::{Cost, Usage};

/// USD per token. `None` fields are unknown or variable (routers price as `"-1"`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Pricing {
    pub prompt: Option<f64>,
    pub completion: Option<f64>,
    pub request: Option<f64>,
}

impl Pricing {
    pub fn from_entry(entry: &PricingEntry) -> Self {
        Self {
            prompt: parse_price(entry.prompt.as_deref()),
            completion: parse_price(entry.completion.as_deref()),
            request: entry
                .request
                .as_deref()
                .map_or(Some(0.0), |s| parse_price(Some(s))),
        }
    }

    /// The cost of an answer from its token counts, when prompt and completion prices are known.
    pub fn cost_of(&self, usage: &Usage) -> Option<Cost> {
        #[allow(clippy::cast_precision_loss)]
        let usd = usage.prompt_tokens as f64 * self.prompt?
            + usage.completion_tokens as f64 * self.completion?
            + self.request.unwrap_or(0.0);
        Some(Cost::usd(usd))
    }

    pub fn is_free(&self) -> bool {
        self.prompt == Some(0.0) && self.completion == Some(0.0)
    }
}

fn parse_price(s: Option<&str>) -> Option<f64> {
    let v: f64 = s?.trim().parse().ok()?;
    (v >= 0.0 && v.is_finite()).then_some(v)
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub models: Vec<ModelEntry>,
}

impl Catalog {
    pub fn new(mut models: Vec<ModelEntry>) -> Self {
        // Batch endpoints are not for interactive use (openrouter-api.md §2.4).
        models.retain(|m| !m.id.ends_with(":batch"));
        Self { models }
    }

    /// Finds a model by id or canonical slug.
    pub fn get(&self, id: &str) -> Option<&ModelEntry> {
        self.models
            .iter()
            .find(|m| m.id == id || m.canonical_slug.as_deref() == Some(id))
    }

    pub fn pricing(&self, id: &str) -> Option<Pricing> {
        self.get(id)
            .and_then(|m| m.pricing.as_ref())
            .map(Pricing::from_entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, prompt: &str, completion: &str) -> ModelEntry {
        ModelEntry {
            id: id.into(),
            pricing: Some(PricingEntry {
                prompt: Some(prompt.into()),
                completion: Some(completion.into()),
                ..PricingEntry::default()
            }),
            ..ModelEntry::default()
        }
    }

    #[test]
    fn cost_follows_per_token_prices() {
        let cat = Catalog::new(vec![entry("a/b", "0.000003", "0.000015")]);
        let usage = Usage {
            prompt_tokens: 1000,
            completion_tokens: 100,
            ..Usage::default()
        };
        let cost = cat.pricing("a/b").unwrap().cost_of(&usage).unwrap();
        assert!((cost.as_usd() - 0.0045).abs() < 1e-12);
    }

    #[test]
    fn router_prices_are_unknown_not_negative() {
        let cat = Catalog::new(vec![entry("openrouter/auto", "-1", "-1")]);
        let p = cat.pricing("openrouter/auto").unwrap();
        assert_eq!(p.cost_of(&Usage::default()), None);
    }

    #[test]
    fn batch_variants_are_hidden() {
        let cat = Catalog::new(vec![entry("a/b:batch", "0", "0"), entry("a/b", "0", "0")]);
        assert_eq!(cat.models.len(), 1);
        assert!(cat.pricing("a/b").unwrap().is_free());
    }
}

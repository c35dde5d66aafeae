//! The model catalog (`GET /models`) interpreted: `:batch` variants hidden, lookups by id or
//! canonical slug (variant suffixes resolve to their base model), prices as `Pricing`, and the
//! cost of an answer when the server did not report one.

use std::collections::HashMap;

use super::pricing::Pricing;
use super::wire::ModelEntry;
use crate::routing::split_variant;

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub models: Vec<ModelEntry>,
    /// Id and canonical slug → index into `models`.
    index: HashMap<String, usize>,
    /// Entries of the server's list that could not be read (or had no id), left out.
    pub skipped: usize,
}

impl PartialEq for Catalog {
    fn eq(&self, other: &Self) -> bool {
        self.models == other.models
    }
}

impl Catalog {
    pub fn new(models: Vec<ModelEntry>) -> Self {
        Self::with_skipped(models, 0)
    }

    /// The catalog of `models`, `bad` more entries having been unreadable.
    pub fn with_skipped(mut models: Vec<ModelEntry>, bad: usize) -> Self {
        let listed = models.len();
        models.retain(|m| !m.id.trim().is_empty());
        let skipped = bad + (listed - models.len());
        // Batch endpoints are not for interactive use (openrouter-api.md §2.4).
        models.retain(|m| !m.id.ends_with(":batch"));
        let mut index = HashMap::with_capacity(models.len() * 2);
        for (i, m) in models.iter().enumerate() {
            index.entry(m.id.clone()).or_insert(i);
        }
        // Canonical slugs only where no id claims the same string.
        for (i, m) in models.iter().enumerate() {
            if let Some(slug) = &m.canonical_slug {
                index.entry(slug.clone()).or_insert(i);
            }
        }
        Self {
            models,
            index,
            skipped,
        }
    }

    pub fn len(&self) -> usize {
        self.models.len()
    }

    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    /// Finds a model by id or canonical slug, exactly.
    pub fn get(&self, id: &str) -> Option<&ModelEntry> {
        self.index.get(id).map(|&i| &self.models[i])
    }

    /// The entry a request for `model` is served from: the id itself (`:free` ids are their
    /// own entries), else its base model for routing suffixes such as `:nitro` or `:floor`.
    pub fn lookup(&self, model: &str) -> Option<&ModelEntry> {
        match split_variant(model) {
            (_, Some("batch")) => None,
            (base, _) => self.get(model).or_else(|| self.get(base)),
        }
    }

    pub fn contains(&self, model: &str) -> bool {
        self.lookup(model).is_some()
    }

    pub fn pricing(&self, id: &str) -> Option<Pricing> {
        self.lookup(id)
            .and_then(|m| m.pricing.as_ref())
            .map(Pricing::from_entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::PricingEntry;
    use crate::chat::Usage;

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

    #[test]
    fn variants_resolve_to_their_base_but_free_ids_are_their_own() {
        let mut canon = entry("a/b", "0.000001", "0.000002");
        canon.canonical_slug = Some("a/b-20260101".into());
        let cat = Catalog::new(vec![canon, entry("a/b:free", "0", "0")]);
        assert_eq!(cat.lookup("a/b:nitro").unwrap().id, "a/b");
        assert_eq!(cat.lookup("a/b-20260101").unwrap().id, "a/b");
        assert!(cat.pricing("a/b:free").unwrap().is_free());
        assert!(!cat.contains("c/d:free"));
        assert!(!cat.contains("a/b:batch"), "batch ids stay hidden");
    }
}

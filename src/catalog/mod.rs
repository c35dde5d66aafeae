//! The model catalog as modelroom shows it: every model as a row ready to display and search
//! (prices per million tokens, context, input modalities, a short description), built once
//! when a catalog arrives so a keystroke in the picker only matches. `cache` keeps the last
//! catalog on disk; `search` ranks rows; `listing` is the `modelroom models` command.

pub mod cache;
pub mod listing;
pub mod search;

use nucleo_matcher::Utf32String;

use crate::api::{Catalog, ModelEntry, Pricing};
use crate::sanitize::sanitize;

pub use search::{SortKey, Suggestions, search, suggest};

/// Descriptions are cut to this many characters for a picker row.
const SHORT_DESCRIPTION: usize = 90;

/// One model as the picker and `models` show it. Text from the gateway is sanitized here.
#[derive(Debug, Clone)]
pub struct ModelRow {
    pub id: String,
    pub name: String,
    pub context: Option<u64>,
    /// USD per million tokens; `None` when unknown or variable (routers).
    pub prompt_per_m: Option<f64>,
    pub completion_per_m: Option<f64>,
    /// The catalog's prices vary with prompt size or time of day.
    pub conditional_price: bool,
    pub input_modalities: Vec<String>,
    pub free: bool,
    /// Unix seconds the model was added.
    pub created: i64,
    pub description: String,
    /// `id name`, what a query matches against.
    pub haystack: Utf32String,
    /// The name in lower case, the key of the name sort (computed once, not per comparison).
    pub sort_name: String,
}

impl ModelRow {
    pub fn from_entry(m: &ModelEntry) -> Self {
        let pricing = m.pricing.as_ref().map(Pricing::from_entry);
        let per_m = |p: Option<f64>| p.map(per_million_of);
        let id = sanitize(&m.id, " ");
        let name = sanitize(m.name.as_deref().unwrap_or(""), " ");
        let haystack = Utf32String::from(format!("{id} {name}").as_str());
        Self {
            free: id.ends_with(":free") || pricing.as_ref().is_some_and(Pricing::is_free),
            prompt_per_m: per_m(pricing.as_ref().and_then(|p| p.prompt)),
            completion_per_m: per_m(pricing.as_ref().and_then(|p| p.completion)),
            conditional_price: pricing.as_ref().is_some_and(Pricing::has_overrides),
            context: m
                .context_length
                .or(m.top_provider.as_ref().and_then(|t| t.context_length)),
            input_modalities: m
                .architecture
                .as_ref()
                .and_then(|a| a.input_modalities.clone())
                .unwrap_or_default()
                .iter()
                .map(|s| sanitize(s, " "))
                .collect(),
            created: m.created.unwrap_or(0),
            description: short_description(m.description.as_deref().unwrap_or("")),
            sort_name: name.to_lowercase(),
            id,
            name,
            haystack,
        }
    }

    /// Prompt plus completion price, the key of the price sort (unknown sorts last).
    pub fn price_key(&self) -> Option<f64> {
        Some(self.prompt_per_m? + self.completion_per_m?)
    }
}

/// The first sentence, or the first `SHORT_DESCRIPTION` characters, on one line.
fn short_description(text: &str) -> String {
    let flat = sanitize(text, " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let sentence = flat
        .find(". ")
        .map_or(flat.as_str(), |i| &flat[..=i])
        .trim_end_matches("...");
    if sentence.chars().count() <= SHORT_DESCRIPTION {
        return sentence.to_owned();
    }
    let mut out: String = sentence.chars().take(SHORT_DESCRIPTION - 1).collect();
    out.push('…');
    out
}

/// A catalog with its display rows, in catalog order. Built off the UI thread.
#[derive(Debug, Clone, Default)]
pub struct Index {
    pub catalog: Catalog,
    pub rows: Vec<ModelRow>,
    orders: search::Orders,
}

impl Index {
    pub fn new(catalog: Catalog) -> Self {
        let rows: Vec<ModelRow> = catalog.models.iter().map(ModelRow::from_entry).collect();
        let orders = search::Orders::new(&rows);
        Self {
            catalog,
            rows,
            orders,
        }
    }

    /// Adds the models a named endpoint lists, as `@name/id` rows without prices.
    pub fn add_endpoint_models(&mut self, endpoint: &str, models: &Catalog) {
        for m in &models.models {
            let mut entry = m.clone();
            entry.id = format!("@{endpoint}/{}", m.id);
            entry.pricing = None;
            let mut row = ModelRow::from_entry(&entry);
            if row.name.is_empty() {
                row.name = format!("{} on {endpoint}", sanitize(&m.id, " "));
                row.sort_name = row.name.to_lowercase();
                row.haystack = Utf32String::from(format!("{} {}", row.id, row.name).as_str());
            }
            self.rows.push(row);
        }
        self.orders = search::Orders::new(&self.rows);
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// A price per token as a price per million tokens, without the float noise of the product
/// (`0.2`, not `0.19999999999999998`): twelve significant digits are more than any price has.
fn per_million_of(per_token: f64) -> f64 {
    let v = per_token * 1e6;
    format!("{v:.11e}").parse().unwrap_or(v)
}

/// `$3.00`, `$0.075`, `free`, `?` (unknown or variable): a price per million tokens, in the
/// one money format (`Cost`'s significant digits).
pub fn per_million(price: Option<f64>) -> String {
    match price {
        None => "?".to_owned(),
        Some(0.0) => "free".to_owned(),
        Some(v) => crate::chat::Cost::usd(v).to_string(),
    }
}

/// `200K`, `1M`, `1.05M`, `?`: a context length.
pub fn context_label(tokens: Option<u64>) -> String {
    match tokens {
        None => "?".to_owned(),
        Some(t) if t >= 1_000_000 => {
            #[allow(clippy::cast_precision_loss)]
            let m = t as f64 / 1e6;
            let s = format!("{m:.2}");
            format!("{}M", s.trim_end_matches('0').trim_end_matches('.'))
        }
        Some(t) if t >= 1000 => format!("{}K", t / 1000),
        Some(t) => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_and_contexts_read_like_the_gateway_prints_them() {
        assert_eq!(per_million(Some(3.0)), "$3.00");
        assert_eq!(per_million(Some(0.075)), "$0.075");
        assert_eq!(per_million(Some(0.5)), "$0.50");
        assert_eq!(per_million(Some(0.0)), "free");
        assert_eq!(per_million(None), "?");
        // The one money format: significant digits, never cut to a fixed number of decimals.
        assert_eq!(per_million(Some(0.001_01)), "$0.00101");
        assert_eq!(per_million_of(0.000_000_2), 0.2);
        assert_eq!(per_million_of(0.000_000_4).to_string(), "0.4");
        assert_eq!(context_label(Some(200_000)), "200K");
        assert_eq!(context_label(Some(1_048_576)), "1.05M");
        assert_eq!(context_label(Some(1_000_000)), "1M");
    }

    #[test]
    fn descriptions_are_one_short_line() {
        assert_eq!(short_description("Fast.  It\nthinks. More."), "Fast.");
        let long = "word ".repeat(60);
        let short = short_description(&long);
        assert!(short.chars().count() <= SHORT_DESCRIPTION && short.ends_with('…'));
        assert_eq!(short_description("Cut at the end..."), "Cut at the end");
    }
}

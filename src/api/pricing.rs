//! Catalog prices as numbers: decimal strings of USD per token become `f64`, router prices
//! (`"-1"`) become unknown, and conditional `overrides` (long prompts, UTC time windows) are
//! applied for a given prompt size and time of day (openrouter-api.md §6.3).

use super::wire::{PriceOverride, PricingEntry};
use crate::chat::{Cost, Usage};

/// USD per token. `None` fields are unknown or variable (routers price as `"-1"`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pricing {
    pub prompt: Option<f64>,
    pub completion: Option<f64>,
    pub request: Option<f64>,
    /// USD per web search; `None` when the catalog gives no price for it.
    pub web_search: Option<f64>,
    /// USD per input image (`None`: the catalog names no fee of its own).
    pub image: Option<f64>,
    /// USD per audio input token (`None`: audio is priced as prompt tokens).
    pub audio: Option<f64>,
    overrides: Vec<Override>,
}

#[derive(Debug, Clone, PartialEq)]
struct Override {
    min_prompt_tokens: Option<u64>,
    window: Option<(u32, u32)>,
    prompt: Option<Option<f64>>,
    completion: Option<Option<f64>>,
    request: Option<Option<f64>>,
}

impl Override {
    fn from_entry(o: &PriceOverride) -> Self {
        let price = |s: &Option<String>| s.as_deref().map(|s| parse_price(Some(s)));
        Self {
            min_prompt_tokens: o.min_prompt_tokens,
            window: o.utc_start.zip(o.utc_end),
            prompt: price(&o.prompt),
            completion: price(&o.completion),
            request: price(&o.request),
        }
    }

    /// Whether it applies to a prompt of `prompt_tokens` sent at `hhmm` (UTC, e.g. 1430).
    /// An override with no condition at all never applies: its meaning would be a guess.
    fn applies(&self, prompt_tokens: u64, hhmm: u32) -> bool {
        let by_size = self.min_prompt_tokens.map(|min| prompt_tokens > min);
        let by_time = self.window.map(|(start, end)| {
            if start <= end {
                (start..end).contains(&hhmm)
            } else {
                hhmm >= start || hhmm < end
            }
        });
        match (by_size, by_time) {
            (None, None) => false,
            (size, time) => size.unwrap_or(true) && time.unwrap_or(true),
        }
    }
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
            web_search: parse_price(entry.web_search.as_deref()),
            image: parse_price(entry.image.as_deref()),
            audio: parse_price(entry.audio.as_deref()),
            overrides: entry.overrides.iter().map(Override::from_entry).collect(),
        }
    }

    /// The prices in force for a prompt of `prompt_tokens` at `hhmm` UTC: the base prices with
    /// every applicable override laid over them in order.
    pub fn at(&self, prompt_tokens: u64, hhmm: u32) -> Pricing {
        let mut p = Pricing {
            overrides: Vec::new(),
            ..self.clone()
        };
        for o in self
            .overrides
            .iter()
            .filter(|o| o.applies(prompt_tokens, hhmm))
        {
            if let Some(v) = o.prompt {
                p.prompt = v;
            }
            if let Some(v) = o.completion {
                p.completion = v;
            }
            if let Some(v) = o.request {
                p.request = v;
            }
        }
        p
    }

    pub fn has_overrides(&self) -> bool {
        !self.overrides.is_empty()
    }

    /// The cost of an answer from its token counts (and its web searches), when the prices
    /// it needs are known.
    pub fn cost_of(&self, usage: &Usage) -> Option<Cost> {
        let searches = match usage.web_search_requests {
            0 => 0.0,
            #[allow(clippy::cast_precision_loss)]
            n => n as f64 * self.web_search?,
        };
        #[allow(clippy::cast_precision_loss)]
        let usd = usage.prompt_tokens as f64 * self.prompt?
            + usage.completion_tokens as f64 * self.completion?
            + self.request.unwrap_or(0.0)
            + searches;
        Some(Cost::usd(usd))
    }

    /// The most a request can cost: its prompt plus a full `max_tokens` answer.
    pub fn max_cost(&self, prompt_tokens: u64, max_tokens: u32) -> Option<Cost> {
        self.cost_of(&Usage {
            prompt_tokens,
            completion_tokens: u64::from(max_tokens),
            ..Usage::default()
        })
    }

    pub fn is_free(&self) -> bool {
        self.prompt == Some(0.0) && self.completion == Some(0.0)
    }
}

pub(crate) fn parse_price(s: Option<&str>) -> Option<f64> {
    let v: f64 = s?.trim().parse().ok()?;
    (v >= 0.0 && v.is_finite()).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(json: &str) -> Pricing {
        Pricing::from_entry(&serde_json::from_str::<PricingEntry>(json).unwrap())
    }

    #[test]
    fn long_prompts_switch_to_the_override_price() {
        // bytedance-seed/seed-2.0-code in the 2026-08-19 snapshot.
        let p = entry(
            r#"{"prompt":"0.0000005","completion":"0.000003","overrides":[{"min_prompt_tokens":128000,"prompt":"0.000001","completion":"0.000006"}]}"#,
        );
        assert_eq!(p.at(128_000, 1200).prompt, Some(0.000_000_5));
        let long = p.at(128_001, 1200);
        assert_eq!(
            (long.prompt, long.completion),
            (Some(0.000_001), Some(0.000_006))
        );
    }

    #[test]
    fn time_windows_wrap_past_midnight_and_later_entries_win() {
        let p = entry(
            r#"{"prompt":"1","completion":"1","overrides":[
                {"utc_start":2200,"utc_end":200,"prompt":"2"},
                {"utc_start":100,"utc_end":400,"prompt":"3","completion":"4"}]}"#,
        );
        assert_eq!(p.at(0, 2300).prompt, Some(2.0));
        assert_eq!(p.at(0, 130).prompt, Some(3.0), "both apply; the later wins");
        assert_eq!(p.at(0, 130).completion, Some(4.0));
        assert_eq!(p.at(0, 1200).prompt, Some(1.0));
        assert_eq!(p.at(0, 400).prompt, Some(1.0), "the end is exclusive");
    }

    #[test]
    fn the_catalogs_search_price_is_read_and_counted_per_search() {
        let raw = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/openrouter/catalog/models-2026-08-19.json"
        ))
        .unwrap();
        let list: serde_json::Value = serde_json::from_str(&raw).unwrap();
        let entry = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == "openai/gpt-4.1-mini")
            .unwrap();
        let p = Pricing::from_entry(&serde_json::from_value(entry["pricing"].clone()).unwrap());
        assert_eq!(p.web_search, Some(0.01));
        // The recorded search answer's tokens and one search: what it was billed.
        let usage = Usage {
            prompt_tokens: 8174,
            completion_tokens: 30,
            web_search_requests: 1,
            ..Usage::default()
        };
        let cost = p.cost_of(&usage).unwrap().as_usd();
        assert!((cost - 0.013_317_6).abs() < 1e-9, "{cost}");
        // Searches with no price make the cost unknown, not cheaper.
        assert_eq!(entry_without_search().cost_of(&usage), None);
    }

    fn entry_without_search() -> Pricing {
        entry(r#"{"prompt":"0.0000004","completion":"0.0000016"}"#)
    }

    #[test]
    fn router_prices_are_unknown_and_a_missing_request_price_is_zero() {
        let p = entry(r#"{"prompt":"-1","completion":"-1"}"#);
        assert_eq!(p.max_cost(10, 10), None);
        let p = entry(r#"{"prompt":"0.000001","completion":"0.000002"}"#);
        let c = p.max_cost(1000, 500).unwrap();
        assert!((c.as_usd() - 0.002).abs() < 1e-12);
    }
}

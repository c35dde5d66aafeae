//! How the simulated gateway picks who serves a request, as OpenRouter does: the requested
//! model, then each fallback model (`models`), each through its providers ordered and filtered
//! by the request's `provider` preferences and the model's variant suffix.

use serde_json::Value;

use super::catalog::{self, DemoModel, Provider};

pub fn as_list(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_lowercase))
                .collect()
        })
        .unwrap_or_default()
}

/// Providers in the order the gateway would try them, after the request's preferences and
/// the model's variant (`:nitro` sorts by speed, `:floor` by price).
fn route(
    model: &'static DemoModel,
    prefs: &Value,
    variant: Option<&str>,
    sends_seed: bool,
) -> Vec<&'static Provider> {
    let mut list: Vec<&Provider> = model.providers.iter().collect();
    list.sort_by(|a, b| a.price_mult.total_cmp(&b.price_mult));
    let sort = prefs["sort"]
        .as_str()
        .or_else(|| prefs["sort"]["by"].as_str())
        .or(match variant {
            Some("nitro") => Some("throughput"),
            Some("floor") => Some("price"),
            _ => None,
        });
    if matches!(sort, Some("throughput" | "latency")) {
        list.sort_by(|a, b| b.speed.total_cmp(&a.speed));
    }
    let named = |p: &Provider, names: &[String]| {
        names
            .iter()
            .any(|n| *n == p.slug || *n == p.name.to_lowercase())
    };
    let only = as_list(&prefs["only"]);
    if !only.is_empty() {
        list.retain(|p| named(p, &only));
    }
    let ignore = as_list(&prefs["ignore"]);
    list.retain(|p| !named(p, &ignore));
    if prefs["data_collection"] == "deny" {
        list.retain(|p| !p.collects_data);
    }
    // The cap is in USD per million tokens, the catalog's prices per token.
    let cap = |key: &str, price: f64| {
        prefs["max_price"][key]
            .as_f64()
            .or_else(|| {
                prefs["max_price"][key]
                    .as_str()
                    .and_then(|s| s.parse().ok())
            })
            .is_none_or(|max| price * 1e6 <= max + 1e-9)
    };
    list.retain(|p| {
        cap("prompt", model.prompt_price * p.price_mult)
            && cap("completion", model.completion_price * p.price_mult)
    });
    let quantizations = as_list(&prefs["quantizations"]);
    if !quantizations.is_empty() {
        list.retain(|p| quantizations.iter().any(|q| q == p.quantization));
    }
    if prefs["zdr"] == true {
        list.retain(|p| p.zdr);
    }
    if prefs["require_parameters"] == true && sends_seed {
        list.retain(|p| p.takes_seed);
    }
    // Soft preferences: providers that meet them first, the others after.
    if let Some(min) = prefs["preferred_min_throughput"].as_f64() {
        list.sort_by_key(|p| model.tokens_per_sec * p.speed < min);
    }
    if let Some(max) = prefs["preferred_max_latency"].as_f64() {
        #[allow(clippy::cast_precision_loss)]
        list.sort_by_key(|p| model.ttft_ms as f64 / 1000.0 / p.speed > max);
    }
    let order = as_list(&prefs["order"]);
    if !order.is_empty() {
        list.sort_by_key(|p| {
            order
                .iter()
                .position(|n| *n == p.slug || *n == p.name.to_lowercase())
                .unwrap_or(usize::MAX)
        });
    }
    list
}

/// A requested id as the gateway reads it: the model, and a routing variant suffix. `:free`
/// ids are models of their own.
fn resolve(id: &str) -> Option<(&'static DemoModel, Option<&'static str>)> {
    if let Some(m) = catalog::find(id) {
        return Some((m, None));
    }
    let (base, suffix) = id.rsplit_once(':')?;
    let variant = ["nitro", "floor", "exacto", "online", "thinking", "extended"]
        .into_iter()
        .find(|v| *v == suffix)?;
    catalog::find(base).map(|m| (m, Some(variant)))
}

/// Why no provider of any model in the chain could serve, as the gateway would answer.
pub enum Unserved {
    /// No model in the chain exists.
    NoModel,
    /// Preferences excluded every provider.
    NoEndpoints,
    /// A provider failed and fallbacks were not allowed.
    ProviderFailed(&'static Provider),
    /// Every provider tried failed.
    AllFailed,
}

/// The model and provider that serve: the requested model first, then each fallback model,
/// each through its providers in routing order. Also the attempts made, for the record.
#[allow(clippy::type_complexity)]
pub fn serve(
    chain: &[String],
    prefs: &Value,
    sends_seed: bool,
) -> (
    Result<(&'static DemoModel, &'static Provider), Unserved>,
    Vec<(String, u16)>,
) {
    let allow_fallbacks = prefs["allow_fallbacks"].as_bool().unwrap_or(true);
    let mut attempts = Vec::new();
    let mut why = Unserved::NoModel;
    for (model, variant) in chain.iter().filter_map(|id| resolve(id)) {
        let candidates = route(model, prefs, variant, sends_seed);
        if candidates.is_empty() {
            why = Unserved::NoEndpoints;
            continue;
        }
        for p in candidates {
            if p.fails {
                attempts.push((p.name.to_owned(), 502));
                if !allow_fallbacks {
                    return (Err(Unserved::ProviderFailed(p)), attempts);
                }
                why = Unserved::AllFailed;
                continue;
            }
            attempts.push((p.name.to_owned(), 200));
            return (Ok((model, p)), attempts);
        }
    }
    (Err(why), attempts)
}

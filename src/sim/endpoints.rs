//! `GET /api/v1/models/{author}/{slug}/endpoints`: each demo model's providers in OpenRouter's
//! `PublicEndpoint` shape (docs/protocol.md, "Other endpoints"): name, routing tag,
//! quantization, context, prices, status, uptime and latency / throughput percentiles, so a
//! provider shoot-out runs against the simulated gateway as against the real one.

use serde_json::{Value, json};

use super::catalog::{self, DemoModel, Provider, price_string};

/// One provider of `m` as the endpoints list shows it. Latency is in seconds (as the API's
/// examples give it), throughput in tokens per second.
fn endpoint_json(m: &DemoModel, p: &Provider) -> Value {
    let tps = m.tokens_per_sec * p.speed;
    #[allow(clippy::cast_precision_loss)]
    let ttft = m.ttft_ms as f64 / 1000.0 / p.speed;
    let pct = |v: f64, spread: [f64; 4]| json!({ "p50": v * spread[0], "p75": v * spread[1], "p90": v * spread[2], "p99": v * spread[3] });
    let mut params = vec!["max_tokens", "temperature", "top_p", "stop"];
    if p.takes_seed {
        params.push("seed");
    }
    if m.reasoning {
        params.extend(["reasoning", "include_reasoning"]);
    }
    json!({
        "name": format!("{} | {}", p.name, m.id),
        "model_name": m.name,
        "context_length": m.context,
        "pricing": {
            "prompt": price_string(m.prompt_price * p.price_mult),
            "completion": price_string(m.completion_price * p.price_mult),
        },
        "provider_name": p.name,
        "tag": p.slug,
        "quantization": p.quantization,
        "max_completion_tokens": 16_384,
        "max_prompt_tokens": null,
        "supported_parameters": params,
        "status": if p.fails { -2 } else { 0 },
        "uptime_last_30m": if p.fails { 12.5 } else { 99.6 },
        "supports_implicit_caching": false,
        "latency_last_30m": pct(ttft, [1.0, 1.3, 1.8, 3.0]),
        "throughput_last_30m": pct(tps, [1.0, 0.85, 0.7, 0.5]),
    })
}

/// The body for model `id`, or `None` when the gateway has no such model.
pub fn endpoints_json(id: &str) -> Option<Value> {
    let m = catalog::find(id)?;
    let list: Vec<Value> = m.providers.iter().map(|p| endpoint_json(m, p)).collect();
    Some(json!({
        "data": {
            "id": m.id,
            "name": m.name,
            "created": 1_767_225_600,
            "description": m.description,
            "architecture": {
                "tokenizer": "Other",
                "instruct_type": null,
                "modality": "text->text",
                "input_modalities": ["text"],
                "output_modalities": ["text"]
            },
            "endpoints": list
        }
    }))
}

//! The demo models: prices, speeds, providers and answer styles, and their `/models` entries in
//! OpenRouter's shape (prices as decimal strings of USD per token).

use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Terse,
    Normal,
    Verbose,
    Code,
    Multilingual,
}

#[derive(Debug)]
pub struct Provider {
    pub name: &'static str,
    pub slug: &'static str,
    pub price_mult: f64,
    pub speed: f64,
    /// Always fails, so the gateway falls back to the next provider.
    pub fails: bool,
    /// Keeps billing the whole answer after the client disconnects (as Bedrock does).
    pub bills_full_after_cancel: bool,
    /// Stores prompts (excluded by `data_collection: "deny"`).
    pub collects_data: bool,
    /// The weights it serves (`provider.quantizations` filters on it).
    pub quantization: &'static str,
    /// Keeps no data at all (`provider.zdr` keeps only these).
    pub zdr: bool,
    /// Takes `seed` (with `require_parameters`, a request that sends one skips it).
    pub takes_seed: bool,
}

#[derive(Debug)]
pub struct DemoModel {
    pub id: &'static str,
    pub name: &'static str,
    /// What the chunks' `model` field says, when it differs from `id` (a dated slug).
    pub canonical: Option<&'static str>,
    pub prompt_price: f64,
    pub completion_price: f64,
    pub context: u64,
    pub ttft_ms: u64,
    pub tokens_per_sec: f64,
    pub style: Style,
    pub reasoning: bool,
    pub providers: &'static [Provider],
    pub description: &'static str,
}

impl DemoModel {
    pub fn is_free(&self) -> bool {
        self.id.ends_with(":free")
    }

    pub fn served_id(&self) -> &'static str {
        self.canonical.unwrap_or(self.id)
    }
}

const fn p(name: &'static str, slug: &'static str, price_mult: f64, speed: f64) -> Provider {
    Provider {
        name,
        slug,
        price_mult,
        speed,
        fails: false,
        bills_full_after_cancel: false,
        collects_data: false,
        quantization: "bf16",
        zdr: false,
        takes_seed: true,
    }
}

const AURORA: Provider = Provider {
    zdr: true,
    ..p("Aurora Cloud", "aurora", 1.0, 1.0)
};
const BOREALIS: Provider = Provider {
    quantization: "fp8",
    ..p("Borealis", "borealis", 1.15, 1.3)
};
const CIRRUS: Provider = Provider {
    collects_data: true,
    quantization: "fp16",
    ..p("Cirrus AI", "cirrus", 1.3, 0.8)
};
const BEDROCKISH: Provider = Provider {
    bills_full_after_cancel: true,
    zdr: true,
    ..p("Granite Bedrock", "granite", 1.05, 0.9)
};
/// The fastest and dearest: small weights, no seeds.
const QUASAR: Provider = Provider {
    quantization: "fp4",
    takes_seed: false,
    ..p("Quasar Compute", "quasar", 1.4, 2.2)
};
const BROKEN: Provider = Provider {
    fails: true,
    quantization: "int8",
    ..p("Flakeway", "flakeway", 0.9, 1.0)
};
const BROKEN_TOO: Provider = Provider {
    fails: true,
    ..p("Downtime Inc", "downtime", 1.0, 1.0)
};

pub static MODELS: &[DemoModel] = &[
    DemoModel {
        id: "demo/fast",
        name: "Demo: Fast",
        canonical: None,
        prompt_price: 0.000_000_2,
        completion_price: 0.000_000_8,
        context: 128_000,
        ttft_ms: 50,
        tokens_per_sec: 1500.0,
        style: Style::Normal,
        reasoning: false,
        providers: &[AURORA, BOREALIS],
        description: "A very fast small model: answers in a blink, good for drafts.",
    },
    DemoModel {
        id: "demo/thinker",
        name: "Demo: Thinker",
        canonical: None,
        prompt_price: 0.000_003,
        completion_price: 0.000_015,
        context: 200_000,
        ttft_ms: 600,
        tokens_per_sec: 80.0,
        style: Style::Normal,
        reasoning: true,
        providers: &[BEDROCKISH, CIRRUS, QUASAR],
        description: "A reasoning model: thinks out loud before it answers.",
    },
    DemoModel {
        id: "demo/coder",
        name: "Demo: Coder",
        canonical: None,
        prompt_price: 0.000_001,
        completion_price: 0.000_004,
        context: 256_000,
        ttft_ms: 300,
        tokens_per_sec: 120.0,
        style: Style::Code,
        reasoning: false,
        providers: &[BOREALIS, AURORA],
        description: "Answers with code: Rust, Python and shell, fenced and tagged.",
    },
    DemoModel {
        id: "demo/slow",
        name: "Demo: Slow",
        canonical: None,
        prompt_price: 0.000_000_5,
        completion_price: 0.000_001_5,
        context: 32_000,
        ttft_ms: 1500,
        tokens_per_sec: 12.0,
        style: Style::Normal,
        reasoning: false,
        providers: &[CIRRUS, BEDROCKISH],
        description: "A slow, careful model on a busy provider.",
    },
    DemoModel {
        id: "demo/mini:free",
        name: "Demo: Mini (free)",
        canonical: None,
        prompt_price: 0.0,
        completion_price: 0.0,
        context: 32_000,
        ttft_ms: 400,
        tokens_per_sec: 60.0,
        style: Style::Terse,
        reasoning: false,
        providers: &[AURORA],
        description: "A free model with a rate limit, like OpenRouter's :free variants.",
    },
    DemoModel {
        id: "demo/flaky",
        name: "Demo: Flaky",
        canonical: None,
        prompt_price: 0.000_000_6,
        completion_price: 0.000_002,
        context: 64_000,
        ttft_ms: 350,
        tokens_per_sec: 90.0,
        style: Style::Normal,
        reasoning: false,
        providers: &[BROKEN, BOREALIS, AURORA],
        description: "Its cheapest provider always fails; the gateway falls back to the next.",
    },
    DemoModel {
        id: "demo/down",
        name: "Demo: Down",
        canonical: None,
        prompt_price: 0.000_000_5,
        completion_price: 0.000_002,
        context: 64_000,
        ttft_ms: 300,
        tokens_per_sec: 90.0,
        style: Style::Normal,
        reasoning: false,
        providers: &[BROKEN, BROKEN_TOO],
        description: "Every provider is down: only a fallback model can answer for it.",
    },
    DemoModel {
        id: "demo/canon",
        name: "Demo: Canon",
        canonical: Some("demo/canon-20260115"),
        prompt_price: 0.000_000_4,
        completion_price: 0.000_001_6,
        context: 128_000,
        ttft_ms: 250,
        tokens_per_sec: 140.0,
        style: Style::Normal,
        reasoning: false,
        providers: &[AURORA, CIRRUS],
        description: "Answers under its canonical dated slug, as real models often do.",
    },
    DemoModel {
        id: "demo/budget",
        name: "Demo: Budget",
        canonical: None,
        prompt_price: 0.000_000_05,
        completion_price: 0.000_000_2,
        context: 16_000,
        ttft_ms: 450,
        tokens_per_sec: 70.0,
        style: Style::Terse,
        reasoning: false,
        providers: &[CIRRUS, AURORA],
        description: "The cheapest paid model: short answers for fractions of a cent.",
    },
    DemoModel {
        id: "demo/premium",
        name: "Demo: Premium",
        canonical: None,
        prompt_price: 0.000_015,
        completion_price: 0.000_075,
        context: 400_000,
        ttft_ms: 900,
        tokens_per_sec: 45.0,
        style: Style::Verbose,
        reasoning: false,
        providers: &[BEDROCKISH, BOREALIS],
        description: "An expensive frontier model with long, thorough answers.",
    },
    DemoModel {
        id: "demo/terse",
        name: "Demo: Terse",
        canonical: None,
        prompt_price: 0.000_000_3,
        completion_price: 0.000_001_2,
        context: 64_000,
        ttft_ms: 200,
        tokens_per_sec: 150.0,
        style: Style::Terse,
        reasoning: false,
        providers: &[AURORA, BOREALIS],
        description: "Says as little as possible.",
    },
    DemoModel {
        id: "demo/verbose",
        name: "Demo: Verbose",
        canonical: None,
        prompt_price: 0.000_000_8,
        completion_price: 0.000_003,
        context: 128_000,
        ttft_ms: 500,
        tokens_per_sec: 100.0,
        style: Style::Verbose,
        reasoning: false,
        providers: &[BOREALIS, CIRRUS],
        description: "Never uses one word where ten will do.",
    },
    DemoModel {
        id: "demo/polyglot",
        name: "Demo: Polyglot",
        canonical: None,
        prompt_price: 0.000_000_7,
        completion_price: 0.000_002_8,
        context: 128_000,
        ttft_ms: 350,
        tokens_per_sec: 95.0,
        style: Style::Multilingual,
        reasoning: false,
        providers: &[CIRRUS, AURORA],
        description: "Answers in several languages and scripts: 日本語, español, Ελληνικά.",
    },
];

pub fn find(id: &str) -> Option<&'static DemoModel> {
    MODELS
        .iter()
        .find(|m| m.id == id || m.canonical == Some(id))
}

/// Prices as OpenRouter prints them: plain decimals, never exponents.
pub fn price_string(usd_per_token: f64) -> String {
    if usd_per_token == 0.0 {
        return "0".into();
    }
    let s = format!("{usd_per_token:.12}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

pub fn model_json(m: &DemoModel) -> Value {
    let canonical = m.canonical.unwrap_or(m.id);
    let mut pricing = json!({
        "prompt": price_string(m.prompt_price),
        "completion": price_string(m.completion_price),
    });
    // Every paid demo model takes tools, so it can search the web, at a price per search.
    if let Some(per_search) = search_price(m) {
        pricing["web_search"] = json!(price_string(per_search));
    }
    if let Some(fee) = super::parts::image_fee(m.id) {
        pricing["image"] = json!(fee);
    }
    let mut params = vec!["max_tokens", "temperature", "top_p", "stop", "seed"];
    if search_price(m).is_some() {
        params.extend(["tools", "tool_choice"]);
    }
    let mut entry = json!({
        "id": m.id,
        "canonical_slug": canonical,
        "hugging_face_id": null,
        "name": m.name,
        "created": 1_767_225_600,
        "description": m.description,
        "context_length": m.context,
        "architecture": {
            "modality": format!("{}->text", super::parts::inputs(m.id).join("+")),
            "input_modalities": super::parts::inputs(m.id),
            "output_modalities": ["text"],
            "tokenizer": "Other",
            "instruct_type": null
        },
        "pricing": pricing.clone(),
        "top_provider": { "context_length": m.context, "max_completion_tokens": 16_384, "is_moderated": false },
        "per_request_limits": null,
        "default_parameters": {},
        "knowledge_cutoff": "2026-01-31",
        "expiration_date": null,
        "links": { "details": format!("/api/v1/models/{canonical}/endpoints") }
    });
    if m.reasoning {
        pricing["internal_reasoning"] = json!(price_string(m.completion_price));
        entry["pricing"] = pricing;
        entry["reasoning"] = json!({ "mandatory": false, "default_enabled": true, "supported_efforts": ["high", "medium", "low"], "default_effort": "medium" });
        params.extend(["reasoning", "include_reasoning"]);
    }
    entry["supported_parameters"] = json!(params);
    entry
}

pub fn catalog_json() -> Value {
    let data: Vec<Value> = MODELS.iter().map(model_json).collect();
    json!({ "data": data, "total_count": MODELS.len(), "links": { "next": null } })
}

/// A demo model's price per search; `None` for a model that takes no tools (the free one).
pub fn search_price(model: &DemoModel) -> Option<f64> {
    if model.is_free() {
        None
    } else if model.id == "demo/premium" {
        Some(0.01)
    } else {
        Some(0.004)
    }
}

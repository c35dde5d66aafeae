//! OpenRouter routing preferences for one model: provider sort, a model variant suffix, a
//! price cap, fallback models, provider order / only / ignore lists and whether other
//! providers may step in. They become the request's `model` suffix, `models` array and
//! `provider` object exactly as the API names them (openrouter-api.md §2.3–2.5); servers of
//! the plain OpenAI dialect never see them. A shared noun: a session saves a pane's routing,
//! the room edits it, `api` sends it; so it sits below all three.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Which dialect a server speaks. OpenRouter takes `usage`, `provider` and `models`; plain
/// OpenAI rejects unknown fields, so generic servers get only the standard ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    OpenRouter,
    OpenAi,
}

impl Dialect {
    /// OpenRouter's own host and the simulated gateway speak OpenRouter; anything else is generic.
    pub fn guess(base_url: &str) -> Self {
        if base_url.contains("openrouter.ai") {
            Self::OpenRouter
        } else {
            Self::OpenAi
        }
    }
}

/// `provider.sort`: try providers in this order instead of load balancing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderSort {
    Price,
    Throughput,
    Latency,
}

impl ProviderSort {
    pub const ALL: [ProviderSort; 3] = [Self::Price, Self::Throughput, Self::Latency];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Price => "price",
            Self::Throughput => "throughput",
            Self::Latency => "latency",
        }
    }
}

impl std::str::FromStr for ProviderSort {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s.trim())
            .ok_or_else(|| format!("`{s}`: sort by price, throughput or latency"))
    }
}

/// A model suffix that changes how OpenRouter serves it (§2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// Cheapest providers first, discounted "flex" endpoints allowed.
    Floor,
    /// Fastest providers first, "priority" endpoints allowed (billed at priority rates).
    Nitro,
    /// Quality-first providers for tool calling.
    Exacto,
    /// The model's free endpoints (a separate catalog id, with free-tier rate limits).
    Free,
}

impl Variant {
    pub const ALL: [Variant; 4] = [Self::Floor, Self::Nitro, Self::Exacto, Self::Free];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Floor => "floor",
            Self::Nitro => "nitro",
            Self::Exacto => "exacto",
            Self::Free => "free",
        }
    }
}

impl std::str::FromStr for Variant {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim().trim_start_matches(':');
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("`{s}`: the variants are floor, nitro, exacto and free"))
    }
}

/// Suffixes OpenRouter gives meaning to. Anything else after a `:` is part of the id (Ollama
/// tags such as `qwen3:8b`), so only these are ever split off.
const SUFFIXES: &[&str] = &[
    "free", "floor", "nitro", "exacto", "online", "thinking", "extended", "batch",
];

/// `("a/b", Some("nitro"))` for `a/b:nitro`; the id itself when it has no known suffix.
pub fn split_variant(model: &str) -> (&str, Option<&str>) {
    match model.rsplit_once(':') {
        Some((base, suffix)) if !base.is_empty() && SUFFIXES.contains(&suffix) => {
            (base, Some(suffix))
        }
        _ => (model, None),
    }
}

/// The most a provider may charge, in USD per **million** tokens (the API's unit, unlike the
/// catalog's per-token prices).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MaxPrice {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion: Option<f64>,
}

impl std::str::FromStr for MaxPrice {
    type Err = String;
    /// `2` caps both prices at $2 per million tokens; `1/4` caps prompt at $1, completion at $4.
    fn from_str(s: &str) -> Result<Self, String> {
        let num = |t: &str| -> Result<f64, String> {
            let t = t.trim().trim_start_matches('$');
            match t.parse::<f64>() {
                Ok(v) if v >= 0.0 && v.is_finite() => Ok(v),
                _ => Err(format!(
                    "`{s}`: a max price is USD per million tokens, e.g. 2 or 1/4 (prompt/completion)"
                )),
            }
        };
        let (p, c) = match s.split_once('/') {
            Some((p, c)) => (num(p)?, num(c)?),
            None => {
                let v = num(s)?;
                (v, v)
            }
        };
        Ok(Self {
            prompt: Some(p),
            completion: Some(c),
        })
    }
}

impl std::fmt::Display for MaxPrice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v}"));
        if self.prompt == self.completion {
            write!(f, "{}", n(self.prompt))
        } else {
            write!(f, "{}/{}", n(self.prompt), n(self.completion))
        }
    }
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

/// One pane's (or one `ask` run's) routing. The default asks for nothing special.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Routing {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<ProviderSort>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<Variant>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_price: Option<MaxPrice>,
    /// Models tried in order if the pane's own model fails (the request's `models`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fallbacks: Vec<String>,
    /// Provider slugs to try first, in this order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub order: Vec<String>,
    /// Only these providers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub only: Vec<String>,
    /// Never these providers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
    /// Whether providers beyond the primary / `order` ones may serve (the API's default).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub allow_fallbacks: bool,
    /// Only endpoints serving these quantizations (`provider.quantizations`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub quantizations: Vec<String>,
    /// Only zero-data-retention endpoints (`provider.zdr`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub zdr: bool,
    /// Only providers that take every parameter sent (`provider.require_parameters`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub require_parameters: bool,
    /// Prefer providers at least this fast, tokens per second at p50 (soft).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_throughput: Option<f64>,
    /// Prefer providers answering within this many seconds at p50 (soft).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_latency: Option<f64>,
}

/// The quantizations `provider.quantizations` takes (`openapi.yaml#Quantization`).
pub const QUANTIZATIONS: &[&str] = &[
    "int4", "int8", "fp4", "mxfp4", "nvfp4", "fp6", "fp8", "mxfp8", "fp16", "bf16", "fp32",
    "unknown",
];

impl Default for Routing {
    fn default() -> Self {
        Self {
            sort: None,
            variant: None,
            max_price: None,
            fallbacks: Vec::new(),
            order: Vec::new(),
            only: Vec::new(),
            ignore: Vec::new(),
            allow_fallbacks: true,
            quantizations: Vec::new(),
            zdr: false,
            require_parameters: false,
            min_throughput: None,
            max_latency: None,
        }
    }
}

/// `a, b,,c` → `["a", "b", "c"]`.
pub fn parse_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Routing {
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The model id to send: the variant replaces any suffix the id already has.
    pub fn model_id(&self, model: &str) -> String {
        match self.variant {
            Some(v) => format!("{}:{}", split_variant(model).0, v.as_str()),
            None => model.to_owned(),
        }
    }

    /// The `provider` object, or `None` when nothing in it differs from the defaults.
    /// `deny_data_collection` is the account-wide policy from the config.
    pub fn provider_object(&self, deny_data_collection: bool) -> Option<Value> {
        let mut p = Map::new();
        if let Some(sort) = self.sort {
            p.insert("sort".into(), json!(sort.as_str()));
        }
        for (key, list) in [
            ("order", &self.order),
            ("only", &self.only),
            ("ignore", &self.ignore),
        ] {
            if !list.is_empty() {
                p.insert(key.into(), json!(list));
            }
        }
        if !self.allow_fallbacks {
            p.insert("allow_fallbacks".into(), json!(false));
        }
        if let Some(max) = self.max_price.filter(|m| *m != MaxPrice::default()) {
            p.insert("max_price".into(), json!(max));
        }
        if deny_data_collection {
            p.insert("data_collection".into(), json!("deny"));
        }
        if !self.quantizations.is_empty() {
            p.insert("quantizations".into(), json!(self.quantizations));
        }
        if self.zdr {
            p.insert("zdr".into(), json!(true));
        }
        if self.require_parameters {
            p.insert("require_parameters".into(), json!(true));
        }
        if let Some(t) = self.min_throughput {
            p.insert("preferred_min_throughput".into(), json!(t));
        }
        if let Some(l) = self.max_latency {
            p.insert("preferred_max_latency".into(), json!(l));
        }
        (!p.is_empty()).then_some(Value::Object(p))
    }

    /// A few characters for a pane title: `price·nitro·≤$1/4·fb 2·order a,b·only c·not d·no fb`.
    pub fn label(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(s) = self.sort {
            parts.push(s.as_str().into());
        }
        if let Some(v) = self.variant {
            parts.push(format!(":{}", v.as_str()));
        }
        if let Some(m) = self.max_price {
            parts.push(format!("≤${m}"));
        }
        if !self.fallbacks.is_empty() {
            parts.push(format!("+{} fallback", self.fallbacks.len()));
        }
        if !self.order.is_empty() {
            parts.push(format!("order {}", self.order.join(",")));
        }
        if !self.only.is_empty() {
            parts.push(format!("only {}", self.only.join(",")));
        }
        if !self.ignore.is_empty() {
            parts.push(format!("not {}", self.ignore.join(",")));
        }
        if !self.allow_fallbacks {
            parts.push("no fallbacks".into());
        }
        if !self.quantizations.is_empty() {
            parts.push(self.quantizations.join(","));
        }
        if self.zdr {
            parts.push("zdr".into());
        }
        if self.require_parameters {
            parts.push("all params".into());
        }
        if let Some(t) = self.min_throughput {
            parts.push(format!("≥{t} tok/s"));
        }
        if let Some(l) = self.max_latency {
            parts.push(format!("≤{l} s"));
        }
        parts.join("·")
    }
}

/// The routing preferences `routing` asks for, by the `ask` flag that sets each.
pub fn requested_flags(routing: &Routing, deny_data_collection: bool) -> Vec<&'static str> {
    let mut flags = Vec::new();
    let mut add = |on: bool, flag| {
        if on {
            flags.push(flag);
        }
    };
    add(routing.sort.is_some(), "--sort");
    add(routing.variant.is_some(), "--variant");
    add(!routing.fallbacks.is_empty(), "--fallback");
    add(!routing.order.is_empty(), "--provider-order");
    add(!routing.only.is_empty(), "--provider-only");
    add(!routing.ignore.is_empty(), "--provider-ignore");
    add(!routing.allow_fallbacks, "--no-fallbacks");
    add(routing.max_price.is_some(), "--max-price");
    add(deny_data_collection, "--deny-data-collection");
    add(!routing.quantizations.is_empty(), "--quantizations");
    add(routing.zdr, "--zdr");
    add(routing.require_parameters, "--require-parameters");
    add(routing.min_throughput.is_some(), "--min-throughput");
    add(routing.max_latency.is_some(), "--max-latency");
    flags
}

/// What to tell a person whose routing will not be sent: a server of the plain OpenAI dialect
/// never gets it (it would reject the fields). `endpoint` is the `[endpoints.NAME]` serving
/// the request, `None` for the default one. `None` when nothing is dropped.
pub fn dropped_routing(
    routing: &Routing,
    deny_data_collection: bool,
    dialect: Dialect,
    endpoint: Option<&str>,
) -> Option<String> {
    if dialect == Dialect::OpenRouter {
        return None;
    }
    let flags = requested_flags(routing, deny_data_collection);
    if flags.is_empty() {
        return None;
    }
    let (server, setting) = match endpoint {
        Some(name) => (
            format!("endpoint `{name}`"),
            format!("`dialect = \"openrouter\"` under [endpoints.{name}]"),
        ),
        None => (
            "the server".to_owned(),
            "`dialect = \"openrouter\"`".to_owned(),
        ),
    };
    Some(format!(
        "routing not sent ({}): {server} speaks the plain OpenAI dialect; set {setting} in \
         config.toml if it takes OpenRouter's routing",
        flags.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_for_a_plain_openai_server_is_named_with_the_setting_that_sends_it() {
        let r = Routing {
            sort: Some(ProviderSort::Price),
            only: vec!["a".into()],
            ..Routing::default()
        };
        let note = dropped_routing(&r, true, Dialect::OpenAi, Some("local")).unwrap();
        assert!(
            note.contains("--sort, --provider-only, --deny-data-collection")
                && note.contains("[endpoints.local]")
                && note.contains("dialect = \"openrouter\""),
            "{note}"
        );
        assert_eq!(dropped_routing(&r, true, Dialect::OpenRouter, None), None);
        assert_eq!(
            dropped_routing(&Routing::default(), false, Dialect::OpenAi, None),
            None
        );
    }

    #[test]
    fn every_preference_lands_under_the_api_names() {
        let r = Routing {
            sort: Some(ProviderSort::Throughput),
            variant: Some(Variant::Nitro),
            max_price: Some("1/4".parse().unwrap()),
            fallbacks: vec!["x/y".into()],
            order: parse_list("anthropic, openai"),
            only: parse_list("anthropic,openai,google"),
            ignore: parse_list("deepinfra"),
            allow_fallbacks: false,
            ..Routing::default()
        };
        assert_eq!(
            r.provider_object(true).unwrap(),
            json!({"sort":"throughput","order":["anthropic","openai"],
                   "only":["anthropic","openai","google"],"ignore":["deepinfra"],
                   "allow_fallbacks":false,"max_price":{"prompt":1.0,"completion":4.0},
                   "data_collection":"deny"})
        );
        assert_eq!(r.model_id("a/b:free"), "a/b:nitro");
        assert_eq!(
            r.label(),
            "throughput·:nitro·≤$1/4·+1 fallback·order anthropic,openai·only anthropic,openai,google·not deepinfra·no fallbacks"
        );
    }

    #[test]
    fn the_default_sends_nothing_and_saves_as_an_empty_object() {
        let r = Routing::default();
        assert_eq!(r.provider_object(false), None);
        assert_eq!(r.model_id("qwen3:8b"), "qwen3:8b");
        assert_eq!(serde_json::to_value(&r).unwrap(), json!({}));
        let back: Routing = serde_json::from_value(json!({})).unwrap();
        assert!(back.is_default());
    }

    #[test]
    fn only_known_suffixes_are_variants() {
        assert_eq!(split_variant("a/b:free"), ("a/b", Some("free")));
        assert_eq!(split_variant("qwen3:8b"), ("qwen3:8b", None));
        assert_eq!(split_variant(":free"), (":free", None));
    }

    #[test]
    fn bad_values_say_what_is_expected() {
        assert!(
            "cheap"
                .parse::<ProviderSort>()
                .unwrap_err()
                .contains("price")
        );
        assert!("x".parse::<MaxPrice>().unwrap_err().contains("per million"));
        assert!("-1".parse::<MaxPrice>().is_err());
        assert_eq!("2".parse::<MaxPrice>().unwrap().to_string(), "2");
        assert!(":turbo".parse::<Variant>().is_err());
    }
}

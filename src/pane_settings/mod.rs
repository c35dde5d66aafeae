//! A pane's own request settings: system prompt, temperature, top_p, seed, max_tokens and
//! reasoning (an effort or a token budget, shown or excluded). They sit beside the routing,
//! win over the room's (or the run's) defaults, and are checked where they are written, so a
//! bad value never reaches a server. `spec` reads `MODEL{key=value,...}`.

pub mod spec;
mod web;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub use spec::{PaneSpec, parse_spec};
pub use web::{MAX_WEB_RESULTS, SearchContext, dropped_web};

/// `reasoning.effort`. OpenRouter also knows `max`; modelroom offers the levels every
/// reasoning family maps (docs/protocol.md, "Reasoning").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Effort {
    None,
    Minimal,
    Low,
    Medium,
    High,
    Xhigh,
}

impl Effort {
    pub const ALL: [Effort; 6] = [
        Self::None,
        Self::Minimal,
        Self::Low,
        Self::Medium,
        Self::High,
        Self::Xhigh,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Minimal => "minimal",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Xhigh => "xhigh",
        }
    }
}

impl std::str::FromStr for Effort {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|e| e.as_str() == s.trim())
            .ok_or_else(|| {
                format!("effort `{s}` is not allowed: none, minimal, low, medium, high or xhigh")
            })
    }
}

/// Most tokens a pane may ask for (the config's `max_tokens` range).
pub const MAX_TOKENS: u32 = 1_000_000;

/// One pane's settings; `None` (and `false`) leaves the room's default or the server's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PaneSettings {
    /// The system prompt's text (a file's content when written `@FILE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The file the system prompt came from, for the title (`sys "terse"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effort: Option<Effort>,
    /// A reasoning token budget (`reasoning.max_tokens`), instead of an effort.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_tokens: Option<u32>,
    /// `reasoning.exclude`: the model still reasons (and bills it) but the text is not sent.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub exclude_reasoning: bool,
    /// How many times the pane is asked each prompt (in parallel); `None` is once, or the
    /// run's `-n`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub samples: Option<u32>,
    /// Search the web with OpenRouter's `openrouter:web_search` tool (see `web`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub web: bool,
    /// The search's `max_results`: results per search.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_results: Option<u32>,
    /// The search's `search_context_size`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_context: Option<SearchContext>,
    /// How OpenRouter reads this pane's PDFs (`pdf=native|text|ocr`), over the room's
    /// `pdf_engine` or `ask --pdf-engine`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdf: Option<crate::attach::PdfEngine>,
}

/// Most samples a pane takes per prompt.
pub const MAX_SAMPLES: u32 = 50;

/// The keys `MODEL{...}` takes for settings, as they are named in messages.
pub const KEYS: &[&str] = &[
    "system",
    "temperature",
    "top_p",
    "seed",
    "max_tokens",
    "effort",
    "reasoning_tokens",
    "exclude_reasoning",
    "samples",
    "web",
    "web_results",
    "web_context",
    "pdf",
];

impl PaneSettings {
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// Sets `key` from its written `value`; `Ok(false)` when `key` is not a setting. `@FILE`
    /// system prompts are read relative to `base` (the working directory for the command
    /// line, the config's directory for the config).
    pub fn set(&mut self, key: &str, value: &str, base: &std::path::Path) -> Result<bool, String> {
        let v = value.trim();
        match key {
            "system" => {
                let (text, file) = system_prompt(value, base)?;
                self.system = Some(text);
                self.system_file = file;
            }
            "temperature" => self.temperature = Some(number(key, v, 0.0, 2.0)?),
            "top_p" => self.top_p = Some(number(key, v, 0.0, 1.0)?),
            "seed" => {
                self.seed = Some(v.parse().map_err(|_| {
                    format!("seed `{v}` is not allowed: it must be a whole number, e.g. seed=7")
                })?);
            }
            "max_tokens" => self.max_tokens = Some(count(key, v)?),
            "effort" => self.effort = Some(v.parse()?),
            "reasoning_tokens" => self.reasoning_tokens = Some(count(key, v)?),
            "samples" => match v.parse::<u32>() {
                Ok(n) if (1..=MAX_SAMPLES).contains(&n) => self.samples = Some(n),
                _ => {
                    return Err(format!(
                        "samples `{v}` is not allowed: a whole number from 1 to {MAX_SAMPLES}"
                    ));
                }
            },
            "pdf" => self.pdf = Some(crate::attach::PdfEngine::parse(v)?),
            "exclude_reasoning" => {
                self.exclude_reasoning = match v {
                    "true" | "yes" | "1" | "" => true,
                    "false" | "no" | "0" => false,
                    _ => {
                        return Err(format!(
                            "exclude_reasoning `{v}` is not allowed: true or false"
                        ));
                    }
                }
            }
            _ => return self.set_web(key, v),
        }
        Ok(true)
    }

    /// The combinations a server would refuse, named.
    pub fn check(&self) -> Result<(), String> {
        self.check_web()?;
        if let (Some(e), Some(n)) = (self.effort, self.reasoning_tokens) {
            return Err(format!(
                "effort={} and reasoning_tokens={n} both set: a pane gives an effort or a \
                 token budget, not both",
                e.as_str()
            ));
        }
        if let (Some(budget), Some(max)) = (self.reasoning_tokens, self.max_tokens) {
            if budget >= max {
                return Err(format!(
                    "reasoning_tokens={budget} must be below max_tokens={max} (the answer \
                     needs tokens after the reasoning)"
                ));
            }
        }
        Ok(())
    }

    /// OpenRouter's `reasoning` object, when the pane asks for anything of it.
    pub fn reasoning(&self) -> Option<Value> {
        let mut r = Map::new();
        if let Some(e) = self.effort {
            r.insert("effort".into(), json!(e.as_str()));
        }
        if let Some(n) = self.reasoning_tokens {
            r.insert("max_tokens".into(), json!(n));
        }
        if self.exclude_reasoning {
            r.insert("exclude".into(), json!(true));
        }
        (!r.is_empty()).then_some(Value::Object(r))
    }

    /// The request parameters these settings send, by the names the catalog's
    /// `supported_parameters` uses.
    pub fn parameters(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.temperature.is_some() {
            out.push("temperature");
        }
        if self.top_p.is_some() {
            out.push("top_p");
        }
        if self.seed.is_some() {
            out.push("seed");
        }
        if self.reasoning().is_some() {
            out.push("reasoning");
        }
        // The search is a server tool: a model that takes no tools will not call it.
        if self.web {
            out.push("tools");
        }
        out
    }

    /// Parameters these settings send that a model's `supported_parameters` lacks (an empty
    /// list means the catalog does not say, so nothing is flagged).
    pub fn unsupported(&self, supported: &[String]) -> Vec<&'static str> {
        if supported.is_empty() {
            return Vec::new();
        }
        self.parameters()
            .into_iter()
            .filter(|p| !supported.iter().any(|s| s == p))
            .collect()
    }

    /// A few characters for a pane title: `T0.2 · top_p 0.9 · seed 7 · max 500 · effort high ·
    /// sys "terse"`. Empty when nothing is set.
    pub fn label(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(t) = self.temperature {
            parts.push(format!("T{t}"));
        }
        if let Some(p) = self.top_p {
            parts.push(format!("top_p {p}"));
        }
        if let Some(s) = self.seed {
            parts.push(format!("seed {s}"));
        }
        if let Some(n) = self.max_tokens {
            parts.push(format!("max {n}"));
        }
        if let Some(e) = self.effort {
            parts.push(format!("effort {}", e.as_str()));
        }
        if let Some(n) = self.reasoning_tokens {
            parts.push(format!("think {n}"));
        }
        if self.exclude_reasoning {
            parts.push("reasoning hidden".into());
        }
        if let Some(system) = &self.system {
            parts.push(format!("sys \"{}\"", self.system_name(system)));
        }
        if let Some(n) = self.samples.filter(|n| *n > 1) {
            parts.push(format!("×{n}"));
        }
        parts.extend(self.web_label());
        if let Some(e) = self.pdf {
            parts.push(format!("pdf {}", e.as_str()));
        }
        parts.join(" · ")
    }

    /// The settings as `key=value, ...`, as `MODEL{...}` and the room's form read them.
    pub fn to_text(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                parts.push(format!("{k}={}", spec::quote(&v)));
            }
        };
        put("temperature", self.temperature.map(|t| t.to_string()));
        put("top_p", self.top_p.map(|t| t.to_string()));
        put("seed", self.seed.map(|t| t.to_string()));
        put("max_tokens", self.max_tokens.map(|t| t.to_string()));
        put("effort", self.effort.map(|e| e.as_str().to_owned()));
        put(
            "reasoning_tokens",
            self.reasoning_tokens.map(|t| t.to_string()),
        );
        put(
            "exclude_reasoning",
            self.exclude_reasoning.then(|| "true".to_owned()),
        );
        put("samples", self.samples.map(|t| t.to_string()));
        put("web", self.web.then(|| "true".to_owned()));
        put("web_results", self.web_results.map(|n| n.to_string()));
        put(
            "web_context",
            self.web_context.map(|c| c.as_str().to_owned()),
        );
        put("pdf", self.pdf.map(|e| e.as_str().to_owned()));
        put("system", self.system.clone());
        parts.join(", ")
    }

    /// The file's stem, or the prompt's first words (at most 16 characters).
    fn system_name(&self, system: &str) -> String {
        if let Some(stem) = self
            .system_file
            .as_deref()
            .and_then(|f| std::path::Path::new(f).file_stem())
        {
            return stem.to_string_lossy().into_owned();
        }
        let flat: String = system.split_whitespace().collect::<Vec<_>>().join(" ");
        if flat.chars().count() > 16 {
            format!("{}…", flat.chars().take(15).collect::<String>())
        } else {
            flat
        }
    }
}

/// Longest system prompt file read (a prompt, not a corpus).
const MAX_SYSTEM_FILE: u64 = 1024 * 1024;

/// A system prompt as written: `@FILE` is the file's text (relative to `base`), anything else
/// the text itself.
pub fn system_prompt(
    value: &str,
    base: &std::path::Path,
) -> Result<(String, Option<String>), String> {
    let Some(file) = value.trim().strip_prefix('@') else {
        return Ok((value.to_owned(), None));
    };
    let path = base.join(file);
    let meta = std::fs::metadata(&path)
        .map_err(|e| format!("system prompt file `{}`: {e}", path.display()))?;
    if !meta.is_file() || meta.len() > MAX_SYSTEM_FILE {
        return Err(format!(
            "system prompt file `{}` is not a regular file of at most 1 MiB",
            path.display()
        ));
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("system prompt file `{}`: {e}", path.display()))?;
    Ok((text, Some(file.to_owned())))
}

fn number(key: &str, v: &str, lo: f32, hi: f32) -> Result<f32, String> {
    match v.parse::<f32>() {
        Ok(x) if x.is_finite() && (lo..=hi).contains(&x) => Ok(x),
        _ => Err(format!(
            "{key} `{v}` is not allowed: it must be a number from {lo} to {hi}"
        )),
    }
}

fn count(key: &str, v: &str) -> Result<u32, String> {
    match v.parse::<u32>() {
        Ok(n) if (1..=MAX_TOKENS).contains(&n) => Ok(n),
        _ => Err(format!(
            "{key} `{v}` is not allowed: it must be a whole number from 1 to {MAX_TOKENS}"
        )),
    }
}

#[cfg(test)]
mod tests;

//! `MODEL{key=value,...}`: a pane written on the command line, its model and its settings.
//! Values may be quoted (`system="Be brief, please"`) to hold commas or braces; list values
//! (`only`, `quantizations`) separate their items with `|` or, when quoted, with commas. Every
//! key and value is checked here, before anything is sent.

use std::path::Path;

use super::{KEYS, PaneSettings};
use crate::model::ModelRef;
use crate::routing::{Routing, parse_list};

/// Routing keys a pane spec takes, beside the settings.
pub const ROUTING_KEYS: &[&str] = &[
    "sort",
    "variant",
    "only",
    "ignore",
    "order",
    "allow_fallbacks",
    "max_price",
    "quantizations",
    "zdr",
    "require_parameters",
    "min_throughput",
    "max_latency",
];

/// A pane as written: its model, its settings and the routing keys it sets (applied over the
/// run's routing by `routing_over`).
#[derive(Debug, Clone, PartialEq)]
pub struct PaneSpec {
    pub model: ModelRef,
    pub settings: PaneSettings,
    pub routing: Vec<(String, String)>,
    /// Pinned to one provider (a shoot-out pane): its routing tag and its title
    /// (`Aurora Cloud · bf16`).
    pub pinned: Option<(String, String)>,
}

impl PaneSpec {
    /// A model with no settings.
    pub fn plain(model: ModelRef) -> Self {
        Self {
            model,
            settings: PaneSettings::default(),
            routing: Vec::new(),
            pinned: None,
        }
    }

    /// `base` with this pane's routing keys set on top.
    pub fn routing_over(&self, base: &Routing) -> Result<Routing, String> {
        let mut r = base.clone();
        for (k, v) in &self.routing {
            set_routing(&mut r, k, v)?;
        }
        Ok(r)
    }
}

/// Reads `MODEL` or `MODEL{key=value,...}` (the model a `ModelRef`, so `@endpoint/model`
/// works too). The error names the key or value and what is allowed. `@FILE` system prompts
/// are read relative to `base`.
pub fn parse_spec(written: &str, base: &Path) -> Result<PaneSpec, String> {
    let written = written.trim();
    let Some(open) = written.find('{') else {
        if written.contains('}') {
            return Err(format!("`{written}`: a `}}` without its `{{`"));
        }
        return Ok(PaneSpec::plain(model_ref(written)?));
    };
    let model = written[..open].trim();
    if model.is_empty() {
        return Err(format!("`{written}`: no model before `{{`"));
    }
    let model = model_ref(model)?;
    let body = written[open + 1..]
        .strip_suffix('}')
        .ok_or_else(|| format!("`{written}`: settings must end with `}}`"))?;
    parse_body(model, body, base)
}

fn model_ref(written: &str) -> Result<ModelRef, String> {
    ModelRef::parse(written).map_err(|e| e.to_string())
}

/// The `key=value,...` between the braces, for `model`: its settings and routing keys.
pub fn parse_body(model: ModelRef, body: &str, base: &Path) -> Result<PaneSpec, String> {
    let mut spec = PaneSpec::plain(model);
    for (key, value) in pairs(body)? {
        if spec.settings.set(&key, &value, base)? {
            continue;
        }
        if ROUTING_KEYS.contains(&key.as_str()) {
            set_routing(&mut Routing::default(), &key, &value)?;
            spec.routing.push((key, value));
            continue;
        }
        return Err(format!(
            "unknown setting `{key}` in `{}{{…}}`: the keys are {}, and for routing {}",
            spec.model,
            KEYS.join(", "),
            ROUTING_KEYS.join(", ")
        ));
    }
    spec.settings.check()?;
    Ok(spec)
}

/// A value as `pairs` reads it back: bare when it can be, else quoted with escapes.
pub fn quote(v: &str) -> String {
    if !v.is_empty()
        && !v
            .chars()
            .any(|c| matches!(c, ',' | '"' | '\'' | '\\' | '{' | '}') || c.is_whitespace())
    {
        return v.to_owned();
    }
    let mut out = String::from("\"");
    for c in v.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The routing keys of `r` that only a spec (not the routing form's own fields) sets, as
/// `key=value, ...`.
pub fn filters_text(r: &Routing) -> String {
    let mut parts = Vec::new();
    if !r.quantizations.is_empty() {
        parts.push(format!("quantizations={}", r.quantizations.join("|")));
    }
    if r.zdr {
        parts.push("zdr=true".to_owned());
    }
    if r.require_parameters {
        parts.push("require_parameters=true".to_owned());
    }
    if let Some(t) = r.min_throughput {
        parts.push(format!("min_throughput={t}"));
    }
    if let Some(l) = r.max_latency {
        parts.push(format!("max_latency={l}"));
    }
    parts.join(", ")
}

/// Sets the filter keys written in `text` on `r` (the others are cleared first).
pub fn set_filters(r: &mut Routing, text: &str) -> Result<(), String> {
    r.quantizations.clear();
    r.zdr = false;
    r.require_parameters = false;
    r.min_throughput = None;
    r.max_latency = None;
    for (k, v) in pairs(text)? {
        if !FILTER_KEYS.contains(&k.as_str()) {
            return Err(format!(
                "`{k}` is not a provider filter: {}",
                FILTER_KEYS.join(", ")
            ));
        }
        set_routing(r, &k, &v)?;
    }
    Ok(())
}

/// The routing keys the routing form takes as text.
pub const FILTER_KEYS: &[&str] = &[
    "quantizations",
    "zdr",
    "require_parameters",
    "min_throughput",
    "max_latency",
];

/// `k=v,k="v, with commas"` → pairs, in order.
fn pairs(body: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut chars = body.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(out);
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ',' {
                break;
            }
            key.push(c);
            chars.next();
        }
        let key = key.trim().to_owned();
        if chars.next() != Some('=') {
            return Err(format!("`{key}` has no value: write {key}=VALUE"));
        }
        while chars.peek().is_some_and(|c| *c == ' ') {
            chars.next();
        }
        let mut value = String::new();
        match chars.peek().copied() {
            Some(q @ ('"' | '\'')) => {
                chars.next();
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => value.extend(chars.next()),
                        c if c == q => {
                            closed = true;
                            break;
                        }
                        c => value.push(c),
                    }
                }
                if !closed {
                    return Err(format!("the value of `{key}` has no closing {q}"));
                }
            }
            _ => {
                while let Some(&c) = chars.peek() {
                    if c == ',' {
                        break;
                    }
                    value.push(c);
                    chars.next();
                }
                value = value.trim().to_owned();
            }
        }
        out.push((key, value));
    }
}

fn list(v: &str) -> Vec<String> {
    parse_list(&v.replace('|', ","))
}

fn flag(key: &str, v: &str) -> Result<bool, String> {
    match v.trim() {
        "true" | "yes" | "1" | "" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err(format!("{key} `{v}` is not allowed: true or false")),
    }
}

/// Sets one routing key on `r`, checking its value.
pub fn set_routing(r: &mut Routing, key: &str, v: &str) -> Result<(), String> {
    let v = v.trim();
    match key {
        "sort" => r.sort = Some(v.parse()?),
        "variant" => r.variant = Some(v.parse()?),
        "only" => r.only = list(v),
        "ignore" => r.ignore = list(v),
        "order" => r.order = list(v),
        "allow_fallbacks" => r.allow_fallbacks = flag(key, v)?,
        "max_price" => r.max_price = Some(v.parse()?),
        "quantizations" => {
            let qs = list(v);
            if let Some(bad) = qs
                .iter()
                .find(|q| !crate::routing::QUANTIZATIONS.contains(&q.as_str()))
            {
                return Err(format!(
                    "quantization `{bad}` is not allowed: {}",
                    crate::routing::QUANTIZATIONS.join(", ")
                ));
            }
            r.quantizations = qs;
        }
        "zdr" => r.zdr = flag(key, v)?,
        "require_parameters" => r.require_parameters = flag(key, v)?,
        "min_throughput" => r.min_throughput = Some(positive(key, v, "tokens per second")?),
        "max_latency" => r.max_latency = Some(positive(key, v, "seconds")?),
        _ => return Err(format!("unknown routing key `{key}`")),
    }
    Ok(())
}

fn positive(key: &str, v: &str, unit: &str) -> Result<f64, String> {
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!(
            "{key} `{v}` is not allowed: a positive number of {unit}"
        )),
    }
}

//! A pane's setup as the exports show it: the settings its requests went with (its own over the
//! room's), its routing, and its system prompt, in the `key=value` spelling that `MODEL{…}`
//! and the room's forms read, so a reader can ask the same way again.

use super::rounds::line;
use crate::pane_settings::spec::quote;
use crate::routing::Routing;
use crate::store::PaneRecord;

/// What exports show of one pane.
#[derive(Debug, Clone, PartialEq)]
pub struct Setup {
    /// `temperature=0.2, max_tokens=512, effort=high`; empty when nothing was set.
    pub settings: String,
    /// `sort=price, order=a|b, fallbacks=x/y`; empty for the gateway's defaults.
    pub routing: String,
    /// The system prompt sent first, as written (untrusted text: the caller escapes it).
    pub system: Option<String>,
}

pub fn setup(pane: &PaneRecord) -> Setup {
    let mut s = pane.settings.clone();
    s.temperature = s.temperature.or(pane.params.temperature);
    s.max_tokens = s
        .max_tokens
        .or(Some(pane.params.max_tokens).filter(|n| *n > 0));
    let system = s
        .system
        .take()
        .or_else(|| pane.params.system.clone())
        .filter(|t| !t.trim().is_empty());
    if let Some(file) = s.system_file.take() {
        // Where it came from is worth keeping; the text itself is shown apart.
        let mut text = s.to_text();
        if !text.is_empty() {
            text.push_str(", ");
        }
        text.push_str(&format!("system=@{}", quote(&line(&file))));
        return Setup {
            settings: text,
            routing: routing(&pane.routing),
            system,
        };
    }
    Setup {
        settings: line(&s.to_text()),
        routing: routing(&pane.routing),
        system,
    }
}

/// Every routing preference that differs from the defaults, by the keys `MODEL{…}` takes.
pub fn routing(r: &Routing) -> String {
    let mut parts: Vec<String> = Vec::new();
    let list = |v: &[String]| quote(&v.join("|"));
    if let Some(s) = r.sort {
        parts.push(format!("sort={}", s.as_str()));
    }
    if let Some(v) = r.variant {
        parts.push(format!("variant={}", v.as_str()));
    }
    if let Some(m) = r.max_price {
        parts.push(format!("max_price={m}"));
    }
    for (key, v) in [
        ("order", &r.order),
        ("only", &r.only),
        ("ignore", &r.ignore),
    ] {
        if !v.is_empty() {
            parts.push(format!("{key}={}", list(v)));
        }
    }
    if !r.allow_fallbacks {
        parts.push("allow_fallbacks=false".into());
    }
    if !r.fallbacks.is_empty() {
        parts.push(format!("fallbacks={}", list(&r.fallbacks)));
    }
    let filters = crate::pane_settings::spec::filters_text(r);
    if !filters.is_empty() {
        parts.push(filters);
    }
    line(&parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Params;

    #[test]
    fn a_pane_shows_its_own_settings_over_the_rooms_and_its_routing() {
        let spec = crate::pane_settings::parse_spec(
            "x/m{effort=high,seed=7,system=\"Be brief, please\",order=a|b,only=c,zdr=true}",
            std::path::Path::new("."),
        )
        .unwrap();
        let mut routing = spec.routing_over(&Routing::default()).unwrap();
        routing.fallbacks = vec!["y/n".into()];
        routing.allow_fallbacks = false;
        let pane = PaneRecord {
            model: "x/m".into(),
            closed: false,
            routing,
            settings: spec.settings,
            params: Params {
                max_tokens: 512,
                temperature: Some(0.5),
                system: Some("room default".into()),
            },
            turns: Vec::new(),
        };
        let s = setup(&pane);
        assert_eq!(
            s.settings,
            "temperature=0.5, seed=7, max_tokens=512, effort=high"
        );
        assert_eq!(s.system.as_deref(), Some("Be brief, please"));
        assert_eq!(
            s.routing,
            "order=a|b, only=c, allow_fallbacks=false, fallbacks=y/n, zdr=true"
        );
        let plain = PaneRecord {
            routing: Routing::default(),
            settings: Default::default(),
            params: Params::default(),
            ..pane
        };
        assert_eq!(
            setup(&plain),
            Setup {
                settings: String::new(),
                routing: String::new(),
                system: None,
            }
        );
    }
}

//! A pane's web search: `web=true` gives its requests OpenRouter's `openrouter:web_search`
//! server tool (not the deprecated `:online` suffix), `web_results=N` its `max_results` per
//! search and `web_context=low|medium|high` its `search_context_size`. Either of the last two
//! turns the search on.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::PaneSettings;
use crate::api::citations::WEB_SEARCH_TOOL;

/// Most results a pane asks per search.
pub const MAX_WEB_RESULTS: u32 = 20;

/// `search_context_size`: how much of each result the model is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchContext {
    Low,
    Medium,
    High,
}

impl SearchContext {
    pub const ALL: [SearchContext; 3] = [Self::Low, Self::Medium, Self::High];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

impl std::str::FromStr for SearchContext {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
            .ok_or_else(|| format!("web_context `{s}` is not allowed: low, medium or high"))
    }
}

impl PaneSettings {
    /// Sets one of the web keys from its written value; `Ok(false)` when `key` is not one.
    pub(super) fn set_web(&mut self, key: &str, v: &str) -> Result<bool, String> {
        match key {
            "web" => {
                self.web = match v {
                    "true" | "yes" | "1" | "on" | "" => true,
                    "false" | "no" | "0" | "off" => false,
                    _ => return Err(format!("web `{v}` is not allowed: true or false")),
                };
            }
            "web_results" => match v.parse::<u32>() {
                Ok(n) if (1..=MAX_WEB_RESULTS).contains(&n) => {
                    self.web_results = Some(n);
                    self.web = true;
                }
                _ => {
                    return Err(format!(
                        "web_results `{v}` is not allowed: a whole number from 1 to \
                         {MAX_WEB_RESULTS} (results per search)"
                    ));
                }
            },
            "web_context" => {
                self.web_context = Some(v.parse()?);
                self.web = true;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Web options set while the search itself is off: refused rather than silently unsent.
    pub(super) fn check_web(&self) -> Result<(), String> {
        if !self.web && (self.web_results.is_some() || self.web_context.is_some()) {
            return Err(
                "web_results or web_context set with web=false: drop them, or turn web on".into(),
            );
        }
        Ok(())
    }

    /// The `tools` entry a web-searching pane sends: `{"type": "openrouter:web_search"}`,
    /// with `parameters` only when a web option is set.
    pub fn web_search_tool(&self) -> Option<Value> {
        if !self.web {
            return None;
        }
        let mut params = Map::new();
        if let Some(n) = self.web_results {
            params.insert("max_results".into(), json!(n));
        }
        if let Some(c) = self.web_context {
            params.insert("search_context_size".into(), json!(c.as_str()));
        }
        let mut tool = json!({ "type": WEB_SEARCH_TOOL });
        if !params.is_empty() {
            tool["parameters"] = Value::Object(params);
        }
        Some(tool)
    }

    /// The web search for a title: `web`, `web 3`, `web high`, `web 3 high`.
    pub(super) fn web_label(&self) -> Option<String> {
        self.web.then(|| {
            let mut s = "web".to_owned();
            if let Some(n) = self.web_results {
                s.push_str(&format!(" {n}"));
            }
            if let Some(c) = self.web_context {
                s.push_str(&format!(" {}", c.as_str()));
            }
            s
        })
    }
}

/// What to tell a person whose pane searches the web on a server of the plain OpenAI dialect,
/// which never gets the tool (it would refuse its type). `None` when nothing is dropped.
pub fn dropped_web(
    settings: &PaneSettings,
    dialect: crate::routing::Dialect,
    endpoint: Option<&str>,
) -> Option<String> {
    if !settings.web || dialect == crate::routing::Dialect::OpenRouter {
        return None;
    }
    let server = endpoint.map_or_else(|| "the server".to_owned(), |e| format!("endpoint `{e}`"));
    Some(format!(
        "web search not sent: {server} speaks the plain OpenAI dialect, and only OpenRouter \
         runs the openrouter:web_search tool"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn set(s: &mut PaneSettings, k: &str, v: &str) -> Result<bool, String> {
        s.set(k, v, Path::new("."))
    }

    #[test]
    fn web_options_build_the_tool_the_recorded_clients_sent() {
        let mut s = PaneSettings::default();
        assert_eq!(s.web_search_tool(), None);
        set(&mut s, "web", "true").unwrap();
        assert_eq!(
            s.web_search_tool(),
            Some(json!({"type": "openrouter:web_search"}))
        );
        set(&mut s, "web_results", "3").unwrap();
        set(&mut s, "web_context", "medium").unwrap();
        assert_eq!(
            s.web_search_tool(),
            Some(json!({"type": "openrouter:web_search",
                "parameters": {"max_results": 3, "search_context_size": "medium"}}))
        );
        assert_eq!(s.web_label().as_deref(), Some("web 3 medium"));
        assert!(s.parameters().contains(&"tools"));
    }

    #[test]
    fn bad_web_values_are_named_and_options_without_search_refused() {
        let mut s = PaneSettings::default();
        let e = set(&mut s, "web", "maybe").unwrap_err();
        assert!(e.contains("web `maybe`"), "{e}");
        let e = set(&mut s, "web_results", "0").unwrap_err();
        assert!(e.contains("from 1 to 20"), "{e}");
        let e = set(&mut s, "web_context", "huge").unwrap_err();
        assert!(e.contains("low, medium or high"), "{e}");
        set(&mut s, "web_context", "low").unwrap();
        assert!(s.web, "a web option turns the search on");
        set(&mut s, "web", "false").unwrap();
        assert!(s.check().is_err());
    }

    #[test]
    fn a_plain_openai_server_is_said_not_to_get_the_search() {
        use crate::routing::Dialect;
        let web = PaneSettings {
            web: true,
            ..PaneSettings::default()
        };
        let note = dropped_web(&web, Dialect::OpenAi, Some("local")).unwrap();
        assert!(note.contains("endpoint `local`"), "{note}");
        assert_eq!(dropped_web(&web, Dialect::OpenRouter, None), None);
        assert_eq!(
            dropped_web(&PaneSettings::default(), Dialect::OpenAi, None),
            None
        );
    }
}

//! The `openrouter:web_search` server tool as the gateway takes it: the `tools` entry checked
//! (a bad parameter is a 400, a model that takes no tools a 404, as OpenRouter answers), then
//! a made-up search whose results are deterministic for a prompt: sources on reserved example
//! domains, cited as `url_citation` annotations, counted in `usage.server_tool_use_details`
//! and billed per search at the catalog's `pricing.web_search`, on top of the tokens.

use serde_json::{Value, json};

use super::catalog::DemoModel;

/// Results per search when the request does not say (OpenRouter's default).
const DEFAULT_RESULTS: u64 = 5;
/// Most results a search may ask for here.
const MAX_RESULTS: u64 = 25;
/// Sources a search cites at most, whatever it found.
const CITED_PER_SEARCH: usize = 3;

/// One answer's searches: how many, what they cite, what each cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    pub requests: u64,
    /// (url, title), in the order cited.
    pub citations: Vec<(String, String)>,
    pub per_search: f64,
    /// Prompt tokens the results add (the gateway puts them in the model's context).
    pub injected_tokens: u64,
}

/// Why a request's tools are refused: its status and message.
pub type Refusal = (u16, String);

/// The search a request asks for: `Ok(None)` without the tool, `Err` with the status and
/// message the gateway answers for a tool it cannot take.
pub fn from_request(
    req: &Value,
    model: &DemoModel,
    prompt: &str,
) -> Result<Option<Search>, Refusal> {
    let tools = match &req["tools"] {
        Value::Null => return Ok(None),
        Value::Array(t) => t,
        _ => return Err((400, "Invalid request: \"tools\" must be an array".into())),
    };
    let mut wanted = None;
    for tool in tools {
        match tool["type"].as_str() {
            Some("openrouter:web_search") => wanted = Some(&tool["parameters"]),
            Some("function") => {}
            Some(other) => {
                return Err((400, format!("Invalid request: unknown tool type `{other}`")));
            }
            None => return Err((400, "Invalid request: a tool has no \"type\"".into())),
        }
    }
    let Some(params) = wanted else {
        return Ok(None);
    };
    let results = match &params["max_results"] {
        Value::Null => DEFAULT_RESULTS,
        v => match v.as_u64().filter(|n| (1..=MAX_RESULTS).contains(n)) {
            Some(n) => n,
            None => {
                return Err((
                    400,
                    format!(
                        "Invalid web_search parameters: max_results must be an integer from 1 to {MAX_RESULTS}"
                    ),
                ));
            }
        },
    };
    let per_result = match params["search_context_size"].as_str() {
        None if params["search_context_size"].is_null() => 200,
        Some("low") => 100,
        Some("medium") => 200,
        Some("high") => 400,
        _ => {
            return Err((
                400,
                "Invalid web_search parameters: search_context_size must be low, medium or high"
                    .into(),
            ));
        }
    };
    let Some(per_search) = super::catalog::search_price(model) else {
        return Err((404, "No endpoints found that support tool use".into()));
    };
    Ok(Some(search(prompt, results, per_result, per_search)))
}

/// The made-up search for `prompt`: one search, two when it compares (`… and …`, `… vs …`).
fn search(prompt: &str, results: u64, per_result: u64, per_search: f64) -> Search {
    let lower = prompt.to_lowercase();
    let requests = if [" and ", " vs ", " versus "]
        .iter()
        .any(|w| lower.contains(w))
    {
        2
    } else {
        1
    };
    let words: Vec<String> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 2)
        .take(4)
        .map(str::to_owned)
        .collect();
    let topic = if words.is_empty() {
        "the question".to_owned()
    } else {
        words.join(" ")
    };
    let slug = if words.is_empty() {
        "question".to_owned()
    } else {
        words.join("-")
    };
    let sites = [
        (
            format!("https://encyclopedia.example.org/wiki/{slug}"),
            format!("{topic} — Example Encyclopedia"),
        ),
        (
            format!("https://news.example.com/2026/{slug}"),
            format!("What is new in {topic} | Example News"),
        ),
        (
            format!("https://docs.example.net/guides/{slug}"),
            format!("A practical guide to {topic} · Example Docs"),
        ),
        (
            format!("https://forum.example.org/t/{slug}"),
            format!("{topic}: questions and answers"),
        ),
        (
            format!("https://blog.example.com/{slug}-compared"),
            format!("{topic}, compared"),
        ),
    ];
    let cited = usize::try_from(results)
        .unwrap_or(usize::MAX)
        .min(CITED_PER_SEARCH)
        + usize::try_from(requests - 1).unwrap_or(0) * 2;
    Search {
        requests,
        citations: sites.into_iter().take(cited).collect(),
        per_search,
        injected_tokens: requests * results * per_result,
    }
}

impl Search {
    /// What the searches cost, billed on top of the tokens.
    #[allow(clippy::cast_precision_loss)]
    pub fn fee(&self) -> f64 {
        self.requests as f64 * self.per_search
    }

    /// The line the answer starts with: what was searched, and its sources' markers.
    pub fn intro(&self) -> String {
        let marks: Vec<String> = (1..=self.citations.len())
            .map(|i| format!("[{i}]"))
            .collect();
        let searches = if self.requests == 1 {
            "one web search".to_owned()
        } else {
            format!("{} web searches", self.requests)
        };
        format!("*Grounded in {searches}: sources {}.*\n\n", marks.join(" "))
    }

    /// The `annotations` a message (or a delta) carries: a `url_citation` per source, its
    /// indices those of its marker in `intro`.
    pub fn annotations(&self) -> Value {
        let intro = self.intro();
        let items: Vec<Value> = self
            .citations
            .iter()
            .enumerate()
            .map(|(i, (url, title))| {
                let mark = format!("[{}]", i + 1);
                let start = intro.find(&mark).map_or(0, |b| intro[..b].chars().count());
                json!({ "type": "url_citation", "url_citation": {
                    "url": url, "title": title,
                    "content": format!("A made-up result of the simulated gateway for {title}."),
                    "start_index": start, "end_index": start + mark.len() } })
            })
            .collect();
        Value::Array(items)
    }

    /// `usage.server_tool_use_details`, as the recorded answers carry it.
    pub fn usage(&self) -> Value {
        json!({ "web_search_requests": self.requests })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::catalog::find;

    fn req(tools: Value) -> Value {
        json!({ "model": "demo/fast", "tools": tools })
    }

    #[test]
    fn the_tool_gives_a_deterministic_search_with_its_sources() {
        let fast = find("demo/fast").unwrap();
        let r = req(json!([{"type": "openrouter:web_search"}]));
        let a = from_request(&r, fast, "Latest Rust release?")
            .unwrap()
            .unwrap();
        assert_eq!(
            a,
            from_request(&r, fast, "Latest Rust release?")
                .unwrap()
                .unwrap()
        );
        assert_eq!(
            (a.requests, a.citations.len(), a.injected_tokens),
            (1, 3, 1000)
        );
        assert_eq!(
            a.citations[0].0,
            "https://encyclopedia.example.org/wiki/latest-rust-release"
        );
        assert!((a.fee() - 0.004).abs() < 1e-12);
        let both = from_request(&r, fast, "Rust vs Go").unwrap().unwrap();
        assert_eq!((both.requests, both.citations.len()), (2, 5));
        let ann = a.annotations();
        assert_eq!(ann[1]["type"], "url_citation");
        assert_eq!(ann[1]["url_citation"]["start_index"], 41);
        let one = req(json!([{"type": "openrouter:web_search",
            "parameters": {"max_results": 1, "search_context_size": "high"}}]));
        let small = from_request(&one, fast, "x y z").unwrap().unwrap();
        assert_eq!((small.citations.len(), small.injected_tokens), (1, 400));
        assert_eq!(from_request(&json!({}), fast, "hi"), Ok(None));
    }

    #[test]
    fn bad_tools_are_refused_as_the_gateway_does() {
        let fast = find("demo/fast").unwrap();
        let bad = |tools: Value| from_request(&req(tools), fast, "q").unwrap_err();
        assert_eq!(bad(json!("web")).0, 400);
        assert_eq!(bad(json!([{"type": "openrouter:teleport"}])).0, 400);
        let e = bad(json!([{"type": "openrouter:web_search", "parameters": {"max_results": 0}}]));
        assert!(e.1.contains("max_results"), "{e:?}");
        let e = bad(
            json!([{"type": "openrouter:web_search", "parameters": {"search_context_size": "huge"}}]),
        );
        assert!(e.1.contains("search_context_size"), "{e:?}");
        let free = find("demo/mini:free").unwrap();
        let e =
            from_request(&req(json!([{"type": "openrouter:web_search"}])), free, "q").unwrap_err();
        assert_eq!(
            e,
            (404, "No endpoints found that support tool use".to_owned())
        );
    }
}

//! Web sources an answer cites: the `annotations` of type `url_citation` that OpenRouter puts
//! on a message (or on stream deltas) when its `openrouter:web_search` tool ran. Server output
//! is untrusted: each source is read leniently (an item of another shape is skipped, not
//! fatal), cleaned of control sequences, cut to a sane length, and only so many are kept.

use serde_json::Value;

use crate::sanitize::Clean;

/// The `tools` entry that turns OpenRouter's web search on, with its optional parameters
/// (`max_results` per search, `search_context_size`), as the recorded clients sent it.
pub const WEB_SEARCH_TOOL: &str = "openrouter:web_search";

/// Sources kept per answer: a server sending thousands cannot flood a pane or a file.
pub const MAX_CITATIONS: usize = 50;
/// Longest URL kept (longer ones are cut and end in `…`).
const MAX_URL: usize = 2048;
/// Longest title kept.
const MAX_TITLE: usize = 300;

/// One cited web page: its address and title, both clean to show.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Citation {
    pub url: Clean,
    /// Empty when the server gave none.
    pub title: Clean,
}

impl Citation {
    /// A source from a server or a file: cleaned, cut, one line each. `None` without a URL.
    pub fn new(url: &str, title: &str) -> Option<Self> {
        let url = cut(Clean::line(url.trim()).as_str(), MAX_URL);
        (!url.is_empty()).then(|| Self {
            url: Clean::line(&url),
            title: Clean::line(&cut(Clean::line(title.trim()).as_str(), MAX_TITLE)),
        })
    }

    /// Whether the address is one a page may link to (a web address, not `javascript:`).
    pub fn is_web(&self) -> bool {
        let lower = self.url.to_ascii_lowercase();
        lower.starts_with("https://") || lower.starts_with("http://")
    }
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The sources among `annotations`, in order. Takes OpenRouter's shape
/// (`{type: "url_citation", url_citation: {url, title, …}}`) and the flat one some servers
/// use (`{type: "url_citation", url, title}`); anything else is skipped.
pub fn from_annotations(annotations: &[Value]) -> Vec<Citation> {
    annotations
        .iter()
        .filter(|a| a.get("type").and_then(Value::as_str) == Some("url_citation"))
        .filter_map(|a| {
            let body = a.get("url_citation").filter(|b| b.is_object()).unwrap_or(a);
            let url = body.get("url").and_then(Value::as_str)?;
            let title = body.get("title").and_then(Value::as_str).unwrap_or("");
            Citation::new(url, title)
        })
        .take(MAX_CITATIONS)
        .collect()
}

/// Adds `more` to `acc`, each address once (a stream may repeat them), up to `MAX_CITATIONS`.
/// A repeat that brings a title where there was none fills it in.
pub fn merge(acc: &mut Vec<Citation>, more: Vec<Citation>) {
    for c in more {
        match acc.iter().position(|old| old.url == c.url) {
            Some(i) if acc[i].title.is_empty() => acc[i].title = c.title,
            Some(_) => {}
            None if acc.len() < MAX_CITATIONS => acc.push(c),
            None => {}
        }
    }
}

/// The sources as a numbered list, one entry per source: `[1] Title` and its address
/// (`[1] https://…` alone when there is no title). Plain text: every rendering (the room, `ask`,
/// `sessions show`) lays these lines out its own way.
pub fn numbered(citations: &[Citation]) -> Vec<(String, Option<String>)> {
    citations
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if c.title.is_empty() {
                (format!("[{}] {}", i + 1, c.url), None)
            } else {
                (format!("[{}] {}", i + 1, c.title), Some(c.url.to_string()))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixture(path: &str) -> Value {
        let raw = std::fs::read_to_string(format!(
            "{}/tests/fixtures/{path}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        serde_json::from_str(raw.trim_start()).unwrap()
    }

    #[test]
    fn the_recorded_non_stream_message_cites_its_source() {
        let body = fixture("openrouter/nonstream/openai-gpt-5.2-web-search.json");
        let annotations = body["choices"][0]["message"]["annotations"]
            .as_array()
            .unwrap();
        let cited = from_annotations(annotations);
        assert_eq!(
            cited,
            vec![
                Citation::new(
                    "https://www.ruby-lang.org/en/downloads/",
                    "Download Ruby | Ruby"
                )
                .unwrap()
            ]
        );
        assert!(cited[0].is_web());
    }

    #[test]
    fn hostile_sources_are_cleaned_cut_counted_and_skipped() {
        let mut items = vec![
            json!({"type":"url_citation","url_citation":{"url":"https://a.example/\u{1b}]8;;x\u{7}","title":"T\u{1b}[31mitle\u{202e}"}}),
            json!({"type":"url_citation","url":"javascript:alert(1)","title":"flat"}),
            json!({"type":"file_citation","url_citation":{"url":"https://no.example"}}),
            json!({"type":"url_citation","url_citation":{"title":"no url"}}),
            json!("not an object"),
            json!({"type":"url_citation","url_citation":{"url":"https://long.example/","title":"x".repeat(5000)}}),
        ];
        items.extend((0..200).map(|i| json!({"type":"url_citation","url_citation":{"url":format!("https://{i}.example")}})));
        let cited = from_annotations(&items);
        assert_eq!(cited.len(), MAX_CITATIONS);
        assert_eq!(cited[0].url, "https://a.example/");
        assert_eq!(cited[0].title, "Title");
        assert_eq!(cited[1].url, "javascript:alert(1)");
        assert!(!cited[1].is_web(), "only web addresses are links");
        assert_eq!(cited[2].title.chars().count(), MAX_TITLE);
        assert!(cited[2].title.ends_with('…'));
    }

    #[test]
    fn a_repeated_source_is_kept_once_and_gains_its_title() {
        let mut acc = vec![Citation::new("https://a.example", "").unwrap()];
        merge(
            &mut acc,
            vec![
                Citation::new("https://a.example", "A").unwrap(),
                Citation::new("https://b.example", "B").unwrap(),
            ],
        );
        assert_eq!(acc.len(), 2);
        assert_eq!(acc[0].title, "A");
        assert_eq!(
            numbered(&acc),
            vec![
                ("[1] A".to_owned(), Some("https://a.example".to_owned())),
                ("[2] B".to_owned(), Some("https://b.example".to_owned())),
            ]
        );
        let bare = [Citation::new("https://c.example", "").unwrap()];
        assert_eq!(
            numbered(&bare)[0],
            ("[1] https://c.example".to_owned(), None)
        );
    }
}

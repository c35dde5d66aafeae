//! `modelroom sessions search QUERY`: full-text search over every saved session's prompts and
//! answers. Each query word must occur (case-insensitive) in the same prompt or answer; a hit
//! is printed with the session, whose turn it is and a one-line excerpt around the match.
//! Sessions are read one at a time, so a few hundred take well under a second.

use std::io::Write;

use serde_json::json;

use crate::sanitize::sanitize;
use crate::store::{Listing, SessionStore, Turn};

/// Characters of context each side of the first match in an excerpt.
const CONTEXT: usize = 36;

/// One prompt or answer that matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: String,
    pub title: String,
    pub updated_at: String,
    /// `prompt` or `answer`.
    pub kind: &'static str,
    /// The pane's model, for an answer.
    pub model: Option<String>,
    /// 1-based position of the prompt in its pane.
    pub prompt: usize,
    pub excerpt: String,
}

/// Every hit of `query` in the store, newest session first (the store lists them so).
/// Damaged files are skipped: `sessions list` names them.
pub fn find(store: &SessionStore, query: &str) -> Vec<Hit> {
    let terms: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    if terms.is_empty() {
        return Vec::new();
    }
    let Ok(listing) = store.list() else {
        return Vec::new();
    };
    let mut hits = Vec::new();
    for header in listing.iter().filter_map(|l| match l {
        Listing::Ok(h) => Some(h),
        Listing::Damaged { .. } => None,
    }) {
        // A blind round not yet voted on is searched by its labels, as `show` prints it.
        let Ok(session) = store.load(&header.id).map(|s| s.blinded()) else {
            continue;
        };
        let mut seen_prompts = std::collections::HashSet::new();
        for pane in &session.panes {
            let mut n = 0;
            for turn in &pane.turns {
                let (kind, model, text) = match turn {
                    Turn::User { content, .. } => {
                        n += 1;
                        // A prompt sent to every pane matches once, not once per pane.
                        if !seen_prompts.insert((n, content.as_str())) {
                            continue;
                        }
                        ("prompt", None, content.as_str())
                    }
                    Turn::Assistant(a) => ("answer", Some(pane.model.clone()), a.content.as_str()),
                };
                if let Some(excerpt) = excerpt(text, &terms) {
                    hits.push(Hit {
                        id: session.id.clone(),
                        title: session.title.clone(),
                        updated_at: session.updated_at.clone(),
                        kind,
                        model,
                        prompt: n,
                        excerpt,
                    });
                }
            }
        }
    }
    hits
}

/// A one-line excerpt around the first term, when every term occurs in `text`.
fn excerpt(text: &str, terms: &[String]) -> Option<String> {
    let lower = text.to_lowercase();
    if !terms.iter().all(|t| lower.contains(t.as_str())) {
        return None;
    }
    // Offsets in `lower` may differ from `text`'s (case folding can change lengths): work
    // in characters of the lowercased text, which is what is shown.
    let chars: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let first: Vec<char> = terms[0].chars().collect();
    let at = chars
        .windows(first.len().max(1))
        .position(|w| w == first.as_slice())
        .unwrap_or(0);
    let from = at.saturating_sub(CONTEXT);
    let to = (at + first.len() + CONTEXT).min(chars.len());
    let original: Vec<char> = text.chars().collect();
    // Case folding rarely changes the count; when it did, show the lowercased text.
    let source = if original.len() == chars.len() {
        &original
    } else {
        &chars
    };
    let body: String = source[from..to].iter().collect();
    let mut line = sanitize(&body.replace(['\n', '\t'], " "), " ");
    if from > 0 {
        line.insert(0, '…');
    }
    if to < source.len() {
        line.push('…');
    }
    Some(line)
}

/// Prints the hits: a line each (`id · title · prompt 2 · answer of model: excerpt`), or one
/// JSON object per line.
pub fn print(
    store: &SessionStore,
    query: &str,
    json: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let hits = find(store, query);
    for h in &hits {
        if json {
            let value = json!({
                "id": h.id,
                "title": h.title,
                "updated_at": h.updated_at,
                "kind": h.kind,
                "model": h.model,
                "prompt": h.prompt,
                "excerpt": h.excerpt,
            });
            crate::sanitize::write_json_line(out, &value)?;
        } else {
            let whose = match &h.model {
                Some(m) => format!("answer of {}", sanitize(m, " ")),
                None => "prompt".to_owned(),
            };
            writeln!(
                out,
                "{} · {} · prompt {} · {whose}: {}",
                h.id,
                sanitize(&h.title, " "),
                h.prompt,
                h.excerpt
            )?;
        }
    }
    if hits.is_empty() && !json {
        writeln!(
            out,
            "no saved prompt or answer has every word of \"{}\"",
            sanitize(query, " ")
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_must_occur_and_the_excerpt_is_one_clean_line() {
        let terms = |q: &str| {
            q.split_whitespace()
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        };
        let text =
            "First line.\nServer-Sent Events keep one HTTP response open\u{1b}[31m and stream.";
        let got = excerpt(text, &terms("sse events")).is_none();
        assert!(got, "`sse` does not occur");
        let line = excerpt(text, &terms("events HTTP")).unwrap();
        assert!(line.contains("Server-Sent Events keep one HTTP"), "{line}");
        assert!(!line.contains('\n') && !line.contains('\u{1b}'), "{line:?}");
        let long = format!("{} needle {}", "a".repeat(100), "b".repeat(100));
        let line = excerpt(&long, &terms("NEEDLE")).unwrap();
        assert!(line.starts_with('…') && line.ends_with('…'), "{line}");
    }
}

//! An answer's Markdown as HTML for the export. Model output is untrusted: raw HTML in it is
//! shown as text, links keep only web and mail addresses, images become their description
//! with their address (the page fetches nothing), headings carry no ids or classes of the
//! answer's choosing, and code is escaped (highlighted when its language has a grammar).

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Parser, Tag, TagEnd};

use crate::markdown::Highlighter;

/// Renders answers and reasoning; loads the grammars once per export, when the first code block
/// needs them.
pub struct Rich {
    highlighter: Option<Highlighter>,
    /// Some code block was highlighted: the page needs the stylesheet.
    pub highlighted: bool,
}

impl Rich {
    pub fn new() -> Self {
        Self {
            highlighter: None,
            highlighted: false,
        }
    }

    /// The stylesheet for highlighted code.
    pub fn css(&mut self) -> String {
        self.highlighter
            .get_or_insert_with(Highlighter::load)
            .html_css()
    }

    /// `text` (Markdown) as HTML, its headings `shift` levels down (at most `<h6>`), so an
    /// answer's `# Title` sits under the export's own headings instead of competing with them.
    pub fn html(&mut self, text: &str, shift: usize) -> String {
        let mut dropped_links = Vec::new();
        let mut code: Option<(String, String)> = None;
        let mut events = Vec::new();
        // The same Markdown as the room renders.
        for event in Parser::new_ext(text, crate::markdown::options()) {
            if let Some((_, body)) = &mut code {
                match event {
                    Event::End(TagEnd::CodeBlock) => {
                        let (lang, body) = code.take().unwrap_or_default();
                        events.push(Event::Html(CowStr::from(self.code_block(&lang, &body))));
                    }
                    Event::Text(t) | Event::Html(t) => body.push_str(&t),
                    _ => {}
                }
                continue;
            }
            let event = match event {
                Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
                Event::Start(Tag::CodeBlock(kind)) => {
                    let lang = match kind {
                        CodeBlockKind::Fenced(l) => l.into_string(),
                        CodeBlockKind::Indented => String::new(),
                    };
                    code = Some((lang, String::new()));
                    continue;
                }
                Event::Start(Tag::Heading { level, .. }) => Event::Start(Tag::Heading {
                    level: demote(level, shift),
                    id: None,
                    classes: Vec::new(),
                    attrs: Vec::new(),
                }),
                Event::End(TagEnd::Heading(level)) => {
                    Event::End(TagEnd::Heading(demote(level, shift)))
                }
                Event::Start(Tag::Image { dest_url, .. }) => {
                    Event::Text(CowStr::from(format!("[image: {dest_url}] ")))
                }
                Event::End(TagEnd::Image) => continue,
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }) => {
                    let ok = link_type == LinkType::Email || safe_url(&dest_url);
                    dropped_links.push(!ok);
                    if !ok {
                        continue;
                    }
                    Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    })
                }
                Event::End(TagEnd::Link) => match dropped_links.pop() {
                    Some(true) => continue,
                    _ => Event::End(TagEnd::Link),
                },
                other => other,
            };
            events.push(event);
        }
        // A block still open at the end (an unclosed fence) is shown all the same.
        if let Some((lang, body)) = code.take() {
            events.push(Event::Html(CowStr::from(self.code_block(&lang, &body))));
        }
        let mut html = String::with_capacity(text.len() * 3 / 2);
        pulldown_cmark::html::push_html(&mut html, events.into_iter());
        html
    }

    /// A code block, highlighted when its language has a grammar; escaped either way.
    fn code_block(&mut self, lang: &str, body: &str) -> String {
        let highlighter = self.highlighter.get_or_insert_with(Highlighter::load);
        match highlighter.html_block(lang, body) {
            Some(spans) => {
                self.highlighted = true;
                format!("<pre class=\"hl-code\"><code>{spans}</code></pre>\n")
            }
            None => format!("<pre><code>{}</code></pre>\n", esc(body)),
        }
    }
}

fn demote(level: HeadingLevel, shift: usize) -> HeadingLevel {
    let n = (level as usize).saturating_add(shift).min(6);
    HeadingLevel::try_from(n).unwrap_or(HeadingLevel::H6)
}

/// Web and mail addresses only: no `javascript:`, `data:`, relative or other schemes.
fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// Text as HTML: the five characters that could open markup or end an attribute, escaped.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_render_without_raw_html_or_unsafe_links() {
        let html = Rich::new().html(
            "# T\n\n**b** <script>alert(1)</script> [ok](https://x.org) [bad](javascript:alert(1)) \
             [js](JavaScript:x) [data](data:text/html,x) ![img](http://track.er/p.png)\n\n\
             <div onclick=\"x()\">raw block</div>\n\n| a | b |\n|---|---|\n| 1 | 2 |",
            0,
        );
        assert!(html.contains("<h1>T</h1>"), "{html}");
        assert!(html.contains("<strong>b</strong>"));
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<div"), "{html}");
        assert!(html.contains("<a href=\"https://x.org\">ok</a>"));
        assert!(!html.to_lowercase().contains("javascript:"), "{html}");
        assert!(!html.contains("href=\"data:"), "{html}");
        assert!(html.contains("bad"));
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("<table>"));
    }

    #[test]
    fn headings_move_down_and_stop_at_h6() {
        let html = Rich::new().html("# One\n\n## Two\n\n##### Five", 2);
        assert!(html.contains("<h3>One</h3>"), "{html}");
        assert!(html.contains("<h4>Two</h4>"), "{html}");
        assert!(html.contains("<h6>Five</h6>"), "{html}");
        assert!(!html.contains("<h1") && !html.contains("<h2"), "{html}");
    }

    #[test]
    fn code_is_highlighted_and_escaped_and_an_unclosed_fence_is_kept() {
        let mut rich = Rich::new();
        let html = rich.html(
            "```rust\nlet s = \"</code></pre><script>\";\n```\n\n```\n<b>plain</b>\n```",
            0,
        );
        assert!(rich.highlighted);
        assert!(
            html.contains("<pre class=\"hl-code\"><code><span class=\"hl-"),
            "{html}"
        );
        assert!(
            html.contains("&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;"),
            "{html}"
        );
        assert!(
            html.contains("<pre><code>&lt;b&gt;plain&lt;/b&gt;\n</code></pre>"),
            "{html}"
        );
        assert!(!html.contains("<script") && !html.contains("<b>"), "{html}");
        let mut rich = Rich::new();
        let html = rich.html("```python\nx = 1\n", 0);
        assert!(html.contains("hl-code") && html.contains("x"), "{html}");
    }
}

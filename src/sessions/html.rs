//! `sessions export --format html`: one self-contained page with the answers in real columns.

use std::fmt::Write as _;

use super::rounds::{
    error_text, finish_word, line, partial_note, rounds, served_by, sources, spend, stats,
};
use crate::sanitize::sanitize;
use crate::store::Session;

const CSS: &str = "\
:root { color-scheme: light dark; --line: #8884; --muted: #888; }
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; padding: 1.5rem; max-width: 110rem; }
header .meta { color: var(--muted); margin: 0.2rem 0; }
section.round { border-top: 1px solid var(--line); margin-top: 2rem; padding-top: 0.5rem; }
.prompt { white-space: pre-wrap; overflow-wrap: anywhere; background: #8881; border-left: 4px solid #68c; padding: 0.6rem 0.8rem; margin: 0; font: inherit; }
.answers { display: grid; grid-template-columns: repeat(var(--panes), minmax(18rem, 1fr)); gap: 1rem; margin: 1rem 0; overflow-x: auto; }
.answer { border: 1px solid var(--line); border-radius: 6px; padding: 0 0.8rem 0.6rem; min-width: 0; }
.answer h3 { font-size: 1rem; margin: 0.6rem 0; overflow-wrap: anywhere; }
.answer h3 small { color: var(--muted); font-weight: normal; }
.answer pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0.5rem 0; padding: 0.5rem; background: #8881; border-radius: 4px; font: 13px/1.45 ui-monospace, monospace; }
.md code { font: 13px ui-monospace, monospace; background: #8881; padding: 0 0.2rem; border-radius: 3px; }
.md pre code { background: none; padding: 0; }
.md h1, .md h2, .md h3, .md h4, .md h5, .md h6 { font-size: 1rem; margin: 0.8rem 0 0.4rem; }
.md h1, .md h2 { font-size: 1.1rem; }
.md blockquote { margin: 0.5rem 0; padding-left: 0.8rem; border-left: 3px solid var(--line); color: var(--muted); }
.md table { margin: 0.5rem 0; }
.answer .none { color: var(--muted); font-style: italic; }
.answer ol.sources { font-size: 13px; padding-left: 1.5rem; overflow-wrap: anywhere; }
.answer ol.sources small { color: var(--muted); }
.answer .error { color: #c33; }
.answer.failed { border-color: #c336; }
.answer.stopped, .answer.interrupted { border-style: dashed; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 0.2rem 0.5rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
@media (max-width: 40rem) { .answers { grid-template-columns: 1fr; } }
";

/// A self-contained page: inline CSS, no script and nothing fetched (the content security
/// policy forbids both, in case anything slipped past the escaping); every prompt with the
/// panes' answers in columns side by side, and a table of their figures.
pub fn html(session: &Session) -> String {
    let mut out = String::new();
    let title = esc(&line(&session.title));
    let t = &session.totals;
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"generator\" content=\"modelroom\">\n\
         <title>{title}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<header>\n<h1>{title}</h1>\n"
    );
    let models: Vec<String> = session.panes.iter().map(|p| esc(&line(&p.model))).collect();
    let _ = writeln!(
        out,
        "<p class=\"meta\">session <code>{}</code> · created {} · updated {}</p>",
        esc(&session.id),
        esc(&session.created_at),
        esc(&session.updated_at)
    );
    let _ = writeln!(
        out,
        "<p class=\"meta\">models: {} · {} prompt(s) · {} answer(s) · spend {}</p>\n</header>",
        models.join(", "),
        t.prompts,
        t.answers,
        esc(&spend(t.cost_usd, t.uncosted_answers))
    );
    for (n, round) in rounds(session).iter().enumerate() {
        let _ = writeln!(
            out,
            "<section class=\"round\">\n<h2>Prompt {}</h2>\n<pre class=\"prompt\">{}</pre>",
            n + 1,
            esc(sanitize(round.prompt, "\t").trim_end())
        );
        let _ = writeln!(
            out,
            "<div class=\"answers\" style=\"--panes: {}\">",
            // Only the panes this prompt went to take a column.
            round.answers.iter().filter(|a| a.is_some()).count().max(1)
        );
        let mut rows = Vec::new();
        for (pane, answers) in session.panes.iter().zip(&round.answers) {
            let model = esc(&line(&super::pane_title(pane)));
            let Some(answers) = answers else { continue };
            if answers.is_empty() {
                let _ = writeln!(
                    out,
                    "<article class=\"answer\">\n<h3>{model}</h3>\n<p class=\"none\">no answer saved</p>\n</article>"
                );
                continue;
            }
            let _ = writeln!(out, "<article class=\"answer {}\">", {
                answers.last().map_or("", |a| finish_word(a.finish))
            });
            let _ = writeln!(out, "<h3>{model}</h3>");
            for (k, a) in answers.iter().enumerate() {
                let mut sub = Vec::new();
                if answers.len() > 1 {
                    sub.push(format!("answer {} of {}", k + 1, answers.len()));
                }
                if let Some(s) = served_by(&pane.model, a) {
                    sub.push(s);
                }
                if !sub.is_empty() {
                    let _ = writeln!(out, "<h3><small>{}</small></h3>", esc(&sub.join(" · ")));
                }
                let content = sanitize(&a.content, "\t");
                if !content.trim().is_empty() {
                    let _ = writeln!(
                        out,
                        "<div class=\"md\">\n{}</div>",
                        markdown_html(content.trim_end())
                    );
                }
                let cited = sources(a);
                if !cited.is_empty() {
                    out.push_str("<ol class=\"sources\">\n");
                    for c in &cited {
                        let title = if c.title.is_empty() { &c.url } else { &c.title };
                        // Only a web address becomes a link (never `javascript:` and the like).
                        let head = if c.is_web() {
                            format!(
                                "<a href=\"{}\" rel=\"noreferrer noopener\">{}</a>",
                                esc(&c.url),
                                esc(title)
                            )
                        } else {
                            esc(title)
                        };
                        let _ = writeln!(out, "<li>{head} <small>{}</small></li>", esc(&c.url));
                    }
                    out.push_str("</ol>\n");
                }
                if let Some(e) = error_text(a) {
                    let _ = writeln!(out, "<p class=\"error\">✗ {}</p>", esc(&e));
                }
                if let Some(note) = partial_note(a) {
                    let _ = writeln!(out, "<p class=\"none\">{note}</p>");
                }
                let label = if answers.len() > 1 {
                    format!("{model} ({})", k + 1)
                } else {
                    model.clone()
                };
                rows.push((label, stats(a)));
            }
            out.push_str("</article>\n");
        }
        out.push_str("</div>\n");
        if !rows.is_empty() {
            out.push_str(
                "<table class=\"stats\">\n<thead><tr><th>model</th><th>provider</th><th>tokens</th>\
                 <th>cost</th><th>TTFT</th><th>duration</th><th>finish</th></tr></thead>\n<tbody>\n",
            );
            for (model, s) in rows {
                let _ = writeln!(
                    out,
                    "<tr><td>{model}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                     <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                    esc(&line(&s.provider)),
                    esc(&s.tokens),
                    esc(&s.cost),
                    esc(&s.ttft),
                    esc(&s.duration),
                    esc(&s.finish)
                );
            }
            out.push_str("</tbody>\n</table>\n");
        }
        for v in super::votes::on_round(session, round) {
            let (head, answers) = super::votes::lines(v);
            let items: Vec<String> = answers
                .iter()
                .map(|a| format!("<li>{}</li>", esc(a)))
                .collect();
            let _ = writeln!(
                out,
                "<div class=\"vote\"><p><strong>{}</strong></p><ul>{}</ul></div>",
                esc(&head),
                items.concat()
            );
        }
        out.push_str("</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// An answer's Markdown as HTML. Model output is untrusted: raw HTML in it is shown as text,
/// links keep only web and mail addresses, and images become their description with their
/// address (the page fetches nothing).
fn markdown_html(text: &str) -> String {
    use pulldown_cmark::{CowStr, Event, LinkType, Parser, Tag, TagEnd};
    let safe = |url: &str| {
        let lower = url.trim().to_ascii_lowercase();
        ["http://", "https://", "mailto:"]
            .iter()
            .any(|p| lower.starts_with(p))
    };
    let mut dropped_links = Vec::new();
    // The same markdown as the room renders.
    let events =
        Parser::new_ext(text, crate::markdown::options()).filter_map(|event| match event {
            Event::Html(h) | Event::InlineHtml(h) => Some(Event::Text(h)),
            Event::Start(Tag::Image { dest_url, .. }) => {
                Some(Event::Text(CowStr::from(format!("[image: {dest_url}] "))))
            }
            Event::End(TagEnd::Image) => None,
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let ok = link_type == LinkType::Email || safe(&dest_url);
                dropped_links.push(!ok);
                ok.then_some(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }))
            }
            Event::End(TagEnd::Link) => match dropped_links.pop() {
                Some(true) => None,
                _ => Some(Event::End(TagEnd::Link)),
            },
            other => Some(other),
        });
    let mut html = String::with_capacity(text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// Escapes text for HTML element content and quoted attribute values.
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
    fn answers_render_as_markdown_without_raw_html_or_unsafe_links() {
        let html = markdown_html(
            "# T\n\n**b** <script>alert(1)</script> [ok](https://x.org) [bad](javascript:alert(1)) \
             ![img](http://track.er/p.png)\n\n| a | b |\n|---|---|\n| 1 | 2 |",
        );
        assert!(html.contains("<h1>T</h1>"), "{html}");
        assert!(html.contains("<strong>b</strong>"));
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script>"));
        assert!(html.contains("<a href=\"https://x.org\">ok</a>"));
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("bad"));
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("<table>"));
    }

    #[test]
    fn html_escaping_covers_markup_and_quotes() {
        assert_eq!(
            esc("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }
}

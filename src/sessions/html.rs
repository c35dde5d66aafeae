//! `sessions export --format html`: one self-contained page with the answers in real columns,
//! of one session or of several side by side.

use std::fmt::Write as _;

use super::rich::{Rich, esc};
use super::rounds::{
    Stats, error_text, finish_word, line, partial_note, served_by, sources, spend, stats,
};
use crate::sanitize::sanitize;
use crate::store::{AnswerRecord, PaneRecord, Session};

const CSS: &str = "\
:root { color-scheme: light dark; --line: #8884; --muted: #888; }
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; padding: 1.5rem; max-width: 110rem; }
header .meta { color: var(--muted); margin: 0.2rem 0; }
section.round { border-top: 1px solid var(--line); margin-top: 2rem; padding-top: 0.5rem; }
.attachment { margin: 0.4rem 0 0; font-size: 13px; }
.attachment img { display: block; max-width: 100%; max-height: 24rem; border: 1px solid var(--line); }
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
.answer .sub { color: var(--muted); font-size: 13px; margin: 0 0 0.4rem; overflow-wrap: anywhere; }
details.reasoning { margin: 0.4rem 0; padding: 0.2rem 0.6rem; border-left: 3px solid var(--line); color: var(--muted); }
details.reasoning summary { cursor: pointer; font-size: 13px; }
.col-head { border-bottom: 2px solid var(--line); }
.col-head h3 { font-size: 1rem; margin: 0.4rem 0 0.2rem; overflow-wrap: anywhere; }
table.panes td { vertical-align: top; overflow-wrap: anywhere; }
table.panes pre { white-space: pre-wrap; margin: 0.3rem 0; font: 12px/1.4 ui-monospace, monospace; }
";

/// A self-contained page: inline CSS, no script and nothing fetched (the content security
/// policy forbids both, in case anything slipped past the escaping); each pane's setup, then
/// every prompt in the order sent with the panes' answers in columns side by side, and a table
/// of their figures.
pub fn html(session: &Session) -> String {
    html_many(std::slice::from_ref(session))
}

/// Several sessions on one page: per prompt (lined up by text, `side::rows`) a column per
/// session, headed by it, and row by row its panes' answers, so a rerun's answer stands beside
/// the original's.
pub fn html_many(sessions: &[Session]) -> String {
    let mut rich = Rich::new();
    let mut body = String::new();
    let many = sessions.len() > 1;
    let title = if many {
        format!("{} sessions side by side", sessions.len())
    } else {
        sessions.first().map(|s| line(&s.title)).unwrap_or_default()
    };
    let _ = writeln!(body, "<header>\n<h1>{}</h1>", esc(&title));
    for (k, s) in sessions.iter().enumerate() {
        if many {
            let _ = writeln!(
                body,
                "<section class=\"session\">\n<h2>Session {}: {}</h2>",
                k + 1,
                esc(&line(&s.title))
            );
        }
        head(&mut body, s, if many { 3 } else { 2 });
        if many {
            body.push_str("</section>\n");
        }
    }
    body.push_str("</header>\n");
    let level = if many { 4 } else { 3 };
    for (n, row) in super::side::rows(sessions).iter().enumerate() {
        let _ = writeln!(
            body,
            "<section class=\"round\">\n<h2>Prompt {}</h2>\n<pre class=\"prompt\">{}</pre>",
            n + 1,
            esc(sanitize(row.prompt, "\t").trim_end())
        );
        let files = super::side::files_of(sessions, row.prompt);
        for a in files {
            body.push_str(&attachment(a));
        }
        // Per session, per pane: its article, if this prompt went to that pane.
        let mut columns: Vec<Vec<Option<String>>> = Vec::new();
        let mut stats_rows = Vec::new();
        for (k, (session, round)) in sessions.iter().zip(&row.rounds).enumerate() {
            let mut articles = Vec::new();
            let answers = round.iter().flat_map(|r| &r.answers);
            for (pane, answers) in session.panes.iter().zip(answers) {
                let Some(answers) = answers else {
                    articles.push(None);
                    continue;
                };
                let (html, rows) = article(&mut rich, pane, answers, level);
                articles.push(Some(html));
                let who = if many {
                    format!("session {} · ", k + 1)
                } else {
                    String::new()
                };
                stats_rows.extend(rows.into_iter().map(|(l, s)| (format!("{who}{l}"), s)));
            }
            columns.push(articles);
        }
        if many {
            let _ = writeln!(
                body,
                "<div class=\"answers\" style=\"--panes: {}\">",
                sessions.len()
            );
            for (k, (s, round)) in sessions.iter().zip(&row.rounds).enumerate() {
                let _ = writeln!(
                    body,
                    "<div class=\"col-head\"><h3>Session {}: {}</h3>{}</div>",
                    k + 1,
                    esc(&line(&s.title)),
                    if round.is_some() {
                        ""
                    } else {
                        "<p class=\"none\">not sent in this session</p>"
                    }
                );
            }
            // Pane by pane, so each session's pane k shares a row with the others' (a rerun
            // keeps its original's panes in order); a row no session's pane answered is left out.
            let depth = columns.iter().map(Vec::len).max().unwrap_or(0);
            for r in 0..depth {
                let cells: Vec<Option<&String>> = columns
                    .iter()
                    .map(|c| c.get(r).and_then(Option::as_ref))
                    .collect();
                if cells.iter().all(Option::is_none) {
                    continue;
                }
                for cell in cells {
                    body.push_str(cell.map_or("<div class=\"absent\"></div>\n", |a| a.as_str()));
                }
            }
        } else {
            // Only the panes this prompt went to take a column.
            let articles: Vec<String> = columns.into_iter().flatten().flatten().collect();
            let _ = writeln!(
                body,
                "<div class=\"answers\" style=\"--panes: {}\">",
                articles.len().max(1)
            );
            body.push_str(&articles.concat());
        }
        body.push_str("</div>\n");
        stats_table(&mut body, stats_rows);
        for (session, round) in sessions.iter().zip(&row.rounds) {
            let Some(round) = round else { continue };
            for v in super::votes::on_round(session, round) {
                let (head, answers) = super::votes::lines(v);
                let items: Vec<String> = answers
                    .iter()
                    .map(|a| format!("<li>{}</li>", esc(a)))
                    .collect();
                let _ = writeln!(
                    body,
                    "<div class=\"vote\"><p><strong>{}</strong></p><ul>{}</ul></div>",
                    esc(&head),
                    items.concat()
                );
            }
        }
        body.push_str("</section>\n");
    }
    let code_css = if rich.highlighted {
        rich.css()
    } else {
        String::new()
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"generator\" content=\"modelroom\">\n\
         <title>{}</title>\n<style>\n{CSS}{code_css}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(&title)
    )
}

/// A session's id, times and totals, and a table of its panes' setup under a heading of
/// `level`.
fn head(out: &mut String, session: &Session, level: usize) {
    let t = &session.totals;
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
        "<p class=\"meta\">models: {} · {} prompt(s) · {} answer(s) · spend {}</p>",
        models.join(", "),
        t.prompts,
        t.answers,
        esc(&spend(t.cost_usd, t.uncosted_answers))
    );
    let _ = writeln!(
        out,
        "<h{level}>Panes</h{level}>\n<table class=\"panes\">\n<thead><tr><th>#</th><th>model</th>\
         <th>settings</th><th>routing</th><th>system prompt</th></tr></thead>\n<tbody>"
    );
    let none = "<span class=\"none\">none</span>";
    for (i, pane) in session.panes.iter().enumerate() {
        let setup = super::panes::setup(pane);
        let code = |s: &str| {
            if s.is_empty() {
                none.to_owned()
            } else {
                format!("<code>{}</code>", esc(s))
            }
        };
        let system = setup.system.map_or_else(
            || none.to_owned(),
            |s| {
                format!(
                    "<details><summary>{} chars</summary><pre>{}</pre></details>",
                    s.chars().count(),
                    esc(sanitize(&s, "\t").trim_end())
                )
            },
        );
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{system}</td></tr>",
            i + 1,
            esc(&line(&super::pane_title(pane))),
            code(&setup.settings),
            code(&setup.routing),
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

/// One pane's answers to a prompt, its model in a heading of `level` and their own headings
/// that many levels down; and each answer's figures for the round's table.
fn article(
    rich: &mut Rich,
    pane: &PaneRecord,
    answers: &[&AnswerRecord],
    level: usize,
) -> (String, Vec<(String, Stats)>) {
    let mut out = String::new();
    let mut rows = Vec::new();
    let model = esc(&line(&super::pane_title(pane)));
    let _ = writeln!(
        out,
        "<article class=\"answer {}\">\n<h{level}>{model}</h{level}>",
        answers.last().map_or("", |a| finish_word(a.finish))
    );
    if answers.is_empty() {
        out.push_str("<p class=\"none\">no answer saved</p>\n");
    }
    for (k, a) in answers.iter().enumerate() {
        let mut sub = Vec::new();
        if answers.len() > 1 {
            sub.push(format!("answer {} of {}", k + 1, answers.len()));
        }
        if let Some(p) = &a.provider {
            sub.push(format!("via {}", line(p)));
        }
        if let Some(s) = served_by(pane, a) {
            sub.push(s);
        }
        if !sub.is_empty() {
            let _ = writeln!(out, "<p class=\"sub\">{}</p>", esc(&sub.join(" · ")));
        }
        let reasoning = sanitize(&a.reasoning, "\t");
        if !reasoning.trim().is_empty() {
            let _ = writeln!(
                out,
                "<details class=\"reasoning\"><summary>reasoning</summary>\n<div class=\"md\">\n{}</div>\n</details>",
                rich.html(reasoning.trim_end(), level)
            );
        }
        let content = sanitize(&a.content, "\t");
        if !content.trim().is_empty() {
            let _ = writeln!(
                out,
                "<div class=\"md\">\n{}</div>",
                rich.html(content.trim_end(), level)
            );
        }
        sources_html(&mut out, a);
        if let Some(e) = error_text(a) {
            let _ = writeln!(out, "<p class=\"error\">✗ {}</p>", esc(&e));
        }
        if let Some(note) = partial_note(a) {
            let _ = writeln!(out, "<p class=\"none\">{note}</p>");
        }
        let label = if answers.len() > 1 {
            format!("{} ({})", line(&pane.model), k + 1)
        } else {
            line(&pane.model)
        };
        rows.push((label, stats(a)));
    }
    out.push_str("</article>\n");
    (out, rows)
}

/// The round's figures, an answer a row.
fn stats_table(out: &mut String, rows: Vec<(String, Stats)>) {
    if rows.is_empty() {
        return;
    }
    out.push_str(
        "<table class=\"stats\">\n<thead><tr><th>model</th><th>provider</th><th>tokens</th>\
         <th>cost</th><th>TTFT</th><th>duration</th><th>finish</th></tr></thead>\n<tbody>\n",
    );
    for (model, s) in rows {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&model),
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

/// The web sources an answer cited, as a numbered list. Only a web address becomes a link
/// (never `javascript:` and the like); every address is shown as text too.
fn sources_html(out: &mut String, a: &AnswerRecord) {
    let cited = sources(a);
    if cited.is_empty() {
        return;
    }
    out.push_str("<ol class=\"sources\">\n");
    for c in &cited {
        let title = if c.title.is_empty() { &c.url } else { &c.title };
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

/// Escapes text for HTML element content and quoted attribute values.
/// An attachment under its prompt: an image inline, as a `data:` URL so the page stays one
/// file that needs nothing else (a link into the data directory would break when the page is
/// moved or sent, and the directory is private); any other file as its name, type and size.
/// Only the image types attachments take are put in an `img` (the type is the session
/// file's word, and the bytes were checked against their hash when read back).
fn attachment(a: &crate::attach::Attachment) -> String {
    use base64::Engine as _;
    let caption = esc(&a.chip());
    let image = matches!(
        a.mime.as_str(),
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    );
    if image && a.has_data() {
        let b64 = base64::engine::general_purpose::STANDARD.encode(a.data.as_slice());
        format!(
            "<figure class=\"attachment\"><img src=\"data:{};base64,{b64}\" alt=\"{}\">\
             <figcaption>{caption}</figcaption></figure>\n",
            a.mime,
            esc(&line(&a.name))
        )
    } else {
        format!(
            "<p class=\"attachment\">{caption} · {}</p>\n",
            esc(&line(&a.mime))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escaping_covers_markup_and_quotes() {
        assert_eq!(
            esc("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }
}

//! `sessions export --format md`: one session, or several side by side (`sessions export A B`).

use std::fmt::Write as _;

use super::rounds::{Round, error_text, line, partial_note, served_by, sources, spend, stats};
use crate::sanitize::sanitize;
use crate::store::Session;

/// Markdown of one session: its panes' setup, then per prompt (in the order sent) a `##`
/// section, a `###` per model with its answer, and a table of every answer's figures.
/// Markdown has no columns that hold long multi-line text (table cells are single lines), so
/// the answers follow one another; the HTML export puts them side by side.
pub fn markdown(session: &Session) -> String {
    markdown_linking(std::slice::from_ref(session), None)
}

/// Markdown of several sessions side by side: each session's header and panes, then per prompt
/// a `##` section with, under a `###` per session that sent it, that session's answers (`####`
/// per model) and figures. Prompts are lined up by their text (`side::rows`). Each attachment
/// is a link to its stored file in `blobs` (the data directory's `attachments/`), or named
/// only (with its hash) when there is no store to link to.
pub fn markdown_linking(sessions: &[Session], blobs: Option<&crate::store::Blobs>) -> String {
    let mut out = String::new();
    let many = sessions.len() > 1;
    if many {
        let _ = writeln!(out, "# {} sessions side by side", sessions.len());
        for (k, s) in sessions.iter().enumerate() {
            let _ = writeln!(out, "\n## Session {}: {}\n", k + 1, md_inline(&s.title));
            head(&mut out, s, 3);
        }
    } else if let Some(s) = sessions.first() {
        let _ = writeln!(out, "# {}\n", md_inline(&s.title));
        head(&mut out, s, 2);
    }
    for (n, row) in super::side::rows(sessions).iter().enumerate() {
        let _ = writeln!(out, "\n## Prompt {}\n", n + 1);
        // A prompt is pasted text: its raw HTML is shown as text too.
        for l in defuse_html(&sanitize(row.prompt, "\t")).trim_end().lines() {
            let _ = writeln!(out, "> {l}");
        }
        let files = super::side::files_of(sessions, row.prompt);
        for a in files {
            let chip = md_inline(&a.chip());
            let _ = match blobs.and_then(|b| b.path_of(a)) {
                Some(path) => writeln!(
                    out,
                    ">\n> [{chip}](<{}>) ({})",
                    path.display().to_string().replace(['<', '>', '\n'], ""),
                    md_inline(&a.mime)
                ),
                None => writeln!(out, ">\n> {chip} (sha256 `{}`)", md_inline(&a.sha256)),
            };
        }
        for (k, (session, round)) in sessions.iter().zip(&row.rounds).enumerate() {
            // A session that never sent this prompt is left out, as a pane is.
            let Some(round) = round else { continue };
            if many {
                let _ = writeln!(
                    out,
                    "\n### Session {}: {} (`{}`)",
                    k + 1,
                    md_inline(&session.title),
                    session.id
                );
            }
            answers(&mut out, session, round, if many { 4 } else { 3 });
        }
    }
    out
}

/// A session's id, times, totals, and each pane's settings, routing and system prompt.
fn head(out: &mut String, session: &Session, level: usize) {
    let t = &session.totals;
    let _ = writeln!(out, "- id: `{}`", session.id);
    let _ = writeln!(out, "- created: {}", md_inline(&session.created_at));
    let _ = writeln!(out, "- updated: {}", md_inline(&session.updated_at));
    let models: Vec<String> = session
        .panes
        .iter()
        .map(|p| format!("`{}`", line(&p.model).replace('`', "'")))
        .collect();
    let _ = writeln!(out, "- models: {}", models.join(", "));
    let _ = writeln!(
        out,
        "- {} prompt(s), {} answer(s), spend {}",
        t.prompts,
        t.answers,
        spend(t.cost_usd, t.uncosted_answers)
    );
    let _ = writeln!(out, "\n{} Panes", "#".repeat(level));
    for (i, pane) in session.panes.iter().enumerate() {
        let setup = super::panes::setup(pane);
        let _ = writeln!(
            out,
            "\n{} {}. {}\n",
            "#".repeat(level + 1),
            i + 1,
            md_inline(&super::pane_title(pane))
        );
        let or_none = |s: &str| {
            if s.is_empty() {
                "none".to_owned()
            } else {
                format!("`{}`", s.replace('`', "'"))
            }
        };
        let _ = writeln!(out, "- settings: {}", or_none(&setup.settings));
        let _ = writeln!(out, "- routing: {}", or_none(&setup.routing));
        if let Some(system) = setup.system {
            let _ = writeln!(out, "- system prompt:\n");
            for l in sanitize(&system, "\t").trim_end().lines() {
                let _ = writeln!(out, "  > {}", md_inline(l));
            }
        }
    }
}

/// Each pane's answers to `round` under a heading of `level`, then the round's figures and
/// votes. An answer's own headings go `level` further down, so the export's outline holds.
fn answers(out: &mut String, session: &Session, round: &Round<'_>, level: usize) {
    let mut rows = Vec::new();
    let hashes = "#".repeat(level);
    for (pane, answers) in session.panes.iter().zip(&round.answers) {
        // A pane this prompt did not go to is left out, not padded.
        let Some(answers) = answers else { continue };
        let model = md_inline(&super::pane_title(pane));
        let _ = writeln!(out, "\n{hashes} {model}\n");
        if answers.is_empty() {
            let _ = writeln!(out, "*(no answer saved)*");
        }
        for (k, a) in answers.iter().enumerate() {
            if answers.len() > 1 {
                if k > 0 {
                    out.push('\n');
                }
                let _ = writeln!(out, "**Answer {} of {}**\n", k + 1, answers.len());
            }
            if let Some(s) = served_by(pane, a) {
                let _ = writeln!(out, "*({})*\n", md_inline(&s));
            }
            let reasoning = sanitize(&a.reasoning, "\t");
            if !reasoning.trim().is_empty() {
                // Collapsed where Markdown is rendered (GitHub, GitLab, editors' previews);
                // its raw HTML is defused, so nothing in it can close the block early.
                let _ = writeln!(
                    out,
                    "<details><summary>reasoning</summary>\n\n{}\n\n</details>\n",
                    block(reasoning.trim_end(), level)
                );
            }
            let content = sanitize(&a.content, "\t");
            if !content.trim().is_empty() {
                let _ = writeln!(out, "{}", block(content.trim_end(), level));
            }
            let cited = sources(a);
            if !cited.is_empty() {
                let _ = writeln!(out, "\nSources:\n");
                for (n, c) in cited.iter().enumerate() {
                    let title = if c.title.is_empty() { &c.url } else { &c.title };
                    let _ = writeln!(
                        out,
                        "{}. {} — {}",
                        n + 1,
                        md_inline(title),
                        md_inline(&c.url)
                    );
                }
            }
            if let Some(e) = error_text(a) {
                if !content.trim().is_empty() {
                    out.push('\n');
                }
                let _ = writeln!(out, "> ✗ {}", md_inline(&e));
            }
            if let Some(note) = partial_note(a) {
                let _ = writeln!(out, "\n*({note})*");
            }
            let label = if answers.len() > 1 {
                format!("{} ({})", pane.model, k + 1)
            } else {
                pane.model.clone()
            };
            rows.push((label, stats(a)));
        }
    }
    if !rows.is_empty() {
        out.push_str(
            "\n| model | provider | tokens | cost | TTFT | duration | finish |\n\
             |---|---|---|---:|---:|---:|---|\n",
        );
        for (model, s) in rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                md_inline(&model),
                md_inline(&s.provider),
                s.tokens,
                s.cost,
                s.ttft,
                s.duration,
                s.finish
            );
        }
    }
    for v in super::votes::on_round(session, round) {
        let (head, answers) = super::votes::lines(v);
        let _ = writeln!(out, "\n**{}**\n", md_inline(&head));
        for a in answers {
            let _ = writeln!(out, "- {}", md_inline(&a));
        }
    }
}

/// Model text as a block of the export: raw HTML shown as text, an unclosed code fence
/// closed (it would swallow the rest of the document), headings `shift` levels down.
fn block(text: &str, shift: usize) -> String {
    demote_headings(&close_fences(&defuse_html(text)), shift)
}

/// Escapes the `<` of everything a Markdown reader would take for raw HTML (tags, comments),
/// and nothing else: code keeps its `<`. A model's `<!--` or `</details>` cannot hide or end
/// the export's own blocks.
fn defuse_html(text: &str) -> String {
    use pulldown_cmark::{Event, Parser};
    let mut at: Vec<usize> = Vec::new();
    for (event, range) in Parser::new_ext(text, crate::markdown::options()).into_offset_iter() {
        if let Event::Html(_) | Event::InlineHtml(_) = event {
            let start = range.start;
            if let Some(raw) = text.get(range) {
                at.extend(raw.match_indices('<').map(|(i, _)| start + i));
            }
        }
    }
    at.sort_unstable();
    at.dedup();
    let mut out = String::with_capacity(text.len() + at.len());
    let mut from = 0;
    for i in at {
        out.push_str(&text[from..i]);
        out.push('\\');
        from = i;
    }
    out.push_str(&text[from..]);
    out
}

/// One line, with the characters that would start Markdown markup escaped.
fn md_inline(s: &str) -> String {
    let mut out = String::new();
    for c in line(s).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// An answer's own headings go `shift` levels down (with 3, `#` → `####`; none deeper than
/// `######`), so they nest under the export's "Prompt" and model headings instead of breaking
/// its outline. Lines inside code fences are left alone.
fn demote_headings(text: &str, shift: usize) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut fence: Option<&str> = None;
    for l in text.split('\n') {
        let t = l.trim_start();
        let indent = l.len() - t.len();
        if let Some(f) = ["```", "~~~"].into_iter().find(|f| t.starts_with(f)) {
            fence = match fence {
                None => Some(f),
                Some(open) if open == f && t.trim_end() == f => None,
                keep => keep,
            };
        }
        let hashes = t.chars().take_while(|c| *c == '#').count();
        let heading = fence.is_none()
            && indent < 4
            && (1..=6).contains(&hashes)
            && t[hashes..]
                .chars()
                .next()
                .is_none_or(|c| c == ' ' || c == '\t');
        if heading {
            let level = (hashes + shift).min(6);
            out.push_str(&"#".repeat(level));
            out.push_str(&t[hashes..]);
        } else {
            out.push_str(l);
        }
        out.push('\n');
    }
    out.pop();
    out
}

fn close_fences(text: &str) -> String {
    let mut open: Option<&str> = None;
    for l in text.lines() {
        let l = l.trim_start();
        for fence in ["```", "~~~"] {
            if l.starts_with(fence) {
                match open {
                    None => open = Some(fence),
                    Some(f) if f == fence && l.trim_end() == fence => open = None,
                    Some(_) => {}
                }
            }
        }
    }
    match open {
        Some(fence) => format!("{text}\n{fence}"),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unclosed_code_fence_is_closed() {
        assert_eq!(close_fences("```rust\nfn x"), "```rust\nfn x\n```");
        assert_eq!(close_fences("```\na\n```"), "```\na\n```");
        assert_eq!(md_inline("*x* | <y>"), "\\*x\\* \\| \\<y\\>");
    }

    #[test]
    fn answer_headings_nest_under_the_exports_own() {
        assert_eq!(
            demote_headings(
                "# A\n## B\n#### C\n#hashtag\n```\n# not a heading\n```\n    # code",
                3
            ),
            "#### A\n##### B\n###### C\n#hashtag\n```\n# not a heading\n```\n    # code"
        );
    }
}

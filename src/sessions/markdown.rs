//! `sessions export --format md`.

use std::fmt::Write as _;

use super::rounds::{error_text, line, partial_note, rounds, served_by, sources, spend, stats};
use crate::sanitize::sanitize;
use crate::store::Session;

/// Markdown: per prompt a `##` section, a `###` per model with its answer, then a table of
/// every answer's figures. Markdown has no columns that hold long multi-line text (table cells
/// are single lines), so the answers follow one another; the HTML export puts them side by
/// side. Answers are written as they are (models answer in Markdown), with an unclosed code
/// fence closed so it cannot swallow the rest of the document.
pub fn markdown(session: &Session) -> String {
    let mut out = String::new();
    let t = &session.totals;
    let _ = writeln!(out, "# {}\n", md_inline(&session.title));
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
    for (n, round) in rounds(session).iter().enumerate() {
        let _ = writeln!(out, "\n## Prompt {}\n", n + 1);
        for l in sanitize(round.prompt, "\t").trim_end().lines() {
            let _ = writeln!(out, "> {l}");
        }
        let mut rows = Vec::new();
        for (pane, answers) in session.panes.iter().zip(&round.answers) {
            // A pane this prompt did not go to is left out, not padded.
            let Some(answers) = answers else { continue };
            let model = md_inline(&super::pane_title(pane));
            let _ = writeln!(out, "\n### {model}\n");
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
                if let Some(s) = served_by(&pane.model, a) {
                    let _ = writeln!(out, "*({})*\n", md_inline(&s));
                }
                let content = sanitize(&a.content, "\t");
                if !content.trim().is_empty() {
                    let _ = writeln!(
                        out,
                        "{}",
                        demote_headings(&close_fences(content.trim_end()))
                    );
                }
                let cited = sources(a);
                if !cited.is_empty() {
                    let _ = writeln!(out, "\nSources:\n");
                    for (k, c) in cited.iter().enumerate() {
                        let title = if c.title.is_empty() { &c.url } else { &c.title };
                        let _ = writeln!(
                            out,
                            "{}. {} — {}",
                            k + 1,
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

/// An answer's own headings go three levels down (`#` → `####`, deeper ones stop at `######`),
/// so they nest under the export's "Prompt" and model headings instead of breaking its outline.
/// Lines inside code fences are left alone.
fn demote_headings(text: &str) -> String {
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
            let level = (hashes + 3).min(6);
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
            demote_headings("# A\n## B\n#### C\n#hashtag\n```\n# not a heading\n```\n    # code"),
            "#### A\n##### B\n###### C\n#hashtag\n```\n# not a heading\n```\n    # code"
        );
    }
}

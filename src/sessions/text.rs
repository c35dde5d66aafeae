//! `sessions show`: the transcript for a terminal, prompt by prompt, each pane's answer with
//! its figures. Everything from the file is untrusted and goes through `sanitize`.

use std::fmt::Write as _;

use super::rounds::{error_text, line, rounds, served_by, short_time, sources, spend, stats};
use crate::sanitize::sanitize;
use crate::store::Session;

/// The transcript for a terminal: prompt by prompt, each pane's answer with its figures.
pub fn show(session: &Session, show_reasoning: bool) -> String {
    let mut out = String::new();
    let t = &session.totals;
    let _ = writeln!(out, "{}", line(&session.title));
    let _ = writeln!(
        out,
        "id {} · created {} · updated {}",
        session.id,
        short_time(&session.created_at),
        short_time(&session.updated_at)
    );
    let models: Vec<String> = session.panes.iter().map(|p| line(&p.model)).collect();
    let _ = writeln!(
        out,
        "{} model(s): {} · {} prompt(s) · {} answer(s) · spend {}",
        models.len(),
        models.join(", "),
        t.prompts,
        t.answers,
        spend(t.cost_usd, t.uncosted_answers)
    );
    let rounds = rounds(session);
    for (n, round) in rounds.iter().enumerate() {
        let _ = writeln!(out, "\n━━ prompt {} of {} ━━", n + 1, rounds.len());
        let _ = writeln!(out, "{}", sanitize(round.prompt, "\t").trim_end());
        let chips: Vec<String> = session
            .attachments_of(round.prompt)
            .iter()
            .map(|a| {
                format!(
                    "{} ({}, sha256 {})",
                    a.label(),
                    line(&a.mime),
                    line(&a.sha256)
                )
            })
            .collect();
        if !chips.is_empty() {
            let _ = writeln!(out, "{}", chips.join("\n"));
        }
        for (pane, answers) in session.panes.iter().zip(&round.answers) {
            let model = line(&pane.model);
            // A pane this prompt did not go to (a focused send, another arena round) is left
            // out rather than padded with a line per pane.
            let Some(answers) = answers else { continue };
            if answers.is_empty() {
                let _ = writeln!(out, "\n── {model}: no answer saved");
            }
            for (k, a) in answers.iter().enumerate() {
                let mut title = format!("── {model}");
                if answers.len() > 1 {
                    let _ = write!(title, " (answer {} of {})", k + 1, answers.len());
                }
                if let Some(s) = served_by(pane, a) {
                    let _ = write!(title, " ({s})");
                }
                let _ = writeln!(out, "\n{title}");
                if show_reasoning && !a.reasoning.is_empty() {
                    let _ = writeln!(
                        out,
                        "[thinking]\n{}\n[/thinking]",
                        sanitize(&a.reasoning, "\t").trim_end()
                    );
                }
                let content = sanitize(&a.content, "\t");
                if !content.trim().is_empty() {
                    let _ = writeln!(out, "{}", content.trim_end());
                }
                let cited = sources(a);
                if !cited.is_empty() {
                    let _ = writeln!(out, "sources:");
                    for (title, url) in crate::api::citations::numbered(&cited) {
                        let _ = writeln!(out, "  {title}");
                        if let Some(url) = url {
                            let _ = writeln!(out, "      {url}");
                        }
                    }
                }
                if let Some(e) = error_text(a) {
                    let _ = writeln!(out, "✗ {e}");
                }
                let s = stats(a);
                let _ = writeln!(
                    out,
                    "   {} · {} tokens · {} · TTFT {} · {} · {}",
                    line(&s.provider),
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
            let _ = writeln!(out, "\n{head}");
            for a in answers {
                let _ = writeln!(out, "   {a}");
            }
        }
    }
    out
}

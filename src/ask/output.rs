//! What `ask` prints: an answer as a text block or a JSON line, a pane's spread, the summary.
//! The piped run, the live one and `sessions rerun` all print through here.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::Answer;
use crate::chat::Cost;
use crate::sanitize::{sanitize, write_json_line};
use crate::spread;

pub(crate) fn json_line(a: &Answer) -> Value {
    let r = &a.reply;
    let ms = |d: Option<std::time::Duration>| {
        d.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    };
    json!({
        "model": a.model.as_str(),
        "pane": a.pane,
        "sample": a.sample,
        "settings": a.settings,
        "pinned": a.pinned.as_ref().map(|(tag, _)| tag),
        "pinned_provider": a.pinned.as_ref().map(|(_, title)| title),
        "pin_broken": a.pinned.as_ref().map(|_| a.broken_pin().is_some()),
        "served_model": r.served_model,
        "fallback": a.fallback,
        "provider": r.provider,
        "generation_id": r.generation_id,
        "content": r.content,
        "reasoning": r.reasoning,
        "finish_reason": r.finish_reason.as_ref().map(|f| f.as_str()),
        "finish_note": r.finish_note(),
        "warnings": r.warnings(),
        "citations": r.citations,
        "usage": r.usage.map(|u| json!({
            "prompt_tokens": u.prompt_tokens,
            "completion_tokens": u.completion_tokens,
            "reasoning_tokens": u.reasoning_tokens,
            "cached_tokens": u.cached_tokens,
            "cost": a.cost.known().map(Cost::as_usd),
            "web_search_requests": u.web_search_requests,
            "search_cost": u.search_cost.map(Cost::as_usd),
        })),
        "cost": a.cost.known().map(Cost::as_usd),
        // The searches' share of `cost` (included in it, not on top).
        "search_cost": r.usage.and_then(|u| u.search_cost).map(Cost::as_usd),
        "cost_source": a.cost_source,
        "ttft_ms": ms(r.ttft),
        "duration_ms": ms(r.duration),
        "tokens_per_second": r.tokens_per_second(),
        "error": r.failure().map(|e| json!({
            "status": e.status(),
            // A string always, as in session files ("402", "dropped").
            "code": e.code().to_string(),
            "message": e.to_string(),
            "hint": e.hint(),
        })),
    })
}

fn totals(answers: &[Answer]) -> (Cost, usize, usize) {
    let total = answers.iter().filter_map(|a| a.cost.known()).sum();
    let unknown = answers.iter().filter(|a| a.cost.known().is_none()).count();
    let failed = answers.iter().filter(|a| !a.ok()).count();
    (total, unknown, failed)
}

pub(crate) fn json_summary(answers: &[Answer]) -> Value {
    let (total, unknown, failed) = totals(answers);
    let usages = || answers.iter().filter_map(|a| a.reply.usage);
    let searches: u64 = usages().map(|u| u.web_search_requests).sum();
    let search_cost: Cost = usages().filter_map(|u| u.search_cost).sum();
    json!({
        "summary": true,
        "models": answers.len(),
        "failed": failed,
        "total_cost": total.as_usd(),
        "unknown_cost": unknown,
        "web_search_requests": searches,
        "search_cost": search_cost.as_usd(),
    })
}

pub(crate) fn text_summary(answers: &[Answer]) -> String {
    let (total, unknown, failed) = totals(answers);
    let mut s = format!("total: {total} for {} model(s)", answers.len());
    if unknown > 0 {
        s.push_str(&format!(", {unknown} of unknown cost"));
    }
    if failed > 0 {
        s.push_str(&format!(", {failed} failed"));
    }
    s
}

/// After a pane's samples (when there are several): how far apart they are.
pub(crate) fn write_spread(out: &mut dyn Write, json: bool, samples: &[&Answer]) -> io::Result<()> {
    let figures: Vec<spread::Sample<'_>> = samples
        .iter()
        .map(|a| spread::Sample {
            text: &a.reply.content,
            cost: a.cost.known(),
            duration: a.reply.duration,
        })
        .collect();
    let (Some(sp), Some(first)) = (spread::spread(&figures), samples.first()) else {
        return Ok(());
    };
    if json {
        let mut line = sp.json();
        line["spread"] = json!(true);
        line["pane"] = json!(first.pane);
        line["model"] = json!(first.model.as_str());
        write_json_line(out, &line)
    } else {
        writeln!(out, "≈≈ spread of pane {}: {}\n", first.pane, sp.line())
    }
}

pub(crate) fn write_block(out: &mut dyn Write, a: &Answer, show_reasoning: bool) -> io::Result<()> {
    let r = &a.reply;
    let mut title = format!("━━ {}", sanitize(a.model.as_str(), " "));
    if let Some((_, pin)) = &a.pinned {
        title.push_str(&format!(" @ {}", sanitize(pin, " ")));
    }
    let label = a.settings.label();
    if !label.is_empty() {
        title.push_str(&format!(" {{{}}}", sanitize(&label, " ")));
    }
    if a.samples > 1 {
        title.push_str(&format!(" · sample {} of {}", a.sample, a.samples));
    }
    if let Some(served) = r.served_model.as_deref().filter(|s| *s != a.model.as_str()) {
        title.push_str(&format!(" (served by {})", sanitize(served, " ")));
    }
    writeln!(out, "{title} ━━")?;
    if show_reasoning && !r.reasoning.is_empty() {
        writeln!(
            out,
            "[thinking]\n{}\n[/thinking]",
            sanitize(&r.reasoning, "\t").trim_end()
        )?;
    }
    let content = sanitize(&r.content, "\t");
    if !content.is_empty() {
        writeln!(out, "{}", content.trim_end())?;
    }
    if !r.citations.is_empty() {
        writeln!(out, "sources:")?;
        for (title, url) in crate::api::citations::numbered(&r.citations) {
            writeln!(out, "  {title}")?;
            if let Some(url) = url {
                writeln!(out, "      {url}")?;
            }
        }
    }
    if let Some(e) = r.failure() {
        let partial = if content.is_empty() {
            ""
        } else {
            " (answer above is partial)"
        };
        writeln!(out, "✗ {}{partial}", sanitize(&e.to_string(), " "))?;
        if let Some(hint) = e.hint() {
            writeln!(out, "  hint: {hint}")?;
        }
    }
    for note in r.warnings().into_iter().chain(r.finish_note()) {
        writeln!(out, "⚠ {}", sanitize(&note, " "))?;
    }
    if let (Some(served), Some((tag, _))) = (a.broken_pin(), &a.pinned) {
        writeln!(
            out,
            "⚠⚠ PINNED TO `{}` BUT SERVED BY {}: this answer does not speak for its provider",
            sanitize(tag, " "),
            sanitize(served, " ")
        )?;
    }
    if let Some(f) = &a.fallback {
        writeln!(out, "{}", sanitize(&f.note(), " "))?;
    }
    writeln!(out, "── {}\n", stats_line(a))?;
    Ok(())
}

fn stats_line(a: &Answer) -> String {
    let r = &a.reply;
    let mut parts = vec![sanitize(
        r.provider.as_deref().unwrap_or("provider unknown"),
        " ",
    )];
    match r.usage {
        Some(u) => parts.push(format!(
            "{} → {} tokens",
            u.prompt_tokens, u.completion_tokens
        )),
        None => parts.push("tokens unknown".into()),
    }
    parts.push(match (a.cost.known(), a.cost_source) {
        (Some(c), Some("catalog")) => format!("≈{c} (catalog prices)"),
        (Some(c), Some("generation")) => format!("{c} (billed, from the generation record)"),
        (Some(c), _) => c.to_string(),
        (None, _) => "cost unknown".into(),
    });
    parts.extend(r.usage.and_then(|u| u.search_label()));
    if let Some(t) = r.ttft {
        parts.push(format!("TTFT {:.2} s", t.as_secs_f64()));
    }
    if let Some(tps) = r.tokens_per_second() {
        parts.push(format!("{tps:.1} tok/s"));
    }
    parts.join(" · ")
}

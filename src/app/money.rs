//! Money before it is spent: the most a broadcast can cost (prompt tokens estimated from the
//! text and each pane's history, times the catalog's prices, plus a full `max_tokens` answer),
//! the session and daily budgets that refuse a send which could pass them, the guard against
//! a key held down, and today's spend as the ledger and this run know it.

use std::time::Duration;

use tokio::time::Instant;

use super::pane::{CostState, Entry, Pane};
use super::{App, Effect, RequestId};
use crate::attach::Attachment;
use crate::attach::estimate::{Extra, describe, engine_fee, extra, takes_files};
use crate::chat::Cost;
use crate::chat::{estimate_tokens, goes_back};
use crate::clock;
use crate::store::SpendRecord;

#[cfg(test)]
use crate::chat::TOKENS_PER_MESSAGE;

/// The most a send could cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Sum over the panes whose prices are known.
    pub max: Cost,
    pub panes: usize,
    /// Models whose price is unknown (no catalog, a router, another endpoint), as shown.
    pub unknown: Vec<crate::sanitize::Clean>,
    /// The attachments counted (`1 image · 1 PDF ≈3 pages`): their tokens are guessed.
    pub attachments: Option<String>,
    /// Panes left out because their model cannot take the attachments (`pane 3`).
    pub not_taking: Vec<crate::sanitize::Clean>,
    /// OCR's page fee within `max` (the PDF engine's own price), shown apart.
    pub ocr_fee: Cost,
}

#[derive(Debug, Clone, Default)]
pub struct Money {
    /// Spent today (UTC) before this run, from the ledger; `None` until it is read.
    pub ledger_today: Option<f64>,
    /// Recorded by this run since it started.
    pub spent_this_run: f64,
    pub last_send: Option<Instant>,
    /// The estimate for the prompt as typed, for the input box.
    pub estimate: Option<Estimate>,
}

impl Money {
    pub fn spent_today(&self) -> Option<f64> {
        self.ledger_today.map(|t| t + self.spent_this_run)
    }
}

/// Rough prompt tokens of what pane `p` would send for `text`: system, history, the prompt.
fn prompt_tokens(p: &Pane, system: Option<&str>, text: &str) -> u64 {
    let mut bytes = text.len() + system.map_or(0, str::len);
    let mut messages = 1 + usize::from(system.is_some());
    let mut pending: Option<usize> = None;
    let mut latest: Option<usize> = None;
    let flush =
        |pending: &mut Option<usize>, latest: &mut Option<usize>, b: &mut usize, m: &mut usize| {
            if let (Some(q), Some(a)) = (pending.take(), latest.take()) {
                *b += q + a;
                *m += 2;
            }
        };
    for e in &p.entries {
        match e {
            Entry::Prompt { text, .. } => {
                flush(&mut pending, &mut latest, &mut bytes, &mut messages);
                pending = Some(text.len());
            }
            Entry::Answer(a) if goes_back(&a.reply.content) => latest = Some(a.reply.content.len()),
            Entry::Answer(_) => {}
        }
    }
    flush(&mut pending, &mut latest, &mut bytes, &mut messages);
    estimate_tokens(bytes, messages)
}

/// The files a pane sends again with its history: those of the prompts that went back.
fn history_files(p: &Pane) -> Vec<Attachment> {
    let mut out = Vec::new();
    let mut pending: &[Attachment] = &[];
    for e in &p.entries {
        match e {
            Entry::Prompt { attachments, .. } => pending = attachments,
            Entry::Answer(a) if goes_back(&a.reply.content) => {
                out.extend(pending.iter().filter(|a| a.has_data()).cloned());
                pending = &[];
            }
            Entry::Answer(_) => {}
        }
    }
    out
}

/// The most sending `text`, with the attachments waiting in the prompt box, to panes
/// `targets` could cost: for each pane, the dearest of its model and fallbacks at the prices
/// in force for that prompt size now. Panes that cannot take the attachments are left out
/// (they will not be sent) and named.
pub fn estimate(app: &App, targets: &[usize], text: &str) -> Estimate {
    estimate_with(app, targets, text, &app.attached.files)
}

/// `estimate` for a prompt sent with `files`.
pub fn estimate_with(app: &App, targets: &[usize], text: &str, files: &[Attachment]) -> Estimate {
    let hhmm = clock::hhmm(clock::unix_now());
    let cannot: Vec<usize> = if files.is_empty() {
        Vec::new()
    } else {
        super::attach::not_taking(app, targets)
            .into_iter()
            .map(|(i, _)| i)
            .collect()
    };
    let mut est = Estimate {
        max: Cost::ZERO,
        panes: targets.len() - cannot.len(),
        unknown: Vec::new(),
        attachments: (!files.is_empty()).then(|| describe(files, extra(files))),
        not_taking: cannot
            .iter()
            .map(|i| crate::sanitize::Clean::line(&format!("pane {}", i + 1)))
            .collect(),
        ocr_fee: Cost::ZERO,
    };
    for &i in targets {
        let Some(p) = app.panes.get(i).filter(|_| !cannot.contains(&i)) else {
            continue;
        };
        let mut files_sent = history_files(p);
        files_sent.extend(files.iter().cloned());
        let more = extra(&files_sent);
        let system = p
            .settings
            .system
            .as_deref()
            .or(app.settings.system.as_deref());
        let tokens = prompt_tokens(p, system, text) + more.tokens;
        let max_tokens = p.settings.max_tokens.unwrap_or(app.settings.max_tokens);
        let on_default = p.model.on_default();
        let catalog = app
            .catalog
            .index()
            .map(|i| &i.catalog)
            .filter(|_| on_default);
        let models = std::iter::once(p.routing.model_id(p.model.as_str()))
            .chain(p.routing.fallbacks.clone());
        let engine = p.settings.pdf.or(app.settings.pdf_engine);
        let mut dearest = Some(Cost::ZERO);
        let mut dearest_fee = 0.0_f64;
        for m in models {
            let fee = engine_fee(engine, more.pages, takes_files(catalog, &m));
            dearest_fee = dearest_fee.max(fee);
            let cost = catalog
                .and_then(|c| c.pricing(&m))
                .and_then(|pr| {
                    let pr = pr.at(tokens, hhmm);
                    let search = search_price(&pr, p.settings.web);
                    with_files(&pr, tokens, max_tokens, more).map(|c| c + search)
                })
                .map(|c| Cost::usd(c.as_usd() + fee));
            dearest = match (dearest, cost) {
                (Some(a), Some(b)) => Some(if b > a { b } else { a }),
                _ => None,
            };
        }
        match dearest {
            // Each sample is a request of its own.
            Some(c) => {
                est.max += Cost::usd(c.as_usd() * f64::from(p.samples()));
                est.ocr_fee += Cost::usd(dearest_fee * f64::from(p.samples()));
            }
            None => est.unknown.push(p.identity(i).model()),
        }
    }
    est
}

/// What a request's web search adds to its most: one search at the catalog's price. The model
/// decides how often it searches (0 to N times); each search costs the same again.
pub fn search_price(pricing: &crate::api::Pricing, web: bool) -> Cost {
    match (web, pricing.web_search) {
        (true, Some(per_search)) => Cost::usd(per_search),
        _ => Cost::ZERO,
    }
}

/// The most one request can cost with the attachments' extras: a fee per image where the
/// catalog names one, audio tokens at the audio price (else the prompt price).
#[allow(clippy::cast_precision_loss)]
pub fn with_files(
    pr: &crate::api::Pricing,
    tokens: u64,
    max_tokens: u32,
    more: Extra,
) -> Option<Cost> {
    let base = pr.max_cost(tokens, max_tokens)?.as_usd();
    let images = more.images as f64 * pr.image.unwrap_or(0.0);
    let audio = more.audio_tokens as f64 * pr.audio.or(pr.prompt)?;
    Some(Cost::usd(base + images + audio))
}

/// Recomputes the input box's estimate for the prompt as typed.
pub(super) fn refresh_estimate(app: &mut App) {
    let text = app.prompt.text();
    app.money.estimate = (!text.trim().is_empty()).then(|| {
        let targets = app.targets(app.send_mode);
        estimate(app, &targets, &text)
    });
}

/// Why a send of up to `max` must not go now, if it must not: a key held down, or a budget it
/// could pass.
pub fn refusal(app: &App, max: Cost) -> Option<String> {
    let now = App::now();
    let gap = app.settings.min_send_interval;
    if let Some(last) = app.money.last_send.filter(|_| gap > Duration::ZERO) {
        if now.saturating_duration_since(last) < gap {
            return Some(format!(
                "not sent: one send per {:.1} s at most, so a held key cannot drain the balance",
                gap.as_secs_f64()
            ));
        }
    }
    if let Some(budget) = app.settings.session_budget {
        let spent = app.spend().0.as_usd();
        if spent + max.as_usd() > budget {
            return Some(format!(
                "not sent: up to {} would pass the session budget of {} ({} spent); lower max_tokens, ask fewer panes, or raise session_budget_usd",
                max,
                Cost::usd(budget),
                Cost::usd(spent)
            ));
        }
    }
    if let Some(budget) = app.settings.daily_budget {
        let Some(today) = app.money.spent_today() else {
            return Some(
                "not sent: today's spend is still being read; try again in a moment".into(),
            );
        };
        if let Some(why) = crate::chat::daily_refusal(max, budget, today) {
            return Some(why);
        }
    }
    None
}

/// Records the cost of pane `i`'s answer to `request` if it just became known (it was not,
/// or was $0 while a retry waited): it goes to today's spend and, through the runtime, to the
/// ledger, under the model and provider that served it.
pub(super) fn charge(
    app: &mut App,
    i: usize,
    request: RequestId,
    before: CostState,
    fx: &mut Vec<Effect>,
) {
    if matches!(before, CostState::Reported(b) if b > Cost::ZERO) {
        return;
    }
    let Some(p) = app.panes.get(i) else { return };
    let Some(a) = p.answers().rev().find(|a| a.request == request) else {
        return;
    };
    let CostState::Reported(c) = a.cost else {
        return;
    };
    if c <= Cost::ZERO {
        return;
    }
    let model = a.reply.served_model.as_deref().unwrap_or(p.model.as_str());
    let record = SpendRecord::now(
        c.as_usd(),
        model,
        a.reply.provider.as_deref(),
        Some(&app.session.id),
    );
    app.money.spent_this_run += c.as_usd();
    fx.push(Effect::RecordSpend(record));
}

/// The budget gauge: how much of each budget is used, 0.0 to 1.0 (and beyond when passed).
/// `session_spent` is `app.spend()`'s known part, which the caller has already added up.
pub fn budget_use(app: &App, session_spent: Cost) -> Vec<(&'static str, f64, f64, f64)> {
    let mut out = Vec::new();
    if let Some(b) = app.settings.session_budget {
        let spent = session_spent.as_usd();
        out.push(("session", spent / b, spent, b));
    }
    if let (Some(b), Some(today)) = (app.settings.daily_budget, app.money.spent_today()) {
        out.push(("today", today / b, today, b));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::PaneId;
    use crate::app::pane::prompt_entry;

    #[test]
    fn history_counts_only_answered_turns() {
        let mut p = Pane::new(PaneId(1), "a/b".parse().unwrap());
        assert_eq!(prompt_tokens(&p, None, "abcdefgh"), 2 + TOKENS_PER_MESSAGE);
        p.entries.push(prompt_entry("x".repeat(40), 40, None));
        // An unanswered prompt is not sent again.
        assert_eq!(prompt_tokens(&p, None, "abcdefgh"), 2 + TOKENS_PER_MESSAGE);
        assert_eq!(
            prompt_tokens(&p, Some("abcd"), ""),
            1 + 2 * TOKENS_PER_MESSAGE
        );
    }
}

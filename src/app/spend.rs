//! The spend view's numbers, from the transcripts alone: per model (the one that served) its
//! answers, tokens, cost, mean time to first token and speed, with the speeds of its recent
//! answers; per provider its cost. They add up to the room's spend by construction. Models and
//! providers are named through `Identity`: a blind round groups by pane and names no provider.

use std::collections::BTreeMap;
use std::time::Duration;

use super::pane::{AnswerState, CostState, Pane};
use crate::chat::Cost;
use crate::sanitize::Clean;

/// Recent answers kept per model for the speed sparkline.
pub const RECENT: usize = 20;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelStats {
    pub model: Clean,
    pub answers: usize,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost: Cost,
    /// Answers whose cost is pending or unknown (not in `cost`).
    pub uncosted: usize,
    /// Web searches its answers ran, and their known share of `cost` (in it, not on top).
    pub searches: u64,
    pub search_cost: Cost,
    pub mean_ttft: Option<Duration>,
    pub mean_tokens_per_second: Option<f64>,
    /// Tokens per second of its latest complete answers, oldest first.
    pub recent_speeds: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpendReport {
    /// Dearest first.
    pub models: Vec<ModelStats>,
    /// Provider and what it was paid, dearest first.
    pub providers: Vec<(Clean, Cost)>,
    pub total: Cost,
    pub uncosted: usize,
    /// Web searches in all, and their known share of `total`.
    pub searches: u64,
    pub search_cost: Cost,
}

pub fn report(panes: &[Pane]) -> SpendReport {
    #[derive(Default)]
    struct Acc {
        stats: ModelStats,
        ttft: Vec<Duration>,
    }
    let mut models: BTreeMap<Clean, Acc> = BTreeMap::new();
    let mut providers: BTreeMap<Clean, Cost> = BTreeMap::new();
    let mut out = SpendReport::default();
    for (i, pane) in panes.iter().enumerate() {
        let names = pane.identity(i);
        for a in pane.answers() {
            let r = &a.reply;
            let model = match &r.served_model {
                Some(served) if !names.is_blind() => served.clone(),
                _ => names.model(),
            };
            let acc = models.entry(model.clone()).or_default();
            acc.stats.model = model;
            acc.stats.answers += 1;
            if let Some(u) = r.usage {
                // Counts come from servers: a huge one must not overflow the sum.
                acc.stats.prompt_tokens = acc.stats.prompt_tokens.saturating_add(u.prompt_tokens);
                acc.stats.completion_tokens = acc
                    .stats
                    .completion_tokens
                    .saturating_add(u.completion_tokens);
                acc.stats.searches = acc.stats.searches.saturating_add(u.web_search_requests);
                out.searches = out.searches.saturating_add(u.web_search_requests);
                // Only a search share of a cost counted above is counted: never on top.
                if let (Some(s), CostState::Reported(_)) = (u.search_cost, a.cost) {
                    acc.stats.search_cost += s;
                    out.search_cost += s;
                }
            }
            match a.cost {
                CostState::Reported(c) => {
                    acc.stats.cost += c;
                    out.total += c;
                    let provider = match names.provider(a) {
                        Some(p) => p.clone(),
                        None if names.is_blind() => Clean::line("hidden in a blind round"),
                        None => Clean::line("unknown provider"),
                    };
                    *providers.entry(provider).or_default() += c;
                }
                CostState::Pending | CostState::Unknown => {
                    acc.stats.uncosted += 1;
                    out.uncosted += 1;
                }
            }
            if let Some(t) = r.ttft {
                acc.ttft.push(t);
            }
            if let Some(tps) = r
                .tokens_per_second()
                .filter(|_| a.state == AnswerState::Complete)
            {
                acc.stats.recent_speeds.push(tps);
            }
        }
    }
    out.models = models
        .into_values()
        .map(|mut acc| {
            let speeds = &acc.stats.recent_speeds;
            #[allow(clippy::cast_precision_loss)]
            let mean =
                (!speeds.is_empty()).then(|| speeds.iter().sum::<f64>() / speeds.len() as f64);
            acc.stats.mean_tokens_per_second = mean;
            let n = u32::try_from(acc.ttft.len()).unwrap_or(u32::MAX);
            acc.stats.mean_ttft = (n > 0).then(|| acc.ttft.iter().sum::<Duration>() / n);
            let skip = speeds.len().saturating_sub(RECENT);
            acc.stats.recent_speeds.drain(..skip);
            acc.stats
        })
        .collect();
    out.models.sort_by(|a, b| {
        b.cost
            .as_usd()
            .total_cmp(&a.cost.as_usd())
            .then_with(|| a.model.cmp(&b.model))
    });
    out.providers = providers.into_iter().collect();
    out.providers.sort_by(|a, b| {
        b.1.as_usd()
            .total_cmp(&a.1.as_usd())
            .then_with(|| a.0.cmp(&b.0))
    });
    out
}

/// The latest round ranked, one line per measure (`cost: 2 a/fast $0.0001 < 1 b/slow $0.002`):
/// each pane's latest complete answer by cost (cheapest first), time to first token (first
/// first), speed (fastest first) and length (longest first). Panes are named through
/// `Identity`; a measure no answer reported is left out.
pub fn latest_round(panes: &[Pane]) -> Vec<(&'static str, String)> {
    struct Entry {
        name: String,
        cost: Option<Cost>,
        ttft: Option<Duration>,
        speed: Option<f64>,
        tokens: Option<u64>,
    }
    let entries: Vec<Entry> = panes
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let a = p
                .last_answer()
                .filter(|a| a.state == AnswerState::Complete)?;
            Some(Entry {
                name: format!("{} {}", i + 1, p.identity(i).model()),
                cost: match a.cost {
                    CostState::Reported(c) => Some(c),
                    CostState::Pending | CostState::Unknown => None,
                },
                ttft: a.reply.ttft,
                speed: a.reply.tokens_per_second(),
                tokens: a.reply.usage.map(|u| u.completion_tokens),
            })
        })
        .collect();
    if entries.len() < 2 {
        return Vec::new();
    }
    fn ranked<T: Copy>(
        entries: &[Entry],
        value: impl Fn(&Entry) -> Option<T>,
        order: impl Fn(&T, &T) -> std::cmp::Ordering,
        show: impl Fn(T) -> String,
    ) -> Option<String> {
        let mut known: Vec<(&str, T)> = entries
            .iter()
            .filter_map(|e| Some((e.name.as_str(), value(e)?)))
            .collect();
        if known.is_empty() {
            return None;
        }
        known.sort_by(|a, b| order(&a.1, &b.1));
        let parts: Vec<String> = known
            .into_iter()
            .map(|(name, v)| format!("{name} {}", show(v)))
            .collect();
        Some(parts.join(" · "))
    }
    let rows = [
        (
            "cheapest",
            ranked(
                &entries,
                |e| e.cost,
                |a, b| a.as_usd().total_cmp(&b.as_usd()),
                |c| c.to_string(),
            ),
        ),
        (
            "first token",
            ranked(
                &entries,
                |e| e.ttft,
                Ord::cmp,
                |t| format!("{:.2} s", t.as_secs_f64()),
            ),
        ),
        (
            "fastest",
            ranked(
                &entries,
                |e| e.speed,
                |a, b| b.total_cmp(a),
                |s| format!("{s:.0} tok/s"),
            ),
        ),
        (
            "longest",
            ranked(
                &entries,
                |e| e.tokens,
                |a, b| b.cmp(a),
                |t| format!("{t} tok"),
            ),
        ),
    ];
    rows.into_iter()
        .filter_map(|(what, line)| Some((what, line?)))
        .collect()
}
